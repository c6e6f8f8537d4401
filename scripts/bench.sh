#!/usr/bin/env bash
# bench.sh - speed and memory of powertest against the floor, on backfilled labs.
# A benchmark, not a test: it prints ratios and says whether each target is met;
# it exits 0 unless something could not be measured.
#
#   scripts/bench.sh [--only report|batch|export|month|db|carbon] [--nodes N] [--repeat K]
#
# report: a 200-node lab (a third CPU-only, a third 1 GPU, a third 2 GPUs; RAPL,
#   Kepler, IPMI, Redfish and dcgm-exporter on a share of them) with
#   2 h of 15 s history; `powertest report` for all nodes over a 1-hour window
#   against the floor: the same PromQL fetched with curl (sequentially, and all
#   at once), best of K runs each. Targets: within 1.25x of the floor, peak
#   memory under 64 MiB.
# batch/export: a 60-node lab with 6 h of history and 400 jobs. batch against
#   the data floor: curl fetching the raw samples of the series the default
#   query set reads (each distinct range selector of its PromQL as one instant
#   query over the span the jobs cover, all at once, not parsed); against the
#   seed's method (three sequential instant queries per job, in Python with
#   requests, as the original script); the same two through
#   tests/tools/delayproxy.py, which answers every request 5 ms later (a
#   remote Prometheus); and against one `report` per job (results must be
#   equal). export against fetching the same series with curl. Targets: batch
#   within 1.5x of the data floor, at least 10x faster than the seed's method
#   (20x through the proxy), values equal to report's (but for one unit of
#   the last printed digit), peak memory
#   under 64 MiB. batch's `-v` lines "powertest: batch plan..." are shown.
# month: 50 nodes x 30 days at a 60 s step, written and backfilled one day at
#   a time (tests/tools/history.py write --from/--to, promtool, then lab.sh
#   start --blocks --no-compaction), and 2,000 jobs of 10 to 120 minutes on 1
#   to 3 nodes; batch (--scrape-interval 60s) against the seed's method, and
#   against one `report` for every 50th job. Targets: at least 5x faster than
#   the seed's method, peak memory under 64 MiB. Prints the time the history
#   took and the disk it used.
# carbon: the batch lab and jobs again, batch with an hourly carbon intensity
#   file (power.carbon_intensity_file) against batch without one, best of K
#   runs each, and one 6-hour report with and without. Target: batch with the
#   file within 1.2x of batch without.
# db: about 100,000 export rows into SQLite, MariaDB and PostgreSQL against
#   writing them as CSV: seconds, rows per second, ratio.
#
# Uses build/powertest (PT_BIN to override) and promtool (PT_PROMTOOL); starts
# and stops its own labs and proxy; its files live in one temp dir, removed at
# the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
PT=${PT_BIN:-$ROOT/build/powertest}
ONLY="" NODES=200 REPEAT=5
while (($#)); do
	case $1 in
	--only) ONLY=$2; shift ;;
	--nodes) NODES=$2; shift ;;
	--repeat) REPEAT=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ -x $PT ]] || { echo "bench.sh: $PT is missing; run scripts/setup.sh" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench.XXXXXX")
LABS=() PIDS=()
cleanup() {
	local d p
	for p in "${PIDS[@]}"; do
		if kill "$p" 2>/dev/null; then wait "$p" 2>/dev/null || true; fi
	done
	for d in "${LABS[@]}"; do bash "$ROOT/scripts/lab.sh" stop --dir "$d" >/dev/null 2>&1 || true; done
	rm -rf -- "$WORK"
}
trap cleanup EXIT
# A signal ends the script through its EXIT trap: labs and proxy stopped, files removed.
trap 'exit 130' INT
trap 'exit 143' TERM

# start_lab NAME NODES HOURS [--meters]: backfilled lab; sets URL and T0.
start_lab() {
	local name=$1 n=$2 hours=$3 now
	now=$(date +%s)
	T0=$(((now - (${hours%.*} + 3) * 3600) / 3600 * 3600))
	python3 "$ROOT/tests/tools/history.py" lab "$n" "$T0" "$hours" "$WORK/$name.json" ${4:-}
	python3 "$ROOT/tests/tools/history.py" write "$WORK/$name.json" "$WORK/$name.om"
	# No compaction: Prometheus would merge the blocks in the background, in
	# the middle of some measurement.
	URL=$(bash "$ROOT/scripts/lab.sh" start --dir "$WORK/lab-$name" --no-exporters --no-compaction \
		--backfill "$WORK/$name.om" 2>"$WORK/lab-$name.log" | tail -n 1)
	LABS+=("$WORK/lab-$name")
	rm -f "$WORK/$name.om"
}

# measure OUT CMD...: best wall time (s) and peak RSS (KiB) over REPEAT runs -> "secs kib"
measure() {
	local out=$1
	shift
	python3 - "$REPEAT" "$out" "$@" <<'PY'
import resource, subprocess, sys, time
repeat, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = None
for _ in range(repeat):
    t = time.perf_counter()
    with open(out, "wb") as f:
        rc = subprocess.call(cmd, stdout=f)
    dt = time.perf_counter() - t
    if rc not in (0, 1):
        sys.exit("command failed (%d): %s" % (rc, " ".join(cmd)))
    best = dt if best is None else min(best, dt)
print("%.4f %d" % (best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

# fmin A B: the smaller number
fmin() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

verdict() { # verdict OK-CONDITION-AS-AWK-EXPR
	awk "BEGIN { exit !($1) }" && echo "met" || echo "NOT met"
}

bench_report() {
	echo "== report: $NODES nodes, 1-hour window, the default (multi-source) query set"
	# Meters on a share of the nodes: RAPL, Kepler, IPMI, Redfish, dcgm-exporter.
	start_lab report "$NODES" 2 --meters
	local start=$((T0 + 1800)) end=$((T0 + 5400)) q i
	# The exact PromQL powertest sends, from `check`.
	"$PT" -u "$URL" check --offline --last 1h |
		awk '/^# / { getline; print }' >"$WORK/promql.txt"
	[[ -s $WORK/promql.txt ]] || { echo "bench.sh: no PromQL from check" >&2; exit 2; }
	# floor 1: each query with curl, one after another
	: >"$WORK/curl-seq.sh"
	while IFS= read -r q; do
		printf 'curl -sf -o /dev/null %q --data-urlencode %q --data-urlencode %q\n' \
			"$URL/api/v1/query" "query=$q" "time=$end" >>"$WORK/curl-seq.sh"
	done <"$WORK/promql.txt"
	# floor 2: all at once in one curl (parallel transfers)
	{
		printf 'curl -sf --no-progress-meter -Z'
		i=0
		while IFS= read -r q; do
			((i++ == 0)) || printf ' --next'
			printf ' -o /dev/null %q --data-urlencode %q --data-urlencode %q' \
				"$URL/api/v1/query" "query=$q" "time=$end"
		done <"$WORK/promql.txt"
		echo
	} >"$WORK/curl-par.sh"
	read -r t_seq _ < <(measure "$WORK/o1" bash "$WORK/curl-seq.sh")
	read -r t_par _ < <(measure "$WORK/o2" bash "$WORK/curl-par.sh")
	read -r t_pt kib < <(measure "$WORK/report.csv" "$PT" -u "$URL" report --start "$start" --end "$end")
	local rows floor
	rows=$(($(wc -l <"$WORK/report.csv") - 1))
	floor=$(awk -v a="$t_seq" -v b="$t_par" 'BEGIN { print (a < b ? a : b) }')
	printf '  queries: %d, rows: %d\n' "$(wc -l <"$WORK/promql.txt")" "$rows"
	printf '  curl, sequential: %.3f s; curl, parallel: %.3f s; floor %.3f s\n' "$t_seq" "$t_par" "$floor"
	printf '  powertest report: %.3f s = %.2fx the floor (target <= 1.25x: %s)\n' "$t_pt" \
		"$(awk -v a="$t_pt" -v b="$floor" 'BEGIN { print a / b }')" \
		"$(verdict "$t_pt <= 1.25 * $floor")"
	printf '  peak memory: %.1f MiB (target < 64 MiB: %s)\n' "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" \
		"$(verdict "$kib < 65536")"
	((rows == NODES)) || echo "  WARNING: $rows rows for $NODES nodes"
}

# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# batch_jobs N [SPEC [MIN MAX]]: N jobs of MIN to MAX seconds (default 5 to 90
# minutes) on 1 to 3 nodes of the lab in SPEC (default the batch lab), spread
# over its history, into $WORK/jobs.csv
batch_jobs() {
	python3 - "${2:-$WORK/batch.json}" "$1" "${3:-300}" "${4:-5400}" >"$WORK/jobs.csv" <<'PY'
import json, random, sys
spec, n, lo, hi = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(11)
hosts = [x["host"] for x in spec["nodes"]]
t0, span = spec["t0"], (spec["samples"] - 1) * spec["step"]
print("task,start,end,nodes,owner")
for i in range(n):
    dur = rnd.randint(lo, hi)
    start = t0 + rnd.randint(600, span - dur - 60)
    nodes = ";".join(rnd.sample(hosts, rnd.randint(1, 3)))
    print("job%03d,%d,%d,%s,someone" % (i, start, start + dur, nodes))
PY
}

# The seed's method, as the original script did it: three instant queries per
# job, one after another, each a plain requests.get (no session), the answer
# decoded. Usage: python3 $WORK/seed.py URL JOBS.csv
write_seed() {
	cat >"$WORK/seed.py" <<'PY'
import csv, sys
import requests
url = sys.argv[1]
Q = ['1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle",instance=~"%s"}[%ds]))',
     'avg by (instance, uuid) (avg_over_time(nvidia_smi_power_draw_watts{instance=~"%s"}[%ds]))',
     'avg by (instance) (avg_over_time(node_memory_MemTotal_bytes{instance=~"%s"}[%ds]) - avg_over_time(node_memory_MemAvailable_bytes{instance=~"%s"}[%ds]))']
for job in csv.DictReader(open(sys.argv[2])):
    s, e = int(job["start"]), int(job["end"])
    m = "(%s)(:[0-9]+)?" % job["nodes"].replace(";", "|")
    for q in Q:
        promql = q % ((m, e - s) * q.count("%s"))
        r = requests.get(url + "/api/v1/query", params={"query": promql, "time": e})
        r.raise_for_status()
        r.json()["data"]["result"]
PY
}

# write_floor URL JOBS.csv OUT.sh: the data floor of any exact method, as one
# curl command: the raw samples of every series the default query set reads
# (each distinct range selector of its PromQL, from `check`), over the whole
# span the jobs cover (the earliest start - 60 s to the latest end), each as
# one instant query SELECTOR[SPAN] (a matrix of raw samples), all at once,
# not parsed. It prints the bytes of each answer. Sets FLOOR_SELECTORS.
write_floor() {
	local url=$1 jobs=$2 out=$3
	"$PT" -u "$url" check --offline --last 1h | awk '/^# / { getline; print }' >"$WORK/floor-promql.txt"
	[[ -s $WORK/floor-promql.txt ]] || { echo "bench.sh: no PromQL from check" >&2; exit 2; }
	python3 - "$url" "$jobs" "$WORK/floor-promql.txt" >"$out" <<'PY'
import csv, re, shlex, sys
url, jobs, promql = sys.argv[1:4]
rows = list(csv.DictReader(open(jobs)))
start, end = min(int(r["start"]) for r in rows) - 60, max(int(r["end"]) for r in rows)
sel = re.compile(r'([A-Za-z_:][A-Za-z0-9_:]*\{[^{}]*\}|\{[^{}]*\}|[A-Za-z_:][A-Za-z0-9_:]*)\[[^\]]+\]')
seen = []
for line in open(promql):
    for s in sel.findall(line):
        if s not in seen:
            seen.append(s)
if not seen:
    sys.exit("bench.sh: no range selectors in the default query set's PromQL")
cmd = ["curl", "-sf", "--no-progress-meter", "-Z"]
for i, s in enumerate(seen):
    if i:
        cmd.append("--next")
    cmd += ["-o", "/dev/null", "-w", "%{size_download}\\n", url + "/api/v1/query",
            "--data-urlencode", "query=%s[%ds]" % (s, end - start), "-d", "time=%d" % end]
print("# %d selectors" % len(seen))
print(" ".join(shlex.quote(c) for c in cmd))
PY
	FLOOR_SELECTORS=$(sed -n '1s/^# \([0-9]*\) selectors$/\1/p' "$out")
}

# mib KIB: KiB as MiB with one decimal
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# sum_lines FILE: the sum of the numbers in FILE, one a line
sum_lines() { awk '{ s += $1 } END { printf "%d", s }' "$1"; }

# plan_lines URL JOBS [BATCH OPTIONS...]: one verbose batch; prints the lines in
# which it says which fetch plan it chose (none if it does not say).
plan_lines() {
	local url=$1 jobs=$2
	shift 2
	"$PT" -v -u "$url" batch "$jobs" "$@" 2>"$WORK/verbose.log" >/dev/null || true
	grep '^powertest: batch plan' "$WORK/verbose.log" | sed 's/^/  /' || true
}

# start_proxy URL DELAY_MS: tests/tools/delayproxy.py in front of URL; sets
# PROXY_URL and PROXY_COUNT (the file with the requests it answered)
start_proxy() {
	local i
	PROXY_COUNT=$WORK/proxy.count
	python3 "$ROOT/tests/tools/delayproxy.py" "$WORK/proxy.port" "$1" "$2" "$PROXY_COUNT" \
		</dev/null >"$WORK/proxy.log" 2>&1 &
	PIDS+=("$!")
	for ((i = 0; i < 100; i++)); do
		[[ -s $WORK/proxy.port ]] && break
		sleep 0.1
	done
	[[ -s $WORK/proxy.port ]] || { echo "bench.sh: the delay proxy did not start" >&2; exit 2; }
	PROXY_URL=http://127.0.0.1:$(cat "$WORK/proxy.port")
}

# proxy_count: the requests the proxy has answered so far
proxy_count() { if [[ -s $PROXY_COUNT ]]; then cat "$PROXY_COUNT"; else echo 0; fi; }

# check_equal URL JOBS.csv BATCH.csv [EVERY]: one `report` per job (every
# EVERY-th job only, if given) against batch's rows; prints the worst
# relative difference.
check_equal() {
	python3 - "$PT" "$@" <<'PY'
import csv, subprocess, sys, time
pt, url, jobs, batch = sys.argv[1:5]
every = int(sys.argv[5]) if len(sys.argv) > 5 else 1
brows = {(r["task"], r["node"]): r for r in csv.DictReader(open(batch))}
worst, n, k, off, t = 0.0, 0, 0, 0, time.perf_counter()
cols = ["cpu_util_pct", "ram_used_gib", "gpu_util_pct", "power_w", "energy_wh", "co2_g"]
for i, job in enumerate(csv.DictReader(open(jobs))):
    if i % every:
        continue
    k += 1
    args = [pt, "-u", url, "report", "--task", job["task"], "--start", job["start"], "--end", job["end"]]
    for node in job["nodes"].split(";"):
        args += ["--node", node]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    for r in csv.DictReader(out.splitlines()):
        b = brows.get((r["task"], r["node"]))
        if b is None or b["status"] != r["status"]:
            print("  MISMATCH %s/%s: %s" % (r["task"], r["node"], "missing" if b is None else b["status"]))
            worst = float("inf")
            continue
        for c in cols:
            if r[c] and b[c]:
                a, x = float(r[c]), float(b[c])
                worst = max(worst, abs(a - x) / max(abs(a), 1e-9))
                # Equal as printed, but for one unit of the last digit
                # (sums in another order round the last digit apart).
                unit = 10.0 ** -len(r[c].partition(".")[2])
                off += abs(a - x) > 1.0001 * unit
                n += 1
print("  one report per job (%d jobs): %.1f s; batch equals it on %d values (worst relative difference %.4f%%), %d differ by more than one unit of the last printed digit (target 0: %s)"
      % (k, time.perf_counter() - t, n, 100 * worst, off, "met" if off == 0 and n else "NOT met"))
PY
}

bench_batch() {
	local nodes=60 jobs=400 delay=5
	echo "== batch and export: $nodes nodes, 6 h of history, $jobs jobs"
	start_lab batch "$nodes" 6
	batch_jobs "$jobs"
	write_seed
	read -r t_seed _ < <(REPEAT=1 measure "$WORK/o" python3 "$WORK/seed.py" "$URL" "$WORK/jobs.csv")
	write_floor "$URL" "$WORK/jobs.csv" "$WORK/floor.sh"
	# Interleaved, best of K each: the load of the machine changes between runs.
	local k t t_batch=1e9 t_floor=1e9 kib=0 kb
	for ((k = 0; k < REPEAT; k++)); do
		read -r t kb < <(REPEAT=1 measure "$WORK/o" "$PT" -u "$URL" batch "$WORK/jobs.csv" -o "$WORK/batch.csv")
		t_batch=$(fmin "$t" "$t_batch")
		((kb > kib)) && kib=$kb
		read -r t _ < <(REPEAT=1 measure "$WORK/floor.out" bash "$WORK/floor.sh")
		t_floor=$(fmin "$t" "$t_floor")
	done
	printf '  seed method (3 sequential instant queries per job, Python requests): %.3f s\n' "$t_seed"
	printf '  data floor (curl, raw samples of the %s selectors the default set reads over the jobs'"'"' span, at once, %s MiB): %.3f s = %sx faster than the seed\n' \
		"$FLOOR_SELECTORS" "$(mib $(($(sum_lines "$WORK/floor.out") / 1024)))" "$t_floor" "$(ratio "$t_seed" "$t_floor")"
	printf '  powertest batch: %.3f s, %s rows = %sx the data floor (target <= 1.5x: %s), %sx faster than the seed (target >= 10x: %s)\n' \
		"$t_batch" "$(($(wc -l <"$WORK/batch.csv") - 1))" "$(ratio "$t_batch" "$t_floor")" \
		"$(verdict "$t_batch <= 1.5 * $t_floor")" "$(ratio "$t_seed" "$t_batch")" \
		"$(verdict "$t_seed >= 10 * $t_batch")"
	printf '  peak memory: %s MiB (target < 64 MiB: %s)\n' "$(mib "$kib")" "$(verdict "$kib < 65536")"
	plan_lines "$URL" "$WORK/jobs.csv"
	# The same jobs against a Prometheus further away: every request answered
	# DELAY ms later by a proxy.
	start_proxy "$URL" "$delay"
	local n0 n1 n2 t_pseed t_pbatch
	n0=$(proxy_count)
	read -r t_pseed _ < <(REPEAT=1 measure "$WORK/o" python3 "$WORK/seed.py" "$PROXY_URL" "$WORK/jobs.csv")
	n1=$(proxy_count)
	read -r t_pbatch _ < <(measure "$WORK/o" "$PT" -u "$PROXY_URL" batch "$WORK/jobs.csv" -o "$WORK/pbatch.csv")
	n2=$(proxy_count)
	cmp -s "$WORK/batch.csv" "$WORK/pbatch.csv" || echo "  WARNING: batch through the proxy wrote other rows than without it"
	printf '  through a proxy adding %d ms per request: seed %.3f s (%d requests, %.1f ms more each than direct), batch %.3f s (%d requests a run): %sx faster (target >= 20x: %s)\n' \
		"$delay" "$t_pseed" $((n1 - n0)) "$(awk -v a="$t_pseed" -v b="$t_seed" -v n=$((n1 - n0)) 'BEGIN { print 1000 * (a - b) / n }')" \
		"$t_pbatch" $(((n2 - n1) / REPEAT)) "$(ratio "$t_pseed" "$t_pbatch")" "$(verdict "$t_pseed >= 20 * $t_pbatch")"
	# Results equal: one `report` per job gives the rows batch must reproduce.
	check_equal "$URL" "$WORK/jobs.csv" "$WORK/batch.csv"
	# export of every node over the 6 h, against the same range queries with curl
	local start=$T0 end=$((T0 + 6 * 3600)) q i
	"$PT" -u "$URL" check --offline --last 15s | awk '/^# / { getline; print }' >"$WORK/series.txt"
	{
		printf 'curl -sf --no-progress-meter -Z'
		i=0
		while IFS= read -r q; do
			((i++ == 0)) || printf ' --next'
			printf ' -o /dev/null %q --data-urlencode %q -d start=%s -d end=%s -d step=15' \
				"$URL/api/v1/query_range" "query=$q" "$start" "$end"
		done <"$WORK/series.txt"
		echo
	} >"$WORK/curl-range.sh"
	read -r t_curl _ < <(measure "$WORK/o" bash "$WORK/curl-range.sh")
	read -r t_exp kib < <(measure "$WORK/export.csv" "$PT" -u "$URL" export --start "$start" --end "$end" --step 15s)
	printf '  export, %s rows: %.3f s; the same range queries with curl: %.3f s (%sx the floor)\n' \
		"$(($(wc -l <"$WORK/export.csv") - 1))" "$t_exp" "$t_curl" "$(ratio "$t_exp" "$t_curl")"
	printf '  export peak memory: %.1f MiB (target < 64 MiB: %s)\n' "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" \
		"$(verdict "$kib < 65536")"
}

# A month of sparse history: NODES nodes x DAYS days at a 60 s step, written
# and backfilled one day at a time (the OpenMetrics text of one day, about
# 130 MB, is all that is ever on disk besides the blocks), then 2,000 jobs of
# 10 to 120 minutes on 1 to 3 nodes spread over the month.
bench_month() {
	local nodes=50 days=30 jobs=2000 step=60 now d lo disk=0 du_k
	echo "== a month, sparse: $nodes nodes x $days days at a ${step} s step, $jobs jobs of 10-120 min"
	now=$(date +%s)
	# Whole UTC days (one block each), ending two days ago: in the past.
	T0=$(((now / 86400 - days - 2) * 86400))
	python3 "$ROOT/tests/tools/history.py" lab "$nodes" "$T0" $((days * 24)) "$WORK/month.json" --step "$step"
	mkdir -p "$WORK/month-blocks"
	local t_write=0 t_fill=0 t
	for ((d = 0; d <= days; d++)); do
		lo=$((T0 + d * 86400))
		t=$EPOCHREALTIME
		python3 "$ROOT/tests/tools/history.py" write "$WORK/month.json" "$WORK/day.om" \
			--from "$lo" --to $((lo + 86400))
		t_write=$(awk -v s="$t_write" -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { print s + b - a }')
		du_k=$(du -sck "$WORK/day.om" "$WORK/month-blocks" | tail -n 1 | cut -f1)
		((du_k > disk)) && disk=$du_k
		t=$EPOCHREALTIME
		"${PT_PROMTOOL:-promtool}" tsdb create-blocks-from openmetrics --max-block-duration=24h -q \
			"$WORK/day.om" "$WORK/month-blocks" >>"$WORK/month-backfill.log"
		t_fill=$(awk -v s="$t_fill" -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { print s + b - a }')
		rm -f "$WORK/day.om"
	done
	printf '  history written in %.1f s and backfilled in %.1f s, a day at a time; disk at most %s MiB on the way, blocks %s MiB; %s MiB left on the temp dir'"'"'s file system\n' \
		"$t_write" "$t_fill" "$(mib "$disk")" "$(mib "$(du -sk "$WORK/month-blocks" | cut -f1)")" \
		"$(mib "$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')")"
	URL=$(bash "$ROOT/scripts/lab.sh" start --dir "$WORK/lab-month" --no-exporters --no-compaction \
		--blocks "$WORK/month-blocks" 2>"$WORK/lab-month.log" | tail -n 1)
	LABS+=("$WORK/lab-month")
	batch_jobs "$jobs" "$WORK/month.json" 600 7200
	write_seed
	# No targets know the interval of backfilled data: batch is told it.
	local opts=(--scrape-interval "${step}s")
	read -r t_seed _ < <(REPEAT=1 measure "$WORK/o" python3 "$WORK/seed.py" "$URL" "$WORK/jobs.csv")
	read -r t_batch kib < <(measure "$WORK/o" "$PT" -u "$URL" batch "$WORK/jobs.csv" "${opts[@]}" -o "$WORK/month.csv")
	printf '  seed method (3 sequential instant queries per job, Python requests): %.3f s\n' "$t_seed"
	printf '  powertest batch: %.3f s, %s rows: %sx faster than the seed (target >= 5x: %s)\n' \
		"$t_batch" "$(($(wc -l <"$WORK/month.csv") - 1))" "$(ratio "$t_seed" "$t_batch")" \
		"$(verdict "$t_seed >= 5 * $t_batch")"
	printf '  peak memory: %s MiB (target < 64 MiB: %s)\n' "$(mib "$kib")" "$(verdict "$kib < 65536")"
	plan_lines "$URL" "$WORK/jobs.csv" "${opts[@]}"
	# Results equal, on every 50th job.
	check_equal "$URL" "$WORK/jobs.csv" "$WORK/month.csv" 50
}

bench_carbon() {
	local nodes=60 jobs=400 t_plain t_file r_plain r_file
	echo "== carbon over time: batch of $jobs jobs on $nodes nodes, 6 h, with and without an hourly intensity file"
	start_lab carbon "$nodes" 6
	cp "$WORK/carbon.json" "$WORK/batch.json"
	batch_jobs "$jobs"
	python3 "$ROOT/tests/tools/history.py" intensity $((T0 - 3600)) 9 "$WORK/ci.csv" --em
	printf 'prometheus: {url: %s}\n' "$URL" >"$WORK/plain.yaml"
	printf 'prometheus: {url: %s}\npower: {carbon_intensity_file: ci.csv}\n' "$URL" >"$WORK/file.yaml"
	# Interleaved, best of K each, wall and CPU time: the machine's load
	# changes between runs, and interleaving spreads it over both.
	read -r t_plain t_file c_plain c_file kib < <(python3 - "$REPEAT" "$PT" "$WORK" <<'PY'
import os, resource, subprocess, sys, time
repeat, pt, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
best = {"plain": (1e9, 1e9), "file": (1e9, 1e9)}
for _ in range(repeat):
    for kind in ("plain", "file"):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        rc = subprocess.call([pt, "-c", "%s/%s.yaml" % (work, kind), "batch", work + "/jobs.csv",
                              "-o", "%s/%s.csv" % (work, kind)])
        dt = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if rc not in (0, 1):
            sys.exit("batch failed (%d)" % rc)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        best[kind] = (min(best[kind][0], dt), min(best[kind][1], cpu))
print("%.4f %.4f %.4f %.4f %d" % (best["plain"][0], best["file"][0], best["plain"][1], best["file"][1],
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
)
	printf '  batch without a file: %.3f s (CPU %.3f s); with the hourly file: %.3f s (CPU %.3f s) = %sx wall, %sx CPU (target <= 1.2x: %s); peak memory %.1f MiB\n' \
		"$t_plain" "$c_plain" "$t_file" "$c_file" "$(ratio "$t_file" "$t_plain")" "$(ratio "$c_file" "$c_plain")" \
		"$(verdict "$t_file <= 1.2 * $t_plain")" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
	read -r r_plain _ < <(measure "$WORK/o" "$PT" -c "$WORK/plain.yaml" report --start $((T0 + 60)) --end $((T0 + 6 * 3600 - 60)))
	read -r r_file _ < <(measure "$WORK/o" "$PT" -c "$WORK/file.yaml" report --start $((T0 + 60)) --end $((T0 + 6 * 3600 - 60)))
	printf '  report of all nodes over 6 h (split at its hours): %.3f s without, %.3f s with (%sx)\n' \
		"$r_plain" "$r_file" "$(ratio "$r_file" "$r_plain")"
}

# Rows into databases: an export of about 100,000 rows (60 nodes, 6 h at a
# 13 s step) into SQLite, MariaDB and PostgreSQL (throwaway servers from
# scripts/dblab.sh), against writing the same rows as CSV; a second run
# upserts every row again.
bench_db() {
	local nodes=60 start end kind uri t_csv rows t1 t2
	echo "== databases: export of $nodes nodes over 6 h at a 13 s step"
	start_lab db "$nodes" 6
	# Beside WORK, not in it: the servers' unprivileged user must reach it.
	DBLAB=$(mktemp -u "${TMPDIR:-/tmp}/pt-bench-db.XXXXXX")
	trap 'bash "$ROOT/scripts/dblab.sh" stop --dir "$DBLAB" >/dev/null 2>&1; cleanup' EXIT
	bash "$ROOT/scripts/dblab.sh" start --dir "$DBLAB" >"$WORK/dblab.log" 2>&1 ||
		{ cat "$WORK/dblab.log" >&2; echo "bench.sh: the database servers did not start" >&2; exit 2; }
	# shellcheck disable=SC1091
	source "$DBLAB/env"
	printf 'prometheus: {url: %s}\noutputs: {password_file: %s}\n' "$URL" "$PT_DB_PASSWORD_FILE" >"$WORK/db.yaml"
	start=$T0 end=$((T0 + 6 * 3600))
	read -r t_csv _ < <(measure "$WORK/exp.csv" "$PT" -c "$WORK/db.yaml" export --start "$start" --end "$end" --step 13s)
	rows=$(($(wc -l <"$WORK/exp.csv") - 1))
	printf '  CSV: %d rows in %.3f s (%.0f rows/s)\n' "$rows" "$t_csv" "$(awk -v r="$rows" -v t="$t_csv" 'BEGIN { print r / t }')"
	for kind in sqlite mysql postgresql; do
		case $kind in
		sqlite) uri="sqlite:$WORK/bench.db" ;;
		mysql) uri=$PT_DB_MYSQL_URI ;;
		postgresql) uri=$PT_DB_PG_URI ;;
		esac
		read -r t1 _ < <(REPEAT=1 measure "$WORK/o" "$PT" -c "$WORK/db.yaml" export --start "$start" --end "$end" --step 13s -o "$uri")
		read -r t2 _ < <(REPEAT=1 measure "$WORK/o" "$PT" -c "$WORK/db.yaml" export --start "$start" --end "$end" --step 13s -o "$uri")
		printf '  %s: new rows %.3f s (%.0f rows/s, %sx the CSV), the same rows again (upserts) %.3f s (%sx)\n' \
			"$kind" "$t1" "$(awk -v r="$rows" -v t="$t1" 'BEGIN { print r / t }')" "$(ratio "$t1" "$t_csv")" \
			"$t2" "$(ratio "$t2" "$t_csv")"
	done
}

case $ONLY in
"" | report) bench_report ;;
esac
case $ONLY in
"" | batch | export) bench_batch ;;
esac
case $ONLY in
"" | month) bench_month ;;
esac
case $ONLY in
"" | carbon) bench_carbon ;;
esac
case $ONLY in
"" | db) bench_db ;;
esac
