#!/usr/bin/env bash
# test.sh - the whole test suite, as CI runs it: installs dependencies
# (setup.sh --no-build), builds build/ with warnings as errors and runs every
# ctest test (labels unit and e2e), then does the same in build-asan/ with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on).
#
#   scripts/test.sh [--no-setup] [--no-asan] [-- CTEST_ARGS...]
#
# e.g. scripts/test.sh --no-setup --no-asan -- -L unit
# PT_TEST_BUILD_DIR / PT_TEST_ASAN_DIR change the two build directories,
# PT_JOBS the parallelism (default 2).
# Exits non-zero when any build or test fails; the last line is the total.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$ROOT"

SETUP=1 ASAN=1 CTEST_ARGS=()
while (($#)); do
	case $1 in
	--no-setup) SETUP=0 ;;
	--no-asan) ASAN=0 ;;
	--) shift; CTEST_ARGS=("$@"); break ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "test.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

JOBS=${PT_JOBS:-2}
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/pt-test.XXXXXX")
trap 'rm -rf -- "$LOGDIR"' EXIT
FAILED_STAGES=()
PASSED=0 FAILED=0

stage() { echo; echo "==== test.sh: $* ===="; }

# Adds the counts of ctest's summary line in LOG to the totals.
count() {
	local line
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1 || true)
	if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
		FAILED=$((FAILED + BASH_REMATCH[1]))
		PASSED=$((PASSED + BASH_REMATCH[2] - BASH_REMATCH[1]))
	fi
}

# build_and_test NAME DIR CMAKE_ARGS...
build_and_test() {
	local name=$1 dir=$2
	shift 2
	stage "$name: configure $dir"
	# A build that fails counts as one failed test.
	if ! cmake -S . -B "$dir" "$@"; then FAILED_STAGES+=("$name configure"); FAILED=$((FAILED + 1)); return; fi
	stage "$name: build"
	if ! cmake --build "$dir" -j"$JOBS"; then FAILED_STAGES+=("$name build"); FAILED=$((FAILED + 1)); return; fi
	stage "$name: ctest"
	local log=$LOGDIR/$name.log
	if ! ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"$JOBS" "${CTEST_ARGS[@]}" 2>&1 | tee "$log"; then
		FAILED_STAGES+=("$name ctest")
	fi
	count "$log"
}

if ((SETUP)); then
	stage "setup (dependencies)"
	bash "$ROOT/scripts/setup.sh" --no-build
fi

build_and_test release "${PT_TEST_BUILD_DIR:-build}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPT_WERROR=ON

if ((ASAN)); then
	# LeakSanitizer works on this kind of machine (checked: it needs ptrace-like
	# access to the process, which containers sometimes deny; if it ever
	# reports "LeakSanitizer has encountered a fatal error", set
	# detect_leaks=0 here and say why).
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	build_and_test asan "${PT_TEST_ASAN_DIR:-build-asan}" -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON -DPT_WERROR=ON
fi

echo
if ((${#FAILED_STAGES[@]})); then
	echo "test.sh: FAILED: ${FAILED_STAGES[*]}"
	echo "test.sh: $PASSED passed, $FAILED failed"
	exit 1
fi
echo "test.sh: $PASSED passed, $FAILED failed"
