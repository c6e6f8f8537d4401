#!/usr/bin/env bash
# lab.sh - a throwaway local lab for powertest: Prometheus scraping
# node_exporter and a simulated GPU exporter, all on free loopback ports, with
# a temporary TSDB. Used by the quickstart, the end-to-end tests and by hand.
#
#   lab.sh start [--dir DIR] [--interval 15s] [--backfill FILE.om]...
#                [--blocks DIR] [--no-compaction]
#                [--no-exporters] [--extra-target HOST:PORT]... [--gpu-file FILE]
#                [--meters] [--owner-pid PID] [--timeout SECS]
#   lab.sh stop   [--dir DIR]
#   lab.sh status [--dir DIR]
#   lab.sh db start|stop [--dir DIR] [--only mariadb|postgresql]
#                 throwaway MariaDB and PostgreSQL servers for -o mysql://...
#                 and -o postgresql://... (scripts/dblab.sh)
#
# start prints progress on stderr and the Prometheus URL as the last line of
# stdout; DIR/env is a shell-sourceable description of the lab (PT_LAB_*).
# Without --dir the lab lives in a fixed per-user directory, so a later
# `stop` or `status` finds it. start on a running lab only prints its URL.
# --meters adds a SIMULATED node "simnode" with RAPL and an IPMI wall meter
# (tests/fixtures/meters_metrics.prom, served with growing counters), to show
# measured figures beside the modelled local machine.
# --blocks moves the TSDB blocks in DIR (made with `promtool tsdb
# create-blocks-from openmetrics FILE DIR`, e.g. one piece of a long history
# after another, so the OpenMetrics text never has to be on disk whole) into
# the lab's TSDB; like --backfill, blocks that reach the present are refused.
# --no-compaction: Prometheus keeps the blocks as they are instead of merging
# them in the background (which would take CPU from a benchmark).
# --owner-pid stops the lab by itself once that process is gone (tests that
# are killed still clean up). Binaries can be overridden with PT_PROMETHEUS,
# PT_PROMTOOL and PT_NODE_EXPORTER.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
GPU_EXPORTER=$ROOT/tests/fixtures/gpu_exporter.py
GPU_SAMPLE=$ROOT/tests/fixtures/gpu_metrics.prom
METERS_SAMPLE=$ROOT/tests/fixtures/meters_metrics.prom
MARKER=.powertest-lab

msg() { echo "lab.sh: $*" >&2; }
die() { echo "lab.sh: error: $*" >&2; exit 1; }

usage() { # the header comment as help, on stdout
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"
	exit 0
}
usage_error() { echo "lab.sh: $* (see lab.sh --help)" >&2; exit 2; }

default_dir() {
	if [[ -n ${XDG_RUNTIME_DIR:-} && -d ${XDG_RUNTIME_DIR:-} ]]; then
		echo "$XDG_RUNTIME_DIR/powertest-lab"
	else
		echo "/tmp/powertest-lab-$(id -u)"
	fi
}

