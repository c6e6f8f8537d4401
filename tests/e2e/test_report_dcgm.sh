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
# Half the window before the history: partial, and the energy counter's
# increase (over the half with data) gives the mean power of that half,
# times the whole window, as the gauges and batch do.
assert_exit 1 pt -c "$PT_TMP/cfg.yaml" report --start "$((t0 - 1800))" --end "$((t0 + 1800))" -o "$PT_TMP/half.csv"
printf 'task,start,end\nhalf,%s,%s\n' "$((t0 - 1800))" "$((t0 + 1800))" >"$PT_TMP/half-jobs.csv"
assert_exit 1 pt -c "$PT_TMP/cfg.yaml" batch "$PT_TMP/half-jobs.csv" -o "$PT_TMP/half-batch.csv"
python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$t0" "$((t0 + 1800))" --config "$PT_TMP/cfg.json" >"$PT_TMP/exp-half.json"
if python3 - "$PT_TMP/half.csv" "$PT_TMP/half-batch.csv" "$PT_TMP/exp-half.json" >"$PT_TMP/cmp" 2>&1 <<'PY'
import csv, json, sys
rep = {r["node"]: r for r in csv.DictReader(open(sys.argv[1]))}
bat = {r["node"]: r for r in csv.DictReader(open(sys.argv[2]))}
exp = json.load(open(sys.argv[3]))
n = 0
for node, e in exp.items():
    if not e.get("gpu_power_w"):
        continue
    r, b = rep[node], bat[node]
    assert "data covers 50% of the window" in r["status"], r["status"]
    assert b["status"] == r["status"], (b["status"], r["status"])
    for row in (r, b):
        p, wh = float(row["gpu_power_w"]), float(row["gpu_energy_wh"])
        assert abs(p - e["gpu_power_w"]) <= 0.01 * e["gpu_power_w"], (node, p, e["gpu_power_w"])
        assert abs(wh - p) <= 0.01 * p, (node, wh, p)  # a 1-hour window
        n += 1
print("%d GPU rows within 1%%" % n)
sys.exit(0 if n else 1)
PY
then
	ok "dcgm energy counter over a half-covered window: $(tail -1 "$PT_TMP/cmp")"
else
	fail "dcgm half-covered window"; cat "$PT_TMP/cmp" "$PT_TMP/half.csv" "$PT_TMP/half-batch.csv"
fi
assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start "$s" --end "$e" --by device
tdp=$(awk -F, '$2 == "hostc" && $3 == "GPU-c0" { print $9 "," $10 }' <<<"$OUT")
assert_eq "700.000,table" "$tdp" "GPU TDP from the table when the exporter has no limit"
pass
