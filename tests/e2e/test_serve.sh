#!/usr/bin/env bash
# test_serve.sh - powertest serve over real HTTP (curl) against a backfilled
# Prometheus: /report.csv answers exactly what `powertest report` writes for
# the same window, in every time form Grafana may send; bad requests get
# 400/404/405 with one line of text; a dead Prometheus gives 502/503; it
# listens on loopback by default; SIGTERM stops it with exit 0.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

# Three hours of history ending an hour ago: a CPU-only node and a GPU node.
now=$(date +%s)
t0=$(( (now - 4 * 3600) / 600 * 600 ))
cat >"$PT_TMP/spec.json" <<JSON
{"t0": $t0, "step": 15, "segment": 600, "samples": 721, "nodes": [
 {"host": "hosta", "cpus": 2, "cpu_model": "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz",
  "cpu_tdp_table": 270, "mem_gib": 64,
  "cpu_util": [0.2, 0.8, 0.5], "ram_used_gib": [10, 20, 15]},
 {"host": "hostb", "cpus": 4, "cpu_model": "AMD EPYC 7763 64-Core Processor",
  "cpu_tdp_table": 280, "mem_gib": 128,
  "cpu_util": [0.7, 0.75, 0.4], "ram_used_gib": [40, 42, 50],
  "gpus": [{"uuid": "GPU-b0", "name": "NVIDIA A100-SXM4-40GB", "limit": 400,
            "util": [0.9, 0.85, 0.6], "power": [350, 330, 250]}]}
]}
JSON
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
printf 'prometheus: {url: %s, retries: 0, timeout: 5s}\n' "$PT_URL" >"$PT_TMP/cfg.yaml"

s=$((t0 + 600)) e=$((t0 + 4200))
s_iso=$(date -u -d "@$s" +%Y-%m-%dT%H:%M:%SZ)
e_plus1=$(date -u -d "@$((e + 3600))" +%Y-%m-%dT%H:%M:%S+01:00) # = e, as a +01:00 offset

port=$(free_port)
base=http://127.0.0.1:$port
"$PT_BIN" -v -c "$PT_TMP/cfg.yaml" serve --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
srv=$!
cleanup_pid "$srv"
wait_until 20 curl -fsS --max-time 2 "$base/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not answer on $base"; }
ok "serve answers on $base"

# get PATH [CURL ARGS...]: status -> $CODE, headers -> $HDRS, body -> $BODY
get() {
	local path=$1
	shift
	CODE=$(curl -sS --max-time 60 -o "$PT_TMP/body" -D "$PT_TMP/hdrs" -w '%{http_code}' "$@" "$base$path") || CODE=000
	HDRS=$(tr -d '\r' <"$PT_TMP/hdrs")
	BODY=$(cat "$PT_TMP/body")
}
ctype() { sed -n 's/^[Cc]ontent-[Tt]ype: *//p' <<<"$HDRS"; }
lines() { wc -l <"$PT_TMP/body" | tr -d ' '; }
# expect_error CODE WHAT: status CODE, text/plain, exactly one non-empty line
expect_error() {
	assert_eq "$1" "$CODE" "$2: status"
	assert_contains "$(ctype)" "text/plain" "$2: content type"
	if [[ $(lines) == 1 && -n $BODY ]]; then ok "$2: one-line message ($BODY)"; else fail "$2: body is not one line: [$BODY]"; fi
}

header='task,node,start,end,duration_s,cpu_util_pct,ram_util_pct,ram_used_gib,gpu_count,gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,other_power_w,power_w,cpu_energy_wh,ram_energy_wh,gpu_energy_wh,other_energy_wh,energy_wh,energy_j,energy_uj,pue,carbon_intensity_g_per_kwh,co2_g,cpu_source,ram_source,gpu_source,power_source,status'

