#!/usr/bin/env bash
# capture_fixtures.sh - records real Prometheus API answers for the decoder's
# unit tests: starts a private lab (one target refusing connections), asks it
# with curl, and writes each answer byte for byte to tests/fixtures/prom/
# as NAME.json (NAME.html for the one that is not JSON), its HTTP status as
# NAME.status, and an index in README.md.
#
#   scripts/capture_fixtures.sh [OUTDIR]
#
# Answers hold the ports and times of the run that captured them, so
# re-running changes them; tests should check structure and values that
# do not depend on those.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
OUT=${1:-$ROOT/tests/fixtures/prom}
LAB=$(mktemp -d "${TMPDIR:-/tmp}/pt-capture.XXXXXX")
trap 'bash "$ROOT/scripts/lab.sh" stop --dir "$LAB" >/dev/null 2>&1 || true; rmdir "$LAB" 2>/dev/null || true' EXIT

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

DEAD=127.0.0.1:$(free_port)
bash "$ROOT/scripts/lab.sh" start --dir "$LAB" --interval 1s --extra-target "$DEAD" >/dev/null
# shellcheck disable=SC1091
source "$LAB/env"
URL=$PT_LAB_URL
sleep 4 # a few scrapes, so that range selectors have several samples

mkdir -p "$OUT"
INDEX=()

# save NAME[.EXT] DESCRIPTION CURL_ARGS...: the body to NAME.EXT (default
# .json), the HTTP status to NAME.status.
save() {
	local file=$1 what=$2 code
	shift 2
	[[ $file == *.* ]] || file=$file.json
	code=$(curl -sS -o "$OUT/$file.tmp" -w '%{http_code}' --max-time 10 "$@")
	mv "$OUT/$file.tmp" "$OUT/$file"
	echo "$code" >"$OUT/${file%.*}.status"
	INDEX+=("| \`$file\` | $code | $what |")
	echo "capture_fixtures.sh: $file ($code, $(wc -c <"$OUT/$file") bytes)" >&2
}

# Instant queries are POSTed form-encoded, as powertest sends them.
query() { # query NAME DESCRIPTION PROMQL
	save "$1" "$2: POST /api/v1/query \`$3\`" "$URL/api/v1/query" --data-urlencode "query=$3"
}

now=$(date +%s)
query query_vector "vector, 3 series: node and gpu up (1), extra down (0)" 'up'
query query_vector_empty "vector with no series" 'nosuch_metric_pt'
query query_matrix "matrix from a range selector, several samples a series" 'up{job="node"}[5s]'
query query_scalar "scalar" 'scalar(vector(1.25))'
query query_scalar_nan "scalar NaN" '0/0'
query query_string "string" '"abc"'
query query_nan_inf "vector whose values are NaN, +Inf and -Inf (label v)" \
	'label_replace(vector(0)/0, "v", "nan", "", "") or label_replace(vector(1)/0, "v", "+inf", "", "") or label_replace(vector(-1)/0, "v", "-inf", "", "")'
query query_error_parse "error envelope: bad PromQL (errorType bad_data)" 'sum(rate(up[5m]'
query query_error_execution "error envelope: many-to-many matching (errorType execution)" 'up * on() up'
save query_range_matrix "matrix: POST /api/v1/query_range of idle CPU rate, 1 s step over 3 s" \
	"$URL/api/v1/query_range" \
	--data-urlencode 'query=rate(node_cpu_seconds_total{mode="idle"}[3s])' \
	--data-urlencode "start=$((now - 3))" --data-urlencode "end=$now" --data-urlencode "step=1s"
save query_range_error_step "error envelope: query_range with step 0 (bad_data)" \
	"$URL/api/v1/query_range" --data-urlencode 'query=up' \
	--data-urlencode "start=$((now - 3))" --data-urlencode "end=$now" --data-urlencode "step=0"
save targets_one_down "GET /api/v1/targets: node and gpu up, job extra down (connection refused)" \
	"$URL/api/v1/targets"
save buildinfo "GET /api/v1/status/buildinfo" "$URL/api/v1/status/buildinfo"
save not_prometheus.html "what node_exporter answers to POST /api/v1/query: not Prometheus JSON" \
	"http://$PT_LAB_NODE_INSTANCE/api/v1/query" --data-urlencode 'query=up'

{
	echo "# Prometheus API answers, captured"
	echo
	echo "Recorded by \`scripts/capture_fixtures.sh\` from Prometheus $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["version"])' "$OUT/buildinfo.json")"
	echo "(a lab on loopback, scrape interval 1 s, jobs node, gpu and extra; the extra"
	echo "target $DEAD refuses connections). Each \`NAME.json\` (\`.html\` for the"
	echo "answer that is not JSON) is the body exactly as sent; \`NAME.status\` holds"
	echo "the HTTP status. Ports and times are those of the capture run."
	echo
	echo "| file | HTTP | request |"
	echo "|---|---|---|"
	printf '%s\n' "${INDEX[@]}"
} >"$OUT/README.md"
echo "capture_fixtures.sh: wrote ${#INDEX[@]} answers to $OUT" >&2