find_bin() { # find_bin OVERRIDE NAME...
	local override=$1 name
	shift
	if [[ -n $override ]]; then
		command -v "$override" && return 0
		die "$override not found"
	fi
	for name in "$@"; do
		command -v "$name" && return 0
	done
	die "none of '$*' is installed (run scripts/setup.sh)"
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Seconds in a Prometheus duration ("1s", "500ms", "1m30s"), rounded up, at least 1.
duration_secs() {
	python3 - "$1" <<'PY'
import math, re, sys
d = sys.argv[1]
units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", d)
if not parts or "".join(n + u for n, u in parts) != d:
    sys.exit("lab.sh: error: bad duration '%s' (e.g. 1s, 15s, 1m)" % d)
print(max(1, math.ceil(sum(int(n) * units[u] for n, u in parts))))
PY
}

# alive PID: running and not a zombie.
alive() {
	local st
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[[ -n $st && $st != Z ]]
}

# ours PID: alive and started for this lab (its command line names DIR), so a
# recycled pid is never killed.
ours() {
	alive "$1" || return 1
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$DIR/"
}

pidfile_pid() { if [[ -f $1 ]]; then tr -dc '0-9' <"$1"; fi; }

# ---- stop ----------------------------------------------------------------

# Kills the processes in DIR's pid files (TERM, wait, KILL); watchdog first,
# then Prometheus (so it stops scraping), then the exporters.
kill_lab_processes() {
	local f pid pids=() i
	for f in watchdog prometheus node_exporter gpu_exporter meters_exporter; do
		pid=$(pidfile_pid "$DIR/$f.pid")
		if [[ -n $pid ]] && ours "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
		rm -f "$DIR/$f.pid"
	done
	for ((i = 0; i < 100; i++)); do
		local left=()
		for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
		pids=("${left[@]}")
		((${#pids[@]} == 0)) && return 0
		sleep 0.1
	done
	msg "still running after 10 s, killing: ${pids[*]}"
	for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	for ((i = 0; i < 50; i++)); do
		local left=()
		for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
		((${#left[@]} == 0)) && return 0
		sleep 0.1
	done
	msg "could not kill: ${pids[*]}"
	return 1
}

cmd_stop() {
	if [[ ! -d $DIR ]]; then
		msg "no lab in $DIR"
		return 0
	fi
	[[ -e $DIR/$MARKER ]] || die "$DIR is not a lab directory (no $MARKER); not touching it"
	kill_lab_processes
	rm -rf -- "$DIR"
	msg "stopped; removed $DIR"
}

# ---- status --------------------------------------------------------------

cmd_status() {
	local ok=0 f pid
	if [[ ! -e $DIR/$MARKER || ! -f $DIR/env ]]; then
		echo "no lab in $DIR"
		return 1
	fi
	# shellcheck disable=SC1091
	source "$DIR/env"
	echo "lab:        $DIR"
	echo "prometheus: $PT_LAB_URL (scrape interval $PT_LAB_INTERVAL)"
	for f in prometheus node_exporter gpu_exporter meters_exporter watchdog; do
		[[ -f $DIR/$f.pid ]] || continue
		pid=$(pidfile_pid "$DIR/$f.pid")
		if ours "$pid"; then
			printf '  %-14s pid %-8s running\n' "$f" "$pid"
		else
			printf '  %-14s pid %-8s NOT RUNNING\n' "$f" "$pid"
			ok=1
		fi
	done
	if curl -fsS -o /dev/null --max-time 3 "$PT_LAB_URL/-/ready" 2>/dev/null; then
		echo "  ready"
	else
		echo "  Prometheus does not answer $PT_LAB_URL/-/ready"
		ok=1
	fi
	return $ok
}

# ---- start ---------------------------------------------------------------

# wait_http NAME PID URL SECS: 0 when URL answers 2xx, 2 when PID died, 1 on timeout.
wait_http() {
	local name=$1 pid=$2 url=$3 deadline=$((SECONDS + $4))
	while ((SECONDS < deadline)); do
		alive "$pid" || return 2
		curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
		sleep 0.2
	done
	msg "$name did not answer $url within $4 s"
	return 1
}

# Starts service NAME with launcher function LAUNCH PORT (which backgrounds it
# and writes DIR/NAME.pid), waits for http://127.0.0.1:PORT$PATH. Retries on
# another port when the one picked was taken in the meantime. Sets STARTED_PORT.
start_service() {
	local name=$1 launch=$2 path=$3 attempt port pid rc
	for attempt in 1 2 3; do
		port=$(free_port)
		"$launch" "$port"
		pid=$(pidfile_pid "$DIR/$name.pid")
		rc=0
		wait_http "$name" "$pid" "http://127.0.0.1:$port$path" "$START_TIMEOUT" || rc=$?
		if ((rc == 0)); then
			STARTED_PORT=$port
			msg "$name: pid $pid, http://127.0.0.1:$port"
			return 0
		fi
		if ((rc == 2)) && grep -qi 'address already in use' "$DIR/$name.log" 2>/dev/null; then
			msg "$name: port $port was taken meanwhile, trying another (attempt $attempt)"
			rm -f "$DIR/$name.pid"
			continue
		fi
		break
	done
	msg "$name failed to start; the end of $DIR/$name.log:"
	tail -n 15 "$DIR/$name.log" >&2 2>/dev/null || true
	return 1
}

# Each launcher runs its program in a new session (a Ctrl-C in the terminal
# that started the lab does not reach it), logs to DIR/NAME.log and records
# its pid. setsid does not fork here: a background job is no group leader.
launch_node() {
	setsid "$NODE_EXPORTER" \
		--web.listen-address="127.0.0.1:$1" \
		--collector.disable-defaults \
		--collector.cpu --collector.cpu.info \
		--collector.meminfo --collector.loadavg --collector.stat \
		--collector.uname --collector.time --collector.rapl \
		--collector.textfile --collector.textfile.directory="$DIR/textfile" \
		</dev/null >"$DIR/node_exporter.log" 2>&1 &
	echo $! >"$DIR/node_exporter.pid"
}

launch_gpu() {
	setsid python3 "$GPU_EXPORTER" "$DIR/gpu_metrics.prom" "$1" \
		</dev/null >"$DIR/gpu_exporter.log" 2>&1 &
	echo $! >"$DIR/gpu_exporter.pid"
}

launch_meters() {
	setsid python3 "$GPU_EXPORTER" "$DIR/meters_metrics.prom" "$1" --rates \
		</dev/null >"$DIR/meters_exporter.log" 2>&1 &
	echo $! >"$DIR/meters_exporter.pid"
}

launch_prom() {
	setsid "$PROMETHEUS" \
		--config.file="$DIR/prometheus.yml" \
		--storage.tsdb.path="$DIR/data" \
		--storage.tsdb.retention.time=10y \
		"${COMPACTION[@]}" \
		--web.listen-address="127.0.0.1:$1" \
		--web.enable-lifecycle \
		</dev/null >"$DIR/prometheus.log" 2>&1 &
	echo $! >"$DIR/prometheus.pid"
}

write_prometheus_yml() {
	local t
	{
		echo "# Written by scripts/lab.sh for the lab in $DIR."
		echo "global:"
		echo "  scrape_interval: $INTERVAL"
		echo "  evaluation_interval: $INTERVAL"
		if ! ((EXPORTERS || METERS || ${#EXTRA[@]})); then
			echo "scrape_configs: []"
		else
			echo "scrape_configs:"
		fi
		if ((EXPORTERS)); then
			echo "  - job_name: node"
			echo "    static_configs:"
			echo "      - targets: ['127.0.0.1:$NODE_PORT']"
			echo "  - job_name: gpu"
			echo "    static_configs:"
			echo "      - targets: ['127.0.0.1:$GPU_PORT']"
		fi
		if ((METERS)); then
			# The simulated node names itself (instance="simnode:..."): kept.
			echo "  - job_name: meters"
			echo "    honor_labels: true"
			echo "    static_configs:"
			echo "      - targets: ['127.0.0.1:$METERS_PORT']"
		fi
		if ((${#EXTRA[@]})); then
			echo "  - job_name: extra"
			echo "    static_configs:"
			echo "      - targets:"
			for t in "${EXTRA[@]}"; do echo "          - '$t'"; done
		fi
	} >"$DIR/prometheus.yml.tmp"
	mv "$DIR/prometheus.yml.tmp" "$DIR/prometheus.yml"
	if [[ -n $PROMTOOL ]]; then
		"$PROMTOOL" check config "$DIR/prometheus.yml" >"$DIR/promtool-check.log" 2>&1 ||
			{ cat "$DIR/promtool-check.log" >&2; return 1; }
	fi
}

# promtool writes blocks; Prometheus then takes the newest block's end as the
# lower bound for live samples, so backfilled data that reaches the present
# (or the future) would make every scrape be dropped as "out of bounds" while
# the targets still look up. Such files are refused.
backfill() {
	local f=$1 out max now_ms
	[[ -n $PROMTOOL ]] || die "promtool is needed for --backfill"
	[[ -r $f ]] || { msg "cannot read backfill file $f"; return 1; }
	msg "backfilling $f"
	if ! out=$("$PROMTOOL" tsdb create-blocks-from openmetrics "$f" "$DIR/data" 2>&1); then
		echo "$out" >&2
		msg "promtool could not backfill $f"
		return 1
	fi
	echo "$out" >>"$DIR/backfill.log"
	max=$(awk 'NR > 1 && $3 ~ /^-?[0-9]+$/ { if ($3 + 0 > m) m = $3 + 0 } END { printf "%.0f\n", m }' <<<"$out")
	now_ms=$(($(date +%s) * 1000))
	if ((max > now_ms)); then
		msg "$f has samples at or after now (last block ends at $max ms, now is $now_ms ms):"
		msg "backfilled data must lie in the past, or Prometheus drops every live scrape"
		return 1
	fi
}

# Moves the blocks in directory $1 into the lab's TSDB, refusing blocks that
# end at or after now (see backfill).
move_blocks() {
	local src=$1 max now_ms b
	[[ -d $src ]] || { msg "--blocks $src is not a directory"; return 1; }
	max=$(python3 - "$src" <<'PY'
import glob, json, os, sys
m = 0
for f in glob.glob(os.path.join(sys.argv[1], "*", "meta.json")):
    m = max(m, json.load(open(f))["maxTime"])
print(m)
PY
)
	[[ $max != 0 ]] || { msg "no TSDB blocks in $src"; return 1; }
	now_ms=$(($(date +%s) * 1000))
	if ((max > now_ms)); then
		msg "blocks in $src reach now or later (up to $max ms, now is $now_ms ms): refused"
		return 1
	fi
	for b in "$src"/*/; do
		[[ -f $b/meta.json ]] || continue
		mv "${b%/}" "$DIR/data/"
	done
	msg "moved the blocks of $src into $DIR/data"
}

# Polls /api/v1/targets until every target has been scraped once and all but
# the --extra-target ones are up.
wait_targets() {
	local deadline=$((SECONDS + TARGET_TIMEOUT)) state=""
	while ((SECONDS < deadline)); do
		alive "$(pidfile_pid "$DIR/prometheus.pid")" || { msg "Prometheus died; see $DIR/prometheus.log"; return 1; }
		state=$(curl -fsS --max-time 3 "$URL/api/v1/targets?state=active" 2>/dev/null |
			python3 -c '
import json, sys
want = int(sys.argv[1])
try:
    ts = json.load(sys.stdin)["data"]["activeTargets"]
except Exception:
    print("no answer from /api/v1/targets"); sys.exit(1)
bad = [t["labels"].get("job", "?") + " " + t["labels"].get("instance", "?") + ": " + t["health"]
       + (" (" + t["lastError"] + ")" if t.get("lastError") else "")
       for t in ts
       if t["health"] == "unknown" or (t["health"] != "up" and t["labels"].get("job") != "extra")]
if len(ts) < want:
    bad.append("%d of %d targets known" % (len(ts), want))
print("; ".join(bad))
sys.exit(1 if bad else 0)' "$NTARGETS") && return 0
		sleep 0.5
	done
	msg "targets not ready within $TARGET_TIMEOUT s: ${state:-?}"
	return 1
}

# The PT_LAB_* variables that write_env writes out.
# shellcheck disable=SC2034
set_lab_vars() {
	PT_LAB_DIR=$DIR PT_LAB_URL=$URL PT_LAB_PROM_PORT=$STARTED_PORT
	PT_LAB_NODE_PORT=$NODE_PORT PT_LAB_GPU_PORT=$GPU_PORT
	PT_LAB_NODE_INSTANCE=${NODE_PORT:+127.0.0.1:$NODE_PORT}
	PT_LAB_GPU_INSTANCE=${GPU_PORT:+127.0.0.1:$GPU_PORT}
	PT_LAB_TEXTFILE_DIR=$DIR/textfile PT_LAB_INTERVAL=$INTERVAL
	PT_LAB_PROM_PID_FILE=$DIR/prometheus.pid
	PT_LAB_GPU_FILE="" PT_LAB_NODE_PID_FILE="" PT_LAB_GPU_PID_FILE=""
	if ((EXPORTERS)); then
		PT_LAB_GPU_FILE=$DIR/gpu_metrics.prom
		PT_LAB_NODE_PID_FILE=$DIR/node_exporter.pid
		PT_LAB_GPU_PID_FILE=$DIR/gpu_exporter.pid
	fi
}

write_env() {
	local k
	{
		echo "# Written by scripts/lab.sh: source it to reach this lab."
		for k in PT_LAB_DIR PT_LAB_URL PT_LAB_PROM_PORT PT_LAB_NODE_PORT PT_LAB_GPU_PORT \
			PT_LAB_NODE_INSTANCE PT_LAB_GPU_INSTANCE PT_LAB_GPU_FILE PT_LAB_TEXTFILE_DIR \
			PT_LAB_INTERVAL PT_LAB_PROM_PID_FILE PT_LAB_NODE_PID_FILE PT_LAB_GPU_PID_FILE; do
			printf '%s=%q\n' "$k" "${!k}"
		done
	} >"$DIR/env.tmp"
	mv "$DIR/env.tmp" "$DIR/env"
}

START_DONE=0
on_start_exit() {
	local rc=$?
	if ((!START_DONE)); then
		msg "start failed; stopping what was started"
		kill_lab_processes || true
		if ((CREATED_DIR)); then rm -rf -- "$DIR"; else find "$DIR" -mindepth 1 -delete 2>/dev/null || true; fi
		((rc)) || rc=1
	fi
	exit "$rc"
}

cmd_start() {
	INTERVAL=15s EXPORTERS=1 METERS=0 OWNER="" GPU_SOURCE=$GPU_SAMPLE
	EXTRA=() BACKFILL=() BLOCKS=() COMPACTION=() START_TIMEOUT=30 TARGET_TIMEOUT=""
	while (($#)); do
		case $1 in
		--interval) INTERVAL=${2:?--interval needs a value}; shift 2 ;;
		--backfill) BACKFILL+=("$(readlink -f "${2:?--backfill needs a file}")"); shift 2 ;;
		--blocks) BLOCKS+=("$(readlink -f "${2:?--blocks needs a directory}")"); shift 2 ;;
		--no-compaction)
			# Only 2-hour blocks are ever made: none are merged.
			COMPACTION=(--storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration=2h)
			shift ;;
		--no-exporters) EXPORTERS=0; shift ;;
		--meters) METERS=1; shift ;;
		--extra-target) EXTRA+=("${2:?--extra-target needs HOST:PORT}"); shift 2 ;;
		--gpu-file) GPU_SOURCE=${2:?--gpu-file needs a file}; shift 2 ;;
		--owner-pid) OWNER=${2:?--owner-pid needs a pid}; shift 2 ;;
		--timeout) TARGET_TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
		-h | --help) usage ;;
		*) usage_error "unknown option '$1' for start" ;;
		esac
	done
	local t hostport='^[][A-Za-z0-9._:-]+:[0-9]+$'
	for t in "${EXTRA[@]}"; do
		[[ $t =~ $hostport ]] || die "--extra-target '$t' is not HOST:PORT"
	done
	[[ -z $OWNER || $OWNER =~ ^[0-9]+$ ]] || die "--owner-pid '$OWNER' is not a pid"
	local secs
	secs=$(duration_secs "$INTERVAL")
	[[ -n $TARGET_TIMEOUT ]] || TARGET_TIMEOUT=$((30 + 3 * secs))

	# Already running?
	if [[ -e $DIR/$MARKER && -f $DIR/env ]]; then
		local pid
		pid=$(pidfile_pid "$DIR/prometheus.pid")
		# shellcheck disable=SC1091
		if [[ -n $pid ]] && ours "$pid" && (source "$DIR/env" && curl -fsS -o /dev/null --max-time 3 "$PT_LAB_URL/-/ready"); then
			(
				source "$DIR/env"
				msg "already running in $DIR (options of this call are ignored; stop it first to change them)"
				echo "$PT_LAB_URL"
			)
			return 0
		fi
	fi
	if [[ -e $DIR/$MARKER ]]; then
		msg "cleaning up a lab in $DIR that is no longer running"
		kill_lab_processes || true
		find "$DIR" -mindepth 1 -delete
	elif [[ -d $DIR ]] && [[ -n $(ls -A "$DIR") ]]; then
		die "$DIR exists, is not empty and is not a lab directory"
	fi

	PROMETHEUS=$(find_bin "${PT_PROMETHEUS:-}" prometheus)
	PROMTOOL=$(find_bin "${PT_PROMTOOL:-}" promtool 2>/dev/null || true)
	if ((EXPORTERS)); then
		NODE_EXPORTER=$(find_bin "${PT_NODE_EXPORTER:-}" prometheus-node-exporter node_exporter)
		[[ -r $GPU_SOURCE ]] || die "cannot read GPU exposition file $GPU_SOURCE"
	fi
	command -v python3 >/dev/null || die "python3 is needed"
	command -v curl >/dev/null || die "curl is needed"

	CREATED_DIR=0
	[[ -d $DIR ]] || CREATED_DIR=1
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	trap on_start_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	: >"$DIR/$MARKER"
	mkdir -p "$DIR/data" "$DIR/textfile"

	for t in "${BACKFILL[@]}"; do backfill "$t"; done
	for t in "${BLOCKS[@]}"; do move_blocks "$t"; done

	NODE_PORT="" GPU_PORT=""
	if ((EXPORTERS)); then
		start_service node_exporter launch_node /metrics
		NODE_PORT=$STARTED_PORT
		cp "$GPU_SOURCE" "$DIR/gpu_metrics.prom"
		start_service gpu_exporter launch_gpu /metrics
		GPU_PORT=$STARTED_PORT
	fi
	METERS_PORT=""
	if ((METERS)); then
		cp "$METERS_SAMPLE" "$DIR/meters_metrics.prom"
		start_service meters_exporter launch_meters /metrics
		METERS_PORT=$STARTED_PORT
	fi
	write_prometheus_yml
	start_service prometheus launch_prom /-/ready
	URL="http://127.0.0.1:$STARTED_PORT"

	NTARGETS=${#EXTRA[@]}
	if ((EXPORTERS)); then NTARGETS=$((NTARGETS + 2)); fi
	if ((METERS)); then NTARGETS=$((NTARGETS + 1)); fi
	if ((NTARGETS)); then
		msg "waiting for the first scrapes (interval $INTERVAL)"
		wait_targets
	fi

	if [[ -n $OWNER ]]; then
		setsid bash "$SELF" __watchdog "$DIR/" "$OWNER" </dev/null >/dev/null 2>&1 &
		echo $! >"$DIR/watchdog.pid"
	fi

	set_lab_vars
	write_env

	START_DONE=1
	msg "lab running in $DIR; stop it with: $SELF stop --dir $DIR"
	echo "$URL"
}

# Internal: stops the lab in DIR once process OWNER is gone.
cmd_watchdog() {
	DIR=${1%/}
	local owner=$2
	while kill -0 "$owner" 2>/dev/null && [[ -e $DIR/$MARKER ]]; do sleep 1; done
	[[ -e $DIR/$MARKER ]] || exit 0
	rm -f "$DIR/watchdog.pid"
	exec bash "$SELF" stop --dir "$DIR"
}

main() {
	(($#)) || usage_error "no command given (start, stop or status)"
	local cmd=$1
	shift
	if [[ $cmd == __watchdog ]]; then
		cmd_watchdog "$@"
		return
	fi
	if [[ $cmd == db ]]; then
		# Throwaway MariaDB and PostgreSQL servers: see scripts/dblab.sh.
		exec bash "$(dirname "$SELF")/dblab.sh" "$@"
	fi
	DIR=""
	local args=()
	while (($#)); do
		case $1 in
		--dir) DIR=${2:?--dir needs a directory}; shift 2 ;;
		*) args+=("$1"); shift ;;
		esac
	done
	[[ -n $DIR ]] || DIR=$(default_dir)
	if [[ -d $DIR ]]; then DIR=$(cd "$DIR" && pwd); fi
	case $cmd in
	start) cmd_start "${args[@]}" ;;
	stop) ((${#args[@]} == 0)) || usage_error "unknown option '${args[0]}' for stop"; cmd_stop ;;
	status) ((${#args[@]} == 0)) || usage_error "unknown option '${args[0]}' for status"; cmd_status ;;
	-h | --help | help) usage ;;
	*) usage_error "unknown command '$cmd' (start, stop or status)" ;;
	esac
}

main "$@"
