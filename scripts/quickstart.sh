#!/usr/bin/env bash
# quickstart.sh - from a fresh clone to a first powertest answer: installs the
# dependencies and builds (setup.sh), starts the local lab (Prometheus,
# node_exporter, a SIMULATED GPU exporter and a SIMULATED metered node
# "simnode" with RAPL and an IPMI wall meter, on loopback), shows the scrape
# targets, measures a 20 s stress-ng job with `powertest run`, shows where
# each figure comes from, and leaves the lab running for you to try commands.
#
#   scripts/quickstart.sh [--no-setup]
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$ROOT"

SETUP=1
for arg in "$@"; do
	case $arg in
	--no-setup) SETUP=0 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "quickstart.sh: unknown option '$arg'" >&2; exit 2 ;;
	esac
done

say() { printf '\n== %s\n' "$*"; }

if ((SETUP)); then
	say "Installing dependencies and building (scripts/setup.sh)"
	bash scripts/setup.sh
fi
PT=${PT_BIN:-$ROOT/build/powertest} # PT_BIN: another build of powertest
[[ -x $PT ]] || { echo "quickstart.sh: $PT is missing; run scripts/setup.sh" >&2; exit 1; }

say "Starting the lab (scripts/lab.sh start)"
URL=$(bash scripts/lab.sh start --interval 5s --meters | tail -n 1)
echo "Prometheus: $URL"
echo "The GPU series come from tests/fixtures/gpu_metrics.prom: they are SIMULATED, no GPU is read."
echo "The node \"simnode\" (RAPL and an IPMI wall meter) comes from tests/fixtures/meters_metrics.prom:"
echo "it is SIMULATED too, to show measured figures beside this machine's modelled ones."

say "Scrape targets (powertest targets)"
echo "\$ $PT -u $URL targets"
rc=0
"$PT" -u "$URL" targets || rc=$?
((rc == 0)) || echo "(powertest targets exited $rc: 1 = a target is down, 3 = Prometheus unreachable)"

say "Measuring a job: 20 s of stress-ng on one core (powertest run)"
echo "\$ $PT -u $URL run --task demo --format table -- stress-ng --cpu 1 --timeout 20s"
rc=0
"$PT" -u "$URL" run --task demo --format table -- stress-ng --cpu 1 --timeout 20s || rc=$?
((rc == 0)) || echo "(powertest run exited $rc: 1 = some data missing, 3 = Prometheus unreachable)"
echo "CPU and RAM use are measured on this machine (CPU power from the TDP model, as no RAPL"
echo "series is exported here); the GPU figures come from the simulated exporter."

say "Measured beside modelled: the last 30 s of every node (powertest report)"
echo "\$ $PT -u $URL report --last 30s --format table"
rc=0
"$PT" -u "$URL" report --last 30s --format table || rc=$?
((rc == 0)) || echo "(powertest report exited $rc)"
echo "simnode (SIMULATED): CPU and RAM from RAPL, total from the IPMI wall meter, and \"other\""
echo "= wall - parts. Which meters each node has: $PT -u $URL check --detect --last 5m"

say "The lab keeps running"
cat <<EOF
Try:   $PT -u $URL targets --format json
       $PT -u $URL report --last 5m --format table
Stop:  scripts/lab.sh stop        (status: scripts/lab.sh status)
EOF
