#!/usr/bin/env bash
# test_report_meters.sh - one Prometheus with every kind of meter, one default
# query set (tests/fixtures/meters.json, backfilled with the exporters' real
# names): node_exporter RAPL in both forms (with a core zone that must not be
# added), Kepler, IPMI (both metric names) and Redfish wall meters, NVIDIA via
# nvidia_gpu_exporter and via DCGM, AMD (device-metrics-exporter and
# amd_smi_exporter), Intel, Scaphandre (µW, µJ), a Jetson (mW), and
# model-only nodes. Every
# power and energy figure within 1% of the generator's truth for report, batch,
# export and --by device; every source column right; a node with RAPL and
# Kepler uses RAPL (listed first).
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

now=$(date +%s)
t0=$(( (now - 8 * 3600) / 600 * 600 ))
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["t0"] = int(sys.argv[2]); json.dump(s, sys.stdout)' \
	"$PT_SOURCE_DIR/tests/fixtures/meters.json" "$t0" >"$PT_TMP/spec.json"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
printf 'prometheus: {url: %s}\n' "$PT_URL" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml
nodes="both kep1 plain rapl1 rapl2 xpu1"

expect() { # expect START END > JSON
	python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$1" "$2" --sources
}

# ---- report: an aligned hour and an odd window ----
for w in "aligned $((t0 + 600)) $((t0 + 4200))" "odd $((t0 + 1234)).5 $((t0 + 3456))"; do
	read -r name s e <<<"$w"
	assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" --task "$name" -o "$PT_TMP/$name.csv"
	expect "$s" "$e" >"$PT_TMP/$name.json"
	if python3 "$TOOLS/compare.py" "$PT_TMP/$name.csv" "$PT_TMP/$name.json" >"$PT_TMP/cmp" 2>&1; then
		ok "report $name: every figure and source within 1% ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "report $name"; cat "$PT_TMP/cmp" "$PT_TMP/$name.csv"
	fi
done
s=$((t0 + 600)) e=$((t0 + 4200))
src=$(cut -d, -f2,26-29 "$PT_TMP/aligned.csv" | tail -n +2 | sort | tr '\n' ' ')
assert_eq "both,rapl,rapl,amd,sum jet1,model,model,none,jetson kep1,kepler,kepler,dcgm,ipmi plain,model,model,none,sum rapl1,rapl,rapl,nvidia_smi,ipmi rapl2,rapl,rapl,none,redfish scaph1,scaphandre,model,amd_smi,scaphandre xpu1,model,model,intel,sum " \
	"$src" "source columns: cpu, ram, gpu, power"
# RAPL is listed before Kepler: the node with both uses RAPL (Kepler says 90 W).
both_cpu=$(awk -F, '$2 == "both" { print $11 }' "$PT_TMP/aligned.csv")
python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - 202.5) > 2)' "$both_cpu" &&
	ok "a node with RAPL and Kepler uses RAPL ($both_cpu W)" || fail "both: cpu $both_cpu W, not RAPL's"
# A wall meter above the parts: other = wall - parts, shown.
other=$(awk -F, '$2 == "rapl1" { print $14 "," $15 }' "$PT_TMP/aligned.csv")
assert_match "$other" '^[0-9]+\.[0-9]{3},[0-9]+\.[0-9]{3}$' "other_power_w and power_w of a node with a wall meter ($other)"
# A Jetson at ~28 W with its CPU modelled at the 120 W default: other is
# negative, and shown as computed.
other=$(awk -F, '$2 == "jet1" { print $14 }' "$PT_TMP/aligned.csv")
assert_match "$other" '^-[0-9]+\.[0-9]{3}$' "a negative other_power_w is kept ($other W)"

# ---- batch: the same windows ----
printf 'task,start,end,nodes\naligned,%s,%s,\n' "$s" "$e" >"$PT_TMP/jobs.csv"
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/batch.csv"
if python3 "$TOOLS/compare.py" "$PT_TMP/batch.csv" "$PT_TMP/aligned.json" >"$PT_TMP/cmp" 2>&1; then
	ok "batch: every figure and source within 1% ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "batch"; cat "$PT_TMP/cmp" "$PT_TMP/batch.csv"
fi

# ---- export: cumulative energy at the end of the hour ----
assert_exit 0 pt -c "$CFG" export --start "$s" --end "$e" -o "$PT_TMP/export.csv"
if python3 - "$PT_TMP/export.csv" "$PT_TMP/aligned.json" >"$PT_TMP/cmp" 2>&1 <<'PY'
import csv, json, sys
exp = json.load(open(sys.argv[2]))
last = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["energy_wh"]:
        last[r["node"]] = float(r["energy_wh"])
bad = [n for n, e in exp.items() if abs(last.get(n, -1) - e["energy_wh"]) > 0.01 * e["energy_wh"]]
for n in bad:
    print("MISMATCH %s: %s Wh, expected %.3f" % (n, last.get(n), exp[n]["energy_wh"]))
print("%d nodes, %d off" % (len(exp), len(bad)))
sys.exit(1 if bad or not exp else 0)
PY
then
	ok "export: cumulative energy within 1% ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "export"; cat "$PT_TMP/cmp"
fi

