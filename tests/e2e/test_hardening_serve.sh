#!/usr/bin/env bash
# test_hardening_serve.sh - serve cannot be starved: 300 connections that each
# send half a request header and hold on, a client that dribbles its header a
# byte at a time, and junk bytes; /healthz keeps answering other clients at
# once, junk gets a 400 at once or is closed when its headers are late (3 s),
# and a report slower than that still ends.
source "$(dirname "$0")/lib.sh"

# A Prometheus that answers after a while (and a small answer at once).
python3 "$PT_SOURCE_DIR/tests/fixtures/big_answer.py" 0 --size 1000 --port-file "$PT_TMP/prom.port" \
	2>"$PT_TMP/prom.err" &
cleanup_pid $!
wait_until 30 test -s "$PT_TMP/prom.port" || { cat "$PT_TMP/prom.err"; fatal "the fixture server did not start"; }
prom=http://127.0.0.1:$(cat "$PT_TMP/prom.port")

port=$(free_port)
base=http://127.0.0.1:$port
# One worker thread: a slow report then holds the thread every connection is on.
"$PT_BIN" -v -u "$prom/slow-6" serve --threads 1 --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
serve_pid=$!
cleanup_pid $serve_pid
wait_until 20 curl -fsS --max-time 2 "$base/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not start"; }

# healthz WHAT [FROM]: /healthz answers 'ok' within 2 s (from the address FROM,
# another client than 127.0.0.1, when given).
healthz() {
	local t body
	rm -f "$PT_TMP/healthz"
	t=$(curl -sS --max-time 10 ${2:+--interface "$2"} -o "$PT_TMP/healthz" -w '%{time_total}' \
		"$base/healthz" 2>"$PT_TMP/healthz.err") || true
	body=$(cat "$PT_TMP/healthz" "$PT_TMP/healthz.err" 2>/dev/null | tr '\n' ' ')
	echo "$1: /healthz '$body' in ${t}s"
	if [[ $body == "ok " ]] && awk -v t="$t" 'BEGIN { exit !(t < 2) }'; then
		ok "$1: /healthz in ${t}s"
	else
		fail "$1: /healthz gave '$body' in ${t}s"
	fi
}

# hold N MODE: N connections from 127.0.0.1 that each send half a header
# ("half") or a byte every half second ("dribble"), kept open until the file
# $PT_TMP/release appears (at most 60 s); writes how many are open now and
# then to $PT_TMP/held, and at the end how many the server closed.
hold() {
	rm -f "$PT_TMP/release" "$PT_TMP/held" "$PT_TMP/held.done"
	python3 - "$port" "$1" "$2" "$PT_TMP" <<'EOF' &
import os, socket, sys, time
port, n, mode, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
socks, t_end = [], time.time() + 60
for i in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " if mode == "half" else b"G")
        socks.append(s)
    except OSError:
        pass
def alive():
    n = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(1, socket.MSG_PEEK) == b"":
                continue  # closed by the server
        except BlockingIOError:
            pass
        except OSError:
            continue
        n += 1
    return n
with open(tmp + "/held.tmp", "w") as f:
    f.write("%d\n" % len(socks))
os.replace(tmp + "/held.tmp", tmp + "/held")
closed_at = None
while not os.path.exists(tmp + "/release") and time.time() < t_end:
    time.sleep(0.5)
    if mode == "dribble":
        for s in socks:
            try:
                s.send(b"E")
            except OSError:
                pass
    if closed_at is None and alive() == 0:
        closed_at = time.time()
with open(tmp + "/held.done", "w") as f:
    f.write("%d %d\n" % (len(socks), alive()))
EOF
	cleanup_pid $!
	wait_until 30 test -s "$PT_TMP/held" || fatal "hold: the connections were not made"
}
release() {
	touch "$PT_TMP/release"
	wait_until 10 test -s "$PT_TMP/held.done" || fail "hold did not end"
}

# ---- 300 half-open connections ----
hold 300 half
echo "held: $(cat "$PT_TMP/held") connections made"
for i in 1 2 3; do
	healthz "300 half-open held, another client, try $i" 127.0.0.2
	sleep 0.5
