#!/usr/bin/env bash
# Installs what PayFlow needs to build, test and run the demo. Idempotent:
# it asks apt only for packages that are missing, and npm only when the
# ledger tools or playwright-core in tools/node_modules are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
	# build
	clang llvm bpftool libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev
	linux-libc-dev pkg-config make gcc
	# userspace libraries
	libjson-c-dev libcurl4-openssl-dev libsodium-dev libsqlite3-dev sqlite3
	libnl-3-dev libnl-route-3-dev libmicrohttpd-dev libsecp256k1-dev
	# tests, demo, benchmarks
	iproute2 iperf3 bridge-utils mininet gnuplot-nox prometheus jq
	nodejs
	# tests/integration/test_dashboard.sh, make demo: the dashboard in a headless
	# browser (playwright-core from tools/package.json drives it; it never
	# downloads a browser of its own)
	chromium
	# payflowd's readiness notification under systemd (sd_notify); make install's
	# man pages and unit are checked with groff, man, col and systemd-analyze
	libsystemd-dev systemd groff-base man-db bsdextrautils
	# tests/integration/test_protocol_doc.sh: independent ed25519 check
	python3 python3-cryptography
	# cluster mode (docs/CLUSTER.md) and its tests: a real etcd cluster
	etcd-server etcd-client
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ships with nodejs on this machine kind; Debian's npm package otherwise.
if ! command -v npm >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
fi
if [ -f tools/package.json ] && { [ ! -e tools/node_modules/.package-lock.json ] ||
	[ ! -e tools/node_modules/playwright-core/package.json ]; }; then
	echo "install-deps: npm install (ledger tools, playwright-core) into tools/node_modules"
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	(cd tools && npm install --no-audit --no-fund --loglevel=error)
fi

# BPF maps are pinned on bpffs.
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
