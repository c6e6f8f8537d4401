#!/usr/bin/env bash
# test_carbon.sh - CO2 over time from hourly carbon intensity files, against
# backfilled history with known values: report, batch and export's cumulative
# co2_g within 1% of the sum over hours of energy x PUE x intensity computed
# from the generator's parameters, for windows on and off the hours, inside
# one hour and across midnight UTC; a constant file gives today's rows; bad
# files and files that end too soon are exit 2 naming file:line or the gap.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

# Six hours of history around a UTC midnight at least five hours ago.
now=$(date +%s)
mid=$(( (now - 5 * 3600) / 86400 * 86400 ))
t0=$((mid - 3 * 3600))
# Half-hour segments (lab3's six repeat every three hours), so that whole
# hours differ in power and the intensity's weighting matters.
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["t0"] = int(sys.argv[2]); s["segment"] = 1800; json.dump(s, sys.stdout)' \
	"$PT_SOURCE_DIR/tests/fixtures/lab3.json" "$t0" >"$PT_TMP/spec.json"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
PROM_URL=$PT_URL

# Hourly files from an hour before the history to an hour after: a plain
# RFC 3339 one for every node, an Electricity Maps one for hostb (direct)
# and hostc (LCA, the default column).
python3 "$TOOLS/history.py" intensity $((t0 - 3600)) 8 "$PT_TMP/ci.csv" --seed 5 || fatal "intensity"
python3 "$TOOLS/history.py" intensity $((t0 - 3600)) 8 "$PT_TMP/ci-em.csv" --em --seed 9 || fatal "intensity"
cat >"$PT_TMP/cfg.yaml" <<YAML
prometheus: {url: $PT_URL}
power:
  pue: 1.2
  carbon_intensity_file: ci.csv
  nodes:
    hostb: {carbon_intensity_file: ci-em.csv, carbon_intensity_column: direct}
    hostc: {carbon_intensity_file: ci-em.csv}
YAML
truth_args=(--intensity "$PT_TMP/ci.csv" --node-intensity "hostb=$PT_TMP/ci-em.csv:direct"
	--node-intensity "hostc=$PT_TMP/ci-em.csv:lca" --pue 1.2)

declare -A WS WE
WS[aligned]=$((t0 + 3600)) WE[aligned]=$((t0 + 3 * 3600))       # two whole hours
WS[odd]=$((t0 + 1234)).5 WE[odd]=$((t0 + 4 * 3600 + 321))       # off the hours, across midnight
WS[inner]=$((t0 + 4000)) WE[inner]=$((t0 + 6000))               # inside one hour
WS[midnight]=$((mid - 1877)) WE[midnight]=$((mid + 2400))       # across midnight UTC
names="aligned odd inner midnight"

for name in $names; do
	s=${WS[$name]} e=${WE[$name]}
	assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" --task "$name" -o "$PT_TMP/$name.csv"
	python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" "${truth_args[@]}" >"$PT_TMP/$name.json"
	if python3 "$TOOLS/compare.py" "$PT_TMP/$name.csv" "$PT_TMP/$name.json" --pue 1.2 --ci row >"$PT_TMP/cmp" 2>&1; then
		ok "$name: report's co2_g within 1% of the truth ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: report"; cat "$PT_TMP/cmp"; cat "$PT_TMP/$name.csv"
	fi
done

