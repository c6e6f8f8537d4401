#!/usr/bin/env bash
# check_exports.sh LIB HEADER - the shared library exports the public API and nothing else:
# every defined dynamic symbol is powertest_* (or one the linker always adds), and every
# function include/powertest.h declares is among them.
set -euo pipefail
lib=$1 header=$2
syms=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | sort -u)
[[ -n $syms ]] || { echo "FAIL: no dynamic symbols in $lib"; exit 1; }
# Linker-made markers some toolchains export: no code of ours.
extra=$(grep -v -E '^(powertest_[A-Za-z0-9_]+|_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_)$' \
	<<<"$syms" || true)
if [[ -n $extra ]]; then
	echo "FAIL: $lib exports $(wc -l <<<"$extra") internal symbol(s):"
	head -20 <<<"$extra"
	exit 1
fi
missing=$(grep -o 'powertest_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u | comm -23 - <(cat <<<"$syms"))
if [[ -n $missing ]]; then
	echo "FAIL: declared in $header but not exported: $missing"
	exit 1
fi
echo "ok: $(grep -c '^powertest_' <<<"$syms") powertest_* symbols, nothing else"
