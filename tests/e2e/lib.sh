# lib.sh - sourced by every tests/e2e/test_*.sh: private labs, assertions, summary.
# shellcheck shell=bash
#
# ctest passes PT_BIN (the powertest binary), PT_SOURCE_DIR and PT_BUILD_DIR;
# run by hand, they default to the source tree and build/. Every lab and
# background process a test starts through this file is stopped when the test
# exits, whatever the reason (and lab.sh --owner-pid stops the lab even when
# the test is killed).
#
#   lab_start [lab.sh start args]   private lab in a temporary dir, scrape
#                                   interval 1s unless --interval is given;
#                                   exports PT_LAB_* (see scripts/lab.sh) and
#                                   PT_URL (= PT_LAB_URL); PT_TMP is this
#                                   test's scratch dir, removed at exit
#   lab_stop                        stops the labs started so far
#   prom_kill                       kills the current lab's Prometheus (for
#                                   "unreachable" cases; lab_stop still tidies)
#   gpu_metrics_set [FILE]          replaces the served GPU metrics (stdin
#                                   without FILE), atomically
#   prom_query EXPR                 instant query, prints the JSON answer
#   wait_until SECS CMD...          retries CMD every 0.2 s until it succeeds
#                                   (CMD runs anew each time: give a function,
#                                   not a "$(...)" that is expanded once)
#   db_start                        throwaway MariaDB and PostgreSQL servers
#                                   (scripts/dblab.sh), stopped at exit;
#                                   exports PT_DB_* (see dblab.sh) and DBDIR;
#                                   MY and PG: their admin clients (arrays)
#   free_port                       a loopback port nothing listens on now
#   cleanup_pid PID                 TERM (then KILL) PID at exit
#   pt ARGS...                      runs "$PT_BIN" ARGS
#   assert_exit EXPECTED CMD...     runs CMD, stdout -> $OUT_FILE / $OUT,
#                                   stderr -> $ERR_FILE / $ERR, status -> $RC
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_contains TEXT NEEDLE [WHAT]     (fixed string)
#   assert_not_contains TEXT NEEDLE [WHAT]
#   assert_match TEXT REGEX [WHAT]         (bash extended regex)
#   ok WHAT / fail WHAT             record a pass / a failure and go on
#   fatal WHAT                      record a failure and stop the test now
#   pass                            prints "N passed, N failed"; exit 0 or 1
#
# Assertions do not stop the test: it goes on and `pass` fails at the end.

set -euo pipefail

PT_SOURCE_DIR=${PT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PT_BUILD_DIR=${PT_BUILD_DIR:-$PT_SOURCE_DIR/build}
PT_BIN=${PT_BIN:-$PT_BUILD_DIR/powertest}
PT_LAB_SH=$PT_SOURCE_DIR/scripts/lab.sh
PT_TEST_NAME=$(basename "$0" .sh)
export PT_SOURCE_DIR PT_BUILD_DIR PT_BIN

PT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pt-e2e-$PT_TEST_NAME.XXXXXX")
OUT_FILE=$PT_TMP/stdout
ERR_FILE=$PT_TMP/stderr
# shellcheck disable=SC2034 # set for the tests that source this file
OUT="" ERR="" RC=0

_pt_passed=0
_pt_failed=0
_pt_done=0
_pt_labs=()
_pt_pids=()

_pt_where() {
	# File:line of the test line that called the assertion.
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[$i]} != "${BASH_SOURCE[0]}" ]]; then
			echo "$(basename "${BASH_SOURCE[$i]}"):${BASH_LINENO[$((i - 1))]}"
			return
		fi
	done
	echo "?"
}

ok() {
	_pt_passed=$((_pt_passed + 1))
	echo "ok: $*"
}

fail() {
	_pt_failed=$((_pt_failed + 1))
	echo "FAIL: $(_pt_where): $*"
}

fatal() {
	fail "$@"
	exit 1
}

_pt_show() { # _pt_show LABEL FILE: the start of a captured output
	[[ -s $2 ]] || { echo "    $1: (empty)"; return 0; }
	echo "    $1:"
	head -c 3000 "$2" | sed 's/^/      | /'
	echo
}

pass() {
	_pt_done=1
	echo "$PT_TEST_NAME: $_pt_passed passed, $_pt_failed failed"
	if ((_pt_failed == 0 && _pt_passed > 0)); then exit 0; fi
	exit 1
}

_pt_cleanup() {
	local rc=$? pid dir i
	set +e
	for pid in "${_pt_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${_pt_pids[@]}"; do
		for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for dir in "${_pt_labs[@]}"; do
		bash "$PT_LAB_SH" stop --dir "$dir" >/dev/null 2>&1 || echo "warning: could not stop the lab in $dir"
		rmdir "$dir" 2>/dev/null
	done
	rm -rf -- "$PT_TMP"
	if ((!_pt_done)); then
		# Ended by `fatal`, set -e or a signal, without reaching `pass`.
		((_pt_failed > 0)) || { _pt_failed=$((_pt_failed + 1)); echo "FAIL: test ended early (status $rc)"; }
		echo "$PT_TEST_NAME: $_pt_passed passed, $_pt_failed failed"
		((rc != 0)) || rc=1
	fi
	exit "$rc"
}
trap _pt_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup_pid() { _pt_pids+=("$1"); }

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

