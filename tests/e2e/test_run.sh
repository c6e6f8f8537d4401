#!/usr/bin/env bash
# test_run.sh - powertest run on the live lab: window, exit statuses, signals, concurrent appends.
source "$(dirname "$0")/lib.sh"

lab_start >/dev/null
col() { # col FILE COLUMN [ROW]: a field of a CSV file by header name
	python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(r[int(sys.argv[3])][sys.argv[2]])' "$1" "$2" "${3:-0}"
}

# A 15 s stress-ng on one of the two cores; /proc/stat is read at its start
# and end, inside the measured command, for the same span.
cat >"$PT_TMP/job.sh" <<'SH'
head -1 /proc/stat >"$1/s1"
stress-ng --cpu 1 --timeout 15s >/dev/null 2>&1
head -1 /proc/stat >"$1/s2"
SH
assert_exit 0 pt -u "$PT_URL" run --node 127.0.0.1 -o "$PT_TMP/stress.csv" -- bash "$PT_TMP/job.sh" "$PT_TMP"
dur=$(col "$PT_TMP/stress.csv" duration_s)
util=$(col "$PT_TMP/stress.csv" cpu_util_pct)
expected=$(cat "$PT_TMP/s1" "$PT_TMP/s2" | awk '{ t = 0; for (i = 2; i <= 9; i++) t += $i; idle[NR] = $5; tot[NR] = t }
	END { printf "%.3f", 100 * (1 - (idle[2] - idle[1]) / (tot[2] - tot[1])) }')
echo "duration $dur s, cpu $util % (/proc/stat: $expected %)"
awk -v d="$dur" 'BEGIN { exit !(d >= 14.5 && d <= 17) }' && ok "duration about 15 s ($dur)" || fail "duration $dur"
awk -v u="$util" -v e="$expected" 'BEGIN { exit !(u >= 40 && u - e < 10 && e - u < 10) }' &&
	ok "cpu at least half of two cores and within 10 points of /proc/stat" || fail "cpu_util_pct $util, /proc/stat $expected"
assert_eq "bash" "$(col "$PT_TMP/stress.csv" task)" "task defaults to the command name"
python3 - "$PT_TMP/stress.csv" <<'PY' && ok "energy = power x duration" || fail "energy != power x duration"
import csv, sys
r = next(csv.DictReader(open(sys.argv[1])))
p, d, wh, j = float(r["power_w"]), float(r["duration_s"]), float(r["energy_wh"]), float(r["energy_j"])
assert abs(wh - p * d / 3600) <= 1e-3 * wh, (wh, p, d)
assert abs(j - wh * 3600) <= 1e-3 * j
assert abs(int(r["energy_uj"]) - j * 1e6) <= 1000
PY

# The command's failure is run's exit status; its row is still written.
assert_exit 3 pt -u "$PT_URL" run --task fails -o "$PT_TMP/fail.csv" -- sh -c 'exit 3'
assert_eq 2 "$(wc -l <"$PT_TMP/fail.csv" | tr -d ' ')" "row written for a failing command"
assert_contains "$(cat "$PT_TMP/fail.csv")" "window shorter than two scrape intervals (1s)" "a too-short command is flagged"
# The same for report: a window of less than two scrape intervals (1 s here).
assert_exit 1 pt -u "$PT_URL" report --last 1500ms --node 127.0.0.1
assert_contains "$OUT" "window shorter than two scrape intervals" "short report window flagged"
assert_exit 143 pt -u "$PT_URL" run -o "$PT_TMP/term.csv" -- sh -c 'kill -TERM $$'

# Ctrl-C: SIGINT to the whole process group, as a terminal sends it; and to powertest alone.
set -m
"$PT_BIN" -u "$PT_URL" run --task ctrlc -o "$PT_TMP/ctrlc.csv" -- sleep 30 >"$PT_TMP/c.out" 2>&1 &
pid=$!
cleanup_pid "$pid"
sleep 1.5
kill -INT -- "-$pid"
rc=0; wait "$pid" || rc=$?
assert_eq 130 "$rc" "Ctrl-C: exit 128+SIGINT"
assert_eq 2 "$(wc -l <"$PT_TMP/ctrlc.csv" 2>/dev/null | tr -d ' ')" "Ctrl-C: the row is still written"
dur=$(col "$PT_TMP/ctrlc.csv" duration_s)
awk -v d="$dur" 'BEGIN { exit !(d < 10) }' && ok "Ctrl-C stopped the command ($dur s)" || fail "command went on ($dur s)"
"$PT_BIN" -u "$PT_URL" run --task sigint -o "$PT_TMP/sigint.csv" -- sleep 30 >"$PT_TMP/c.out" 2>&1 &
pid=$!
cleanup_pid "$pid"
sleep 1.5
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
assert_eq 130 "$rc" "SIGINT to powertest reaches the command"
set +m

# Four concurrent runs appending to one file: one header, four whole rows.
for i in 1 2 3 4; do
	pt -u "$PT_URL" run --task "job$i" --append -o "$PT_TMP/shared.csv" -- sleep 1 >/dev/null 2>"$PT_TMP/a$i.err" &
done
wait
assert_eq 1 "$(grep -c '^task,node,' "$PT_TMP/shared.csv")" "one header"
python3 - "$PT_TMP/shared.csv" <<'PY' && ok "four whole rows" || { fail "rows"; cat "$PT_TMP/shared.csv"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) == 5, len(rows)
assert all(len(r) == 30 for r in rows), [len(r) for r in rows]
assert sorted(r[0] for r in rows[1:]) == ["job1", "job2", "job3", "job4"]
PY

# A command that cannot be started is an error, and no row is written.
assert_exit 2 pt -u "$PT_URL" run -o "$PT_TMP/none.csv" -- /nonexistent/command
assert_contains "$ERR" "powertest: cannot run '/nonexistent/command'" "message"
[[ ! -e $PT_TMP/none.csv ]] && ok "no file written" || fail "a file was written"
assert_exit 2 pt -u "$PT_URL" run
assert_exit 2 pt -u "$PT_URL" run --bogus -- true

# Prometheus gone when the command ends: its error, then the window to report
# later, and no file.
assert_exit 3 pt -u "http://127.0.0.1:$(free_port)" run -o "$PT_TMP/gone.csv" -- true
assert_contains "$ERR" "powertest: cannot reach " "the error"
assert_contains "$ERR" "; report it later with: powertest report --start " "the window to report later"
[[ ! -e $PT_TMP/gone.csv ]] && ok "no file written" || fail "a file was written"

# fork() failing is the system's doing, neither the command's nor a usage
# error: 125, as env and timeout (a shim makes fork fail).
if [[ -n ${PT_FAIL_FORK:-} ]]; then
	assert_exit 125 env LD_PRELOAD="$PT_FAIL_FORK" ASAN_OPTIONS=verify_asan_link_order=0 \
		"$PT_BIN" -u "$PT_URL" run -o "$PT_TMP/nofork.csv" -- true
	assert_contains "$ERR" "powertest: cannot start 'true': Resource temporarily unavailable" "message"
	[[ ! -e $PT_TMP/nofork.csv ]] && ok "no file written" || fail "a file was written"
fi
pass