# ---- /report.csv: the same CSV as `powertest report` ----
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" --task train
want=$OUT
get "/report.csv?start=$s&end=$e&task=train"
assert_eq 200 "$CODE" "report.csv status"
assert_eq "text/csv; charset=utf-8" "$(ctype)" "report.csv content type"
assert_eq "$header" "$(head -n 1 "$PT_TMP/body")" "report.csv header (doc/reference.md §7)"
assert_eq 3 "$(lines)" "header + one row per node"
assert_eq "$want" "$BODY" "report.csv = powertest report, same window"
if python3 - "$PT_TMP/body" <<'PY'
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, "no rows"
for r in rows:
    for k in ("start", "end"):
        assert r[k].endswith("Z") and len(r[k]) == 24, r[k]
        datetime.datetime.fromisoformat(r[k].replace("Z", "+00:00"))
PY
then ok "start and end are RFC 3339 with milliseconds"; else fail "start/end do not parse"; fi

# Grafana's ${__from}/${__to} (milliseconds), RFC 3339 with Z and with an
# offset (encoded, and with a raw '+' that a query string turns into a space).
get "/report.csv?start=${s}000&end=${e}000&task=train"
assert_eq "200 $want" "$CODE $BODY" "millisecond epoch (13 digits) = seconds"
get "/report.csv" -G --data-urlencode "start=$s_iso" --data-urlencode "end=$e_plus1" --data-urlencode "task=train"
assert_eq "200 $want" "$CODE $BODY" "RFC 3339, Z and +01:00"
get "/report.csv?start=$s_iso&end=$e_plus1&task=train"
assert_eq "200 $want" "$CODE $BODY" "RFC 3339 with an unencoded +"

# Nodes: repeated and comma-separated, order kept, unknown node gets no_data.
assert_exit 1 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" --node hostb --node ghost --node hosta
want_nodes=$OUT
get "/report.csv?start=$s&end=$e&node=hostb,ghost&node=hosta"
assert_eq "200" "$CODE" "node filter status (no_data rows are data, not an error)"
assert_eq "$want_nodes" "$BODY" "node=hostb,ghost&node=hosta = report --node x3"
get "/report.csv?start=$s&end=$e&node=hostb&node=&task="
assert_eq 2 "$(lines)" "empty node and task are ignored"
assert_match "$BODY" $'\n,hostb,' "only hostb"

# One row per device.
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" --by device
want_dev=$OUT
get "/report.csv?start=$s&end=$e&by=device"
assert_eq "200 $want_dev" "$CODE $BODY" "by=device = report --by device"

# last=DUR: the window ending now.
get "/report.csv?last=2h"
assert_eq 200 "$CODE" "last=2h"
assert_eq "$header" "$(head -n 1 "$PT_TMP/body")" "last=2h header"

# HEAD: headers, no body.
CODE=$(curl -sS --max-time 60 -I -o "$PT_TMP/hdrs" -w '%{http_code}' "$base/report.csv?start=$s&end=$e")
assert_eq 200 "$CODE" "HEAD report.csv"

# Several at once: each worker has its own Prometheus client.
pids=()
for i in 1 2 3 4 5 6; do
	curl -sS --max-time 60 -o "$PT_TMP/par$i" "$base/report.csv?start=$s&end=$e&task=train" &
	pids+=($!)
done
same=1
for pid in "${pids[@]}"; do wait "$pid" || same=0; done
for i in 1 2 3 4 5 6; do [[ $(cat "$PT_TMP/par$i") == "$want" ]] || same=0; done
if ((same)); then ok "6 concurrent requests, all equal to report"; else fail "concurrent answers differ"; fi