done
release

# ---- a client dribbling its header: closed, whatever it sends ----
hold 20 dribble
healthz "20 dribbling, another client" 127.0.0.2
sleep 12
release
read -r made open <"$PT_TMP/held.done"
echo "dribbling: $made made, $open still open after 12 s"
assert_eq 0 "$open" "a header dribbled a byte at a time is cut off"

# ---- junk: a 400 at once, or closed once the headers are late (3 s) ----
junk() { # junk WHAT PYTHON-BYTES [SECONDS]
	local r
	r=$(python3 - "$port" "$2" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t = time.time()
s.sendall(eval(sys.argv[2]))
try:
    r = s.recv(100)
    what = r.split(b"\r\n")[0].decode("latin-1") if r else "closed"
except socket.timeout:
    what = "nothing"
except ConnectionResetError:
    what = "closed"
print("%.2f %s" % (time.time() - t, what))
EOF
)
	echo "junk $1: ${r#* } after ${r%% *}s"
	if [[ ${r#* } == "HTTP/1.1 400 Bad Request" || ${r#* } == closed ]] &&
		awk -v t="${r%% *}" -v max="${3:-4}" 'BEGIN { exit !(t < max) }'; then
		ok "junk $1: ${r#* } in ${r%% *}s"
	else
		fail "junk $1: ${r#* } after ${r%% *}s"
	fi
}
junk "NUL bytes" 'b"\x00\x01\x02\x03\r\n\r\n"'
junk "NUL line" 'b"\x00" * 100 + b"\r\n"'
junk "empty lines" 'b"\r\n" * 50'
junk "binary" 'bytes(range(1, 256)) * 4' 1
junk "TLS hello" 'b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32)'
junk "words" 'b"garbage garbage\r\n\r\n"' 1
junk "a request line of junk" 'b"\xff\xfe GET / HTTP/1.1\r\nHost: x\r\n\r\n"' 1
junk "a line without its end" 'b"x" * 300'

# ---- the server still works: from 127.0.0.1 too, and a slow report ends ----
healthz "after all that, from 127.0.0.1"
# Keep-alive still works: two requests on one connection.
out=$(curl -sS -v --max-time 10 "$base/healthz" "$base/healthz" 2>"$PT_TMP/ka.err" | tr '\n' ' ') || true
assert_eq "ok ok " "$out" "two requests on one connection"
assert_contains "$(cat "$PT_TMP/ka.err")" "Re-using existing connection" "the connection was kept alive"
# A kept-alive client that sends its next request on time, while the worker
# that owns its connection computes a slow report, waits for its answer: the
# late one is the server, not the client.
python3 - "$port" >"$PT_TMP/busy" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
s.sendall(req)
first = s.recv(1000).split(b"\r\n")[0].decode()
time.sleep(1.5)  # the slow report starts meanwhile
t = time.time()
s.sendall(req)
try:
    r = s.recv(1000)
    second = r.split(b"\r\n")[0].decode() if r else "closed"
except OSError:
    second = "closed"
print("%s|%s|%.1f" % (first, second, time.time() - t))
EOF
busy_pid=$!
sleep 0.5
out=$(curl -sS --max-time 40 -w ' %{http_code} %{time_total}' "$base/report.csv?last=1h" 2>&1) || true
echo "a report from a Prometheus that takes 6 s: ${out##*$'\n'}"
assert_match "$out" " 200 [0-9.]+$" "a report that takes longer than the header timeout still ends"
assert_contains "$out" ",node1," "with its row"
wait "$busy_pid" || true
IFS='|' read -r first second waited <"$PT_TMP/busy"
echo "kept-alive client behind the slow report: '$first', then '$second' after ${waited}s"
assert_eq "HTTP/1.1 200 OK" "$second" "its second request is answered, not cut off"
if awk -v t="$waited" 'BEGIN { exit !(t > 3) }'; then ok "it waited past the header limit (${waited}s)"; else fail "it did not wait (${waited}s): the report did not hold the worker"; fi
kill -0 "$serve_pid" 2>/dev/null && ok "serve is still running" || fail "serve died"

pass
