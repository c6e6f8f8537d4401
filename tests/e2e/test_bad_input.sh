#!/usr/bin/env bash
# test_bad_input.sh - a table of hostile inputs (config, query sets, jobs and
# resume files, CLI arguments, output paths, server answers, serve
# parameters). Each case: the input, the exit status (or HTTP status), one
# 'powertest: ' line on stderr matching a regex, and an existing output file
# left byte-identical. Servers start once: a Prometheus for serve and a
# hostile one (tests/tools/hostile_prom.py) that answers HTML, truncated or
# mistyped JSON, huge or slow bodies, 4xx/5xx forever, redirects and odd
# target labels.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

lab_start --no-exporters >/dev/null
python3 "$TOOLS/hostile_prom.py" "$PT_TMP/hostile.port" &
cleanup_pid $!
wait_until 10 test -s "$PT_TMP/hostile.port" || fatal "the hostile server did not start"
HP=http://127.0.0.1:$(cat "$PT_TMP/hostile.port")

# A window in the past (the hostile server answers whatever is asked).
S=1795255200 E=1795258800
D=$PT_TMP/in
mkdir -p "$D"
SENT=$PT_TMP/existing.csv
SENT_TEXT=$'task,node\nkeep,me\n'
printf '%s' "$SENT_TEXT" >"$SENT"
SENT_SUM=$(sha256sum <"$SENT")
ncases=0

# file NAME TEXT: writes TEXT (printf %b escapes: \n, \t, \xHH, \0) to $D/NAME
file() { printf '%b' "$2" >"$D/$1"; }

# expect RC REGEX [--out] -- ARGS...: runs powertest ARGS (plus -o $SENT with
# --out); exit RC, stderr one 'powertest: ' line matching REGEX, $SENT unchanged.
expect() {
	local rc=$1 re=$2 out=0 got=0 why=""
	shift 2
	if [[ $1 == --out ]]; then out=1; shift; fi
	[[ $1 == -- ]] && shift
	ncases=$((ncases + 1))
	if ((out)); then
		"$PT_BIN" "$@" -o "$SENT" >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || got=$?
	else
		"$PT_BIN" "$@" >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || got=$?
	fi
	ERR=$(cat "$ERR_FILE")
	[[ $got == "$rc" ]] || why+=" exit $got, expected $rc;"
	[[ $(wc -l <"$ERR_FILE") -eq 1 ]] || why+=" stderr is not one line;"
	[[ $ERR == "powertest: "* ]] || why+=" stderr does not start with 'powertest: ';"
	[[ $ERR =~ $re ]] || why+=" stderr does not match /$re/;"
	if [[ $(sha256sum <"$SENT") != "$SENT_SUM" ]]; then
		why+=" the existing output file changed;"
		printf '%s' "$SENT_TEXT" >"$SENT"
	fi
	if [[ -z $why ]]; then
		ok "#$ncases exit $rc: $(printf '%q ' "$@" | cut -c1-110)"
	else
		fail "#$ncases $(printf '%q ' "$@" | cut -c1-110):$why"
		_pt_show stderr "$ERR_FILE"
	fi
}