# ---- bad requests ----
get "/report.csv?start=yesterday&end=$e"
expect_error 400 "bad start"
assert_contains "$BODY" "yesterday" "the message names the bad value"
get "/report.csv"
expect_error 400 "no parameters"
get "/report.csv?start=$s"
expect_error 400 "no end"
get "/report.csv?start=$e&end=$s"
expect_error 400 "end before start"
get "/report.csv?start=$s&end=$s"
expect_error 400 "empty window"
get "/report.csv?start=$s&end=$e&last=1h"
expect_error 400 "start/end and last"
get "/report.csv?start=$s&start=$s&end=$e"
expect_error 400 "start given twice"
get "/report.csv?start=$s&end=$e&frm=1"
expect_error 400 "unknown parameter"
get "/report.csv?start=$s&end=$e&by=gpu"
expect_error 400 "bad by"
get "/report.csv?start=99999999999999999&end=$e"
expect_error 400 "time out of range"
# One request cannot hold a worker for hours, with a step or the default one.
get "/export.csv?start=$((s - 2 * 86400))&end=$s&step=1s"
expect_error 400 "too many steps"
assert_contains "$BODY" "at most 100000 per request" "the limit is named"
get "/export.csv?start=$((s - 25 * 86400))&end=$s"
expect_error 400 "too many steps of the default step"
get "/export.csv?start=$((s - 60))&end=$s&step=0s"
expect_error 400 "zero step"
get "/report.csv?last=100y"
expect_error 400 "last reaching before 1970"
assert_contains "$BODY" "last: 100y reaches before 1970" "says why"
later=$(($(date +%s) + 3600))
# A dashboard's range past now: the window ends now.
get "/report.csv?start=$s&end=$later"
assert_eq 200 "$CODE" "a window past now"
end_cell=$(sed -n 2p "$PT_TMP/body" | cut -d, -f4)
if [[ -n $end_cell ]] && (($(date -d "$end_cell" +%s) <= $(date +%s))); then
	ok "it ends now ($end_cell)"
else
	fail "window past now ends at '$end_cell'"
fi
get "/report.csv?start=$later&end=$((later + 60))"
expect_error 400 "start in the future"
assert_contains "$BODY" "is in the future" "the message says so"
get "/nope.csv?start=$s&end=$e"
expect_error 404 "unknown path"
get "/report.csv?start=$s&end=$e" -X POST -d "x=1"
expect_error 405 "POST"
assert_contains "$HDRS" "Allow: GET, HEAD" "405 says what is allowed"
get "/report.csv?start=$s&end=$e" -X DELETE
expect_error 405 "DELETE"
get "/help"
assert_eq 200 "$CODE" "help text"
assert_contains "$BODY" "/report.csv" "help lists report.csv"
assert_contains "$BODY" "/export.csv" "help lists export.csv"
get "/"
assert_eq 200 "$CODE" "page"
assert_contains "$(ctype)" "text/html" "page: content type"
assert_contains "$HDRS" "Content-Security-Policy: default-src 'none'" "page: CSP header"
page=$BODY
for a in uplot.js page.js uplot.css page.css; do
	assert_contains "$page" "assets/$a" "page loads assets/$a"
	get "/assets/$a"
	assert_eq 200 "$CODE" "assets/$a"
	case $a in *.js) want=text/javascript ;; *) want=text/css ;; esac
	assert_contains "$(ctype)" "$want" "assets/$a: content type"
done

# ---- /export.csv ----
if [[ -f $PT_SOURCE_DIR/src/export.h ]]; then
	get "/export.csv?start=$s&end=$e&step=5m&node=hostb"
	assert_eq 200 "$CODE" "export.csv status"
	assert_eq "text/csv; charset=utf-8" "$(ctype)" "export.csv content type"
	assert_eq "time,node,cpu_util_pct,ram_util_pct,gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,power_w,energy_wh,co2_g" \
		"$(head -n 1 "$PT_TMP/body")" "export.csv header (doc/reference.md §7)"
	if python3 - "$PT_TMP/body" <<'PY'
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) > 1, "too few rows: %d" % len(rows)
for r in rows:
    datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
    assert r["node"] == "hostb", r["node"]
