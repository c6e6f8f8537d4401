#!/usr/bin/env bash
# test_report_errors.sh - bad input of every kind gets one 'powertest: ' line and
# its documented exit code, and nothing already written is lost or half-written.
source "$(dirname "$0")/lib.sh"

lab_start >/dev/null
sleep 2.5 # two scrapes, so a 2 s window has data
one_line() { # one_line WHAT: stderr is exactly one 'powertest: ' line
	if [[ $(wc -l <"$ERR_FILE") -eq 1 && $ERR == "powertest: "* ]]; then ok "$1: one line"; else fail "$1: stderr is: $ERR"; fi
}

# Usage errors: exit 2.
for args in "report --last 100y" "-u http://:80 targets" "-u http://127.0.0.1:99999 targets" \
	"-u http://127.0.0.1:9090/?x=1 targets" "report" "report --last 1h --start 1" "report --start 2 --end 1" "report --start yesterday --end 1" \
	"report --last 1fortnight" "report --last 1h --format xml" "report --last 1h --by gpu" \
	"report --last 1h --append" "report --last 1h extra" "report --last" "nosuch" "--bogus targets"; do
	# shellcheck disable=SC2086 # word splitting wanted
	assert_exit 2 pt -u "$PT_URL" $args
	one_line "$args"
done

# A window that reaches before the lab began: partial, exit 1, not a
# diluted rate() reported as ok.
assert_exit 1 pt -u "$PT_URL" report --last 1h
assert_match "$OUT" $'\n,127.0.0.1,[^\n]*,partial: data covers [0-9]% of the window$' "window before the data"
# A node named as `targets` shows it, with its port: the row says what to ask.
assert_exit 1 pt -u "$PT_URL" report --last 1h --node "$PT_LAB_NODE_INSTANCE"
assert_contains "$OUT" "no_data: no series for this node in the window (nodes are named without the port: try '127.0.0.1')" \
	"hint for a node named with its port"

# An output that cannot be written is found before the work (and before run's command).
assert_exit 4 pt -u "$PT_URL" run -o "$PT_TMP/nodir/x.csv" -- touch "$PT_TMP/ran"
assert_contains "$ERR" "cannot write $PT_TMP/nodir/x.csv" "unwritable output named"
one_line "run -o missing dir"
if [[ ! -e $PT_TMP/ran ]]; then ok "the command did not run"; else fail "the command ran without a place for its row"; fi
assert_exit 2 pt -u "$PT_URL" report --last 1h -o ""
one_line "empty -o"
# -o /dev/stdout writes where stdout goes (here, appending to a file), it
# does not replace what stdout leads to.
printf 'OLD\n' >"$PT_TMP/log.csv"
"$PT_BIN" -u "$PT_URL" report --last 2s -o /dev/stdout >>"$PT_TMP/log.csv" 2>/dev/null
assert_eq "OLD" "$(head -n 1 "$PT_TMP/log.csv")" "-o /dev/stdout keeps what the file had"
assert_match "$(sed -n 2p "$PT_TMP/log.csv")" "^task,node," "and gets the CSV after it"
# A closed stdout is a write error, not rows lost with exit 0.
rc=0
"$PT_BIN" -u "$PT_URL" report --last 2s >&- 2>"$PT_TMP/closed.err" || rc=$?
assert_eq 4 "$rc" "closed stdout: exit 4"

# A window that is not over: rate() would be diluted by the time to come.
later=$(($(date +%s) + 600))
assert_exit 2 pt -u "$PT_URL" report --start "$((later - 1200))" --end "$later" -o "$PT_TMP/future.csv"
assert_contains "$ERR" "--end ($later) is in the future" "window ending in the future"
one_line "future end"
if [[ ! -e $PT_TMP/future.csv ]]; then ok "no file for a future window"; else fail "file written for a future window"; fi

