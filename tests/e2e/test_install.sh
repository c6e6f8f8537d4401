#!/usr/bin/env bash
# test_install.sh - `cmake --install` into a temporary prefix: every file where
# users look for it, the installed binary finds its own query sets and tables,
# the public header compiles alone as C99 and C++, and tests/api/measure.c,
# built with cc + pkg-config against the installed library (shared with rpath,
# and static), measures a region in a live lab and writes the report CSV.
source "$(dirname "$0")/lib.sh"

# The report CSV header (doc/reference.md §7.1), spelled out here.
SPEC_HEADER=task,node,start,end,duration_s,cpu_util_pct,ram_util_pct,ram_used_gib,gpu_count,gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,other_power_w,power_w,cpu_energy_wh,ram_energy_wh,gpu_energy_wh,other_energy_wh,energy_wh,energy_j,energy_uj,pue,carbon_intensity_g_per_kwh,co2_g,cpu_source,ram_source,gpu_source,power_source,status

# csv_check FILE ROWS NODE TASK SECONDS: prints "ok" when FILE has the spec's
# header once, then ROWS rows, all for NODE and TASK, lasting about SECONDS,
# status ok, with RFC 3339 millisecond UTC times and consistent energies.
csv_check() {
	python3 - "$SPEC_HEADER" "$@" <<'PY'
import csv, math, re, sys
header, path, nrows, node, task, secs = sys.argv[1:7]
lines = open(path, newline="").read().splitlines()
if not lines or lines[0] != header:
    sys.exit("header is %r" % (lines[0] if lines else None))
rows = list(csv.DictReader(open(path, newline="")))
if len(rows) != int(nrows):
    sys.exit("%d rows, expected %s" % (len(rows), nrows))
t = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
for r in rows:
    if None in r or None in r.values():
        sys.exit("row with a wrong number of cells: %r" % r)
    if (r["node"], r["task"], r["status"]) != (node, task, "ok"):
        sys.exit("node/task/status %r" % ((r["node"], r["task"], r["status"]),))
    if not (t.match(r["start"]) and t.match(r["end"])):
        sys.exit("times %r %r" % (r["start"], r["end"]))
    if abs(float(r["duration_s"]) - float(secs)) > 0.3:
        sys.exit("duration_s %s, loop %s" % (r["duration_s"], secs))
    if not float(r["cpu_util_pct"]) > 0:
        sys.exit("cpu_util_pct %s" % r["cpu_util_pct"])
    wh, j, uj = float(r["energy_wh"]), float(r["energy_j"]), int(r["energy_uj"])
    if not (wh > 0 and math.isclose(j, wh * 3600, rel_tol=1e-4, abs_tol=1e-3)
            and abs(uj - j * 1e6) <= 1e3):
        sys.exit("energies %s Wh, %s J, %s uJ" % (wh, j, uj))
print("ok")
PY
}

# Real path of $1, for comparing paths that go through "bin/..".
real() { readlink -f -- "$1"; }

prefix=$PT_TMP/prefix
elsewhere=$PT_TMP/elsewhere
mkdir -p "$elsewhere"

# ---- install ----
if ! cmake --install "$PT_BUILD_DIR" --prefix "$prefix" >"$PT_TMP/install.log" 2>&1; then
	sed 's/^/      | /' "$PT_TMP/install.log"
	fatal "cmake --install $PT_BUILD_DIR --prefix $prefix failed"
fi
ok "cmake --install into $prefix"

pc=$(find "$prefix" -name powertest.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n $pc ]] || fatal "no pkgconfig/powertest.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
assert_match "${libdir#"$prefix"/}" '^lib(64|/[a-z0-9_]+-linux-gnu[a-z]*)?$' "library dir under the prefix"

for f in bin/powertest include/powertest.h share/man/man1/powertest.1 \
		share/powertest/queries/default.yaml share/powertest/data/cpu_tdp.csv \
		share/powertest/data/gpu_tdp.csv share/powertest/data/carbon_intensity.csv; do
	if [[ -f $prefix/$f ]]; then ok "installed $f"; else fail "not installed: $f"; fi
done
[[ -x $prefix/bin/powertest ]] || fail "bin/powertest is not executable"
for f in libpowertest.a libpowertest.so; do
	if [[ -e $libdir/$f ]]; then ok "installed ${libdir#"$prefix"/}/$f"; else fail "not installed: $libdir/$f"; fi
