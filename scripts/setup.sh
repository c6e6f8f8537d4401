#!/usr/bin/env bash
# setup.sh - installs every Debian package powertest needs to build, run and
# test (skips apt when all are there already), then builds into build/.
#
#   scripts/setup.sh [--no-build]
#
# The prometheus, node_exporter and VictoriaMetrics packages would start
# system services on install; the lab never uses them (it runs its own on
# free ports), so services are kept from starting while installing, and any
# that this run installed and that run anyway are stopped and disabled.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

PACKAGES=(
	build-essential cmake pkg-config
	libcurl4-openssl-dev libcjson-dev libcsv-dev libyaml-dev libmicrohttpd-dev libcmocka-dev zlib1g-dev
	prometheus prometheus-node-exporter victoria-metrics
	stress-ng curl python3 procps util-linux iproute2 time
	# scripts/bench.sh: the seed's method, as the original script sent it (requests).
	python3-requests
	# scripts/package.sh and its test: dpkg-shlibdeps (dpkg-dev) computes the
	# package's Depends; lintian checks it; systemd brings systemd-analyze for
	# the unit; bash-completion to try the completion as shells load it.
	# (No fakeroot: CPack writes root-owned files into the archive itself.)
	dpkg-dev lintian systemd bash-completion
	# headless Chromium: the tests load the HTML report and serve's page in it.
	chromium
	# the fuzz harnesses (tests/fuzz): clang with libFuzzer and its sanitizers.
	clang libclang-rt-14-dev
)
# Databases rows can go into (-o sqlite:/mysql:/postgresql:), and the servers
# the tests and the lab start as throwaway instances.
PACKAGES+=(libsqlite3-dev libmariadb-dev libpq-dev sqlite3 mariadb-server postgresql)
SERVICES=(prometheus prometheus-node-exporter victoria-metrics mariadb postgresql)

BUILD=1
for arg in "$@"; do
	case $arg in
	--no-build) BUILD=0 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown option '$arg' (--no-build)" >&2; exit 2 ;;
	esac
done

msg() { echo "setup.sh: $*" >&2; }

installed() { # installed PKG: true when dpkg has it fully installed
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

SUDO=()
if ((EUID != 0)); then
	command -v sudo >/dev/null || { msg "not root and no sudo: install ${PACKAGES[*]} by hand"; exit 1; }
	SUDO=(sudo)
fi

POLICY=/usr/sbin/policy-rc.d
OUR_POLICY=0
restore_policy() {
	if ((OUR_POLICY)); then "${SUDO[@]}" rm -f "$POLICY"; fi
}

install_packages() {
	local missing=() p newsvc=()
	for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
	if ((${#missing[@]} == 0)); then
		msg "all ${#PACKAGES[@]} packages already installed"
		return 0
	fi
	for p in "${SERVICES[@]}"; do installed "$p" || newsvc+=("$p"); done
	msg "installing: ${missing[*]}"

	# Keep the packages' services from starting (invoke-rc.d and
	# deb-systemd-invoke both ask policy-rc.d), unless a policy is there already.
	if [[ ! -e $POLICY ]]; then
		trap restore_policy EXIT
		printf '#!/bin/sh\n# temporary, from powertest scripts/setup.sh\nexit 101\n' |
			"${SUDO[@]}" tee "$POLICY" >/dev/null
		"${SUDO[@]}" chmod 755 "$POLICY"
		OUR_POLICY=1
	fi
	# Others may hold apt's lock (another install, unattended upgrades): wait
	# for it rather than fail.
	"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y --no-install-recommends "${missing[@]}"
	restore_policy
	OUR_POLICY=0

	# Services this run installed that run anyway: stop and disable them.
	if ((${#newsvc[@]})) && [[ -d /run/systemd/system ]]; then
		for p in "${newsvc[@]}"; do
			if systemctl is-active --quiet "$p" 2>/dev/null; then
				msg "stopping the system service $p (the lab runs its own)"
				"${SUDO[@]}" systemctl stop "$p" || true
			fi
			"${SUDO[@]}" systemctl disable "$p" >/dev/null 2>&1 || true
		done
	fi
}

install_packages

if ((BUILD)); then
	cd "$ROOT"
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j2
	msg "built $ROOT/build/powertest"
fi