# ---- --by device: each part, the wall meter as device "node" ----
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" --by device -o "$PT_TMP/dev.csv"
if python3 - "$PT_TMP/dev.csv" "$PT_TMP/aligned.json" >"$PT_TMP/cmp" 2>&1 <<'PY'
import csv, json, sys
exp = json.load(open(sys.argv[2]))
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
bad, n = [], 0
def close(a, b):
    return abs(a - b) <= 0.01 * max(abs(b), 1e-9)
for node, e in exp.items():
    mine = {r["device"]: r for r in rows if r["node"] == node}
    want = {"cpu": (e["cpu_power_w"], e["cpu_source"]), "ram": (e["ram_power_w"], e["ram_source"])}
    if e["power_source"] != "sum":
        want["node"] = (e["power_w"], e["power_source"])
    elif "node" in mine:
        bad.append("%s: a node device without a wall meter" % node)
    gpus = [d for d in mine if d not in ("cpu", "ram", "node")]
    if len(gpus) != e["gpu_count"]:
        bad.append("%s: %d GPU rows, expected %d" % (node, len(gpus), e["gpu_count"]))
    if gpus:
        g = sum(float(mine[d]["power_w"]) for d in gpus)
        n += 1
        if not close(g, e["gpu_power_w"]) or {mine[d]["source"] for d in gpus} != {e["gpu_source"]}:
            bad.append("%s: GPUs %.3f W from %s" % (node, g, {mine[d]["source"] for d in gpus}))
    for d, (p, src) in want.items():
        n += 1
        r = mine.get(d)
        if r is None or not close(float(r["power_w"]), p) or r["source"] != src or \
                not close(float(r["energy_wh"]), p * 1.0):
            bad.append("%s/%s: %s, expected %.3f W from %s" % (node, d, r and (r["power_w"], r["energy_wh"], r["source"]), p, src))
for b in bad:
    print("MISMATCH", b)
print("%d device figures, %d off" % (n, len(bad)))
sys.exit(1 if bad or not n else 0)
PY
then
	ok "--by device: cpu, ram, GPUs and the wall meter within 1%, sources right ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "--by device"; cat "$PT_TMP/cmp" "$PT_TMP/dev.csv"
fi

# ---- check --detect: which sources have data, which one each node uses ----
assert_exit 0 pt -c "$CFG" check --detect --last 4h
detect=$OUT
sect() { awk -v n="$1" '/^[^ ]/ { on = ($0 == n) } on' <<<"$detect"; }
assert_match "$(sect both)" $'\n  cpu +rapl\* kepler\n  ram +rapl\* kepler\n  power +-> sum of the parts\n' "detect: RAPL and Kepler on one node, RAPL used"
assert_match "$(sect both)" $'\n  gpu AMD-S0\n    power +amd\*\n' "detect: an AMD GPU"
assert_match "$(sect kep1)" $'\n  cpu +kepler\*\n  ram +kepler\*\n  power +ipmi\*\n' "detect: Kepler and IPMI"
assert_match "$(sect kep1)" $'\n  gpu GPU-k0\n    power +dcgm\*\n' "detect: a DCGM GPU"
assert_match "$(sect rapl2)" $'\n  power +redfish\*\n' "detect: Redfish"
assert_match "$(sect plain)" $'\n  cpu +-> model\n  ram +-> model\n  power +-> sum of the parts\n' "detect: a model-only node"
assert_match "$detect" $'\nSummary: how many nodes \\(GPUs, for gpu\\) use each source:\n  cpu     rapl 3, model 3, kepler 1, scaphandre 1\n  ram     rapl 3, model 4, kepler 1\n  power   sum 3, jetson 1, ipmi 2, redfish 1, scaphandre 1\n  gpu     amd 2, dcgm 1, nvidia_smi 1, amd_smi 1, intel 1' "detect: the summary"
assert_exit 0 pt -c "$CFG" check --detect --last 4h --node xpu1 --node ghost
assert_match "$OUT" $'\nxpu1\n[^\n]*\n[^\n]*\n[^\n]*\n(.*\n)*  gpu 01000000-0000-0000-0000-000000000001\n    power +intel\*\n' "detect: an Intel GPU, only the nodes asked"
assert_match "$OUT" $'\nghost\n  cpu +-> model\n' "detect: a node without data"
assert_exit 2 pt -c "$CFG" check --detect --offline

# ---- a model-only world: the same set with prefer_measured off ----
printf 'prometheus: {url: %s}\npower: {prefer_measured: false}\n' "$PT_URL" >"$PT_TMP/cfg-model.yaml"
assert_exit 0 pt -c "$PT_TMP/cfg-model.yaml" report --start "$s" --end "$e"
src=$(cut -d, -f2,26-29 <<<"$OUT" | tail -n +2 | sort | tr '\n' ' ')
assert_eq "both,model,model,model,sum jet1,model,model,none,sum kep1,model,model,model,sum plain,model,model,none,sum rapl1,model,model,model,sum rapl2,model,model,none,sum scaph1,model,model,model,sum xpu1,model,model,model,sum " \
	"$src" "prefer_measured: false models every part and ignores wall meters"
echo "$detect" >"${PT_DETECT_OUT:-/dev/null}"
pass
