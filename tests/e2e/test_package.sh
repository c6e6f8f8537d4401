#!/usr/bin/env bash
# test_package.sh - scripts/package.sh builds powertest_<version>_<arch>.deb
# in its own build directory from the source tree; lintian finds no error in
# it; it holds every file users and systemd look for, with the conffile
# declared; the binary extracted from it prints its version and finds its own
# query sets and tables beside itself; the systemd unit verifies and is
# sandboxed; the bash completion completes commands, flags and values.
#
# The package is built from the sources, never from the build under test, so
# the sanitizer build (PT_SANITIZE=ON) would only build the same package a
# second time: there it checks the unit (with the build's binary) and the
# completion from the source tree, and says so.
source "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^project(powertest VERSION \([0-9][0-9.]*\) .*/\1/p' "$PT_SOURCE_DIR/CMakeLists.txt")
[[ -n $version ]] || fatal "no project version in CMakeLists.txt"

# The commit the sources are at, when they are a git checkout of their own
# (then --version names it), else empty.
head_rev=""
if top=$(git -C "$PT_SOURCE_DIR" rev-parse --show-toplevel 2>/dev/null) &&
		[[ $(readlink -f "$top") == "$(readlink -f "$PT_SOURCE_DIR")" ]]; then
	head_rev=$(git -C "$PT_SOURCE_DIR" rev-parse --short=12 HEAD)
fi

# ---- cmake/revision.cmake: a revision from a checkout, none elsewhere ----
mkdir -p "$PT_TMP/not-a-checkout"
cmake -DSOURCE_DIR="$PT_TMP/not-a-checkout" -DOUT="$PT_TMP/rev-none.h" -DGIT="$(command -v git || true)" \
	-P "$PT_SOURCE_DIR/cmake/revision.cmake"
assert_not_contains "$(cat "$PT_TMP/rev-none.h")" "PT_GIT_REVISION" "no revision outside a git checkout"
if [[ -n $head_rev ]]; then
	cmake -DSOURCE_DIR="$PT_SOURCE_DIR" -DOUT="$PT_TMP/rev.h" -DGIT="$(command -v git)" \
		-P "$PT_SOURCE_DIR/cmake/revision.cmake"
	assert_match "$(cat "$PT_TMP/rev.h")" "#define PT_GIT_REVISION \"$head_rev(-dirty)?\"" "revision of the checkout"
fi

if [[ ${PT_SANITIZE:-OFF} == ON ]]; then
	echo "note: sanitizer build: the package itself is built and checked by this test in the" \
		"non-sanitized build (it is built from the sources, not from this build);" \
		"here only the systemd unit and the bash completion"
	bin=$PT_BIN
	unit=$PT_SOURCE_DIR/packaging/systemd/powertest-serve.service
	completion=$PT_SOURCE_DIR/packaging/bash-completion/powertest