# The intensity varies by a factor of three or more from hour to hour and the
# power from half hour to half hour: the window's time-mean intensity would
# be more than 1% off, so the checks above can tell.
python3 - "$PT_TMP/odd.csv" "$PT_TMP/ci.csv" "${WS[odd]}" "${WE[odd]}" <<'PY' >"$PT_TMP/tm" 2>&1 && ok "odd: the time mean would be off ($(cat "$PT_TMP/tm"))" || { fail "odd: time mean as good"; cat "$PT_TMP/tm"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[2])))[1:]
import datetime
def ts(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
a, b = float(sys.argv[3]), float(sys.argv[4])
tm = sum(float(g) * (min(b, ts(t) + 3600) - max(a, ts(t))) for t, g in rows
         if ts(t) < b and ts(t) + 3600 > a) / (b - a)
r = [r for r in csv.DictReader(open(sys.argv[1])) if r["node"] == "hosta"][0]
ci = float(r["carbon_intensity_g_per_kwh"])
print("hosta: energy-weighted %.3f g/kWh, time mean %.3f" % (ci, tm))
sys.exit(0 if abs(ci - tm) > 0.01 * ci else 1)
PY

# ---- batch: the same rows ----
{
	echo "task,start,end"
	for name in $names; do echo "$name,${WS[$name]},${WE[$name]}"; done
} >"$PT_TMP/jobs.csv"
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/batch.csv"
for name in $names; do
	{ head -1 "$PT_TMP/batch.csv"; grep "^$name," "$PT_TMP/batch.csv"; } >"$PT_TMP/batch-$name.csv"
	if python3 "$TOOLS/compare.py" "$PT_TMP/batch-$name.csv" "$PT_TMP/$name.json" --pue 1.2 --ci row >"$PT_TMP/cmp" 2>&1; then
		ok "$name: batch's co2_g within 1% of the truth ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: batch"; cat "$PT_TMP/cmp"; cat "$PT_TMP/batch-$name.csv"
	fi
done
python3 - "$PT_TMP/batch.csv" "$PT_TMP" $names <<'PY' >"$PT_TMP/same" 2>&1 && ok "batch rows equal report's co2_g ($(cat "$PT_TMP/same"))" || { fail "batch vs report"; cat "$PT_TMP/same"; }
import csv, sys
b = {(r["task"], r["node"]): r for r in csv.DictReader(open(sys.argv[1]))}
worst = 0.0
for name in sys.argv[3:]:
    for r in csv.DictReader(open("%s/%s.csv" % (sys.argv[2], name))):
        x, y = float(r["co2_g"]), float(b[(name, r["node"])]["co2_g"])
        worst = max(worst, abs(x - y) / y)
print("worst relative difference %.4f%%" % (100 * worst))
sys.exit(0 if worst <= 0.005 else 1)
PY

# In 20-minute slices (pieces finished as the slices pass): the same file.
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" batch "$PT_TMP/jobs.csv" --chunk 20m -o "$PT_TMP/batch-sliced.csv"
# (The same figures: sums over slices may round a last digit differently.)
python3 - "$PT_TMP/batch.csv" "$PT_TMP/batch-sliced.csv" <<'PY' >"$PT_TMP/sl" 2>&1 && ok "batch in 20-minute slices: the same rows ($(cat "$PT_TMP/sl"))" || { fail "sliced batch differs"; cat "$PT_TMP/sl"; }
import csv, sys
a = {(r["task"], r["node"]): r for r in csv.DictReader(open(sys.argv[1]))}
b = {(r["task"], r["node"]): r for r in csv.DictReader(open(sys.argv[2]))}
worst = 0.0
assert a.keys() == b.keys(), "rows differ"
for k, r in a.items():
    for col in ("energy_wh", "carbon_intensity_g_per_kwh", "co2_g"):
        x, y = float(r[col]), float(b[k][col])
        worst = max(worst, abs(x - y) / max(abs(y), 1e-9))
print("energy, intensity and co2_g within %.2g relative" % worst)
sys.exit(0 if worst < 1e-6 else 1)
PY

# ---- export: the final cumulative co2_g ----
for name in aligned midnight; do
	assert_exit 0 pt -c "$PT_TMP/cfg.yaml" export --start "${WS[$name]}" --end "${WE[$name]}" -o "$PT_TMP/export-$name.csv"
	assert_eq "time,node,cpu_util_pct,ram_util_pct,gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,power_w,energy_wh,co2_g" \
		"$(head -1 "$PT_TMP/export-$name.csv")" "export header"
	python3 - "$PT_TMP/export-$name.csv" "$PT_TMP/$name.json" <<'PY' >"$PT_TMP/exp" 2>&1 && ok "$name: export's final co2_g within 1% ($(cat "$PT_TMP/exp"))" || { fail "$name: export"; cat "$PT_TMP/exp"; }
import csv, json, sys
last = {}
for r in csv.DictReader(open(sys.argv[1])):
    last[r["node"]] = r
want = json.load(open(sys.argv[2]))
worst = 0.0
for node, w in want.items():
    got = float(last[node]["co2_g"])
    worst = max(worst, abs(got - w["co2_g"]) / w["co2_g"])
print("worst %.4f%%" % (100 * worst))
sys.exit(0 if worst <= 0.01 and len(last) == len(want) else 1)
PY
done

# ---- serve: /report.csv has report's bytes; /export.csv its co2_g ----
port=$(free_port)
"$PT_BIN" -c "$PT_TMP/cfg.yaml" serve --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
cleanup_pid $!
wait_until 20 curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not answer"; }
curl -fsS --max-time 60 -o "$PT_TMP/serve-odd.csv" "http://127.0.0.1:$port/report.csv?start=${WS[odd]}&end=${WE[odd]}&task=odd" || fail "serve /report.csv"
if cmp -s "$PT_TMP/serve-odd.csv" "$PT_TMP/odd.csv"; then ok "serve: /report.csv = report's CSV, co2_g included"; else fail "serve differs"; diff "$PT_TMP/serve-odd.csv" "$PT_TMP/odd.csv"; fi
curl -fsS --max-time 60 -o "$PT_TMP/serve-export.csv" "http://127.0.0.1:$port/export.csv?start=${WS[aligned]}&end=${WE[aligned]}" || fail "serve /export.csv"
if cmp -s "$PT_TMP/serve-export.csv" "$PT_TMP/export-aligned.csv"; then ok "serve: /export.csv = export's CSV"; else fail "serve export differs"; diff "$PT_TMP/serve-export.csv" "$PT_TMP/export-aligned.csv" | head; fi

# ---- --by device: CO2 per device, adding up to the node's ----
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "${WS[odd]}" --end "${WE[odd]}" --by device -o "$PT_TMP/dev.csv"
python3 - "$PT_TMP/dev.csv" "$PT_TMP/odd.csv" <<'PY' >"$PT_TMP/dev" 2>&1 && ok "device co2_g adds up to the node's" || { fail "device co2"; cat "$PT_TMP/dev"; }
import csv, sys
dev = {}
for r in csv.DictReader(open(sys.argv[1])):
    dev[r["node"]] = dev.get(r["node"], 0.0) + float(r["co2_g"])
for r in csv.DictReader(open(sys.argv[2])):
    x, y = dev[r["node"]], float(r["co2_g"])
    print(r["node"], x, y)
    if abs(x - y) > 1e-3 * y:
        sys.exit(1)
PY

# ---- a constant file: today's rows, byte for byte ----
python3 - "$t0" >"$PT_TMP/flat.csv" <<'PY'
import sys
t0 = int(sys.argv[1])
print("time,g_per_kwh")
for h in range(-1, 8):
    print("%d,300" % (t0 + 3600 * h))
PY
printf 'prometheus: {url: %s}\npower: {pue: 1.2, carbon_intensity_file: flat.csv}\n' "$PT_URL" >"$PT_TMP/flat.yaml"
printf 'prometheus: {url: %s}\npower: {pue: 1.2, carbon_intensity_g_per_kwh: 300}\n' "$PT_URL" >"$PT_TMP/const.yaml"
for name in odd midnight; do
	assert_exit 0 pt -c "$PT_TMP/flat.yaml" report --start "${WS[$name]}" --end "${WE[$name]}" -o "$PT_TMP/flat-$name.csv"
	assert_exit 0 pt -c "$PT_TMP/const.yaml" report --start "${WS[$name]}" --end "${WE[$name]}" -o "$PT_TMP/const-$name.csv"
	if cmp -s "$PT_TMP/flat-$name.csv" "$PT_TMP/const-$name.csv"; then
		ok "$name: a constant file gives the constant's rows"
	else
		fail "$name: constant file differs"; diff "$PT_TMP/flat-$name.csv" "$PT_TMP/const-$name.csv"
	fi
done

# ---- the query set's carbon_intensity: a grid gauge already in Prometheus ----
# A second lab with the same history plus the intensity as gauges: one for
# every node (no instance label) from ci.csv, hostc's own from ci-em.csv.
python3 - "$PT_TMP/spec.json" "$PT_TMP" >"$PT_TMP/spec-grid.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["grid"] = [{"file": sys.argv[2] + "/ci.csv", "labels": {"job": "grid", "zone": "TL"}},
             {"file": sys.argv[2] + "/ci-em.csv", "labels": {"job": "grid", "instance": "hostc:9100"}}]
