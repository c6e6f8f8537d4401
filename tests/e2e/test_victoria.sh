#!/usr/bin/env bash
# test_victoria.sh - the same accuracy checks against VictoriaMetrics, a
# Prometheus-API-compatible store of the kind labs scale out to: history
# imported through its API, then report within 1% of the generator's figures.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools
command -v victoria-metrics >/dev/null || fatal "victoria-metrics is not installed (scripts/setup.sh)"

now=$(date +%s)
t0=$(( (now - 8 * 3600) / 600 * 600 ))
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["t0"] = int(sys.argv[2]); json.dump(s, sys.stdout)' \
	"$PT_SOURCE_DIR/tests/fixtures/lab3.json" "$t0" >"$PT_TMP/spec.json"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.prom" --ms || fatal "generator"

port=$(free_port)
URL=http://127.0.0.1:$port
victoria-metrics -httpListenAddr "127.0.0.1:$port" -storageDataPath "$PT_TMP/vm" \
	-retentionPeriod 100y -search.latencyOffset 0s -loggerLevel ERROR >"$PT_TMP/vm.log" 2>&1 &
cleanup_pid $!
wait_until 20 curl -sf "$URL/health" >/dev/null || { cat "$PT_TMP/vm.log"; fatal "VictoriaMetrics did not start"; }
curl -sf --data-binary "@$PT_TMP/history.prom" "$URL/api/v1/import/prometheus" || fatal "import"
curl -sf "$URL/internal/force_flush" >/dev/null || true
wait_until 20 sh -c "curl -sf '$URL/api/v1/query?query=count(nvidia_smi_gpu_info)&time=$((t0 + 3600))' | grep -q '\"3\"'" ||
	fatal "imported series not visible"

cat >"$PT_TMP/cfg.yaml" <<YAML
prometheus: {url: $URL}
power:
  nodes:
    hostb: {cpu: {tdp_watts: 205, idle_watts: 60}}
YAML
echo '{"nodes": {"hostb": {"cpu": {"tdp_watts": 205, "idle_watts": 60}}}}' >"$PT_TMP/cfg.json"

s=$((t0 + 600)) e=$((t0 + 4200))
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" report --start "$s" --end "$e" -o "$PT_TMP/vm.csv"
python3 "$TOOLS/history.py" expect "$PT_TMP/spec.json" "$s" "$e" --config "$PT_TMP/cfg.json" >"$PT_TMP/exp.json"
if python3 "$TOOLS/compare.py" "$PT_TMP/vm.csv" "$PT_TMP/exp.json" >"$PT_TMP/cmp" 2>&1; then
	ok "VictoriaMetrics: within 1% ($(tail -1 "$PT_TMP/cmp"))"
else
	fail "VictoriaMetrics"; cat "$PT_TMP/cmp" "$PT_TMP/vm.csv"
fi
assert_exit 0 pt -c "$PT_TMP/cfg.yaml" check
assert_contains "$OUT" "answers" "check reaches VictoriaMetrics"
pass
