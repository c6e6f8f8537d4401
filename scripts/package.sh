#!/usr/bin/env bash
# package.sh - builds the Debian package powertest_<version>_<arch>.deb with
# CPack (why CPack: packaging/packaging.cmake), from this source tree, in its
# own build directory, for /usr, with Debian's hardening flags.
#
#   scripts/package.sh [--build-dir DIR] [--out DIR]
#
# --build-dir  where to build (default: build-deb/ in the source tree)
# --out        where to put the .deb (default: the current directory)
# Prints the path of the package on its last line. Needs cmake and
# dpkg-dev (dpkg-shlibdeps computes Depends): scripts/setup.sh installs them.
# Install it with: apt install ./powertest_<version>_<arch>.deb
set -euo pipefail
umask 022 # the package's directories and files: rwxr-xr-x, rw-r--r--

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
BUILD=$ROOT/build-deb
OUT=$PWD

msg() { echo "package.sh: $*" >&2; }
die() { msg "$*"; exit "${2:-1}"; }

while (($#)); do
	case $1 in
	--build-dir) (($# >= 2)) || die "--build-dir needs a value" 2; BUILD=$2; shift ;;
	--out) (($# >= 2)) || die "--out needs a value" 2; OUT=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown option '$1' (--build-dir DIR, --out DIR)" 2 ;;
	esac
	shift
done

for tool in cmake cpack dpkg-shlibdeps dpkg-buildflags dpkg-deb; do
	command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh (cmake, dpkg-dev)"
done
mkdir -p -- "$OUT"
OUT=$(cd -- "$OUT" && pwd)

# Debian's compiler and linker flags, all hardening on (PIE, bindnow,
# fortify, stack protector). CMake reads CFLAGS and LDFLAGS, not CPPFLAGS.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS LDFLAGS

# --fresh: the flags above are read only when a build directory is new.
# CMAKE_BUILD_TYPE=None: no flags of CMake's own on top of Debian's.
cmake --fresh -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
	-DPT_PACKAGE_DEB=ON -DPT_TESTS=OFF -DPT_SANITIZE=OFF -DPT_WERROR=OFF >&2
cmake --build "$BUILD" -j"${PT_JOBS:-2}" >&2
rm -f -- "$BUILD"/powertest_*.deb
(cd "$BUILD" && cpack -G DEB >&2)

debs=("$BUILD"/powertest_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || die "cpack made no single powertest_*.deb in $BUILD"
deb=$OUT/$(basename "${debs[0]}")
if [[ ${debs[0]} != "$deb" ]]; then mv -f -- "${debs[0]}" "$deb"; fi
msg "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
echo "$deb"