PY
	then ok "export.csv rows parse, times RFC 3339"; else fail "export.csv rows"; fi
	assert_exit 0 pt -c "$PT_TMP/cfg.yaml" export --start "$s" --end "$e" --step 5m --node hostb
	assert_eq "$OUT" "$BODY" "export.csv = powertest export, same window"
	get "/export.csv?start=${s}000&end=${e}000&step=5m&node=hostb"
	assert_eq "200 $OUT" "$CODE $BODY" "export.csv with millisecond times"
else
	get "/export.csv?start=$s&end=$e&step=5m"
	expect_error 501 "export.csv before the export module exists"
fi
get "/export.csv?start=$s&end=$e&step=often"
expect_error 400 "export.csv bad step"
get "/export.csv?start=$s&end=$e&task=x"
expect_error 400 "export.csv takes no task"

# ---- logging: one line per request with -v ----
sleep 0.3
assert_match "$(cat "$PT_TMP/serve.err")" "127\.0\.0\.1 GET /report\.csv\?start=$s&end=$e&task=train 200 [0-9]+ bytes" "request log line"
assert_match "$(cat "$PT_TMP/serve.err")" "POST /report\.csv\?start=$s&end=$e 405 " "405 logged"

# ---- loopback ----
listening=$(ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | sort -u | tr '\n' ' ')
assert_eq "127.0.0.1:$port " "$listening" "listens on 127.0.0.1 only"
# Without --listen: 127.0.0.1:8080 (whether or not something else has that port).
"$PT_BIN" -c "$PT_TMP/cfg.yaml" serve 2>"$PT_TMP/default.err" &
dflt=$!
cleanup_pid "$dflt"
wait_until 10 grep -q -e "serving http://127.0.0.1:8080/" -e "cannot listen on 127.0.0.1:8080" "$PT_TMP/default.err" ||
	fail "default listen address: $(cat "$PT_TMP/default.err")"
assert_match "$(cat "$PT_TMP/default.err")" "127\.0\.0\.1:8080" "default listen address is 127.0.0.1:8080"
kill -TERM "$dflt" 2>/dev/null || true
wait "$dflt" 2>/dev/null || true

# ---- command-line errors ----
assert_exit 2 pt -c "$PT_TMP/cfg.yaml" serve --listen nonsense
assert_contains "$ERR" "powertest: " "bad --listen message"
assert_exit 2 pt -c "$PT_TMP/cfg.yaml" serve --listen 127.0.0.1:99999
assert_exit 2 pt -c "$PT_TMP/cfg.yaml" serve --threads 0
assert_exit 2 pt -c "$PT_TMP/cfg.yaml" serve extra
assert_exit 3 pt -c "$PT_TMP/cfg.yaml" serve --listen "127.0.0.1:$port"
assert_contains "$ERR" "cannot listen on 127.0.0.1:$port" "port in use"

# ---- Prometheus gone: 502/503, and the server stays up ----
prom_kill
get "/report.csv?start=$s&end=$e"
if [[ $CODE == 502 || $CODE == 503 ]]; then ok "Prometheus down: $CODE"; else fail "Prometheus down: expected 502/503, got $CODE"; fi
assert_contains "$(ctype)" "text/plain" "Prometheus down: content type"
if [[ $(lines) == 1 && -n $BODY ]]; then ok "Prometheus down: one-line message ($BODY)"; else fail "Prometheus down: body [$BODY]"; fi
get "/healthz"
assert_eq "200 ok" "$CODE $BODY" "still serving after a Prometheus failure"

# ---- SIGTERM: clean exit 0, port closed ----
kill -TERM "$srv"
rc=0
wait "$srv" || rc=$?
assert_eq 0 "$rc" "exit status after SIGTERM"
if curl -sS --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null; then fail "port $port still answers"; else ok "port $port closed"; fi
assert_eq "" "$(ss -Hltn "sport = :$port" 2>/dev/null)" "nothing listens on $port"
pass