pt() { "$PT_BIN" "$@"; }

db_start() {
	# Outside PT_TMP: the servers' unprivileged user must reach their files.
	DBDIR=$(mktemp -d "${TMPDIR:-/tmp}/pt-db-$PT_TEST_NAME.XXXXXX")
	rmdir "$DBDIR"
	bash "$PT_SOURCE_DIR/scripts/dblab.sh" start --dir "$DBDIR" --owner-pid $$ >"$PT_TMP/dblab.out" 2>&1 ||
		{ cat "$PT_TMP/dblab.out" >&2; fatal "the database servers did not start"; }
	set -a
	# shellcheck disable=SC1091
	source "$DBDIR/env"
	set +a
	cleanup_pid "$PT_DB_MYSQL_PID"
	cleanup_pid "$PT_DB_PG_PID"
	MY=(mariadb --no-defaults -S "$PT_DB_MYSQL_SOCKET" -u root)
	PG=(psql -X -q -h "$PT_DB_PG_SOCKET_DIR" -p "$PT_DB_PG_PORT" -U postgres -v ON_ERROR_STOP=1)
	# The server's socket belongs to its unprivileged user.
	if ((EUID == 0)); then PG=(runuser -u nobody -- "${PG[@]}"); fi
}

lab_start() {
	local dir url
	dir=$(mktemp -d "${TMPDIR:-/tmp}/pt-lab-$PT_TEST_NAME.XXXXXX")
	_pt_labs+=("$dir")
	if ! url=$(bash "$PT_LAB_SH" start --dir "$dir" --interval 1s --owner-pid $$ "$@" 2>"$PT_TMP/lab.err"); then
		cat "$PT_TMP/lab.err" >&2
		fatal "lab_start $*: the lab did not start"
	fi
	url=$(tail -n 1 <<<"$url")
	set -a
	# shellcheck disable=SC1091
	source "$dir/env"
	set +a
	PT_URL=$url
	export PT_URL
	echo "lab: $PT_URL in $dir"
}

lab_stop() {
	local dir
	for dir in "${_pt_labs[@]}"; do
		bash "$PT_LAB_SH" stop --dir "$dir" >/dev/null 2>&1 || true
		rmdir "$dir" 2>/dev/null || true
	done
	_pt_labs=()
}

# Kills the current lab's Prometheus so that it cannot be asked any more.
prom_kill() {
	local pid i
	pid=$(tr -dc '0-9' <"$PT_LAB_PROM_PID_FILE")
	[[ -n $pid ]] || fatal "no Prometheus pid in $PT_LAB_PROM_PID_FILE"
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		curl -fsS -o /dev/null --max-time 1 "$PT_LAB_URL/-/ready" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

gpu_metrics_set() {
	[[ -n ${PT_LAB_GPU_FILE:-} ]] || fatal "gpu_metrics_set: this lab has no GPU exporter"
	if (($#)); then cat -- "$1"; else cat; fi >"$PT_LAB_GPU_FILE.tmp"
	mv -f -- "$PT_LAB_GPU_FILE.tmp" "$PT_LAB_GPU_FILE"
}

prom_query() {
	curl -fsS --max-time 10 "$PT_LAB_URL/api/v1/query" --data-urlencode "query=$1"
}

wait_until() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

assert_exit() {
	local expected=$1
	shift
	RC=0
	"$@" >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || RC=$?
	# shellcheck disable=SC2034 # read by the tests
	OUT=$(cat "$OUT_FILE")
	# shellcheck disable=SC2034
	ERR=$(cat "$ERR_FILE")
	if [[ $RC == "$expected" ]]; then
		ok "exit $expected: $*"
	else
		fail "expected exit $expected, got $RC: $*"
		_pt_show stdout "$OUT_FILE"
		_pt_show stderr "$ERR_FILE"
	fi
	return 0
}

assert_eq() {
	if [[ $1 == "$2" ]]; then
		ok "${3:-values equal}"
	else
		fail "${3:-values differ}: expected [$1], got [$2]"
	fi
	return 0
}

assert_contains() {
	if [[ $1 == *"$2"* ]]; then
		ok "${3:-contains [$2]}"
	else
		fail "${3:-output} does not contain [$2]; it is:"
		printf '%s\n' "$1" | head -c 3000 | sed 's/^/      | /'
	fi
	return 0
}

assert_not_contains() {
	if [[ $1 != *"$2"* ]]; then
		ok "${3:-does not contain [$2]}"
	else
		fail "${3:-output} contains [$2]; it is:"
		printf '%s\n' "$1" | head -c 3000 | sed 's/^/      | /'
	fi
	return 0
}

assert_match() {
	if [[ $1 =~ $2 ]]; then
		ok "${3:-matches /$2/}"
	else
		fail "${3:-output} does not match /$2/; it is:"
		printf '%s\n' "$1" | head -c 3000 | sed 's/^/      | /'
	fi
	return 0
}

[[ -x $PT_BIN ]] || fatal "powertest binary not found at $PT_BIN (build first, or set PT_BIN)"
