#!/usr/bin/env bash
# test_report_accuracy.sh - report against backfilled history with known values:
# every utilisation, power and energy within 1% of what the generator's
# parameters say (doc/reference.md §6), with measured GPU power and with the TDP model.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

# Six hours of history ending two hours ago, on 10-minute segment boundaries.
now=$(date +%s)
t0=$(( (now - 8 * 3600) / 600 * 600 ))
# Three nodes with 0, 1 and 2 GPUs of different models (tests/fixtures/lab3.json),
# moved to this time.
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["t0"] = int(sys.argv[2]); json.dump(s, sys.stdout)' \
	"$PT_SOURCE_DIR/tests/fixtures/lab3.json" "$t0" >"$PT_TMP/spec.json"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null

cat >"$PT_TMP/cfg.yaml" <<YAML
prometheus: {url: $PT_URL}
power:
  pue: 1.2
  nodes:
    hostb: {cpu: {tdp_watts: 205, idle_watts: 60}}
YAML
echo '{"nodes": {"hostb": {"cpu": {"tdp_watts": 205, "idle_watts": 60}}}}' >"$PT_TMP/cfg.json"
sed 's/pue: 1.2/pue: 1.2\n  prefer_measured: false/' "$PT_TMP/cfg.yaml" >"$PT_TMP/cfg-model.yaml"

check_window() { # check_window NAME START END
	local name=$1 s=$2 e=$3
	assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" --task "$name" -o "$PT_TMP/$name.csv"
	python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" --config "$PT_TMP/cfg.json" >"$PT_TMP/$name.json"
	if python3 "$TOOLS/compare.py" "$PT_TMP/$name.csv" "$PT_TMP/$name.json" --pue 1.2 >"$PT_TMP/cmp" 2>&1; then
		ok "$name: measured GPU power within 1% ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: measured"; cat "$PT_TMP/cmp"; cat "$PT_TMP/$name.csv"
	fi
	assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start "$s" --end "$e" -o "$PT_TMP/$name-model.csv"
	python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" --no-measured --config "$PT_TMP/cfg.json" >"$PT_TMP/$name-model.json"
	if python3 "$TOOLS/compare.py" "$PT_TMP/$name-model.csv" "$PT_TMP/$name-model.json" --pue 1.2 >"$PT_TMP/cmp" 2>&1; then
		ok "$name: TDP model within 1% ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: model"; cat "$PT_TMP/cmp"; cat "$PT_TMP/$name-model.csv"
	fi
}

# One hour on segment boundaries, and an odd 37-minute window inside segments.
check_window aligned $((t0 + 600)) $((t0 + 4200))
check_window odd $((t0 + 1234)).5 $((t0 + 3456))

# Sources: GPU figures measured by default (named by the query set's source,
# nvidia_smi), modelled when asked; CPU and RAM from the model; no wall meter.
src=$(cut -d, -f2,26-29 "$PT_TMP/aligned.csv" | sort | tr '\n' ' ')
assert_eq "hosta,model,model,none,sum hostb,model,model,nvidia_smi,sum hostc,model,model,nvidia_smi,sum node,cpu_source,ram_source,gpu_source,power_source " "$src" "sources, measured"
src=$(cut -d, -f2,26-29 "$PT_TMP/aligned-model.csv" | sort | tr '\n' ' ')
assert_eq "hosta,model,model,none,sum hostb,model,model,model,sum hostc,model,model,model,sum node,cpu_source,ram_source,gpu_source,power_source " "$src" "sources, model"

# By device: TDP and where it came from.
assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start $((t0 + 600)) --end $((t0 + 4200)) --by device
assert_contains "$OUT" ",hosta,cpu,Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz," "cpu model in device rows"
dev() { awk -F, -v n="$1" -v d="$2" '$2 == n && $3 == d { print $9 "," $10 }' <<<"$OUT"; }
assert_eq "270.000,table" "$(dev hosta cpu)" "CPU TDP from the table"
assert_eq "205.000,config" "$(dev hostb cpu)" "CPU TDP from the per-node config"
assert_eq "400.000,exporter" "$(dev hostb GPU-b0)" "GPU TDP from the exporter's limit"
assert_eq "70.000,exporter" "$(dev hostc GPU-c1)" "second GPU of a node"
assert_eq 2 "$(grep -c '^,hosta,' <<<"$OUT")" "a CPU-only node has cpu and ram rows"

# A node filter is pushed into PromQL; an unknown node gets a no_data row and exit 1.
assert_exit 1 pt -c "$PT_TMP/cfg.yaml" report --start $((t0 + 600)) --end $((t0 + 4200)) --node hostc --node ghost
assert_eq 3 "$(wc -l <<<"$OUT" | tr -d ' ')" "header + 2 rows"
assert_match "$OUT" $'\n,ghost,.*,no_data: ' "ghost is no_data"
assert_match "$OUT" $'\n,hostc,.*,ok' "hostc present"
assert_not_contains "$OUT" "hosta" "other nodes filtered out"

# A window with no data at all: no rows but exit 1 and a message, never zeros.
assert_exit 1 pt -c "$PT_TMP/cfg.yaml" report --start $((t0 - 7200)) --end $((t0 - 3600))
assert_contains "$ERR" "powertest: " "message"
pass
