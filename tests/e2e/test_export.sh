#!/usr/bin/env bash
# test_export.sh - export of two days of backfilled history at 15 s (more than
# Prometheus' 11,000 points per series): every step of every node present,
# a constant column count, values as the generator made them, and cumulative
# energy at the end equal to report's over the same span.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

now=$(date +%s)
t0=$(( (now - 3 * 86400) / 600 * 600 ))
span=$((2 * 86400))
steps=$((span / 15 + 1))
cat >"$PT_TMP/spec.json" <<JSON
{"t0": $t0, "step": 15, "segment": 600, "samples": $steps, "nodes": [
 {"host": "gpu1", "cpus": 2, "cpu_model": "AMD EPYC 7763 64-Core Processor", "cpu_tdp_table": 280,
  "mem_gib": 64, "cpu_util": [0.2, 0.8, 0.5, 0.35, 0.9, 0.6], "ram_used_gib": [10, 20, 15, 30, 25, 12],
  "gpus": [{"uuid": "GPU-1", "name": "Tesla T4", "limit": 70,
            "util": [0.4, 0.5, 0.45, 0.6, 0.55, 0.5], "power": [40, 45, 42, 50, 48, 44]}]},
 {"host": "cpu2", "cpus": 4, "cpu_model": "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz",
  "cpu_tdp_table": 270, "mem_gib": 128,
  "cpu_util": [0.3, 0.35, 0.45, 0.4, 0.3, 0.5], "ram_used_gib": [40, 42, 50, 44, 41, 48]}
]}
JSON
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
printf 'prometheus: {url: %s, retries: 1}\n' "$PT_URL" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml

# ---- two days, every node, default step (no targets: 15 s) ----
assert_exit 0 pt -c "$CFG" -v export --start "$t0" --end $((t0 + span)) -o "$PT_TMP/export.csv"
assert_match "$ERR" "$((2 * steps)) rows, $steps steps of 15000ms \(samples every 15000ms\), [0-9]+ range queries in [2-9] slices" "split in slices under the points limit"
assert_eq "time,node,cpu_util_pct,ram_util_pct,gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,power_w,energy_wh,co2_g" \
	"$(head -1 "$PT_TMP/export.csv")" "header"