json.dump(s, sys.stdout)
PY
python3 "$TOOLS/history.py" write "$PT_TMP/spec-grid.json" "$PT_TMP/history-grid.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history-grid.om" >/dev/null
GRID_URL=$PT_URL
cp "$PT_SOURCE_DIR/queries/default.yaml" "$PT_TMP/grid-queries.yaml"
cat >>"$PT_TMP/grid-queries.yaml" <<'YAML'
  - quantity: carbon_intensity
    unit: g_per_kwh
    query: >-
      avg_over_time(grid_carbon_intensity_gco2_kwh[${window}])
YAML
printf 'prometheus: {url: %s}\nqueries: grid-queries.yaml\npower: {pue: 1.2}\n' "$GRID_URL" >"$PT_TMP/grid.yaml"
grid_truth=(--intensity "$PT_TMP/ci.csv" --node-intensity "hostc=$PT_TMP/ci-em.csv:lca" --pue 1.2)
for name in aligned odd inner midnight; do
	s=${WS[$name]} e=${WE[$name]}
	assert_exit 0 pt -c "$PT_TMP/grid.yaml" report --start "$s" --end "$e" --task "$name" -o "$PT_TMP/grid-$name.csv"
	python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" "${grid_truth[@]}" >"$PT_TMP/grid-$name.json"
	if python3 "$TOOLS/compare.py" "$PT_TMP/grid-$name.csv" "$PT_TMP/grid-$name.json" --pue 1.2 --ci row >"$PT_TMP/cmp" 2>&1; then
		ok "$name: co2_g from the grid gauge within 1% ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: grid gauge"; cat "$PT_TMP/cmp"; cat "$PT_TMP/grid-$name.csv"
	fi
