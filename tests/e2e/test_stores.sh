#!/usr/bin/env bash
# test_stores.sh - powertest beyond one Prometheus, on the live lab:
#  - a front that answers like Grafana Mimir from the lab's Prometheus (API
#    under /prometheus, X-Scope-OrgID required, no targets API, warnings it
#    can inject): rows equal direct Prometheus rows, prometheus.params reach
#    the store, prometheus.targets_url serves `targets` and `run`, a partial
#    answer is never silent (report, batch, export, serve);
#  - VictoriaMetrics scraping the same exporters through vmagent (targets
#    from vmagent) behind vmauth with a bearer token: rows within 1% of
#    direct Prometheus rows, `run` waits out -search.latencyOffset.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools
for b in victoria-metrics vmagent vmauth; do
	command -v "$b" >/dev/null || fatal "$b is not installed (scripts/setup.sh: victoria-metrics)"
done

lab_start >/dev/null
PROM=$PT_URL

# ---- VictoriaMetrics, started first so that it gathers data meanwhile ----
vm_port=$(free_port)
VM=http://127.0.0.1:$vm_port
# A latency offset other than the default 30 s: run reads it from /flags.
VM_OFFSET=4
victoria-metrics -httpListenAddr "127.0.0.1:$vm_port" -storageDataPath "$PT_TMP/vm" \
	-retentionPeriod 1 -search.latencyOffset "${VM_OFFSET}s" -loggerLevel ERROR >"$PT_TMP/vm.log" 2>&1 &
cleanup_pid $!
wait_until 20 curl -sf "$VM/health" || { cat "$PT_TMP/vm.log"; fatal "VictoriaMetrics did not start"; }
# vmagent scrapes the lab's exporters as the lab's Prometheus does (same job
# names and instances, 1 s) and writes to VictoriaMetrics.
cat >"$PT_TMP/scrape.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: node
    static_configs: [{targets: ['$PT_LAB_NODE_INSTANCE']}]
  - job_name: gpu
    static_configs: [{targets: ['$PT_LAB_GPU_INSTANCE']}]
YAML
agent_port=$(free_port)
AGENT=http://127.0.0.1:$agent_port
vmagent -httpListenAddr "127.0.0.1:$agent_port" -promscrape.config "$PT_TMP/scrape.yml" \
	-remoteWrite.url "$VM/api/v1/write" -remoteWrite.flushInterval 1s \
	-remoteWrite.tmpDataPath "$PT_TMP/vmagent" -loggerLevel ERROR >"$PT_TMP/vmagent.log" 2>&1 &
cleanup_pid $!
wait_until 20 curl -sf "$AGENT/health" || { cat "$PT_TMP/vmagent.log"; fatal "vmagent did not start"; }
# vmauth in front of VictoriaMetrics: nothing without the bearer token.
echo "s3cret-token-$$" >"$PT_TMP/token"
cat >"$PT_TMP/auth.yml" <<YAML
users:
  - bearer_token: "s3cret-token-$$"
    url_prefix: "$VM"
YAML
auth_port=$(free_port)
AUTH=http://127.0.0.1:$auth_port
vmauth -httpListenAddr "127.0.0.1:$auth_port" -auth.config "$PT_TMP/auth.yml" -loggerLevel ERROR \
	>"$PT_TMP/vmauth.log" 2>&1 &
cleanup_pid $!
wait_until 20 curl -sf -H "Authorization: Bearer s3cret-token-$$" "$AUTH/health" ||
	{ cat "$PT_TMP/vmauth.log"; fatal "vmauth did not start"; }
vm_start=$(date +%s)

# ---- the Mimir-like front ----
touch "$PT_TMP/warn"
python3 "$TOOLS/mimirfront.py" "$PROM" lab "$PT_TMP/front.port" "$PT_TMP/front.log" "$PT_TMP/warn" \
	"$PT_TMP/mimir-version" 2>"$PT_TMP/front.err" &
cleanup_pid $!
wait_until 10 test -s "$PT_TMP/front.port" || fatal "the front did not start"
FRONT=http://127.0.0.1:$(cat "$PT_TMP/front.port")/prometheus

cat >"$PT_TMP/mimir.yaml" <<YAML
prometheus:
  url: $FRONT/
  retries: 0
  headers: {X-Scope-OrgID: lab}
  params: {dedup: "true", partial_response: "false", max_source_resolution: 0s}
YAML
{ cat "$PT_TMP/mimir.yaml"; echo "  targets_url: $PROM"; } >"$PT_TMP/mimir-targets.yaml"
printf 'prometheus: {url: %s}\n' "$PROM" >"$PT_TMP/direct.yaml"