# Configuration errors: exit 2, naming file, line and key.
printf 'prometheus:\n  url: %s\npower:\n  pue: 0.5\n' "$PT_URL" >"$PT_TMP/bad.yaml"
assert_exit 2 pt -c "$PT_TMP/bad.yaml" report --last 1h
assert_contains "$ERR" "bad.yaml:4" "file and line"
assert_contains "$ERR" "pue" "key"
printf 'prometheus:\n  url: %s\n  colour: blue\n' "$PT_URL" >"$PT_TMP/unknown.yaml"
assert_exit 2 pt -c "$PT_TMP/unknown.yaml" report --last 1h
assert_contains "$ERR" "unknown.yaml:3" "unknown key line"
printf 'queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: up\n' >"$PT_TMP/q.yaml"
printf 'prometheus: {url: %s}\nqueries: q.yaml\n' "$PT_URL" >"$PT_TMP/qs.yaml"
assert_exit 2 pt -c "$PT_TMP/qs.yaml" report --last 1h
assert_contains "$ERR" "q.yaml" "query-set errors name the query set"
# A country the carbon table does not have, per node too: check finds it.
printf 'prometheus: {url: %s}
power:
  country: FR
  nodes:
    gpu01: {country: XX}
' "$PT_URL" >"$PT_TMP/country.yaml"
assert_exit 2 pt -c "$PT_TMP/country.yaml" check --offline
assert_contains "$ERR" "country.yaml:5: key 'power.nodes.gpu01.country': unknown country 'XX'" "unknown node country"
one_line "unknown country"
# check --offline reads the files a connection would.
printf 'prometheus: {url: %s, bearer_token_file: %s/no-token}\n' "$PT_URL" "$PT_TMP" >"$PT_TMP/token.yaml"
assert_exit 2 pt -c "$PT_TMP/token.yaml" check --offline
assert_contains "$ERR" "cannot read secret file $PT_TMP/no-token" "missing token file found offline"
POWERTEST_CONFIG=$PT_TMP/bad.yaml assert_exit 2 pt report --last 1h
assert_contains "$ERR" "bad.yaml" "\$POWERTEST_CONFIG is read"

# PromQL the server rejects: exit 3 with the server's message.
printf 'queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: "rate(up[${window}]"\n  - quantity: ram_used\n    unit: bytes\n    query: up\n' >"$PT_TMP/q2.yaml"
printf 'prometheus: {url: %s}\nqueries: q2.yaml\n' "$PT_URL" >"$PT_TMP/qs2.yaml"
assert_exit 3 pt -c "$PT_TMP/qs2.yaml" report --last 1h
assert_contains "$ERR" "bad_data" "server's error type"
one_line "PromQL error"

# Output that cannot be written: exit 4; an existing file is left as it was.
echo "keep me" >"$PT_TMP/old.csv"
assert_exit 4 pt -u "$PT_URL" report --last 2s -o "$PT_TMP/nodir/out.csv"
one_line "missing directory"
assert_exit 4 sh -c "\"$PT_BIN\" -u \"$PT_URL\" report --last 2s >/dev/full"
assert_contains "$ERR" "powertest: " "full disk on stdout"
assert_exit 3 pt -u "http://127.0.0.1:$(free_port)" report --last 1h -o "$PT_TMP/old.csv"
assert_eq "keep me" "$(cat "$PT_TMP/old.csv")" "an unreachable Prometheus leaves the old file whole"
assert_exit 2 pt -u "$PT_URL" report --last 1h --start x -o "$PT_TMP/old.csv"
assert_eq "keep me" "$(cat "$PT_TMP/old.csv")" "a usage error leaves the old file whole"
assert_exit 2 pt -u "$PT_URL" report --last 2s -o "$PT_TMP/old.csv" --append
assert_contains "$ERR" "header" "appending under another header is refused"
assert_eq "keep me" "$(cat "$PT_TMP/old.csv")" "and the file is untouched"
leftovers=$(find "$PT_TMP" -name '*.tmp.*' | wc -l)
assert_eq 0 "$leftovers" "no temporary files left behind"

# A good report replaces the file atomically.
assert_exit 0 pt -u "$PT_URL" report --last 2s --node 127.0.0.1 -o "$PT_TMP/old.csv"
assert_match "$(head -1 "$PT_TMP/old.csv")" "^task,node,start,end," "replaced with a report"
pass
