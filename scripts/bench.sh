#!/usr/bin/env bash
# bench.sh - speed and memory of powertest against the floor, on backfilled labs.
# A benchmark, not a test: it prints ratios and says whether each target is met;
# it exits 0 unless something could not be measured.
#
#   scripts/bench.sh [--only report|batch|export|db|carbon] [--nodes N] [--repeat K]
#
# report: a 200-node lab (a third CPU-only, a third 1 GPU, a third 2 GPUs; RAPL,
#   Kepler, IPMI, Redfish and dcgm-exporter on a share of them) with
#   2 h of 15 s history; `powertest report` for all nodes over a 1-hour window
#   against the floor: the same PromQL fetched with curl (sequentially, and all
#   at once), best of K runs each. Targets: within 1.25x of the floor, peak
#   memory under 64 MiB.
# batch/export: a 60-node lab with 6 h of history and 400 jobs; batch against
#   the seed's method (three sequential instant queries per job) and against
#   one `report` per job (results must be equal), export against fetching the
#   same series with curl. Targets: batch at least 20x faster than the seed's
#   method, peak memory under 64 MiB. It also prints the data floor: curl
#   fetching every sample the jobs cover in the cheapest form, which bounds
#   what any exact method can gain over the seed on this machine.
# carbon: the batch lab and jobs again, batch with an hourly carbon intensity
#   file (power.carbon_intensity_file) against batch without one, best of K
#   runs each, and one 6-hour report with and without. Target: batch with the
#   file within 1.2x of batch without.
# db: about 100,000 export rows into SQLite, MariaDB and PostgreSQL against
#   writing them as CSV: seconds, rows per second, ratio.
#
# Uses build/powertest (PT_BIN to override); starts and stops its own labs.
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
LABS=()
cleanup() {
	local d
	for d in "${LABS[@]}"; do bash "$ROOT/scripts/lab.sh" stop --dir "$d" >/dev/null 2>&1 || true; done
	rm -rf -- "$WORK"
}
trap cleanup EXIT