done
assert_exit 0 pt -c "$PT_TMP/grid.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/grid-batch.csv"
for name in $names; do
	{ head -1 "$PT_TMP/grid-batch.csv"; grep "^$name," "$PT_TMP/grid-batch.csv"; } >"$PT_TMP/grid-batch-$name.csv"
	if python3 "$TOOLS/compare.py" "$PT_TMP/grid-batch-$name.csv" "$PT_TMP/grid-$name.json" --pue 1.2 --ci row >"$PT_TMP/cmp" 2>&1; then
		ok "$name: batch from the grid gauge within 1% ($(tail -1 "$PT_TMP/cmp"))"
	else
		fail "$name: batch grid gauge"; cat "$PT_TMP/cmp"; cat "$PT_TMP/grid-batch-$name.csv"
	fi
done
assert_exit 0 pt -c "$PT_TMP/grid.yaml" export --start "${WS[aligned]}" --end "${WE[aligned]}" -o "$PT_TMP/grid-export.csv"
python3 - "$PT_TMP/grid-export.csv" "$PT_TMP/grid-aligned.json" <<'PY' >"$PT_TMP/exp" 2>&1 && ok "export from the grid gauge: final co2_g within 1% ($(cat "$PT_TMP/exp"))" || { fail "grid export"; cat "$PT_TMP/exp"; }
import csv, json, sys
last = {r["node"]: r for r in csv.DictReader(open(sys.argv[1]))}
want = json.load(open(sys.argv[2]))
worst = max(abs(float(last[n]["co2_g"]) - w["co2_g"]) / w["co2_g"] for n, w in want.items())
print("worst %.4f%%, nodes %s" % (100 * worst, sorted(last)))
sys.exit(0 if worst <= 0.01 and sorted(last) == sorted(want) else 1)
PY
assert_exit 0 pt -c "$PT_TMP/grid.yaml" check --offline
assert_contains "$OUT" "carbon intensity: the query set's carbon_intensity, hour by hour" "check names the gauge"
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" check --offline
assert_contains "$OUT" "carbon intensity: $PT_TMP/ci.csv (LCA), 8 rows, " "check names the file"
# A configured intensity wins over the gauge; without any intensity data a row is partial, without CO2.
printf 'prometheus: {url: %s}\nqueries: grid-queries.yaml\npower: {pue: 1.2, carbon_intensity_g_per_kwh: 300}\n' "$GRID_URL" >"$PT_TMP/grid-const.yaml"
assert_exit 0 pt -c "$PT_TMP/grid-const.yaml" report --start "${WS[odd]}" --end "${WE[odd]}" -o "$PT_TMP/grid-const.csv"
assert_eq "300.000 300.000 300.000" "$(python3 -c 'import csv, sys; print(" ".join(r["carbon_intensity_g_per_kwh"] for r in csv.DictReader(open(sys.argv[1]))))' "$PT_TMP/grid-const.csv")" "a configured intensity wins over the gauge"
printf 'prometheus: {url: %s}\nqueries: grid-queries.yaml\n' "$PROM_URL" >"$PT_TMP/nogrid.yaml"
assert_exit 1 pt -c "$PT_TMP/nogrid.yaml" report --start "${WS[odd]}" --end "${WE[odd]}"
assert_contains "$OUT" "partial: no carbon intensity data" "no intensity data: partial"