# ---------------------------------------------------------------- CLI arguments
U=(-u http://127.0.0.1:1) # nothing listens: reaching the network would be exit 3
W=(--start "$S" --end "$E")
printf 'task,start,end\nt,%s,%s\n' "$S" "$E" >"$D/ok.csv"
expect 2 'a window is needed: --start T --end T, or --last DUR' -- "${U[@]}" report
expect 2 "option '--last' needs a value" -- "${U[@]}" report --last
expect 2 'must be greater than zero' --out -- "${U[@]}" report --last 0s
expect 2 'expected a Prometheus duration' --out -- "${U[@]}" report --last -5m
expect 2 "invalid duration '1fortnight'" --out -- "${U[@]}" report --last 1fortnight
expect 2 'reaches before 1970' --out -- "${U[@]}" report --last 100y
expect 2 'either --start and --end, or --last' --out -- "${U[@]}" report --last 1h --start 1
expect 2 'must be after --start' --out -- "${U[@]}" report --start 2 --end 1
expect 2 'must be after --start' --out -- "${U[@]}" report --start 1 --end 1
expect 2 "invalid time 'yesterday'" --out -- "${U[@]}" report --start yesterday --end 1
expect 2 'invalid time' --out -- "${U[@]}" report --start 2026-13-01T00:00:00Z --end 1
expect 2 'has no day 30' --out -- "${U[@]}" report --start 2026-02-30T00:00:00Z --end "$E"
expect 2 'after 9999-12-31' --out -- "${U[@]}" report --start 1 --end 99999999999999999999
expect 2 'is in the future' --out -- "${U[@]}" report --start "$S" --end "$(($(date +%s) + 900))"
expect 2 "xml" --out -- "${U[@]}" report "${W[@]}" --format xml
expect 2 "'node' or 'device'" --out -- "${U[@]}" report "${W[@]}" --by gpu
expect 2 '--append needs -o' -- "${U[@]}" report "${W[@]}" --append
expect 2 "unexpected argument 'extra'" --out -- "${U[@]}" report "${W[@]}" extra
expect 2 '--node needs a node name' --out -- "${U[@]}" report "${W[@]}" --node ''
expect 2 'not valid UTF-8' --out -- "${U[@]}" report "${W[@]}" --node $'gpu\xff01'
expect 2 'not valid UTF-8' --out -- "${U[@]}" report "${W[@]}" --node $'\xc0\xaf'
expect 2 'not valid UTF-8' --out -- "${U[@]}" report "${W[@]}" --node $'\xed\xa0\x80'
expect 2 'not valid UTF-8' --out -- "${U[@]}" report "${W[@]}" --node $'\xf4\x90\x80\x80'
expect 2 'not valid UTF-8' --out -- "${U[@]}" report "${W[@]}" --node $'ab\xe2\x82'
expect 2 'control character' --out -- "${U[@]}" report "${W[@]}" --node $'a\tb'
expect 2 'control character' --out -- "${U[@]}" report "${W[@]}" --node $'a\nb'
expect 2 'control character' --out -- "${U[@]}" report "${W[@]}" --node $'\x1b[31mred'
expect 2 'control character' --out -- "${U[@]}" report "${W[@]}" --node $'a\x7f'
expect 2 'control character' --out -- "${U[@]}" report "${W[@]}" --node $'a\xc2\x85'
expect 2 'not valid UTF-8' --out -- "${U[@]}" export "${W[@]}" --node $'\xff'
expect 2 'control character' -- "${U[@]}" check --offline --node $'a\rb'
expect 2 'not valid UTF-8' --out -- "${U[@]}" run --node $'\xfe' -- true
expect 2 "unknown command 'nosuch'" -- "${U[@]}" nosuch
expect 2 "unknown option '--bogus'" -- "${U[@]}" --bogus targets
expect 2 "unknown option '--bogus'" --out -- "${U[@]}" report "${W[@]}" --bogus
expect 2 "must start with http" -- -u '' targets
expect 2 "must start with http" -- -u ftp://h/ targets
expect 2 "no spaces, query or fragment" -- -u 'http://h h' targets
expect 2 "no spaces, query or fragment" -- -u 'http://127.0.0.1:9090/?x=1' targets
expect 2 "port|Port" -- -u http://127.0.0.1:99999 targets
expect 2 "port 0 is no port" -- -u http://127.0.0.1:0 targets
expect 2 "no host|Bad|bad|URL" -- -u http://:80 targets
expect 2 'a jobs file is needed' --out -- "${U[@]}" batch
expect 2 "unexpected argument 'extra'" --out -- "${U[@]}" batch "$D/ok.csv" extra
expect 2 'at most 365d' --out -- "${U[@]}" batch --step 99999999999d "$D/ok.csv"
expect 2 'at most 365d' --out -- "${U[@]}" batch --step 366d "$D/ok.csv"
expect 2 'must be greater than zero' --out -- "${U[@]}" batch --step 0s "$D/ok.csv"
expect 2 "invalid duration 'abc'" --out -- "${U[@]}" batch --step abc "$D/ok.csv"
expect 2 'at most 365d' --out -- "${U[@]}" batch --scrape-interval 400d "$D/ok.csv"
expect 2 'at most 365d' --out -- "${U[@]}" batch --chunk 9999999999w "$D/ok.csv"
expect 2 'from 1 to 256' --out -- "${U[@]}" batch --concurrency 0 "$D/ok.csv"
expect 2 "--fetch is auto, windows, slices or range, not 'bogus'" --out -- "${U[@]}" batch --fetch bogus "$D/ok.csv"
expect 2 'from 1 to 256' --out -- "${U[@]}" batch --concurrency 257 "$D/ok.csv"
expect 2 'from 1 to 256' --out -- "${U[@]}" batch --concurrency 4x "$D/ok.csv"
expect 2 "csv or html" --out -- "${U[@]}" batch --format json "$D/ok.csv"
expect 2 '--resume needs -o' -- "${U[@]}" batch --resume "$D/ok.csv"
expect 2 'at most 365d' --out -- "${U[@]}" export --step 99999999999d --last 1h
expect 2 'shorter than one --step' --out -- "${U[@]}" export --last 1h --step 2h
expect 2 'must be after --start' --out -- "${U[@]}" export --start 2 --end 1
expect 2 'must be greater than zero' --out -- "${U[@]}" export --last 1h --scrape-interval 0s
expect 2 'no command given' --out -- "${U[@]}" run
expect 2 'no command given' -- "${U[@]}" run --
expect 2 "invalid duration 'abc'" --out -- "${U[@]}" run --wait abc -- true
expect 2 'bad listen address' -- "${U[@]}" serve --listen nope
expect 2 'bad port in listen address' -- "${U[@]}" serve --listen 127.0.0.1:99999
expect 2 'from 1 to 256' -- "${U[@]}" serve --threads 0
expect 2 "unexpected argument 'extra'" -- "${U[@]}" serve extra
expect 2 "invalid duration 'abc'" -- "${U[@]}" check --last abc
expect 2 "unexpected argument 'extra'" -- "${U[@]}" targets extra

# ---------------------------------------------------------------- output paths
expect 2 'output file name is empty' -- "${U[@]}" report "${W[@]}" -o ''
expect 4 'cannot write .*/nodir/x.csv' -- "${U[@]}" report "${W[@]}" -o "$PT_TMP/nodir/x.csv"
expect 4 'cannot write .*Is a directory' -- "${U[@]}" report "${W[@]}" -o "$PT_TMP"
expect 4 'cannot write' -- "${U[@]}" run -o "$PT_TMP/nodir/y.csv" -- true
expect 4 'cannot write' -- "${U[@]}" batch "$D/ok.csv" -o "$PT_TMP/nodir/z.csv"
expect 4 'cannot write' -- "${U[@]}" export --last 1h -o "$SENT/sub.csv"

# ---------------------------------------------------------------- config files
# cfgcase RC REGEX TEXT: the config (any YAML) loaded by report before any query.
cfgcase() {
	file c.yaml "$3"
	expect "$1" "c.yaml:[0-9]+: .*$2" --out -- -c "$D/c.yaml" report "${W[@]}"
}
cfgcase 2 'invalid YAML' 'prometheus: [\n'
cfgcase 2 'invalid YAML' 'prometheus:\n\turl: x\n'
cfgcase 2 'top level must be a mapping' '- a\n- b\n'
cfgcase 2 'top level must be a mapping' 'just text\n'
cfgcase 2 "key 'promethus': unknown key" 'promethus: {}\n'
cfgcase 2 "key 'prometheus.tls.cert_file': unknown key" 'prometheus: {tls: {cert_file: x}}\n'
cfgcase 2 "key 'prometheus.url'" 'prometheus: {url: [a]}\n'
cfgcase 2 "key 'prometheus.url'" 'prometheus: {url: "ftp://h"}\n'
cfgcase 2 "key 'prometheus.url'" 'prometheus: {url: "http://"}\n'
cfgcase 2 "key 'prometheus.url': must not have a query" 'prometheus: {url: "http://h/?a=1"}\n'
cfgcase 2 "key 'prometheus.url': the port must be" 'prometheus: {url: "http://h:99999"}\n'
cfgcase 2 "key 'prometheus.url': the port must be" 'prometheus: {url: "http://h:0"}\n'
cfgcase 2 "key 'prometheus.url': the port must be" 'prometheus: {url: "http://h:9o9o"}\n'
cfgcase 2 "key 'prometheus.url': the port must be" 'prometheus: {url: "http://[::1]:70000/p"}\n'
cfgcase 2 "key 'prometheus.timeout': at most 1h" 'prometheus: {timeout: 99999999999d}\n'
cfgcase 2 "key 'prometheus.timeout': at most 1h" 'prometheus: {timeout: 2h}\n'
cfgcase 2 "key 'prometheus.timeout'" 'prometheus: {timeout: soon}\n'
cfgcase 2 "key 'prometheus.timeout'" 'prometheus: {timeout: 0s}\n'
cfgcase 2 "key 'prometheus.retries'" 'prometheus: {retries: -1}\n'
cfgcase 2 "key 'prometheus.retries'" 'prometheus: {retries: 101}\n'
cfgcase 2 "key 'prometheus.retries'" 'prometheus: {retries: 1.5}\n'
cfgcase 2 "key 'prometheus.compression'" 'prometheus: {compression: maybe}\n'
cfgcase 2 "key 'prometheus.headers'" 'prometheus: {headers: [a]}\n'
cfgcase 2 "key 'prometheus.headers" 'prometheus: {headers: {"Bad Name": x}}\n'
cfgcase 2 "key 'prometheus.headers" 'prometheus: {headers: {X-A: "a\\nb"}}\n'
cfgcase 2 "key 'prometheus.tls.insecure_skip_verify'" 'prometheus: {tls: {insecure_skip_verify: maybe}}\n'
cfgcase 2 "key 'nodes.label'" 'nodes: {label: "bad-label"}\n'
cfgcase 2 "key 'nodes.strip_port'" 'nodes: {strip_port: 2}\n'
cfgcase 2 "key 'power.pue'" 'power: {pue: 0.5}\n'
cfgcase 2 "key 'power.pue'" 'power: {pue: -1}\n'
cfgcase 2 "key 'power.pue'" 'power: {pue: .nan}\n'
cfgcase 2 "key 'power.pue'" 'power: {pue: .inf}\n'
cfgcase 2 "key 'power.cpu.tdp_watts'" 'power: {cpu: {tdp_watts: -5}}\n'
cfgcase 2 "key 'power.cpu" 'power: {cpu: {tdp_watts: 100, idle_watts: 200}}\n'
cfgcase 2 "carbon_intensity_g_per_kwh or country" 'power: {carbon_intensity_g_per_kwh: 5, country: DE}\n'
cfgcase 2 "key 'power.country'" 'power: {country: "D3"}\n'
cfgcase 2 "node name must not be empty" 'power: {nodes: {"": {pue: 1.2}}}\n'
cfgcase 2 "no control characters" 'power: {nodes: {"a\\tb": {pue: 1.2}}}\n'
cfgcase 2 "duplicate key" 'power:\n  pue: 1.1\n  pue: 1.2\n'
cfgcase 2 "duplicate key \\(first on line 3\\)" 'power:\n  nodes:\n    a: {pue: 1.1}\n    a: {pue: 1.2}\n'
cfgcase 2 "expected one YAML document" 'power: {}\n---\npower: {}\n'
cfgcase 2 "NUL|invalid|control" 'power: {pue: 1.1}\n\0\n'
cfgcase 2 "invalid YAML" 'power: {pue: "\xff\xfe"}\n'
cfgcase 2 "must not contain a NUL" '"a\\0b": 1\n'
cfgcase 2 "key 'power': must be a mapping" 'power: [1, 2]\n'
cfgcase 2 "key 'prometheus.basic_auth" 'prometheus: {basic_auth: {username: [x]}}\n'
# "Well under a second" (ASan makes every allocation dearer).
FAST_MS=1000
[[ ${PT_SANITIZE:-OFF} == ON ]] && FAST_MS=4000
python3 -c "print('power: ' + '[' * 100000 + ']' * 100000)" >"$D/c.yaml"
t0=$(date +%s%N)
expect 2 'c.yaml:1: nesting deeper than 64 levels' --out -- -c "$D/c.yaml" report "${W[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
if ((ms < FAST_MS)); then ok "100,000 nested brackets refused in ${ms} ms"; else fail "100,000 nested brackets took ${ms} ms"; fi
python3 -c "print('power:\n  nodes:\n' + ''.join('    n%05d: {pue: 1.1}\n' % i for i in range(28000)))" >"$D/many.yaml"
t0=$(date +%s%N)
assert_exit 0 pt -c "$D/many.yaml" check --offline
ms=$((($(date +%s%N) - t0) / 1000000))
if ((ms < FAST_MS)); then ok "28,000 node overrides loaded in ${ms} ms"; else fail "28,000 node overrides took ${ms} ms"; fi
head -c 1100000 /dev/zero | tr '\0' '#' >"$D/c.yaml"
expect 2 'cannot read config .*c.yaml' --out -- -c "$D/c.yaml" report "${W[@]}"
expect 2 'cannot read config .*No such file' --out -- -c "$D/none.yaml" report "${W[@]}"
expect 2 'cannot read config .*Is a directory' --out -- -c "$D" report "${W[@]}"

# ---------------------------------------------------------------- query sets
# qscase REGEX TEXT: a query set named by the config, loaded before any query.
qscase() {
	file q.yaml "$2"
	printf 'queries: q.yaml\n' >"$D/qc.yaml"
	expect 2 "q.yaml:[0-9]+: .*$1" --out -- -c "$D/qc.yaml" report "${W[@]}"
}
QOK='  - quantity: ram_used\n    unit: bytes\n    query: x\n'
qscase '' 'queries: [\n'
qscase "at least 'cpu_util' and 'ram_used'" "queries:\n$QOK"
qscase "unknown quantity 'cpu_utl'" "queries:\n  - quantity: cpu_utl\n    unit: ratio\n    query: up\n$QOK"
qscase "unknown unit 'furlongs'" "queries:\n  - quantity: cpu_util\n    unit: furlongs\n    query: up\n$QOK"
qscase "unit does not fit" "queries:\n  - quantity: cpu_util\n    unit: watts\n    query: up\n$QOK"
qscase "unknown key 'qeury'" "queries:\n  - quantity: cpu_util\n    unit: ratio\n    qeury: up\n$QOK"
qscase "needs 'device_label'" "queries:\n  - quantity: gpu_util\n    unit: ratio\n    query: up\n  - quantity: cpu_util\n    unit: ratio\n    query: up\n$QOK"
qscase "unknown placeholder" "queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: rate(x[\${windw}])\n$QOK"
qscase "needs 'model_label'" "queries:\n  - quantity: cpu_info\n    query: x\n  - quantity: cpu_util\n    unit: ratio\n    query: up\n$QOK"
qscase "given twice" "queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: a\n  - quantity: cpu_util\n    unit: ratio\n    query: b\n$QOK"
qscase "not a valid label name" "queries:\n  - quantity: gpu_util\n    unit: ratio\n    device_label: \"bad-label\"\n    query: x\n"
qscase "one YAML document" "queries: []\n---\nqueries: []\n"
qscase "nesting deeper than 64 levels" "queries: $(printf '[%.0s' {1..70})"
qscase "" "\xff\xfe\x00"
qscase "unknown key 'foo'" "foo: 1\n"
expect 2 'q-none.yaml' --out -- -c <(printf 'queries: %s/q-none.yaml\n' "$D") report "${W[@]}"

# ---------------------------------------------------------------- jobs files
# jobcase REGEX TEXT: batch on the jobs file, refused before any query.
jobcase() {
	file jobs.csv "$2"
	expect 2 "jobs.csv(:[0-9]+)?: .*$1" --out -- "${U[@]}" batch "$D/jobs.csv"
}
jobcase 'empty; a jobs file starts with a header' ''
jobcase 'empty; a jobs file starts with a header' '\n\n  \n'
jobcase "the header has no 'end' column" 'task,start,nodes\nt,1,n\n'
jobcase "no 'task' or 'start' or 'end' column" 'a,b,c\n1,2,3\n'
jobcase "column 'start' appears twice" 'task,start,end,START\n'
jobcase "2 fields where the header has 3" "task,start,end\nt,$S\n"
jobcase "empty 'task'" "task,start,end\n,$S,$E\n"
jobcase "start: invalid time 'yesterday'" "task,start,end\nt,yesterday,$E\n"
jobcase "end: invalid time" "task,start,end\nt,$S,2026-13-01T00:00:00Z\n"
jobcase "is before start" "task,start,end\nt,$E,$S\n"
jobcase "the same time as start" "task,start,end\nt,$S,$S\n"
jobcase "malformed CSV" "task,start,end\nt,$S,$E\n\"u,$S,$E\n"
jobcase "malformed CSV" "task,start,end\nu,\"$S\"x,$E\n"
jobcase "a NUL byte" "task,start,end,nodes\nj\x001,$S,$E,n\n"
jobcase "a NUL byte" "task,start,end,nodes\nj,$S,$E,n1\0\n"
jobcase "node name 'b\\\\xFF' is not valid UTF-8" "task,start,end,nodes\nt,$S,$E,a;b\xff\n"
jobcase "has a control character" "task,start,end,nodes\nt,$S,$E,\"a\nb\"\n"
jobcase "has a control character" "task,start,end,nodes\nt,$S,$E,a\x1bb\n"
jobcase "is not valid UTF-8" "task,start,end,nodes\nt,$S,$E,\xc0\xaf\n"
jobcase "is in the future" "task,start,end\nt,$S,$(($(date +%s) + 3600))\n"
jobcase "start: invalid time" "task,start,end\nt,99999999999999999999999,$E\n"
jobcase "and 2 more bad rows" "task,start,end\nt,x,$E\nu,$S\nv,$E,$S\n"
jobcase "a NUL byte|malformed|header" "\x00\x01\x02\x03binary\xff\n"
expect 2 'cannot read .*jobs-none.csv' --out -- "${U[@]}" batch "$D/jobs-none.csv"
expect 2 'cannot read .*Is a directory' --out -- "${U[@]}" batch "$D"

# ---------------------------------------------------------------- resume files
# resumecase REGEX TEXT: batch --resume on an output file with TEXT; refused
# before any query, and the file is left as it was.
resumecase() {
	ncases=$((ncases + 1))
	printf '%b' "$2" >"$D/prev.csv"
	local sum got=0
	sum=$(sha256sum <"$D/prev.csv")
	"$PT_BIN" "${U[@]}" batch --resume -o "$D/prev.csv" "$D/ok.csv" >"$OUT_FILE" 2>"$ERR_FILE" || got=$?
	ERR=$(cat "$ERR_FILE")
	if [[ $got == 2 && $(wc -l <"$ERR_FILE") -eq 1 && $ERR =~ prev.csv:[0-9]+:\ $1 && $(sha256sum <"$D/prev.csv") == "$sum" ]]; then
		ok "#$ncases --resume on a bad file: $1"
	else
		fail "#$ncases --resume on a bad file: exit $got, file $( [[ $(sha256sum <"$D/prev.csv") == "$sum" ]] && echo kept || echo CHANGED), stderr: $ERR"
	fi
}
HDR=$(head -n 1 "$PT_SOURCE_DIR/tests/fixtures/golden/report.csv")
resumecase "not a powertest report" 'time,node\n'
resumecase "not a powertest report" 'task,node,start\n'
resumecase "3 fields where the header has [0-9]+" "$HDR\nt,n,x\n"
resumecase "a NUL byte" "$HDR\nt,n\0\n"
resumecase "malformed CSV" "$HDR\n\"t,n\n"

# ---------------------------------------------------------------- server answers
printf 'prometheus: {retries: 0, timeout: 2s}\n' >"$D/h.yaml"
# hcase MODE REGEX [RC]: report against the hostile server in MODE: exit 3
# (or RC), one line, the existing output untouched.
hcase() {
	expect "${3:-3}" "$2" --out -- -c "$D/h.yaml" -u "$HP/$1" report "${W[@]}"
}
hcase html200 'not Prometheus JSON \(HTTP 200, starts with "<html>'
hcase html404 'HTTP 404 from Prometheus \(check prometheus.url'
hcase html502 'HTTP 502 from Prometheus'
hcase empty200 'not Prometheus JSON \(HTTP 200, empty body\)'
hcase truncated 'JSON cut short'
hcase notjson 'not Prometheus JSON \(HTTP 200, starts with "status=success"\)'
hcase toplist 'not Prometheus JSON'
hcase topstring 'not Prometheus JSON'
hcase nodata 'no "data" object'
hcase dataarray 'no "data" object'
hcase resultstring '"data.result" is not an array'
hcase resulttype 'unknown "data.resultType"'
hcase valuenotarray 'a series is not'
hcase valueshort 'a series is not'
hcase valuetext 'a series is not'
hcase timetext 'a series is not'
hcase timehuge 'a series is not'
hcase metricarray 'a series is not'
hcase labelnumber 'a series is not'
hcase statuserror200 'Prometheus error \(bad_data\): parse error \(HTTP 200\)'
hcase statusweird 'unexpected "status" value'
hcase deep 'invalid JSON'
hcase nul 'not Prometheus JSON'
hcase e401 'HTTP 401 from Prometheus \(check bearer_token_file or basic_auth\)'
hcase e403 'Prometheus error \(forbidden\)'
hcase e404json 'Prometheus error \(not_found\)'
hcase e422 'Prometheus error \(execution\): query timed out \(HTTP 422\)'
hcase e400 'Prometheus error \(bad_data\): 1:1: parse error: unexpected newline'
hcase e429 'HTTP 429 from Prometheus'
hcase e500 'HTTP 500 from Prometheus'
hcase e503 'HTTP 503 from Prometheus'
hcase e504html 'HTTP 504 from Prometheus'
hcase e418 'HTTP 418 from Prometheus'
hcase slow 'no answer in time from .*/slow/api/v1/query'
hcase trickle 'no answer in time'
hcase shortlength 'transfer closed|failed'
hcase close 'Empty reply from server'
hcase garbage 'failed'
hcase gzipbad 'not Prometheus JSON'
hcase deflate 'not Prometheus JSON'
hcase redirect 'HTTP 302 from Prometheus'
hcase redirectloop 'HTTP 301 from Prometheus'
hcase redirectaway 'HTTP 307 from Prometheus'
hcase chunkedbad 'chunked'
hcase nosuchmode 'Prometheus error \(not_found\): unknown mode'
# Far more than any answer: cut at the cap (given the time to get there).
printf 'prometheus: {retries: 0, timeout: 30s}\n' >"$D/hh.yaml"
expect 3 'the limit of [0-9]+ MiB' --out -- -c "$D/hh.yaml" -u "$HP/huge" report "${W[@]}"
# 5xx and 429 forever with retries: they end, with exit 3, in bounded time.
printf 'prometheus: {retries: 2, timeout: 2s}\n' >"$D/hr.yaml"
for m in e429 e503; do
	t0=$SECONDS
	expect 3 "HTTP ${m#e} from Prometheus" --out -- -c "$D/hr.yaml" -u "$HP/$m" report "${W[@]}"
	if ((SECONDS - t0 < 20)); then ok "$m forever: gave up after $((SECONDS - t0)) s"; else fail "$m forever: $((SECONDS - t0)) s"; fi
done
# The same answers to other commands.
expect 3 'not Prometheus JSON' --out -- -c "$D/h.yaml" -u "$HP/html200" batch "$D/ok.csv"
expect 3 'HTTP 503' --out -- -c "$D/h.yaml" -u "$HP/e503" export "${W[@]}"
expect 3 'not Prometheus JSON' -- -c "$D/h.yaml" -u "$HP/targetshtml" targets
expect 3 'no "data.activeTargets" array' -- -c "$D/h.yaml" -u "$HP/targetsstring" targets
expect 3 'a target is not an object' -- -c "$D/h.yaml" -u "$HP/tnull" targets
expect 3 'HTTP 500' -- -c "$D/h.yaml" -u "$HP/e500" check
# Odd target labels: shown on one line each, escapes neutralised.
for m in tnolabels tnewline tescape tlong tmany; do
	ncases=$((ncases + 1))
	rc=0
	"$PT_BIN" -c "$D/h.yaml" -u "$HP/$m" targets >"$OUT_FILE" 2>"$ERR_FILE" || rc=$?
	if [[ $rc == 0 ]] && ! grep -q $'\x1b' "$OUT_FILE" && ! grep -q $'\r' "$OUT_FILE" &&
		[[ $(wc -l <"$OUT_FILE") -ge 2 && ! -s $ERR_FILE ]]; then
		ok "#$ncases targets with odd labels ($m): exit 0, no control characters"
	else
		fail "#$ncases targets with odd labels ($m): exit $rc"
		_pt_show stdout "$OUT_FILE"
	fi
done
expect 1 '1 of 1 targets down' -- -c "$D/h.yaml" -u "$HP/thealth" targets

# ---------------------------------------------------------------- serve parameters
printf 'prometheus: {url: %s, retries: 0, timeout: 5s}\n' "$PT_URL" >"$D/s.yaml"
port=$(free_port)
base=http://127.0.0.1:$port
"$PT_BIN" -c "$D/s.yaml" serve --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
cleanup_pid $!
wait_until 20 curl -fsS --max-time 2 "$base/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not start"; }
# scase STATUS REGEX PATH [CURL ARGS]: one text line matching REGEX.
scase() {
	local want=$1 re=$2 path=$3 code body
	shift 3
	ncases=$((ncases + 1))
	code=$(curl -sS --max-time 30 -o "$PT_TMP/body" -w '%{http_code}' "$@" "$base$path") || code=000
	body=$(cat "$PT_TMP/body")
	if [[ $code == "$want" && $(wc -l <"$PT_TMP/body") -eq 1 && $body =~ $re ]]; then
		ok "#$ncases serve ${path:0:100}: $code"
	else
		fail "#$ncases serve ${path:0:100}: HTTP $code, expected $want /$re/; body: $(head -c 300 "$PT_TMP/body")"
	fi
}
R="/report.csv?start=$S&end=$E"
X="/export.csv?start=$S&end=$E"
scase 400 "parameter 'node' holds a NUL byte" "$R&node=j%001"
scase 400 "parameter 'task' holds a NUL byte" "$R&task=a%00b"
scase 400 "parameter 'start' holds a NUL byte" "/report.csv?start=$S%00&end=$E"
scase 400 "NUL byte" "$R&%00=1"
scase 400 "NUL byte" "$X&step=1m%00"
scase 400 "node: node name 'a\\\\xFFb' is not valid UTF-8" "$R&node=a%FFb"
scase 400 "is not valid UTF-8" "$R&node=%C0%AF"
scase 400 "is not valid UTF-8" "$X&node=ok,%ED%A0%80"
scase 400 "has a control character" "$R&node=a%09b"
scase 400 "has a control character" "$R&node=%1B%5B31m"
scase 400 "has a control character" "$R&node=a%0Ab"
scase 400 "step: at most 365d" "/export.csv?start=1&end=$E&step=400d"
scase 400 "step|shorter than one step" "$X&step=99999999999d"
scase 400 "step" "$X&step=0s"
scase 400 "step" "$X&step=abc"
scase 400 "at most 100000 per request|per request" "/export.csv?start=1&end=$E&step=1s"
scase 400 "start|time" "/report.csv?start=abc&end=$E"
scase 400 "end|after|before" "/report.csv?start=$E&end=$S"
scase 400 "last|duration" "/report.csv?last=abc"
scase 400 "last|either" "/report.csv?last=1h&start=$S"
scase 400 "unknown parameter 'bogus'" "$R&bogus=1"
scase 400 "parameter 'start' is empty" "/report.csv?start=&end=$E"
scase 400 "parameter 'start' is given twice" "$R&start=$S"
scase 400 "by takes 'node' or 'device'" "$R&by=gpu"
scase 400 "1970|last" "/report.csv?last=100y"
scase 400 "time" "/report.csv?start=1e30&end=$E"
scase 400 "unknown parameter 'step'" "$R&step=1m"
scase 404 "no such endpoint" "/nosuch.csv"
scase 405 "not allowed" "$R" -X POST
scase 400 "too many nodes" "$R&node=$(python3 -c "print(','.join('n%d' % i for i in range(20000)))")"

echo "test_bad_input: $ncases hostile inputs"
if ((ncases >= 150)); then ok "at least 150 hostile inputs ($ncases)"; else fail "only $ncases hostile inputs"; fi
pass
