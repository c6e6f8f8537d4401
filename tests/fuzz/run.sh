#!/usr/bin/env bash
# run.sh - builds the libFuzzer harnesses with clang into a build directory of
# their own (the library's sources, instrumented, with ASan and UBSan) and runs
# each one for a fixed time over its committed corpus. Any crash, leak,
# sanitizer report or broken invariant fails the run; the input that did it is
# kept under BUILD/artifacts/.
#
#   bash tests/fuzz/run.sh [--time SECONDS] [--build DIR] [--jobs N] [HARNESS...]
#
#   --time S   seconds per harness (default 8; e.g. --time 600 to search longer)
#   --build D  build directory (default $PT_BUILD_DIR/fuzz, else build-fuzz)
#   --jobs N   parallel build jobs (default 2)
#   HARNESS    only these (prom targets config queryset jobs resume intensity promql timefmt)
#
# Every harness first replays its whole corpus (tests/fuzz/corpus/NAME/),
# then mutates it; new inputs go to BUILD/corpus/NAME/, never into the
# committed corpus. Prints the executions of each harness and a total line.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TIME=8 JOBS=2 BUILD= ONLY=()
while (($#)); do
	case $1 in
	--time) TIME=${2:?--time needs seconds}; shift ;;
	--build) BUILD=${2:?--build needs a directory}; shift ;;
	--jobs) JOBS=${2:?--jobs needs a number}; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) ONLY+=("$1") ;;
	esac
	shift
done
[[ $TIME =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --time wants whole seconds, got '$TIME'" >&2; exit 2; }
if [[ -z $BUILD ]]; then
	if [[ -n ${PT_BUILD_DIR:-} ]]; then BUILD=$PT_BUILD_DIR/fuzz; else BUILD=$ROOT/build-fuzz; fi
fi

CLANG=${PT_FUZZ_CC:-}
if [[ -z $CLANG ]]; then
	for c in clang clang-14 clang-15 clang-16; do
		if command -v "$c" >/dev/null; then CLANG=$(command -v "$c"); break; fi
	done
fi
[[ -n $CLANG ]] || { echo "run.sh: no clang (scripts/setup.sh installs it)" >&2; exit 1; }

echo "run.sh: building the harnesses with $CLANG in $BUILD"
CC=$CLANG cmake -S "$HERE" -B "$BUILD" -DCMAKE_C_COMPILER="$CLANG" >"$BUILD.configure.log" 2>&1 ||
	{ cat "$BUILD.configure.log" >&2; echo "run.sh: configure failed" >&2; exit 1; }
cmake --build "$BUILD" -j"$JOBS" >"$BUILD.build.log" 2>&1 ||
	{ tail -n 40 "$BUILD.build.log" >&2; echo "run.sh: build failed" >&2; exit 1; }

if ((${#ONLY[@]} == 0)); then
	for d in "$HERE"/corpus/*/; do ONLY+=("$(basename "$d")"); done
fi

# Leaks are findings too; UBSan already aborts (-fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/artifacts"
failed=() total=0
for name in "${ONLY[@]}"; do
	bin=$BUILD/fuzz_$name
	[[ -x $bin ]] || { echo "run.sh: no harness '$name'" >&2; failed+=("$name"); continue; }
	[[ -d $HERE/corpus/$name ]] || { echo "run.sh: no corpus tests/fuzz/corpus/$name" >&2; failed+=("$name"); continue; }
	mkdir -p "$BUILD/corpus/$name"
	log=$BUILD/fuzz_$name.log
	# -timeout: one input taking seconds is a finding (quadratic paths);
	# -rss_limit_mb: so is one that eats memory.
	if "$bin" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$BUILD/artifacts/${name}-" \
		"$BUILD/corpus/$name" "$HERE/corpus/$name" >"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed+=("$name")
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	seeds=$(find "$HERE/corpus/$name" -type f | wc -l)
	echo "run.sh: fuzz_$name: $status, ${execs:-0} executions in ${TIME} s (corpus: $seeds committed)"
	total=$((total + ${execs:-0}))
	if [[ $status != ok ]]; then
		grep -E 'ERROR|runtime error|SUMMARY|differ|Test unit written|#0 |#1 |#2 |#3 ' "$log" | head -n 30 >&2 || tail -n 30 "$log" >&2
	fi
done
echo "run.sh: $total executions over ${#ONLY[@]} harnesses"
if ((${#failed[@]})); then
	echo "run.sh: FAILED: ${failed[*]} (inputs under $BUILD/artifacts/)" >&2
	exit 1
fi
