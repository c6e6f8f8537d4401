#!/usr/bin/env bash
# test_batch.sh - batch on backfilled history: rows equal report's for the same
# windows (0.5%), jobs file errors name the line, nodes without data, and a
# Prometheus that goes away mid-batch: the rows computed are written, the rest
# named, exit 3, and --resume completes the file without duplicates.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

# Five nodes (CPU-only, one GPU, two GPUs), six hours ending two hours ago.
now=$(date +%s)
t0=$(( (now - 8 * 3600) / 600 * 600 ))
python3 "$TOOLS/history.py" lab 5 "$t0" 6 "$PT_TMP/spec.json" || fatal "generator"
# node0004's exporters do not answer from 2 h to 2 h 40 min: no samples, up = 0.
python3 - "$PT_TMP/spec.json" <<'PY' || fatal "generator"
import json, sys
spec = json.load(open(sys.argv[1]))
spec["nodes"][4]["down"] = [[7200, 9600]]
spec["nodes"][2]["gpu_down"] = [[7200, 9600]]  # its GPU exporter alone
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
PROM_URL=$PT_URL
printf 'prometheus: {url: %s, retries: 1}\n' "$PROM_URL" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml

# Forty windows from 10 minutes to 3 hours at arbitrary (sub-second) times,
# every kind of node list, columns in another order and one column ignored.
python3 - "$t0" >"$PT_TMP/jobs.csv" <<'PY'
import random, sys
t0 = int(sys.argv[1]); rnd = random.Random(11)
lists = ["", "node0000", "node0001;node0002", "node0004;node0000;node0003", "node0002"]
print("end,comment,nodes,start,task")
for i in range(40):
    d = rnd.choice([600, 1200, 2700, 3600, 5400, 10800]) + rnd.random() * 60
    s = t0 + 30 + rnd.random() * (6 * 3600 - 60 - d)
    print('%.3f,"note, %d",%s,%.3f,job%02d' % (s + d, i, rnd.choice(lists), s, i))
# On 10-minute boundaries, where the load changes.
print("%d,,,%d,aligned" % (t0 + 4200, t0 + 600))
# Around node0004's 40 minutes without scrapes, twice as long: with its rows
# (and those of other jobs over the gap) partial, batch exits 1.
print("%d,,node0004;node0003,%d,gap" % (t0 + 10800, t0 + 6000))
# node0002's GPU exporter (one of its two targets) down for half of it.
print("%d,,node0002,%d,gpugap" % (t0 + 10800, t0 + 6000))
# Half before the history begins.
print("%d,,node0001;node0002,%d,early" % (t0 + 1800, t0 - 1800))
PY
njobs=44

# ---- batch = report, window by window ----
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" -o "$PT_TMP/batch.csv"
assert_match "$ERR" "for $njobs jobs; $njobs computed with 0 range queries in 0 slices" "plan summary"
assert_match "$ERR" "batch plan: $njobs jobs from raw samples \\([0-9]+ fetches of one window, [0-9]+ slices holding several; [0-9]+ requests" "raw samples for every job"
assert_not_contains "$ERR" $'\r' "no progress bar when stderr is not a terminal"
queries=$(grep -o '; [0-9]* requests' <<<"$ERR" | tr -dc 0-9)
# Far fewer requests than a report per job would send (every entry once).
entries=$(grep -c '^  - quantity' "$PT_SOURCE_DIR/queries/default.yaml")
if ((queries > 0 && queries * 4 < entries * njobs)); then ok "$queries requests for $njobs jobs ($entries query-set entries)"; else fail "$queries requests for $njobs jobs ($entries entries)"; fi