# ---- bad files: exit 2, file:line ----
bad() { # bad NAME CONTENT EXPECTED-MESSAGE
	printf '%b' "$2" >"$PT_TMP/$1.csv"
	printf 'prometheus: {url: %s}\npower: {carbon_intensity_file: %s.csv}\n' "$PT_URL" "$1" >"$PT_TMP/$1.yaml"
	assert_exit 2 pt -c "$PT_TMP/$1.yaml" report --start "${WS[aligned]}" --end "${WE[aligned]}"
	assert_contains "$ERR" "powertest: $PT_TMP/$1.csv$3" "$1: message"
}
bad duplicate "time,g_per_kwh\n$t0,100\n$((t0 + 3600)),200\n$t0,100\n" ":4: duplicate time (line 2 has it too)"
bad negative "time,g_per_kwh\n$t0,100\n$((t0 + 3600)),-5\n" ":3: negative carbon intensity -5"
bad badtime "time,g_per_kwh\n$t0,100\nnoon,5\n" ":3: invalid time 'noon'"
bad badvalue "time,g_per_kwh\n$t0,many\n" ":2: carbon intensity 'many' is not a number"
bad header "when,grams\n$t0,1\n" ":1: unknown header"
bad fields "time,g_per_kwh\n$t0,1,2\n" ":2: 3 fields, the header has 2"
bad gap "Datetime (UTC),Carbon Intensity gCO₂eq/kWh (LCA)\n2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n2024-01-01 05:00:00,3\n" \
	":4: gap: no rows for 2024-01-01T02:00:00.000Z .. 2024-01-01T05:00:00.000Z"