# The front is what it says: no tenant, no answer; no targets API.
assert_exit 3 pt -u "$FRONT" report --last 5s
assert_contains "$ERR" "401" "the front wants X-Scope-OrgID"
assert_exit 3 pt -c "$PT_TMP/mimir.yaml" targets
assert_contains "$ERR" "has no targets API (HTTP 404)" "targets: a store without the targets API is named"
assert_contains "$ERR" "set prometheus.targets_url" "targets: the way out is named"
assert_eq 1 "$(grep -c . <<<"$ERR")" "targets: one line"
assert_exit 0 pt -c "$PT_TMP/mimir-targets.yaml" targets
assert_contains "$OUT" "$PT_LAB_NODE_INSTANCE" "targets from prometheus.targets_url"
printf 'prometheus: {url: %s, targets_url: %s, headers: {X-Scope-OrgID: lab}}\n' "$FRONT" "$FRONT" \
	>"$PT_TMP/both.yaml"
assert_exit 3 pt -c "$PT_TMP/both.yaml" targets
assert_contains "$ERR" "prometheus.targets_url $FRONT has no targets API" "targets_url without targets: named"

# Rows through the front equal direct rows (same Prometheus, same window).
sleep 12
e=$(($(date +%s) - 2)) s=$(($(date +%s) - 12))
assert_exit 0 pt -c "$PT_TMP/direct.yaml" report --start "$s" --end "$e" -o "$PT_TMP/direct.csv"
assert_exit 0 pt -c "$PT_TMP/mimir.yaml" report --start "$s" --end "$e" -o "$PT_TMP/front.csv"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/direct.csv" "$PT_TMP/front.csv" 0.01 \
		power_w energy_wh co2_g cpu_util_pct gpu_power_w >"$PT_TMP/cmp" 2>&1; then
	ok "Mimir front: report rows equal direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "Mimir front: report rows differ"; cat "$PT_TMP/cmp"
fi
printf 'task,start,end,nodes\na,%s,%s,\nb,%s,%s,127.0.0.1\n' "$s" "$e" "$((s + 3))" "$e" >"$PT_TMP/jobs.csv"
assert_exit 0 pt -c "$PT_TMP/direct.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bdirect.csv"
# The scrape interval comes from targets_url, or --scrape-interval (without
# either, batch assumes 15 s and flags these short windows).
assert_exit 0 pt -c "$PT_TMP/mimir-targets.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bfront.csv"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/bdirect.csv" "$PT_TMP/bfront.csv" 0.01 >"$PT_TMP/cmp" 2>&1; then
	ok "Mimir front: batch rows equal direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "Mimir front: batch rows differ"; cat "$PT_TMP/cmp"
fi
# batch reads raw samples through the front (which passes Prometheus'
# buildinfo on), but not from a store that names another version: Mimir's
# own version says nothing of its PromQL semantics.
assert_exit 0 pt -c "$PT_TMP/mimir-targets.yaml" -v batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bfront.csv"
assert_contains "$ERR" "batch plan: 2 jobs from raw samples" "through the front: raw samples"
# (Against direct range queries: on these live 10 s windows a grid and raw
# samples may differ by a sample at an edge, over 1%.)
assert_exit 0 pt -c "$PT_TMP/direct.yaml" batch "$PT_TMP/jobs.csv" --fetch range -o "$PT_TMP/brange.csv"
touch "$PT_TMP/mimir-version"
assert_exit 0 pt -c "$PT_TMP/mimir-targets.yaml" -v batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bfront.csv"
assert_contains "$ERR" "raw samples not used: the store's version 'Grafana Mimir 2.17.1' is not a Prometheus one" \
	"Mimir's buildinfo: range queries, and why"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/brange.csv" "$PT_TMP/bfront.csv" 0.01 >"$PT_TMP/cmp" 2>&1; then
	ok "Mimir's buildinfo: batch rows equal direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "Mimir's buildinfo: batch rows differ"; cat "$PT_TMP/cmp"
fi
rm -f "$PT_TMP/mimir-version"
# Range queries too (--fetch range): against direct range queries, since a
# grid and raw samples differ by a sample at the edges of live windows.
assert_exit 0 pt -c "$PT_TMP/direct.yaml" batch "$PT_TMP/jobs.csv" --fetch range -o "$PT_TMP/bdirect.csv"
assert_exit 0 pt -c "$PT_TMP/mimir.yaml" batch "$PT_TMP/jobs.csv" --scrape-interval 1s --fetch range \
	-o "$PT_TMP/bfront.csv"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/bdirect.csv" "$PT_TMP/bfront.csv" 0.01 >"$PT_TMP/cmp" 2>&1; then
	ok "Mimir front, --scrape-interval, range queries: batch rows equal direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "Mimir front, --scrape-interval: batch rows differ"; cat "$PT_TMP/cmp"
