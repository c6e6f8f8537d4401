#!/usr/bin/env bash
# test_report_live.sh - live accuracy: stress-ng loads one of the cores for 22 s
# under the lab's real node_exporter; the reported CPU utilisation must be
# within 10 points of what /proc/stat says for the same span.
source "$(dirname "$0")/lib.sh"

lab_start >/dev/null
# busy share of all CPUs since boot, as node_exporter counts it: 1 - idle / total
stat() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $5, t }' /proc/stat; }

read -r idle1 total1 < <(stat)
t1=$(date +%s.%N)
stress-ng --cpu 1 --timeout 22s >/dev/null 2>&1 || fatal "stress-ng failed"
t2=$(date +%s.%N)
read -r idle2 total2 < <(stat)
expected=$(awk -v a="$idle1" -v b="$idle2" -v c="$total1" -v d="$total2" \
	'BEGIN { printf "%.3f", 100 * (1 - (b - a) / (d - c)) }')
sleep 3 # the scrape after the end

assert_exit 0 pt -u "$PT_URL" report --start "${t1:0:14}" --end "${t2:0:14}" --node 127.0.0.1
got=$(python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); print(r[0]["cpu_util_pct"])' <<<"$OUT")
echo "cpu utilisation: powertest $got %, /proc/stat $expected %"
if awk -v g="$got" -v e="$expected" 'BEGIN { d = g - e; exit !(d < 10 && d > -10) }'; then
	ok "within 10 points of /proc/stat"
else
	fail "cpu_util_pct $got vs /proc/stat $expected"
fi
# One of the two cores busy: the share is around half, certainly not idle.
awk -v g="$got" 'BEGIN { exit !(g > 30) }' && ok "load is visible" || fail "cpu_util_pct $got too low for a loaded core"
pass
