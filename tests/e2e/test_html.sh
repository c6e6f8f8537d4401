#!/usr/bin/env bash
# test_html.sh - --format html of report, batch and export, and serve's page,
# loaded in headless Chromium (tests/tools/pagecheck.py): one table row per
# CSV row with the CSV's cells, uPlot charts, totals equal to the CSV's sums,
# sorting, no console error, no request (the file) or only to serve (the
# page), a node and a task named like markup shown as text; and 400 batch
# jobs x 60 nodes drawn in under 2 s from a file under 5 MB.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools
SHOTS=${PT_HTML_SHOTS:-$PT_TMP}

# check WHAT CMD...: runs a pagecheck, its lines become ok/fail here.
check() {
	local what=$1 line rc=0
	shift
	python3 "$TOOLS/pagecheck.py" "$@" >"$PT_TMP/check.out" 2>&1 || rc=$?
	if ((rc == 3)); then
		cat "$PT_TMP/check.out"
		echo "SKIP: Chromium cannot start here; install the chromium package (scripts/setup.sh)"
		exit 0
	fi
	while IFS= read -r line; do
		case $line in
		ok:*) ok "$what: ${line#ok: }" ;;
		FAIL:*) fail "$what: ${line#FAIL: }" ;;
		*) echo "  $what: $line" ;;
		esac
	done <"$PT_TMP/check.out"
	((rc == 0)) || [[ $(grep -c '^FAIL' "$PT_TMP/check.out") -gt 0 ]] || fail "$what: pagecheck exit $rc"
}

# page_data PAGE KEY: a table (CSV text) of the data a page embeds, unpacked.
page_data() {
	python3 - "$1" "$2" <<'PY'
import base64, gzip, html.parser, json, sys
class P(html.parser.HTMLParser):
    data = None
    inside = False
    def handle_starttag(self, tag, attrs):
        self.inside = dict(attrs).get("id") == "pt-data"
    def handle_endtag(self, tag):
        self.inside = False
    def handle_data(self, d):
        if self.inside:
            P.data = json.loads(d)
P().feed(open(sys.argv[1], encoding="utf-8").read())
key = sys.argv[2]
if key + "_gz" in P.data:
    sys.stdout.write(gzip.decompress(base64.b64decode(P.data[key + "_gz"])).decode("utf-8"))
else:
    sys.stdout.write(P.data[key])
PY
}

command -v chromium >/dev/null || { echo "SKIP: no chromium (scripts/setup.sh installs it)"; exit 0; }

EVIL='<img src=x onerror=alert(1)>'
TASK='<script>alert("t")</script>'

# Sixty nodes (one named like markup), three hours ending an hour ago.
now=$(date +%s)
t0=$(( (now - 4 * 3600) / 600 * 600 ))
python3 "$TOOLS/history.py" lab 60 "$t0" 3 "$PT_TMP/spec.json" || fatal "generator"
python3 - "$PT_TMP/spec.json" "$EVIL" <<'PY' || fatal "generator"
import json, sys
spec = json.load(open(sys.argv[1]))
spec["nodes"][1]["host"] = sys.argv[2]
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null
printf 'prometheus: {url: %s, retries: 1}\npower: {pue: 1.2, country: FR}\n' "$PT_URL" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml
s=$((t0 + 600)) e=$((t0 + 4200))
s_iso=$(date -u -d "@$s" +%Y-%m-%dT%H:%M:%SZ)
e_iso=$(date -u -d "@$e" +%Y-%m-%dT%H:%M:%SZ)
three=(--node node0000 --node "$EVIL" --node node0002)

# ---- report ----
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" "${three[@]}" --task "$TASK" -o "$PT_TMP/r.csv"
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" "${three[@]}" --task "$TASK" --format html -o "$PT_TMP/r.html"
assert_eq 0 "$(grep -c '<script>alert' "$PT_TMP/r.html" || true)" "the task's markup is not in the file as markup"
assert_not_contains "$(cat "$PT_TMP/r.html")" "$EVIL" "the node's markup is not in the file as markup"
assert_not_contains "$(cat "$PT_TMP/r.html")" "onclick=" "no inline event handler"
check report file "$PT_TMP/r.html" "$PT_TMP/r.csv" --needle "$EVIL" --needle "$TASK" \
	--needle "country FR" --needle "PUE 1.200" --screenshot "$SHOTS/report.png"