bad nocolumn "Datetime (UTC),Carbon Intensity gCO₂eq/kWh (direct)\n2024-01-01 00:00:00,1\n" ":1: no 'Carbon Intensity gCO₂eq/kWh (LCA)' column"
# check finds it too, without Prometheus.
assert_exit 2 pt -c "$PT_TMP/negative.yaml" check --offline
assert_contains "$ERR" "negative.csv:3: negative carbon intensity" "check --offline reads the file"
printf 'prometheus: {url: %s}\npower: {carbon_intensity_file: nowhere.csv}\n' "$PT_URL" >"$PT_TMP/nowhere.yaml"
assert_exit 2 pt -c "$PT_TMP/nowhere.yaml" report --start "${WS[aligned]}" --end "${WE[aligned]}"
assert_contains "$ERR" "cannot read $PT_TMP/nowhere.csv" "a missing file"

# A file that ends before the window: exit 2 naming the uncovered span, for
# report and batch alike; never a silent constant.
head -4 "$PT_TMP/ci.csv" >"$PT_TMP/short.csv" # t0 - 1h .. t0 + 2h
printf 'prometheus: {url: %s}\npower: {carbon_intensity_file: short.csv}\n' "$PT_URL" >"$PT_TMP/short.yaml"
end_iso=$(date -u -d "@$((t0 + 2 * 3600))" +%Y-%m-%dT%H:%M:%S.000Z)
assert_exit 2 pt -c "$PT_TMP/short.yaml" report --start "${WS[odd]}" --end "${WE[odd]}"
assert_contains "$ERR" "short.csv has no carbon intensity for $end_iso .. " "report names the gap"
assert_contains "$ERR" "(its data ends at $end_iso)" "and where the data ends"
assert_exit 2 pt -c "$PT_TMP/short.yaml" -u http://127.0.0.1:9 report --start "${WS[odd]}" --end "${WE[odd]}"
assert_contains "$ERR" "short.csv has no carbon intensity for $end_iso .. " "report checks before asking Prometheus"
assert_exit 2 pt -c "$PT_TMP/short.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/short-batch.csv"
assert_contains "$ERR" "short.csv has no carbon intensity for $end_iso .. " "batch names the gap"
[[ -e "$PT_TMP/short-batch.csv" ]] && fail "batch left an output file" || ok "no output file"
# Checked before any query: with no Prometheus at all it is still exit 2.
assert_exit 2 pt -c "$PT_TMP/short.yaml" -u http://127.0.0.1:9 batch "$PT_TMP/jobs.csv" -o "$PT_TMP/short-batch.csv"
assert_contains "$ERR" "short.csv has no carbon intensity for $end_iso .. " "batch checks before fetching"
assert_exit 2 pt -c "$PT_TMP/short.yaml" -u http://127.0.0.1:9 export --start "${WS[odd]}" --end "${WE[odd]}" -o "$PT_TMP/short-export.csv"
assert_contains "$ERR" "short.csv has no carbon intensity for $end_iso .. " "export checks before asking Prometheus"
[[ -e "$PT_TMP/short-export.csv" ]] && fail "export left an output file" || ok "no export file"
# A window inside the file is fine.
assert_exit 0 pt -c "$PT_TMP/short.yaml" report --start "${WS[inner]}" --end "${WE[inner]}"

# Both keys at once is a configuration error.
printf 'power: {carbon_intensity_file: ci.csv, country: FR}\n' >"$PT_TMP/both.yaml"
assert_exit 2 pt -c "$PT_TMP/both.yaml" check --offline
assert_contains "$ERR" "set carbon_intensity_file or country, not both" "file and country"
printf 'power: {carbon_intensity_file: ci.csv, carbon_intensity_column: total}\n' >"$PT_TMP/col.yaml"
assert_exit 2 pt -c "$PT_TMP/col.yaml" check --offline
assert_contains "$ERR" "must be lca or direct" "column"
pass
