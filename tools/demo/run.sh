#!/usr/bin/env bash
# Entry point of `make demo`: the paper's Mininet experiments with PayFlow.
#
#   tools/demo/run.sh                # experiments 1, 2, 3-off and 3, about 3.5 minutes
#   DEMO=quick tools/demo/run.sh     # a shortened experiment 1, about 35 s
#   DEMO=trunk tools/demo/run.sh     # experiment 3 only (the trunk, off then on), 1.5 min
#   tools/demo/run.sh --interactive  # (or DEMO=shell) set up, then Mininet's CLI
#
# Environment: DEMO=full|quick|trunk|shell (default full), BUILD=build directory
# holding payflowd, payflow and payflowctl (default build), RESULTS=where the
# timestamped results directory goes (default results). Needs root, `make deps`
# (Debian's mininet for /usr/bin/python3, iperf3, gnuplot, bpftool, Anvil and
# cast in tools/node_modules) and `make`. Exit status: 0 success, 1 failure,
# 2 usage, 130 interrupted.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

DEMO=${DEMO:-full}
case "${1:-}" in
"") ;;
--interactive) DEMO=shell ;;
*)
	echo "usage: $0 [--interactive]   (environment: DEMO=full|quick|trunk|shell, BUILD, RESULTS)" >&2
	exit 2
	;;
esac
case "$DEMO" in
full | quick | trunk | shell) ;;
*)
	echo "run.sh: DEMO must be full, quick, trunk or shell, not '$DEMO'" >&2
	exit 2
	;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the demo needs root (Mininet, tc, BPF)" >&2
	exit 1
fi
BUILD=${BUILD:-build}
for b in payflowd payflow payflowctl; do
	if [ ! -x "$BUILD/$b" ]; then
		echo "run.sh: $BUILD/$b is missing: run make first" >&2
		exit 1
	fi
done
# `python3` on PATH may be another build without Mininet: always the system one.
if ! /usr/bin/python3 -c 'import mininet.net, mininet.nodelib' 2>/dev/null; then
	echo "run.sh: /usr/bin/python3 cannot import mininet: run tools/install-deps.sh" >&2
	exit 1
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

exec /usr/bin/python3 tools/demo/demo.py --plan "$DEMO" --build "$BUILD" \
	--results "${RESULTS:-results}"