else
	for tool in dpkg-deb lintian dpkg-shlibdeps cpack; do
		command -v "$tool" >/dev/null || fatal "$tool not found (scripts/setup.sh installs it)"
	done
	arch=$(dpkg --print-architecture)

	# ---- build ----
	start=$SECONDS
	if ! bash "$PT_SOURCE_DIR/scripts/package.sh" --build-dir "$PT_TMP/build" --out "$PT_TMP/out" \
			>"$PT_TMP/package.out" 2>"$PT_TMP/package.log"; then
		tail -n 40 "$PT_TMP/package.log" | sed 's/^/      | /'
		fatal "scripts/package.sh failed"
	fi
	deb=$PT_TMP/out/powertest_${version}_${arch}.deb
	assert_eq "$deb" "$(tail -n 1 "$PT_TMP/package.out")" "package.sh prints the package's path"
	[[ -f $deb ]] || fatal "no $deb"
	ok "built $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB in $((SECONDS - start)) s"

	# ---- lintian: no error; warnings and infos listed ----
	lintian --pedantic --display-info --show-overrides "$deb" >"$PT_TMP/lintian.txt" 2>&1 || true
	echo "    lintian:"
	grep -v '^N:\|running with root privileges' "$PT_TMP/lintian.txt" | sed 's/^/      | /' || echo "      | (nothing)"
	if grep -q '^E:' "$PT_TMP/lintian.txt"; then
		fail "lintian reports errors"
	else
		ok "lintian: no error"
	fi

	# ---- contents ----
	dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$PT_TMP/contents"
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
	libdir=/usr/lib/$multiarch
	unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
	for f in /usr/bin/powertest "$libdir/libpowertest.so.$version" "$libdir/libpowertest.so.${version%%.*}" \
			"$libdir/libpowertest.so" /usr/include/powertest.h "$libdir/pkgconfig/powertest.pc" \
			/usr/share/man/man1/powertest.1.gz \
			/usr/share/powertest/queries/default.yaml /usr/share/powertest/queries/dcgm.yaml \
			/usr/share/powertest/data/cpu_tdp.csv /usr/share/powertest/data/gpu_tdp.csv \
			/usr/share/powertest/data/carbon_intensity.csv \
			/usr/share/powertest/grafana/dashboards/powertest.json \
			/usr/share/powertest/powertest.example.yaml \
			/usr/share/bash-completion/completions/powertest \
			"$unitdir/powertest-serve.service" /etc/powertest/powertest.yaml \
			/usr/share/doc/powertest/copyright /usr/share/doc/powertest/changelog.gz; do
		if grep -qxF -- "$f" "$PT_TMP/contents"; then ok "contains $f"; else fail "lacks $f"; fi
	done
	for f in $(cd "$PT_SOURCE_DIR" && ls queries/*.yaml config/data/*.csv); do
		f=${f#config/}
		grep -qxF -- "/usr/share/powertest/$f" "$PT_TMP/contents" || fail "lacks /usr/share/powertest/$f"
	done
	if grep -qxF /usr/share/man/man1/powertest.1 "$PT_TMP/contents"; then fail "an uncompressed man page too"; fi
	assert_eq "/etc/powertest/powertest.yaml" "$(dpkg-deb -I "$deb" conffiles)" "DEBIAN/conffiles"
	assert_eq "activate-noawait ldconfig" "$(dpkg-deb -I "$deb" triggers)" "DEBIAN/triggers"

	# ---- control fields ----
	depends=$(dpkg-deb -f "$deb" Depends)
	echo "    Depends: $depends"
	for lib in libc6 libcurl4 libcjson1 libyaml-0-2 libmicrohttpd12 libcsv3; do
		assert_match "$depends" "(^|, )$lib( |,|$)" "Depends on $lib (from the linked libraries)"
	done
	assert_eq "powertest maintainers <powertest@maintainers.invalid>" "$(dpkg-deb -f "$deb" Maintainer)" "Maintainer"
	assert_eq "$version" "$(dpkg-deb -f "$deb" Version)" "Version"

	# ---- the files themselves ----
	root=$PT_TMP/root
	dpkg-deb -x "$deb" "$root" || fatal "dpkg-deb -x failed"
	soname=$(objdump -p "$root$libdir/libpowertest.so.$version" | awk '$1 == "SONAME" {print $2}')
	assert_eq "libpowertest.so.${version%%.*}" "$soname" "SONAME"
	assert_eq "libpowertest.so.$version" "$(readlink "$root$libdir/$soname")" "soname link"
	assert_eq "$soname" "$(readlink "$root$libdir/libpowertest.so")" "development link"
	for f in /usr/bin/powertest "$libdir/libpowertest.so.$version"; do
		sections=$(readelf -SW "$root$f")
		assert_not_contains "$sections" " .debug_info " "$f has no debug information"
		assert_not_contains "$sections" " .comment " "$f has no .comment section"
	done
	assert_contains "$(zcat "$root/usr/share/man/man1/powertest.1.gz")" ".SH NAME" "man page gzipped"
	assert_eq "powertest ($version) unstable; urgency=medium" \
		"$(zcat "$root/usr/share/doc/powertest/changelog.gz" | head -n 1)" "changelog names this version"
	pc=$(cat "$root$libdir/pkgconfig/powertest.pc")
	assert_contains "$pc" "Version: $version" "powertest.pc version"

	# copyright: DEP-5, a paragraph for every data table, uPlot's, the licences' texts.
	copyright=$(cat "$root/usr/share/doc/powertest/copyright")
	assert_eq "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" \
		"$(head -n 1 <<<"$copyright")" "copyright is DEP-5"
	for f in $(cd "$PT_SOURCE_DIR" && ls config/data/*.csv); do
		assert_match "$copyright" $'\nFiles: [^\n]*'"$f" "copyright has a Files paragraph for $f"
	done
	assert_contains "$copyright" $'\nFiles: third_party/uplot/*\n' "copyright: uPlot paragraph"
	assert_contains "$copyright" $'\nLicense: Expat\n Permission is hereby granted' "copyright: Expat text"
	if [[ -f $PT_SOURCE_DIR/third_party/uplot/LICENSE ]]; then
		# The notice as the vendored LICENSE gives it ("Copyright (c) 2022 Leon Sorokin").
		holder=$(sed -n 's/^Copyright (c) //p' "$PT_SOURCE_DIR/third_party/uplot/LICENSE" | head -n 1)
		[[ -n $holder ]] || fail "no copyright notice in third_party/uplot/LICENSE"
		assert_contains "$copyright" $'Files: third_party/uplot/*\nCopyright: '"$holder"$'\n' \
			"copyright's uPlot paragraph has the notice of third_party/uplot/LICENSE"
	fi

	# ---- the extracted binary: version, and its own data from beside it ----
	bin=$root/usr/bin/powertest
	unit=$root$unitdir/powertest-serve.service
	completion=$root/usr/share/bash-completion/completions/powertest
	mkdir -p "$PT_TMP/elsewhere"
	cd "$PT_TMP/elsewhere" || fatal "cannot cd"
	assert_exit 0 env -u POWERTEST_DATA_DIR -u POWERTEST_CONFIG "$bin" --version
	sed 's/^/      | /' "$OUT_FILE"
	assert_eq "powertest $version" "$(head -n 1 "$OUT_FILE")" "first line of --version"
	for lib in libcurl cJSON libyaml libmicrohttpd libcsv; do
		assert_match "$OUT" $'(^|\n)'"$lib: [0-9]+\.[0-9]+" "--version names $lib's version"
	done
	if [[ -n $head_rev ]]; then
		assert_match "$OUT" $'\n'"revision: git $head_rev(-dirty)?"$'\n' "--version names the commit"
	else
		assert_not_contains "$OUT" "revision:" "no revision outside a git checkout"
	fi
	assert_exit 0 env -u POWERTEST_DATA_DIR -u POWERTEST_CONFIG "$bin" -v check --offline
	qs=$(sed -n 's/^query set: \(.*\) (.*)$/\1/p' "$OUT_FILE")
	assert_eq "$(readlink -f "$root/usr/share/powertest/queries/default.yaml")" "$(readlink -f "${qs:-/nonexistent}")" \
		"the extracted binary uses the extracted query set"
	assert_not_contains "$OUT$ERR" "$PT_SOURCE_DIR" "check --offline (no source tree paths)"

	# The conffile names only files the package has; as the package would be
	# installed (its paths moved under the extracted root), it checks.
	conf=$root/etc/powertest/powertest.yaml
	paths=$(grep -o '/usr/[A-Za-z0-9_./-]*' "$conf" | sort -u)
	[[ -n $paths ]] || fail "the conffile names no file"
	for p in $paths; do
		if [[ -e $root$p ]]; then ok "conffile names $p, which the package has"; else fail "conffile names $p, not in the package"; fi
	done
	sed "s|/usr/share/powertest|$root/usr/share/powertest|g" "$conf" >"$PT_TMP/powertest.yaml"
	assert_exit 0 "$bin" -c "$PT_TMP/powertest.yaml" check --offline
	assert_contains "$OUT" "query set: $root/usr/share/powertest/queries/default.yaml" "conffile's query set"
fi

# ---- the systemd unit ----
unit_text=$(cat "$unit")
assert_match "$unit_text" $'\nExecStart=/usr/bin/powertest -c /etc/powertest/powertest.yaml serve --listen 127\\.0\\.0\\.1:[0-9]+\n' \
	"ExecStart: serve on loopback with the conffile"
for opt in DynamicUser=yes ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes \
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" ProtectKernelTunables=yes ProtectKernelModules=yes \
		RestrictNamespaces=yes SystemCallFilter=@system-service CapabilityBoundingSet= LockPersonality=yes \
		MemoryDenyWriteExecute=yes; do
	assert_contains "$unit_text" $'\n'"$opt"$'\n' "unit sets $opt"
done
if command -v systemd-analyze >/dev/null; then
	# verify checks that ExecStart's program exists: point it at ours.
	mkdir -p "$PT_TMP/units"
	sed "s|^ExecStart=/usr/bin/powertest |ExecStart=$bin |" "$unit" >"$PT_TMP/units/powertest-serve.service"
	assert_exit 0 systemd-analyze verify --man=no "$PT_TMP/units/powertest-serve.service"
	# It exits 0 on unknown keys and bad values too, but says so.
	assert_eq "" "$ERR" "systemd-analyze verify: no complaint"
	if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
		# --threshold is the exposure x 10: fail above 2.0 (1.2 when written).
		assert_exit 0 systemd-analyze security --offline=true --threshold=20 "$PT_TMP/units/powertest-serve.service"
		grep 'Overall exposure level' "$OUT_FILE" | sed 's/^/    /' || fail "no exposure level"
	else
		echo "note: this systemd-analyze has no 'security --offline': exposure not rated"
	fi
else
	echo "note: no systemd-analyze here: the unit is not verified"
fi

# ---- bash completion ----
mkdir -p "$PT_TMP/files/sub"
touch "$PT_TMP/files/a.yaml" "$PT_TMP/files/b.csv" "$PT_TMP/files/c.txt"
# complete_in FRAMEWORK WORD...: the completions of the last WORD, sorted, one
# per line; FRAMEWORK (a file or "") is sourced first, as an interactive
# shell with bash-completion would.
complete_in() {
	local framework=$1
	shift
	(cd "$PT_TMP/files" && bash -c '
		framework=$1 completion=$2
		shift 2
		if [[ -n $framework ]]; then source "$framework"; fi
		source "$completion"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_powertest
		printf "%s\n" "${COMPREPLY[@]}" | sort -u
	' bash "$framework" "$completion" "$@" 2>/dev/null)
}
frameworks=("")
if [[ -f /usr/share/bash-completion/bash_completion ]]; then
	frameworks+=(/usr/share/bash-completion/bash_completion)
else
	echo "note: bash-completion is not installed: the completion is tested on its own only"
fi
for fw in "${frameworks[@]}"; do
	with=${fw:+" with bash-completion"}
	assert_eq "report" "$(complete_in "$fw" powertest rep)" "powertest rep<TAB>$with"
	assert_eq "report" "$(complete_in "$fw" powertest -c x.yaml rep)" "powertest -c x.yaml rep<TAB>$with"
	assert_eq "--format" "$(complete_in "$fw" powertest report --for)" "powertest report --for<TAB>$with"
	assert_eq $'csv\njson\ntable' "$(complete_in "$fw" powertest report --format '')" "powertest report --format <TAB>$with"
	assert_eq $'csv\njson\ntable' "$(complete_in "$fw" powertest report --format = '')" "powertest report --format=<TAB>$with"
	assert_eq "csv" "$(complete_in "$fw" powertest batch --format '')" "powertest batch --format <TAB>$with"
	assert_eq "device" "$(complete_in "$fw" powertest run --by '')" "powertest run --by <TAB>$with"
	assert_eq $'--help\n--listen\n--threads' "$(complete_in "$fw" powertest serve --)" "powertest serve --<TAB>$with"
	assert_eq "$(printf '%s\n' batch check export report run serve targets)" "$(complete_in "$fw" powertest '')" \
		"powertest <TAB>$with"
	assert_eq $'a.yaml\nsub' "$(complete_in "$fw" powertest -c '')" "powertest -c <TAB> (YAML files, directories)$with"
	assert_eq $'a.yaml\nb.csv\nc.txt\nsub' "$(complete_in "$fw" powertest report -o '')" "powertest report -o <TAB>$with"
	assert_eq $'b.csv\nsub' "$(complete_in "$fw" powertest batch '')" "powertest batch <TAB> (jobs files)$with"
done

pass
