#!/usr/bin/env bash
# test_hardening_memory.sh - a server (or a proxy gone wrong) that answers
# with 400 MB bodies does not take powertest's memory with it: chunked, one
# huge label, an announced length, a gzip bomb; report, targets and serve's
# threads together. Peak RSS stays under 300 MiB, and the failure is exit 3
# with one line naming the limit.
source "$(dirname "$0")/lib.sh"

[[ -x /usr/bin/time ]] || fatal "/usr/bin/time is missing (scripts/setup.sh installs 'time')"
MAX_KIB=$((300 * 1024))
# Under AddressSanitizer the same process holds its shadow memory and a
# quarantine of freed blocks (256 MiB by default) besides: the bound is then
# 1 GiB, still a third of what an unbounded run took (3 GB).
if [[ ${PT_SANITIZE:-OFF} == ON ]]; then MAX_KIB=$((1024 * 1024)); fi

python3 "$PT_SOURCE_DIR/tests/fixtures/big_answer.py" 0 --size 400000000 --port-file "$PT_TMP/port" \
	2>"$PT_TMP/server.err" &
cleanup_pid $!
wait_until 60 test -s "$PT_TMP/port" || { cat "$PT_TMP/server.err"; fatal "the fixture server did not start"; }
base=http://127.0.0.1:$(cat "$PT_TMP/port")
assert_exit 1 pt -u "$base/small" report --last 1h
assert_contains "$OUT" ",node1," "the fixture server answers a small query"

# bounded WHAT [ARGS...]: powertest ARGS exits 3 with one line naming a
# limit, under MAX_KIB of peak RSS.
bounded() {
	local what=$1 kib
	shift
	RC=0
	/usr/bin/time -f '%M' -o "$PT_TMP/rss" "$PT_BIN" "$@" >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || RC=$?
	ERR=$(cat "$ERR_FILE")
	kib=$(tail -n 1 "$PT_TMP/rss")
	echo "$what: peak RSS $((kib / 1024)) MiB, exit $RC"
	assert_eq 3 "$RC" "$what: exit 3"
	if [[ $(wc -l <"$ERR_FILE") -eq 1 && $ERR =~ ^powertest:\ .*the\ limit\ of\ [0-9]+\ MiB ]]; then
		ok "$what: one line naming the limit"
	else
		fail "$what: stderr is: $ERR"
	fi
	if ((kib < MAX_KIB)); then ok "$what: peak RSS $((kib / 1024)) MiB"; else fail "$what: peak RSS $((kib / 1024)) MiB"; fi
}

printf 'prometheus:\n  compression: always\n' >"$PT_TMP/gzip.yaml"
bounded "report, 400 MB chunked" -u "$base/chunked" report --last 1h
bounded "report, one 400 MB label" -u "$base/label" report --last 1h
bounded "report, 400 MB announced" -u "$base/length" report --last 1h
bounded "report, gzip bomb (400 MB decompressed)" -c "$PT_TMP/gzip.yaml" -u "$base/gzip" report --last 1h
bounded "export, 400 MB chunked" -u "$base/chunked" export --last 1h --step 1m
bounded "targets, 400 MB chunked" -u "$base/chunked" targets
# Under the limit for one answer, a JSON tree is ten times its text: it counts too.
bounded "targets, 60 MB answer decoded" -u "$base/chunked-60000000" targets
assert_contains "$ERR" "decoding an answer takes more than the limit of" "the tree's memory is what ran out"

# serve: its threads share one budget, they do not each have their own.
port=$(free_port)
"$PT_BIN" -u "$base/chunked" serve --threads 6 --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
serve_pid=$!
cleanup_pid $serve_pid
wait_until 20 curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not start"; }
pids=()
for i in 1 2 3 4 5 6; do
	curl -sS --max-time 120 -o "$PT_TMP/serve.$i" -w '%{http_code}\n' "http://127.0.0.1:$port/report.csv?last=1h" \
		>"$PT_TMP/serve.code.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}" || true
kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$serve_pid/status")
echo "serve, 6 threads, 6 requests at once: peak RSS $((kib / 1024)) MiB"
if ((kib < MAX_KIB)); then ok "serve: peak RSS $((kib / 1024)) MiB"; else fail "serve: peak RSS $((kib / 1024)) MiB"; fi
assert_eq "502 502 502 502 502 502" "$(cat "$PT_TMP"/serve.code.* | tr '\n' ' ' | sed 's/ $//')" "serve: every request 502"
assert_match "$(cat "$PT_TMP/serve.1")" "limit of [0-9]+ MiB" "serve: the answer names the limit"
assert_eq ok "$(curl -sS --max-time 5 "http://127.0.0.1:$port/healthz")" "serve: still up"

pass
