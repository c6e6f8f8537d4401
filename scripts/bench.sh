#!/usr/bin/env bash
# bench.sh - speed and memory of powertest against the floor, on backfilled labs.
# A benchmark, not a test: it prints ratios and says whether each target is met;
# it exits 0 unless something could not be measured.
#
#   scripts/bench.sh [--only report|batch|export] [--nodes N] [--repeat K]
#
# report: a 200-node lab (a third CPU-only, a third 1 GPU, a third 2 GPUs) with
#   2 h of 15 s history; `powertest report` for all nodes over a 1-hour window
#   against the floor: the same PromQL fetched with curl (sequentially, and all
#   at once), best of K runs each. Targets: within 1.25x of the floor, peak
#   memory under 64 MiB.
# batch/export: a 60-node lab with 6 h of history and 400 jobs; batch against
#   the seed's method (three sequential instant queries per job) and against
#   one `report` per job (results must be equal), export against fetching the
#   same series with curl. Targets: batch at least 20x faster than the seed's
#   method, peak memory under 64 MiB.
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

# start_lab NAME NODES HOURS: backfilled lab; sets URL and T0.
start_lab() {
	local name=$1 n=$2 hours=$3 now
	now=$(date +%s)
	T0=$(((now - (${hours%.*} + 3) * 3600) / 3600 * 3600))
	python3 "$ROOT/tests/tools/history.py" lab "$n" "$T0" "$hours" "$WORK/$name.json"
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
	echo "== report: $NODES nodes, 1-hour window"
	start_lab report "$NODES" 2
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

case $ONLY in
"" | report) bench_report ;;
esac
if [[ -z $ONLY || $ONLY != report ]] && [[ -f $ROOT/scripts/bench_batch.sh ]]; then
	# shellcheck source=/dev/null
	source "$ROOT/scripts/bench_batch.sh"
fi