# start_lab NAME NODES HOURS [--meters]: backfilled lab; sets URL and T0.
start_lab() {
	local name=$1 n=$2 hours=$3 now
	now=$(date +%s)
	T0=$(((now - (${hours%.*} + 3) * 3600) / 3600 * 3600))
	python3 "$ROOT/tests/tools/history.py" lab "$n" "$T0" "$hours" "$WORK/$name.json" ${4:-}
	python3 "$ROOT/tests/tools/history.py" write "$WORK/$name.json" "$WORK/$name.om"
	URL=$(bash "$ROOT/scripts/lab.sh" start --dir "$WORK/lab-$name" --no-exporters \
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

# batch_jobs N: N jobs of 5 to 90 minutes over the batch lab, into $WORK/jobs.csv
batch_jobs() {
	python3 - "$WORK/batch.json" "$1" >"$WORK/jobs.csv" <<'PY'
import json, random, sys
spec, n = json.load(open(sys.argv[1])), int(sys.argv[2])
rnd = random.Random(11)
hosts = [x["host"] for x in spec["nodes"]]
t0, span = spec["t0"], (spec["samples"] - 1) * spec["step"]
print("task,start,end,nodes,owner")
for i in range(n):
    dur = rnd.randint(300, 5400)
    start = t0 + rnd.randint(600, span - dur - 60)
    nodes = ";".join(rnd.sample(hosts, rnd.randint(1, 3)))
    print("job%03d,%d,%d,%s,someone" % (i, start, start + dur, nodes))
PY
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

bench_batch() {
	local nodes=60 jobs=400
	echo "== batch and export: $nodes nodes, 6 h of history, $jobs jobs"
	start_lab batch "$nodes" 6
	batch_jobs "$jobs"
	# The seed's method: three instant queries per job, one job after another.
	cat >"$WORK/seed.py" <<'PY'
import csv, sys, urllib.parse, urllib.request
url = sys.argv[1]
Q = ['1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle",instance=~"%s"}[%ds]))',
     'avg by (instance, uuid) (avg_over_time(nvidia_smi_power_draw_watts{instance=~"%s"}[%ds]))',
     'avg by (instance) (avg_over_time(node_memory_MemTotal_bytes{instance=~"%s"}[%ds]) - avg_over_time(node_memory_MemAvailable_bytes{instance=~"%s"}[%ds]))']
for job in csv.DictReader(open(sys.argv[2])):
    s, e = int(job["start"]), int(job["end"])
    m = "(%s)(:[0-9]+)?" % job["nodes"].replace(";", "|")
    for q in Q:
        promql = q % ((m, e - s) * q.count("%s"))
        body = urllib.parse.urlencode({"query": promql, "time": e}).encode()
        urllib.request.urlopen(url + "/api/v1/query", body).read()
PY
	read -r t_seed _ < <(REPEAT=1 measure "$WORK/o" python3 "$WORK/seed.py" "$URL" "$WORK/jobs.csv")
	read -r t_batch kib < <(measure "$WORK/o" "$PT" -u "$URL" batch "$WORK/jobs.csv" -o "$WORK/batch.csv")
	# The data floor of any exact method: every sample of the series the jobs
	# touch, over the span they cover, in the cheapest form Prometheus serves
	# (plain selectors at the scrape step, CPU counters summed per node), all
	# fetched at once with curl and not even parsed.
	local fspan
	fspan=$(awk -F, 'NR > 1 { if (!s || $2 < s) s = $2; if ($3 > e) e = $3 } END { print s - 30, e }' "$WORK/jobs.csv")
	{
		printf 'curl -sf --no-progress-meter -Z'
		i=0
		for q in 'sum by (instance) (node_cpu_seconds_total{mode="idle"})' node_memory_MemTotal_bytes \
			node_memory_MemAvailable_bytes nvidia_smi_utilization_gpu_ratio nvidia_smi_power_draw_watts; do
			((i++ == 0)) || printf ' --next'
			printf ' -o /dev/null %q --data-urlencode %q -d start=%s -d end=%s -d step=15' \
				"$URL/api/v1/query_range" "query=$q" ${fspan% *} ${fspan#* }
		done
		echo
	} >"$WORK/curl-floor.sh"
	read -r t_floor _ < <(measure "$WORK/o" bash "$WORK/curl-floor.sh")
	printf '  seed method (3 sequential instant queries per job): %.3f s\n' "$t_seed"
	printf '  data floor (curl fetching every sample the jobs cover, cheapest form): %.3f s = %sx faster than the seed\n' \
		"$t_floor" "$(ratio "$t_seed" "$t_floor")"
	printf '  powertest batch: %.3f s, %s rows: %sx faster (target >= 20x: %s)\n' "$t_batch" \
		"$(($(wc -l <"$WORK/batch.csv") - 1))" "$(ratio "$t_seed" "$t_batch")" \
		"$(verdict "$t_seed >= 20 * $t_batch")"
	printf '  powertest batch: %sx the data floor\n' "$(ratio "$t_batch" "$t_floor")"
	# Not measured, derived: requests cost more on a real network than on
	# loopback, and the seed sends many more of them (batch: its range
	# queries, the targets list and one probe of the store).
	local nreq
	nreq=$("$PT" -v -u "$URL" batch "$WORK/jobs.csv" 2>&1 >/dev/null | grep -o 'with [0-9]* range' | tr -dc 0-9)
	awk -v ts="$t_seed" -v tb="$t_batch" -v ns=$((3 * jobs)) -v nb="$((${nreq:-0} + 2))" 'BEGIN {
		l = (20 * tb - ts) / (ns - 20 * nb)
		printf "  requests: seed %d, batch %d; 20x would take each request costing %.1f ms more than here (a remote or busy Prometheus)\n", ns, nb, 1000 * l }'
	printf '  peak memory: %.1f MiB (target < 64 MiB: %s)\n' "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" \
		"$(verdict "$kib < 65536")"
	# Results equal: one `report` per job gives the rows batch must reproduce.
	python3 - "$PT" "$URL" "$WORK/jobs.csv" "$WORK/batch.csv" <<'PY'
import csv, subprocess, sys, time
pt, url, jobs, batch = sys.argv[1:5]
brows = {(r["task"], r["node"]): r for r in csv.DictReader(open(batch))}
worst, n, t = 0.0, 0, time.perf_counter()
cols = ["cpu_util_pct", "ram_used_gib", "gpu_util_pct", "power_w", "energy_wh", "co2_g"]
for job in csv.DictReader(open(jobs)):
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
                n += 1
print("  one report per job: %.1f s; batch equals it on %d values, worst relative difference %.4f%% (target <= 0.5%%: %s)"
      % (time.perf_counter() - t, n, 100 * worst, "met" if worst <= 0.005 else "NOT met"))
PY
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
"" | carbon) bench_carbon ;;
esac
case $ONLY in
"" | db) bench_db ;;
esac