fi
# prometheus.params went with every query and query_range, in the URL.
assert_match "$(grep ' /prometheus/api/v1/query?' "$PT_TMP/front.log" | head -1)" \
	'query\?dedup=true&partial_response=false&max_source_resolution=0s ' "params on instant queries"
assert_match "$(grep ' /prometheus/api/v1/query_range?' "$PT_TMP/front.log" | head -1)" \
	'query_range\?dedup=true&partial_response=false&max_source_resolution=0s ' "params on range queries"
grep -q ' /prometheus/api/v1/targets' "$PT_TMP/front.log" && ok "targets were asked of the front (and refused)" ||
	fail "the front was never asked for targets"

# A partial answer is never silent.
W="store-gateway zone-b: 2 of 3 blocks unavailable"
echo "$W" >"$PT_TMP/warn"
assert_exit 1 pt -c "$PT_TMP/mimir.yaml" report --start "$s" --end "$e" -o "$PT_TMP/warned.csv"
assert_contains "$(cat "$PT_TMP/warned.csv")" "partial: store warned: $W" "report: warned rows are partial"
assert_eq "" "$ERR" "report: nothing on stderr without -v"
assert_exit 1 pt -v -c "$PT_TMP/mimir.yaml" report --start "$s" --end "$e" --by device
assert_contains "$ERR" "store warned: $W" "report -v: the warning on stderr"
assert_eq 1 "$(grep -c "store warned" <<<"$ERR")" "report -v: each warning once"
assert_contains "$OUT" "store warned: $W" "report --by device: device rows too"
# VictoriaMetrics' cluster says "isPartial": true instead.
echo isPartial >"$PT_TMP/warn"
assert_exit 1 pt -c "$PT_TMP/mimir.yaml" report --start "$s" --end "$e"
assert_contains "$OUT" "partial: store warned: isPartial: some storage nodes did not answer" "isPartial: rows partial"
echo "$W" >"$PT_TMP/warn"
assert_exit 1 pt -c "$PT_TMP/mimir.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bwarned.csv"
assert_eq 2 "$(grep -c "store warned: $W" "$PT_TMP/bwarned.csv")" "batch: every row says so"
assert_exit 1 pt -c "$PT_TMP/mimir.yaml" export --start "$s" --end "$e" -o "$PT_TMP/ewarned.csv"
assert_contains "$ERR" "partial: store warned: $W" "export: said on stderr, exit 1"
assert_exit 3 pt -c "$PT_TMP/mimir.yaml" run --node 127.0.0.1 -o "$PT_TMP/rwarned.csv" -- sleep 3
assert_contains "$ERR" "set prometheus.targets_url" "run without a targets API: the way out is named"
assert_exit 1 pt -c "$PT_TMP/mimir-targets.yaml" run --node 127.0.0.1 -o "$PT_TMP/rwarned.csv" -- sleep 3
assert_contains "$(cat "$PT_TMP/rwarned.csv")" "store warned: $W" "run: the row is partial"
port=$(free_port)
"$PT_BIN" -c "$PT_TMP/mimir.yaml" serve --listen "127.0.0.1:$port" 2>"$PT_TMP/serve.err" &
cleanup_pid $!
wait_until 20 curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" || fatal "serve did not start"
curl -sS -D "$PT_TMP/h" -o "$PT_TMP/served.csv" "http://127.0.0.1:$port/report.csv?start=$s&end=$e"
assert_contains "$(cat "$PT_TMP/h")" "X-Powertest-Store-Warning: $W" "serve /report.csv: the header"
assert_contains "$(cat "$PT_TMP/served.csv")" "partial: store warned: $W" "serve /report.csv: the rows"
curl -sS -D "$PT_TMP/h" -o /dev/null "http://127.0.0.1:$port/export.csv?start=$s&end=$e"
assert_contains "$(cat "$PT_TMP/h")" "X-Powertest-Store-Warning: $W" "serve /export.csv: the header"
: >"$PT_TMP/warn"
curl -sS -D "$PT_TMP/h" -o "$PT_TMP/served.csv" "http://127.0.0.1:$port/report.csv?start=$s&end=$e"
assert_not_contains "$(cat "$PT_TMP/h")" "X-Powertest-Store-Warning" "serve: no header once whole"
assert_exit 0 pt -c "$PT_TMP/mimir-targets.yaml" run --node 127.0.0.1 -o "$PT_TMP/run.csv" -- sleep 3
assert_contains "$(cat "$PT_TMP/run.csv")" ",ok" "run through the front with targets_url: ok"

# ---- VictoriaMetrics behind vmauth, targets from vmagent ----
cat >"$PT_TMP/vm.yaml" <<YAML
prometheus:
  url: $AUTH
  bearer_token_file: $PT_TMP/token
  targets_url: $AGENT