# The DOM as Chromium renders it (--dump-dom): charts, one row per CSV row,
# the node's name as text.
prof=$(mktemp -d "$PT_TMP/chromium.XXXXXX")
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$prof" --dump-dom "file://$PT_TMP/r.html" >"$PT_TMP/r.dom" 2>/dev/null ||
	fail "chromium --dump-dom exited $?"
dom=$(cat "$PT_TMP/r.dom")
assert_contains "$dom" 'class="uplot' "dumped DOM: uPlot charts"
rows_in_dom=$(python3 -c 'import re, sys
t = re.search(r"<table class=\"pt-rows\">.*?</table>", open(sys.argv[1]).read(), re.S)
print(t.group(0).count("<tr><td") if t else -1)' "$PT_TMP/r.dom")
assert_eq "$(($(wc -l <"$PT_TMP/r.csv") - 1))" "$rows_in_dom" \
	"dumped DOM: one table row per CSV row"
assert_contains "$dom" '&lt;img src=x onerror=alert(1)&gt;' "dumped DOM: the node's name as text"
assert_not_contains "$dom" '<img' "dumped DOM: no <img> element"

# The whole lab: the charts from an export over the window.
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" -o "$PT_TMP/all.csv"
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" --format html -o "$PT_TMP/all.html"
check "report, 60 nodes" file "$PT_TMP/all.html" "$PT_TMP/all.csv" --needle "$EVIL"

# Three hours: the charts' series has at most about 500 points per node.
assert_exit 0 pt -c "$CFG" report --start "$((t0 + 60))" --end "$((t0 + 3 * 3600 - 60))" \
	--node node0000 --node node0003 --format html -o "$PT_TMP/long.html"
page_data "$PT_TMP/long.html" series >"$PT_TMP/long_series.csv" || fail "no series in the page"
per_node=$(cut -d, -f2 "$PT_TMP/long_series.csv" | sort | uniq -c | awk '$2 != "node" { print $1 }' | sort -u)
assert_match "$per_node" "^(4[0-9][0-9]|50[01])$" "3 h at 15 s: 400 to 501 points per node, not 720 ($per_node)"

# ---- report --by device ----
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" "${three[@]}" --by device -o "$PT_TMP/d.csv"
assert_exit 0 pt -c "$CFG" report --start "$s" --end "$e" "${three[@]}" --by device --format html -o "$PT_TMP/d.html"
check "report --by device" file "$PT_TMP/d.html" "$PT_TMP/d.csv" --charts 5 --needle "$EVIL" \
	--needle "Energy per device" --needle "TDP from" --screenshot "$SHOTS/device.png"

# ---- export ----
assert_exit 0 pt -c "$CFG" export --start "$s" --end "$e" --step 1m "${three[@]}" -o "$PT_TMP/x.csv"
assert_exit 0 pt -c "$CFG" export --start "$s" --end "$e" --step 1m "${three[@]}" --format html -o "$PT_TMP/x.html"
check export file "$PT_TMP/x.html" "$PT_TMP/x.csv" --charts 3 --needle "$EVIL" --screenshot "$SHOTS/export.png"
assert_exit 2 pt -c "$CFG" export --start "$s" --end "$e" --format json
assert_contains "$ERR" "csv or html" "export names its formats"

# ---- batch ----
cat >"$PT_TMP/jobs.csv" <<CSV
task,start,end,nodes
a,$s,$((s + 1800)),node0000;$EVIL
"${TASK//\"/\"\"}",$((s + 900)),$e,node0002
c,$s,$e,
CSV
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/b.csv"
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" --format html -o "$PT_TMP/b.html"
check batch file "$PT_TMP/b.html" "$PT_TMP/b.csv" --charts 3 --needle "$EVIL" --needle "$TASK" --filter 'ALERT("T'
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/jobs.csv" --format html --resume -o "$PT_TMP/b.html"
assert_contains "$ERR" "--resume works with --format csv only" "batch --resume needs csv"

# An output that cannot be written: exit 4 before any query, nothing left behind.
assert_exit 4 pt -c "$CFG" batch "$PT_TMP/jobs.csv" --format html -o "$PT_TMP/no/such/dir/b.html"
assert_eq 0 "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'powertest-html-*' -newer "$PT_TMP/b.html" | wc -l)" \
	"no temporary CSV left behind"

# ---- 400 jobs x 60 nodes ----
python3 - "$t0" >"$PT_TMP/big.csv" <<'PY'
import random, sys
t0 = int(sys.argv[1]); rnd = random.Random(5)
print("task,start,end")
for i in range(400):
    d = rnd.choice([600, 1200, 1800, 3600])
    st = t0 + 30 + rnd.randrange(0, 3 * 3600 - 60 - d)
    print("job%03d,%d,%d" % (i, st, st + d))
PY
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/big.csv" -o "$PT_TMP/big_rows.csv"
assert_eq 24001 "$(wc -l <"$PT_TMP/big_rows.csv" | tr -d ' ')" "400 jobs x 60 nodes = 24000 rows"
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/big.csv" --format html -o "$PT_TMP/big.html"
page_data "$PT_TMP/big.html" rows >"$PT_TMP/big_unpacked.csv"
cmp -s "$PT_TMP/big_rows.csv" "$PT_TMP/big_unpacked.csv" && ok "the page holds the batch's CSV, byte for byte" ||
	fail "the page's rows differ from the batch's CSV"
check "400 x 60" file "$PT_TMP/big.html" "$PT_TMP/big_rows.csv" --max-ms 2000 --max-bytes 5000000 \
	--screenshot "$SHOTS/batch-400x60.png"

# ---- serve's page ----
port=$(free_port)
base=http://127.0.0.1:$port
"$PT_BIN" -c "$CFG" serve --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
cleanup_pid $!
wait_until 20 curl -fsS --max-time 2 "$base/healthz" || { cat "$PT_TMP/serve.err"; fatal "serve did not start"; }
hdrs=$(curl -sS -D - -o "$PT_TMP/page.html" "$base/" | tr -d '\r')
assert_contains "$hdrs" "Content-Type: text/html; charset=utf-8" "GET / is HTML"
assert_contains "$hdrs" "Content-Security-Policy: default-src 'none'; script-src 'self'" "GET / has a strict CSP"
assert_not_contains "$(sed -n '/<script>/p' "$PT_TMP/page.html")" "<script>" "the page has no inline script"
hdrs=$(curl -sS -D - -o /dev/null "$base/assets/page.js" | tr -d '\r')
assert_contains "$hdrs" "Content-Type: text/javascript" "the page script's content type"
check "serve page" live "$base" "${s_iso%Z}" "${e_iso%Z}" --needle "$EVIL" --screenshot "$SHOTS/serve.png" \
	--node "$EVIL" --task "$TASK"

# ---- run, on a live lab ----
lab_stop
lab_start >/dev/null
assert_exit 0 pt -u "$PT_URL" run --node 127.0.0.1 --format html -o "$PT_TMP/run.html" -- sleep 4
# Its rows, as the page holds them (the cells report's pages are checked against above).
page_data "$PT_TMP/run.html" rows >"$PT_TMP/run.csv" || fail "no rows in the run's page"
page_data "$PT_TMP/run.html" series >"$PT_TMP/run_series.csv" || fail "no series in the run's page"
assert_match "$(wc -l <"$PT_TMP/run_series.csv")" "^ *([3-9]|[1-9][0-9])$" "run: a series over the command's window"
assert_eq 2 "$(wc -l <"$PT_TMP/run.csv" | tr -d ' ')" "run: one row in the page"
check run file "$PT_TMP/run.html" "$PT_TMP/run.csv" --needle "powertest run: sleep"

pass