head -1 "$PT_TMP/batch.csv" >"$PT_TMP/report.csv"
while IFS=, read -r end _ nodes start task; do
	args=()
	for n in ${nodes//;/ }; do args+=(--node "$n"); done
	pt -c "$CFG" report --start "$start" --end "$end" --task "$task" "${args[@]}" |
		tail -n +2 >>"$PT_TMP/report.csv" || true
done < <(tail -n +2 "$PT_TMP/jobs.csv" | sed 's/"note, [0-9]*"/x/')

cat >"$PT_TMP/compare.py" <<'PY'
import csv, sys
tol = float(sys.argv[3])
a = list(csv.reader(open(sys.argv[1], newline="")))
b = list(csv.reader(open(sys.argv[2], newline="")))
head, bad, worst, n = a[0], [], 0.0, 0
text = {"task", "node", "start", "end", "cpu_source", "ram_source", "gpu_source", "power_source",
        "status"}
gap = 0
if a[0] != b[0]:
    bad.append("headers differ")
if len(a) != len(b):
    bad.append("%d rows vs %d" % (len(a) - 1, len(b) - 1))
for x, y in zip(a[1:], b[1:]):
    # Rows with failed scrapes or windows past the data must say so alike;
    # their figures cover what there is, which rate() and the grid count
    # differently.
    part = "scrapes failed" in y[-1] or "data covers" in y[-1]
    gap += part
    for c, u, v in zip(head, x, y):
        if part and c not in text:
            continue
        if c in text or u == "" or v == "":
            if u != v:
                bad.append("%s/%s %s: %r vs %r" % (x[0], x[1], c, u, v))
            continue
        u, v = float(u), float(v)
        rel = 0.0 if abs(u - v) < 1e-3 else abs(u - v) / max(abs(v), 1e-9)
        worst, n = max(worst, rel), n + 1
        if rel > tol:
            bad.append("%s/%s %s: %s vs %s (%.3f%%)" % (x[0], x[1], c, u, v, 100 * rel))
for line in bad[:20]:
    print("MISMATCH", line)
print("%d rows (%d partial), %d numbers, worst difference %.4f%%"
      % (len(a) - 1, gap, n, 100 * worst))
sys.exit(1 if bad or n == 0 else 0)
PY
if python3 "$PT_TMP/compare.py" "$PT_TMP/batch.csv" "$PT_TMP/report.csv" 0.005 >"$PT_TMP/cmp" 2>&1; then
	ok "batch rows = report rows within 0.5%: $(tail -1 "$PT_TMP/cmp")"
else
	fail "batch vs report"; cat "$PT_TMP/cmp"
fi
# Raw samples evaluate each window as Prometheus does: equal to report but
# for the last digit (the order of additions).
if python3 "$PT_TMP/compare.py" "$PT_TMP/batch.csv" "$PT_TMP/report.csv" 0.0002 >"$PT_TMP/cmp" 2>&1; then
	ok "batch from raw samples = report within 0.02%: $(tail -1 "$PT_TMP/cmp")"
else
	fail "batch from raw samples vs report"; cat "$PT_TMP/cmp"
fi
# Every plan gives the same rows; range queries on the grid within 0.5%.
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" --fetch range -o "$PT_TMP/brange.csv"
assert_match "$ERR" "$njobs computed with [1-9][0-9]* range queries" "--fetch range: range queries"
assert_contains "$ERR" "0 jobs from raw samples" "--fetch range: no raw samples"
if python3 "$PT_TMP/compare.py" "$PT_TMP/brange.csv" "$PT_TMP/report.csv" 0.005 >"$PT_TMP/cmp" 2>&1; then
	ok "range queries = report within 0.5%: $(tail -1 "$PT_TMP/cmp")"
else
	fail "range queries vs report"; cat "$PT_TMP/cmp"
fi
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" --fetch windows -o "$PT_TMP/bwin.csv"
assert_contains "$ERR" "$njobs jobs from raw samples ($njobs fetches of one window, 0 slices" "--fetch windows: one fetch per job"
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" --fetch slices -o "$PT_TMP/bsl.csv"
assert_match "$ERR" "$njobs jobs from raw samples \\([0-9]+ fetches of one window, [1-9][0-9]* slices" "--fetch slices: slices"
for f in bwin bsl; do
	if python3 "$PT_TMP/compare.py" "$PT_TMP/$f.csv" "$PT_TMP/batch.csv" 0.00001 >"$PT_TMP/cmp" 2>&1; then
		ok "--fetch ${f#b}: the same rows as auto"
	else
		fail "--fetch ${f#b} differs from auto"; cat "$PT_TMP/cmp"
	fi
done
# --chunk bounds a raw fetch's span: longer jobs go to range queries.
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" --chunk 50m -o "$PT_TMP/bchunk.csv"
long=$(python3 -c 'import csv, sys; print(sum(float(r["end"]) - float(r["start"]) > 3000 for r in csv.DictReader(open(sys.argv[1]))))' "$PT_TMP/jobs.csv")
assert_contains "$ERR" "$((njobs - long)) jobs from raw samples" "--chunk 50m: the short jobs from raw samples"
assert_match "$ERR" "), $long from range queries" "--chunk 50m: the $long longer ones from range queries"
if python3 "$PT_TMP/compare.py" "$PT_TMP/bchunk.csv" "$PT_TMP/report.csv" 0.005 >"$PT_TMP/cmp" 2>&1; then
	ok "both kinds in one run = report: $(tail -1 "$PT_TMP/cmp")"
else
	fail "mixed plan vs report"; cat "$PT_TMP/cmp"
fi
# The cost-based plan: a few short jobs hours apart are fetched each alone;
# many overlapping ones share slices.
python3 - "$t0" >"$PT_TMP/sparse.csv" <<'PY'
import sys
t0 = int(sys.argv[1])
print("task,start,end,nodes")
for i in range(3):
    print("s%d,%d,%d,node000%d" % (i, t0 + 600 + i * 9000, t0 + 660 + i * 9000, i))
PY
python3 - "$t0" >"$PT_TMP/dense.csv" <<'PY'
import sys
t0 = int(sys.argv[1])
print("task,start,end,nodes")
for i in range(30):
    print("d%d,%d,%d,node000%d;node000%d" % (i, t0 + 600 + i * 100, t0 + 2400 + i * 100, i % 4, (i + 2) % 4))
PY
assert_exit 0 pt -c "$CFG" -v batch "$PT_TMP/sparse.csv" -o "$PT_TMP/o.csv"
assert_contains "$ERR" "3 jobs from raw samples (3 fetches of one window, 0 slices" "sparse jobs: one fetch per window"
assert_exit 0 pt -c "$CFG" -v batch "$PT_TMP/dense.csv" -o "$PT_TMP/o.csv"
assert_match "$ERR" "30 jobs from raw samples \\(0 fetches of one window, [1-3] slices holding several" "dense jobs: a few slices"

# Rows follow the jobs file; every-node jobs have one row per node with data.
tasks=$(tail -n +2 "$PT_TMP/batch.csv" | cut -d, -f1 | uniq | tr '\n' ' ')
assert_eq "$(tail -n +2 "$PT_TMP/jobs.csv" | awk -F, '{print $NF}' | tr '\n' ' ')" "$tasks" "rows in the jobs file's order"
assert_eq 5 "$(grep -c '^aligned,' "$PT_TMP/batch.csv")" "every node for an empty nodes cell"
assert_match "$(cat "$PT_TMP/batch.csv")" $'\ngap,node0004,[^\n]*,partial: 50% of scrapes failed\n' \
	"a node down for 40 of the window's 80 minutes is partial"
assert_match "$(cat "$PT_TMP/batch.csv")" $'\ngap,node0003,[^\n]*,ok\n' "its neighbour is ok"
assert_match "$(cat "$PT_TMP/batch.csv")" $'\nearly,node0001,[^\n]*,partial: data covers 50% of the window\n' \
	"a window half before the history is partial"
assert_match "$(cat "$PT_TMP/batch.csv")" $'\ngpugap,node0002,[^\n]*,partial: 25% of scrapes failed\n' \
	"one of a node's two targets down for half the window"

# Standard output is the same CSV.
assert_exit 1 pt -c "$CFG" batch "$PT_TMP/jobs.csv"
assert_eq "$(cat "$PT_TMP/batch.csv")" "$OUT" "stdout = -o file"

# ---- the same on VictoriaMetrics (MetricsQL: rate() from the sample before
# the window, ranges open at the start): batch follows the store's semantics ----
if command -v victoria-metrics >/dev/null; then
	python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.prom" --ms || fatal "generator"
	vm_url=http://127.0.0.1:$(free_port)
	victoria-metrics -httpListenAddr "${vm_url#http://}" -storageDataPath "$PT_TMP/vm" \
		-retentionPeriod 100y -search.latencyOffset 0s -loggerLevel ERROR >"$PT_TMP/vm.log" 2>&1 &
	cleanup_pid $!
	wait_until 20 curl -sf "$vm_url/health" || fatal "VictoriaMetrics did not start"
	curl -sf --data-binary "@$PT_TMP/history.prom" "$vm_url/api/v1/import/prometheus" || fatal "import"
	curl -sf "$vm_url/internal/force_flush" >/dev/null || true
	wait_until 20 sh -c "curl -sf '$vm_url/api/v1/query?query=count(node_memory_MemTotal_bytes)&time=$((t0 + 3600))' | grep -q '\"5\"'" ||
		fatal "imported series not visible"
	head -16 "$PT_TMP/jobs.csv" >"$PT_TMP/vmjobs.csv"
	assert_exit 1 pt -c "$CFG" -u "$vm_url" batch "$PT_TMP/vmjobs.csv" -o "$PT_TMP/vmbatch.csv"
	head -1 "$PT_TMP/vmbatch.csv" >"$PT_TMP/vmreport.csv"
	while IFS=, read -r end _ nodes start task; do
		args=()
		for n in ${nodes//;/ }; do args+=(--node "$n"); done
		pt -c "$CFG" -u "$vm_url" report --start "$start" --end "$end" --task "$task" "${args[@]}" |
			tail -n +2 >>"$PT_TMP/vmreport.csv" || true
	done < <(tail -n +2 "$PT_TMP/vmjobs.csv" | sed 's/"note, [0-9]*"/x/')
	if python3 "$PT_TMP/compare.py" "$PT_TMP/vmbatch.csv" "$PT_TMP/vmreport.csv" 0.005 >"$PT_TMP/cmp" 2>&1; then
		ok "VictoriaMetrics: batch rows = report rows within 0.5%: $(tail -1 "$PT_TMP/cmp")"
	else
		fail "VictoriaMetrics: batch vs report"; cat "$PT_TMP/cmp"
	fi
else
	echo "skip: victoria-metrics is not installed"
fi

# ---- nodes without data ----
cat >"$PT_TMP/ghost.csv" <<EOF
task,start,end,nodes
real,$((t0 + 600)),$((t0 + 1800)),node0001;ghost
before,$((t0 - 7200)),$((t0 - 3600)),
EOF
assert_exit 1 pt -c "$CFG" batch "$PT_TMP/ghost.csv"
assert_match "$OUT" $'\nreal,node0001,[^\n]*,ok' "node with data is ok"
assert_match "$OUT" $'\nreal,ghost,[^\n]*,1200.000,,,,,,,,,,,,,,,,,,1.000,475.000,,none,none,none,sum,no_data: ' "ghost gets a no_data row"
assert_match "$OUT" $'\nbefore,,[^\n]*,no_data: no node has data in this window' "window without data gets a row"
assert_eq 4 "$(wc -l <<<"$OUT" | tr -d ' ')" "header + 3 rows"

# ---- a --step coarser than a job: the row says so ----
printf 'task,start,end,nodes\nshort,%s,%s,node0001\n' "$((t0 + 600))" "$((t0 + 1200))" >"$PT_TMP/short.csv"
assert_exit 1 pt -c "$CFG" batch "$PT_TMP/short.csv" --step 10m
assert_contains "$OUT" "partial: window shorter than two steps (600s): use a finer --step" "coarse step flagged"

# ---- jobs file errors: exit 2, naming file and line; no output written ----
printf 'task,start,nodes\nt,%s,node0001\n' "$t0" >"$PT_TMP/nocol.csv"
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/nocol.csv" -o "$PT_TMP/never.csv"
assert_contains "$ERR" "powertest: $PT_TMP/nocol.csv:1: the header has no 'end' column" "missing column"
cat >"$PT_TMP/bad.csv" <<EOF
task,start,end,nodes
ok,$((t0 + 600)),$((t0 + 1200)),
short,$((t0 + 600))
badtime,yesterday,$((t0 + 1200)),
backwards,$((t0 + 1200)),$((t0 + 600)),node0001
running,$((now - 60)),$((now + 3600)),node0001
EOF
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/bad.csv" -o "$PT_TMP/never.csv"
# One line: the first bad row, and how many more.
assert_eq "powertest: $PT_TMP/bad.csv:3: 2 fields where the header has 4: no value for 'end' (and 3 more bad rows)" \
	"$ERR" "row without a column, one line"
# Each of the others on its own names its line too.
check_bad_row() { # check_bad_row ROW MESSAGE WHAT
	printf 'task,start,end,nodes\nok,%s,%s,\n%s\n' "$((t0 + 600))" "$((t0 + 1200))" "$1" >"$PT_TMP/bad1.csv"
	assert_exit 2 pt -c "$CFG" batch "$PT_TMP/bad1.csv" -o "$PT_TMP/never.csv"
	assert_eq "powertest: $PT_TMP/bad1.csv:3: $2" "$ERR" "$3"
}
check_bad_row "badtime,yesterday,$((t0 + 1200))," "start: invalid time 'yesterday': expected RFC 3339 (2026-11-21T10:00:00Z) or Unix seconds" \
	"unparsable time"
check_bad_row "backwards,$((t0 + 1200)),$((t0 + 600)),node0001" "end ($((t0 + 600))) is before start ($((t0 + 1200)))" \
	"end before start"
check_bad_row "running,$((now - 60)),$((now + 3600)),node0001" "end ($((now + 3600))) is in the future: the job is not over" \
	"job not over"
printf 'node0001,%s,%s\n' "$t0" "$((t0 + 60))" >"$PT_TMP/noheader.csv"
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/noheader.csv"
assert_contains "$ERR" "noheader.csv:1: the header has no 'task' or 'start' or 'end' column" "no header: one message"
if [[ ! -e $PT_TMP/never.csv ]]; then ok "no output for a bad jobs file"; else fail "output written for a bad jobs file"; fi
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/jobs.csv" --resume
assert_contains "$ERR" "--resume needs -o FILE" "--resume without -o"

# ---- Prometheus goes away mid-batch ----
# A proxy in front of Prometheus that dies (connections refused from then on)
# at the first range query, or fetch of raw samples, reaching past t0 + 3h:
# deterministic, since the batch fetches its time slices in order.
cat >"$PT_TMP/proxy.py" <<'PY'
import http.server, os, sys, urllib.error, urllib.parse, urllib.request
upstream, cutoff, port_file = sys.argv[1], float(sys.argv[2]), sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if self.path.startswith("/api/v1/query_range") and body:
            start = urllib.parse.parse_qs(body.decode()).get("start", ["0"])[0]
            if float(start) >= cutoff:
                os._exit(0)  # Prometheus is gone
        if self.path.startswith("/api/v1/query?") or self.path == "/api/v1/query":
            form = urllib.parse.parse_qs(body.decode() if body else "")
            if "}[" in form.get("query", [""])[0] and float(form.get("time", ["0"])[0]) >= cutoff:
                os._exit(0)
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
        if self.headers.get("Content-Type"):
            req.add_header("Content-Type", self.headers["Content-Type"])
        try:
            r = urllib.request.urlopen(req, timeout=30)
            code, data, ctype = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            code, data, ctype = e.code, e.read(), e.headers.get("Content-Type")
        self.send_response(code)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = relay
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(port_file + ".tmp", "w").write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
PY
python3 "$PT_TMP/proxy.py" "$PROM_URL" $((t0 + 3 * 3600)) "$PT_TMP/proxy.port" &
proxy_pid=$!
cleanup_pid "$proxy_pid"
wait_until 10 test -s "$PT_TMP/proxy.port" || fatal "proxy did not start"
proxy_url=http://127.0.0.1:$(cat "$PT_TMP/proxy.port")

# Range queries (--fetch range) in 30-minute slices, in time order; raw
# samples fail alike (below).
assert_exit 3 pt -c "$CFG" -u "$proxy_url" batch "$PT_TMP/jobs.csv" --fetch range --chunk 30m -o "$PT_TMP/resumed.csv"
assert_contains "$ERR" "powertest: range query for " "the error"
assert_match "$ERR" "; no rows for [0-9]+ of $njobs jobs: job" "failed tasks named"
assert_contains "$ERR" "run the same command with --resume" "hint"
assert_eq 1 "$(wc -l <"$ERR_FILE" | tr -d ' ')" "one line"
failed=$(grep -o 'no rows for [0-9]*' <<<"$ERR" | tr -dc 0-9)
named=$(grep 'no rows for' <<<"$ERR" | grep -o '[a-z0-9]* (line [0-9]*)' | cut -d' ' -f1 | sort)
written=$(tail -n +2 "$PT_TMP/resumed.csv" | cut -d, -f1 | sort -u)
all=$(tail -n +2 "$PT_TMP/jobs.csv" | awk -F, '{print $NF}' | sort)
if ((failed > 0 && failed < njobs)); then ok "$failed of $njobs jobs failed, the others written"; else fail "$failed of $njobs failed"; fi
assert_eq "$failed" "$(wc -l <<<"$named" | tr -d ' ')" "every failed task named"
assert_eq "" "$(comm -12 <(echo "$named") <(echo "$written"))" "no rows of failed tasks"
assert_eq "$all" "$(sort <(echo "$named") <(echo "$written"))" "written + failed = every job"
# Rows written are whole and the same as the full run's.
if python3 - "$PT_TMP/resumed.csv" "$PT_TMP/brange.csv" <<'PY'
import csv, sys
def same(a, b):
    try:
        return abs(float(a) - float(b)) <= 1e-4 * max(1.0, abs(float(b)))
    except ValueError:
        return a == b
part = list(csv.reader(open(sys.argv[1], newline="")))
full = {tuple(r[:4]): r for r in csv.reader(open(sys.argv[2], newline=""))}
assert part[0] == full[("task", "node", "start", "end")]
for r in part[1:]:
    assert len(r) == 30 and all(same(a, b) for a, b in zip(r, full[tuple(r[:4])])), r
PY
then ok "rows written before the failure are complete"; else fail "partial rows differ"; fi

# The same failure over a file of an earlier run: its rows are not lost.
python3 "$PT_TMP/proxy.py" "$PROM_URL" $((t0 + 3 * 3600)) "$PT_TMP/proxy2.port" &
cleanup_pid $!
wait_until 10 test -s "$PT_TMP/proxy2.port" || fatal "proxy did not start"
cp "$PT_TMP/batch.csv" "$PT_TMP/earlier.csv"
assert_exit 3 pt -c "$CFG" -u "http://127.0.0.1:$(cat "$PT_TMP/proxy2.port")" batch "$PT_TMP/jobs.csv" --fetch range --chunk 30m \
	-o "$PT_TMP/earlier.csv"
assert_contains "$ERR" "$PT_TMP/earlier.csv is left as it was" "says the file is kept"
assert_eq "$(cat "$PT_TMP/batch.csv")" "$(cat "$PT_TMP/earlier.csv")" "an earlier run's file is not replaced by fewer rows"

# --resume against Prometheus: only the missing jobs are computed.
assert_exit 1 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" --fetch range --chunk 30m -o "$PT_TMP/resumed.csv" --resume
assert_contains "$ERR" "for $njobs jobs; $failed computed with" "only the failed jobs computed"
dups=$(tail -n +2 "$PT_TMP/resumed.csv" | cut -d, -f1-4 | sort | uniq -d)
assert_eq "" "$dups" "no duplicate rows"
# (Other slices sum in another order: the last printed digit may differ.)
if python3 "$PT_TMP/compare.py" "$PT_TMP/resumed.csv" "$PT_TMP/brange.csv" 0.0002 >"$PT_TMP/cmp" 2>&1; then
	ok "resumed file = uninterrupted run ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "resumed file differs"; cat "$PT_TMP/cmp"
fi

# Raw samples fail alike: the error, the hint, and --resume completes the file.
python3 "$PT_TMP/proxy.py" "$PROM_URL" $((t0 + 3 * 3600)) "$PT_TMP/proxy3.port" &
cleanup_pid $!
wait_until 10 test -s "$PT_TMP/proxy3.port" || fatal "proxy did not start"
assert_exit 3 pt -c "$CFG" -u "http://127.0.0.1:$(cat "$PT_TMP/proxy3.port")" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/rawfail.csv"
assert_contains "$ERR" "powertest: raw samples" "raw samples: the error says what failed"
assert_contains "$ERR" "run the same command with --resume" "raw samples: the hint"
assert_exit 1 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/rawfail.csv" --resume
if python3 "$PT_TMP/compare.py" "$PT_TMP/rawfail.csv" "$PT_TMP/batch.csv" 0.0002 >"$PT_TMP/cmp" 2>&1; then
	ok "raw samples: resumed file = uninterrupted run ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "raw samples: resumed file differs"; cat "$PT_TMP/cmp"
fi

# Prometheus stopped: a complete file resumes without asking anything; a run
# that must ask fails with 3 and leaves the file it would replace alone.
prom_kill
cp "$PT_TMP/resumed.csv" "$PT_TMP/before.csv"
assert_exit 1 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/resumed.csv" --resume
assert_eq "$(cat "$PT_TMP/before.csv")" "$(cat "$PT_TMP/resumed.csv")" "complete file unchanged"
assert_exit 3 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/resumed.csv"
assert_contains "$ERR" "cannot reach" "unreachable"
assert_eq "$(cat "$PT_TMP/before.csv")" "$(cat "$PT_TMP/resumed.csv")" "file left alone when nothing was computed"
pass