YAML
assert_exit 3 pt -u "$AUTH" report --last 5s
assert_contains "$ERR" "401" "vmauth wants the token"
assert_exit 0 pt -c "$PT_TMP/vm.yaml" targets
assert_contains "$OUT" "$PT_LAB_GPU_INSTANCE" "targets from vmagent"
# VictoriaMetrics itself scrapes nothing here: an empty list, and the way out.
assert_exit 1 pt -u "$VM" targets
assert_contains "$ERR" "no active targets (if another process scrapes for this store, such as vmagent, set prometheus.targets_url" \
	"a store that does not scrape: targets_url is named"
# run behind vmauth (which answers /flags itself) waits the default 30 s:
# started now, it waits while the stores gather data for the windows below.
(
	t0=$SECONDS
	rc=0
	"$PT_BIN" -c "$PT_TMP/vm.yaml" run --node 127.0.0.1 -o "$PT_TMP/vmauthrun.csv" -- sleep 4 \
		>"$PT_TMP/vmauthrun.out" 2>"$PT_TMP/vmauthrun.err" || rc=$?
	echo "$rc $((SECONDS - t0))" >"$PT_TMP/vmauthrun.rc"
) &
authrun=$!
# Enough data in both stores for windows of 70 s (1 s scrapes): the two
# scrapers read the live CPU counters at different moments, which shorter
# windows turn into differences of a few percent.
while (($(date +%s) < vm_start + 80)); do sleep 2; done
e=$(($(date +%s) - 2 * VM_OFFSET)) s=$((e - 70))
assert_exit 0 pt -c "$PT_TMP/direct.yaml" report --start "$s" --end "$e" -o "$PT_TMP/direct.csv"
assert_exit 0 pt -c "$PT_TMP/vm.yaml" report --start "$s" --end "$e" -o "$PT_TMP/vm.csv"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/direct.csv" "$PT_TMP/vm.csv" 0.01 \
		power_w energy_wh co2_g gpu_power_w >"$PT_TMP/cmp" 2>&1; then
	ok "VictoriaMetrics: report rows within 1% of direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "VictoriaMetrics: report rows"; cat "$PT_TMP/cmp" "$PT_TMP/direct.csv" "$PT_TMP/vm.csv"
fi
printf 'task,start,end,nodes\na,%s,%s,\nb,%s,%s,127.0.0.1\n' "$s" "$e" "$((s + 20))" "$e" >"$PT_TMP/jobs.csv"
assert_exit 0 pt -c "$PT_TMP/direct.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bdirect.csv"
assert_exit 0 pt -c "$PT_TMP/vm.yaml" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/bvm.csv"
if python3 "$TOOLS/rowsdiff.py" "$PT_TMP/bdirect.csv" "$PT_TMP/bvm.csv" 0.01 >"$PT_TMP/cmp" 2>&1; then
	ok "VictoriaMetrics: batch rows within 1% of direct ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "VictoriaMetrics: batch rows"; cat "$PT_TMP/cmp" "$PT_TMP/bdirect.csv" "$PT_TMP/bvm.csv"
fi
# run waits until VictoriaMetrics shows the window's end: its latency offset
# from its /flags page when it is asked directly; behind vmauth (which
# answers /flags itself) the default 30 s. Either way the row is whole.
printf 'prometheus: {url: %s, targets_url: %s}\n' "$VM" "$AGENT" >"$PT_TMP/vmdirect.yaml"
t=$SECONDS
assert_exit 0 pt -c "$PT_TMP/vmdirect.yaml" run --node 127.0.0.1 -o "$PT_TMP/vmrun.csv" -- sleep 4
took=$((SECONDS - t))
((took >= 4 + VM_OFFSET && took < 30)) && ok "run waited out the ${VM_OFFSET}s latency offset of /flags (${took}s)" ||
	fail "run on VictoriaMetrics took ${took}s (want $((4 + VM_OFFSET)) to 30)"
assert_contains "$(cat "$PT_TMP/vmrun.csv")" ",ok" "run on VictoriaMetrics: the row is ok"
assert_not_contains "$ERR" "not scraped" "vmagent's scrapes seen through targets_url"
wait "$authrun" || true
read -r rc took <"$PT_TMP/vmauthrun.rc"
assert_eq 0 "$rc" "run behind vmauth: exit 0 ($(cat "$PT_TMP/vmauthrun.err"))"
((took >= 34)) && ok "run behind vmauth waited the default 30 s (${took}s)" || fail "run behind vmauth took only ${took}s"
assert_contains "$(cat "$PT_TMP/vmauthrun.csv")" ",ok" "run behind vmauth: the row is ok"
pass