done
# libpowertest.so is the development link to the versioned library the loader uses.
assert_match "$(readlink "$libdir/libpowertest.so" || true)" '^libpowertest\.so\.[0-9]+' "libpowertest.so links to its soname"
soname=$(objdump -p "$libdir/libpowertest.so" 2>/dev/null | awk '$1 == "SONAME" {print $2}')
if [[ -n $soname && -e $libdir/$soname ]]; then ok "soname $soname installed"; else fail "soname '$soname' not installed"; fi
for f in $(cd "$PT_SOURCE_DIR" && ls queries/*.yaml); do
	[[ -f $prefix/share/powertest/$f ]] || fail "query set $f not installed"
done

# ---- the installed binary finds its own data, from any directory ----
cd "$elsewhere" || fatal "cannot cd to $elsewhere"
assert_exit 0 env -u POWERTEST_DATA_DIR -u POWERTEST_CONFIG "$prefix/bin/powertest" -v check --offline
qs=$(sed -n 's/^query set: \(.*\) (.*)$/\1/p' "$OUT_FILE")
assert_eq "$(real "$prefix/share/powertest/queries/default.yaml")" "$(real "${qs:-/nonexistent}")" \
	"installed binary uses the installed query set"
assert_not_contains "$OUT$ERR" "$PT_SOURCE_DIR" "check --offline output (no source tree paths)"
assert_exit 0 "$prefix/bin/powertest" --version
version=$(awk '$2 == "POWERTEST_VERSION" {gsub(/"/, "", $3); print $3}' "$prefix/include/powertest.h")
assert_eq "powertest $version" "$(head -n 1 "$OUT_FILE")" "binary and header versions (first line of --version)"

# ---- the header alone, as C99 (and as C++ below) ----
printf '#include <powertest.h>\nint main(void) { return powertest_version(0, 0, 0) == 0; }\n' >"$PT_TMP/hdr.c"
assert_exit 0 cc -std=c99 -Wall -Wextra -Wpedantic -Wstrict-prototypes -Werror -fsyntax-only \
	-I"$prefix/include" "$PT_TMP/hdr.c"

# ---- tests/api/measure.c against the installed library, through pkg-config ----
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR
assert_exit 0 pkg-config --exists --print-errors powertest
assert_eq "$(real "$libdir")" "$(real "$(pkg-config --variable=libdir powertest)")" "pkg-config libdir is the prefix's"
cflags=$(pkg-config --cflags powertest)
libs=$(pkg-config --libs powertest)
# libpowertest.a with the system's shared libraries: its own private
# libraries, then its dependencies' ordinary flags. (`pkg-config --static`
# goes on to libcurl's private libraries, for a fully static program: Debian
# does not install those.) -lpowertest would pick the .so: name the archive.
assert_contains "$(pkg-config --static --libs powertest)" "-lcsv -lm" "Libs.private"
# shellcheck disable=SC2046 # a list of package names
static_libs="-L$libdir -l:libpowertest.a -lcsv -lm $(pkg-config --libs $(pkg-config --print-requires-private powertest))"
src=$PT_SOURCE_DIR/tests/api/measure.c
warn=(-std=c99 -Wall -Wextra -Wpedantic -Wstrict-prototypes -Werror)
# A sanitizer build of the library needs programs linked with the same runtime.
san=()
[[ ${PT_SANITIZE:-OFF} == ON ]] && san=(-fsanitize=address,undefined)
# shellcheck disable=SC2086 # pkg-config output is a list of flags
assert_exit 0 cc "${warn[@]}" "${san[@]}" $cflags -o "$PT_TMP/measure-shared" "$src" $libs -Wl,-rpath,"$libdir" -lm
# shellcheck disable=SC2086
assert_exit 0 cc "${warn[@]}" "${san[@]}" $cflags -o "$PT_TMP/measure-static" "$src" $static_libs
[[ -x $PT_TMP/measure-shared && -x $PT_TMP/measure-static ]] || fatal "measure did not build"
# From C++ too: extern "C" names link to the library's.
# shellcheck disable=SC2086
assert_exit 0 c++ -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror "${san[@]}" $cflags -o "$PT_TMP/hdr-cpp" \
	"$PT_TMP/hdr.c" $libs -Wl,-rpath,"$libdir"
assert_exit 0 "$PT_TMP/hdr-cpp"
assert_contains "$(ldd "$PT_TMP/measure-shared")" "$libdir/$soname" "measure-shared loads the installed $soname"
assert_not_contains "$(ldd "$PT_TMP/measure-static")" "libpowertest" "measure-static needs no libpowertest.so"

# ---- a live lab ----
lab_start
node=${PT_LAB_NODE_INSTANCE%:*}

# Shared library, every node: the lab has one, so one row.
assert_exit 0 env -u POWERTEST_DATA_DIR -u POWERTEST_CONFIG "$PT_TMP/measure-shared" --seconds 3 \
	"$PT_URL" "$PT_TMP/shared.csv" "$PT_TMP/shared-append.csv"
sed 's/^/    /' "$OUT_FILE"
loop=$(sed -n 's/^measure: busy loop ran \([0-9.]*\) s.*/\1/p' "$OUT_FILE")
assert_eq ok "$(csv_check "$PT_TMP/shared.csv" 1 "$node" api-measure "${loop:-0}" 2>&1)" "shared.csv: header, one row per node"
assert_contains "$(cat "$OUT_FILE")" "(cpu model, gpu measured; cpu model, ram model, gpu nvidia_smi, total sum)" \
	"the row's sources through the API: kinds and the CSV's names"
assert_eq ok "$(csv_check "$PT_TMP/shared-append.csv" 2 "$node" api-measure "${loop:-0}" 2>&1)" "shared-append.csv: one header, two appended rows"
# The library's own data lookup: where did it find its query set?
libqs=$(sed -n 's/.* query set \(.*\)$/\1/p' "$OUT_FILE")
assert_eq "$(real "$prefix/share/powertest/queries/default.yaml")" "$(real "${libqs:-/nonexistent}")" \
	"the installed library uses the installed query set"

# Static library, one named node.
assert_exit 0 env -u POWERTEST_DATA_DIR -u POWERTEST_CONFIG "$PT_TMP/measure-static" --node "$node" \
	--seconds 2 "$PT_URL" "$PT_TMP/static.csv"
sed 's/^/    /' "$OUT_FILE"
loop=$(sed -n 's/^measure: busy loop ran \([0-9.]*\) s.*/\1/p' "$OUT_FILE")
assert_eq ok "$(csv_check "$PT_TMP/static.csv" 1 "$node" api-measure "${loop:-0}" 2>&1)" "static.csv: header, the node's row"

pass
