#!/usr/bin/env bash
# test_lab.sh - the test lab itself (scripts/lab.sh, the GPU fixture exporter):
# backfill next to live scrapes, GPU values changed while running, start on a
# running lab, stop leaving nothing behind, backfill into the future refused.
# Needs no powertest command but the binary check in lib.sh.
source "$(dirname "$0")/lib.sh"
LAB_SH=$PT_SOURCE_DIR/scripts/lab.sh

# value EXPR: the first sample value of an instant query, or "none".
value() {
	prom_query "$1" | python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}
value_is() { [[ $(value "$1") == "$2" ]]; }
lab_pids() { cat "$1"/*.pid 2>/dev/null | tr -dc '0-9\n'; }
none_alive() { # none_alive PID...: true when none of them runs (zombies count as gone)
	local p st
	for p in "$@"; do
		st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1) || continue
		[[ -z $st || $st == Z ]] || return 1
	done
}

# ---- backfill (ending 10 minutes ago) and live data side by side ----
now=$(date +%s)
python3 - "$now" >"$PT_TMP/history.om" <<'PY'
import sys
now = int(sys.argv[1])
print("# TYPE pt_lab_backfill gauge")
for t in range(now - 7200, now - 600, 60):
    print('pt_lab_backfill{instance="bf"} 7 %d' % t)
print("# EOF")
PY
lab_start --backfill "$PT_TMP/history.om"
assert_eq 110 "$(value 'count_over_time(pt_lab_backfill[3h])')" "backfilled samples are there"
assert_eq 1 "$(value "up{job=\"node\"}")" "node_exporter is scraped"
assert_eq 1 "$(value "up{job=\"gpu\"}")" "the GPU fixture exporter is scraped"
assert_eq 2 "$(value 'count(nvidia_smi_gpu_info)')" "two simulated GPUs"
assert_match "$(value 'count(node_cpu_info)')" '^[0-9]+$' "node_cpu_info (--collector.cpu.info)"
assert_match "$(value 'sum(node_cpu_seconds_total)')" '^[0-9.e+]+$' "live samples after the backfill are kept"

# ---- the GPU file can be rewritten while Prometheus scrapes ----
sed 's/^\(nvidia_smi_power_draw_watts{uuid="3b6f0e2a[^}]*}\) .*/\1 123.5/' "$PT_LAB_GPU_FILE" | gpu_metrics_set
if wait_until 20 value_is 'nvidia_smi_power_draw_watts{uuid="3b6f0e2a-91c4-4d57-8e1a-5c2d7f90a1b3"}' 123.5; then
	ok "a new GPU value is scraped"
else
	fail "GPU value still $(value 'nvidia_smi_power_draw_watts{uuid="3b6f0e2a-91c4-4d57-8e1a-5c2d7f90a1b3"}')"
fi
assert_exit 0 curl -fsS "http://$PT_LAB_GPU_INSTANCE/metrics"
assert_contains "$OUT" "123.5" "the exporter serves the new file"
mv "$PT_LAB_GPU_FILE" "$PT_LAB_GPU_FILE.away"
assert_exit 22 curl -fsS "http://$PT_LAB_GPU_INSTANCE/metrics"
if wait_until 20 value_is 'up{job="gpu"}' 0; then ok "no file: the GPU target goes down"; else fail "GPU target still up"; fi
mv "$PT_LAB_GPU_FILE.away" "$PT_LAB_GPU_FILE"

# ---- start on a running lab: same URL, nothing new started ----
before=$(lab_pids "$PT_LAB_DIR" | sort | tr '\n' ' ')
assert_exit 0 bash "$LAB_SH" start --dir "$PT_LAB_DIR"
assert_eq "$PT_LAB_URL" "$(tail -n 1 "$OUT_FILE")" "start again prints the same URL"
assert_contains "$ERR" "already running"
assert_eq "$before" "$(lab_pids "$PT_LAB_DIR" | sort | tr '\n' ' ')" "no process started twice"
assert_exit 0 bash "$LAB_SH" status --dir "$PT_LAB_DIR"

# ---- stop: every process gone, the directory removed; twice is fine ----
read -r -a pids <<<"$before"
if ((${#pids[@]} >= 3)); then ok "pid files for ${#pids[@]} processes"; else fail "pid files: ${pids[*]}"; fi
assert_exit 0 bash "$LAB_SH" stop --dir "$PT_LAB_DIR"
if none_alive "${pids[@]}"; then ok "stop ended every process"; else fail "still running: ${pids[*]}"; fi
if [[ ! -e $PT_LAB_DIR ]]; then ok "stop removed the lab directory"; else fail "$PT_LAB_DIR still there"; fi
assert_exit 0 bash "$LAB_SH" stop --dir "$PT_LAB_DIR"
assert_exit 1 bash "$LAB_SH" status --dir "$PT_LAB_DIR"

# ---- backfill reaching the future is refused, and nothing is left running ----
python3 - "$now" >"$PT_TMP/future.om" <<'PY'
import sys
now = int(sys.argv[1])
print("# TYPE pt_lab_future gauge")
for t in range(now - 600, now + 600, 60):
    print("pt_lab_future 1 %d" % t)
print("# EOF")
PY
mkdir "$PT_TMP/future-lab"
assert_exit 1 bash "$LAB_SH" start --dir "$PT_TMP/future-lab" --interval 1s --backfill "$PT_TMP/future.om"
assert_contains "$ERR" "must lie in the past"
assert_eq "" "$(ls -A "$PT_TMP/future-lab")" "the failed start left nothing in its directory"

# ---- usage errors ----
assert_exit 2 bash "$LAB_SH" start --no-such-flag
assert_exit 2 bash "$LAB_SH" frobnicate

pass
