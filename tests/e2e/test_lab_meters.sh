#!/usr/bin/env bash
# test_lab_meters.sh - the lab's SIMULATED metered node (lab.sh start --meters,
# tests/fixtures/meters_metrics.prom served with growing counters): scraped
# live, reported with RAPL for CPU and RAM (the core zone not added), the IPMI
# wall meter as the node's power and other = wall - parts; the local machine
# beside it stays modelled.
source "$(dirname "$0")/lib.sh"

lab_start --meters >/dev/null
sleep 6
assert_exit 0 pt -u "$PT_URL" report --last 4s --node simnode
row=$(tail -1 <<<"$OUT")
IFS=, read -r -a f <<<"$row"
assert_eq "rapl,rapl,none,ipmi" "${f[25]},${f[26]},${f[27]},${f[28]}" "simnode: RAPL for CPU and RAM, the IPMI wall meter"
# 2 x 45 W of package (the 2 x 15 W core zone inside it), 2 x 4 W of DRAM, 185 W at the wall.
if python3 -c 'import sys; c, r, o, p = map(float, sys.argv[1:]); sys.exit(not (abs(c - 90) < 1 and abs(r - 8) < 0.2 and abs(p - 185) < 0.01 and abs(o - (p - c - r)) < 0.01))' \
	"${f[10]}" "${f[11]}" "${f[13]}" "${f[14]}"; then
	ok "simnode: cpu ${f[10]} W, ram ${f[11]} W, other ${f[13]} W, total ${f[14]} W"
else
	fail "simnode figures: $row"
fi
assert_exit 0 pt -u "$PT_URL" report --last 4s --node "${PT_LAB_NODE_INSTANCE%:*}"
assert_match "$(tail -1 <<<"$OUT")" ',model,model,nvidia_smi,sum,ok$' "the local machine beside it: modelled CPU and RAM, simulated GPUs"
pass