cat >"$PT_TMP/check.py" <<'PY'
import csv, datetime, json, sys
spec = json.load(open(sys.argv[2])); t0, step, seg = spec["t0"], 15, 600
rows = list(csv.reader(open(sys.argv[1], newline="")))
bad = []
widths = {len(r) for r in rows}
if widths != {11}:
    bad.append("column counts %s" % sorted(widths))
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
def segv(a, t):
    return a[int((t - t0) // seg) % len(a)]
nodes = {n["host"]: n for n in spec["nodes"]}
seen = {h: [] for h in nodes}
last = {h: -1.0 for h in nodes}
checked = 0
for r in rows[1:]:
    t, node = ts(r[0]), r[1]
    seen[node].append(t)
    n = nodes[node]
    e = float(r[9])
    if e < last[node] - 1e-9:
        bad.append("%s %s: energy_wh goes down" % (r[0], node))
    last[node] = e
    # With the constant intensity, CO2 since start is the energy's: 475 g/kWh.
    if r[10] == "" or abs(float(r[10]) - e / 1000 * 475) > 1e-4 + 1e-6 * e:
        bad.append("%s %s: co2_g %s for %s Wh" % (r[0], node, r[10], e))
    # Steps away from load changes: the generator's values exactly.
    if (t - t0) % seg in (0, step) or t == t0:
        continue
    u = 100 * segv(n["cpu_util"], t - step)
    ram = 100 * segv(n["ram_used_gib"], t) / n["mem_gib"]
    checked += 1
    if abs(float(r[2]) - u) > 0.01 or abs(float(r[3]) - ram) > 0.01:
        bad.append("%s %s: cpu %s ram %s, expected %.3f %.3f" % (r[0], node, r[2], r[3], u, ram))
    if n.get("gpus"):
        g = n["gpus"][0]
        if abs(float(r[4]) - 100 * segv(g["util"], t)) > 0.01 or abs(float(r[7]) - segv(g["power"], t)) > 0.01:
            bad.append("%s %s: gpu %s %s" % (r[0], node, r[4], r[7]))
    elif r[4] != "" or r[7] != "":
        bad.append("%s %s: GPU cells on a CPU-only node" % (r[0], node))
want = [t0 + k * step for k in range(int(sys.argv[3]))]
for h, ts_ in seen.items():
    if ts_ != want:
        missing = sorted(set(want) - set(ts_))[:3]
        bad.append("%s: %d timestamps, expected %d (missing e.g. %s)" % (h, len(ts_), len(want), missing))
for b in bad[:10]:
    print("BAD", b)
print("%d rows, %d checked against the generator; final energy %s" % (len(rows) - 1, checked,
      " ".join("%s=%s" % (h, last[h]) for h in sorted(last))))
sys.exit(1 if bad else 0)
PY
if python3 "$PT_TMP/check.py" "$PT_TMP/export.csv" "$PT_TMP/spec.json" "$steps" >"$PT_TMP/check" 2>&1; then
	ok "every step of both nodes, 11 columns, values as generated ($(tail -1 "$PT_TMP/check"))"
else
	fail "export content"; cat "$PT_TMP/check"
fi

# Cumulative energy at the end = report over the same span (1%).
assert_exit 0 pt -c "$CFG" report --start "$t0" --end $((t0 + span))
report=$OUT
report_energy() { awk -F, -v n="$1" '$2 == n { print $20 }' <<<"$report"; }
export_energy() { tail -2 "$PT_TMP/export.csv" | awk -F, -v n="$1" '$2 == n { print $10 }'; }
for node in gpu1 cpu2; do
	r=$(report_energy "$node") e=$(export_energy "$node")
	if python3 -c "import sys; r, e = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(r - e) > 0.01 * r)" "$r" "$e"; then
		ok "$node: cumulative $e Wh = report $r Wh within 1%"
	else
		fail "$node: cumulative $e Wh vs report $r Wh"
	fi
done

# A coarser step (several samples per step) still adds up to the same energy.
assert_exit 0 pt -c "$CFG" export --start "$t0" --end $((t0 + span)) --step 5m --node gpu1
assert_eq $((span / 300 + 2)) "$(wc -l <<<"$OUT" | tr -d ' ')" "header + one row per 5 minutes"
e=$(tail -1 <<<"$OUT" | cut -d, -f10)
r=$(report_energy gpu1)
if python3 -c "import sys; r, e = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(r - e) > 0.01 * r)" "$r" "$e"; then
	ok "5 m steps: cumulative $e Wh = report $r Wh within 1%"
else
	fail "5 m steps: cumulative $e Wh vs report $r Wh"
fi

# ---- a node without data: its rows are there, empty, and exit 1 ----
assert_exit 1 pt -c "$CFG" export --start "$t0" --end $((t0 + 3600)) --step 10m --node cpu2 --node ghost
assert_contains "$ERR" "powertest: node ghost has no data between " "named on stderr"
assert_eq 15 "$(wc -l <<<"$OUT" | tr -d ' ')" "header + 7 steps x 2 nodes"
assert_match "$OUT" $'\n[0-9T:.-]+Z,ghost,,,,,,,,,\n' "ghost rows have empty cells"
assert_eq "cpu2 ghost cpu2 ghost" "$(tail -n +2 <<<"$OUT" | head -4 | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//')" "requested order per step"

# ---- usage, and Prometheus gone ----
assert_exit 2 pt -c "$CFG" export --start "$t0"
assert_exit 2 pt -c "$CFG" export --start "$t0" --end $((t0 + 60)) --step 5m
assert_contains "$ERR" "shorter than one --step" "span shorter than a step"
assert_exit 2 pt -c "$CFG" export --last 1h --step 0s
prom_kill
assert_exit 3 pt -c "$CFG" export --start "$t0" --end $((t0 + 3600)) -o "$PT_TMP/never.csv"
assert_contains "$ERR" "cannot reach" "unreachable"
if [[ ! -e $PT_TMP/never.csv ]]; then ok "no file when Prometheus is down"; else fail "file written"; fi
pass
