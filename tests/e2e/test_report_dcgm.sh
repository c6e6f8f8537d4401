#!/usr/bin/env bash
# test_report_dcgm.sh - the dcgm-exporter query set on backfilled history: GPU
# energy from DCGM's millijoule counter, utilisation in percent, nodes named by
# the Hostname label, joined with node_exporter's CPU and RAM; within 1%.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

now=$(date +%s)
t0=$(( (now - 8 * 3600) / 600 * 600 ))
# lab3.json with its GPUs served by dcgm-exporter instead (TDPs as in the GPU
# table), its power gauge 10% off so only the energy counter gives the figures.
python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); s["t0"] = int(sys.argv[2])
for n in s["nodes"]:
    n["gpu_exporter"] = "dcgm"
    for g in n.get("gpus", []):
        g["gauge_scale"] = 1.1  # the energy counter, not the power gauge, must be used
        g["limit"] = {"NVIDIA A100-SXM4-40GB": 400, "NVIDIA H100 80GB HBM3": 700, "Tesla T4": 70}[g["name"]]
json.dump(s, sys.stdout)' "$PT_SOURCE_DIR/tests/fixtures/lab3.json" "$t0" >"$PT_TMP/spec.json"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null

cat >"$PT_TMP/cfg.yaml" <<YAML
prometheus: {url: $PT_URL}
queries: $PT_SOURCE_DIR/queries/dcgm.yaml
power:
  nodes:
    hostb: {cpu: {tdp_watts: 205, idle_watts: 60}}
YAML
echo '{"nodes": {"hostb": {"cpu": {"tdp_watts": 205, "idle_watts": 60}}}}' >"$PT_TMP/cfg.json"
sed 's/^power:/power:\n  prefer_measured: false/' "$PT_TMP/cfg.yaml" >"$PT_TMP/cfg-model.yaml"

s=$((t0 + 600)) e=$((t0 + 4200))
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" -o "$PT_TMP/dcgm.csv"
python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" --config "$PT_TMP/cfg.json" >"$PT_TMP/exp.json"
if python3 "$TOOLS/compare.py" "$PT_TMP/dcgm.csv" "$PT_TMP/exp.json" >"$PT_TMP/cmp" 2>&1; then
	ok "dcgm, measured energy counter in mJ: within 1% ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "dcgm measured"; cat "$PT_TMP/cmp" "$PT_TMP/dcgm.csv"
fi
assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start "$s" --end "$e" -o "$PT_TMP/dcgm-model.csv"
python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" --no-measured --config "$PT_TMP/cfg.json" >"$PT_TMP/exp-model.json"
if python3 "$TOOLS/compare.py" "$PT_TMP/dcgm-model.csv" "$PT_TMP/exp-model.json" >"$PT_TMP/cmp" 2>&1; then
	ok "dcgm, TDP model from the GPU table and % utilisation: within 1% ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "dcgm model"; cat "$PT_TMP/cmp" "$PT_TMP/dcgm-model.csv"
fi
assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start "$s" --end "$e" --by device
tdp=$(awk -F, '$2 == "hostc" && $3 == "GPU-c0" { print $9 "," $10 }' <<<"$OUT")
assert_eq "700.000,table" "$tdp" "GPU TDP from the table when the exporter has no limit"
pass
