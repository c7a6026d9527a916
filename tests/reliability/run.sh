#!/usr/bin/env bash
# make reliability: the reliability suite (issue 7). Runs chaos, full map,
# reorg, slowloris, fuzz, adversary, ledger-faults and cluster (etcd failures; one script each, in this directory), prints
# their "ok"/"not ok" lines and one figure line per check, and writes the
# figures as one flat JSON object to bench/results/reliability.json.
#   --short   the version of `make test` (about 2 minutes): 100 orders with
#             kills every 1-3 s, 2 reorg rounds, 200 slowloris connections,
#             a 64-entry map, 30 s of fuzzing, the adversary's 300 bogus ORDERs,
#             40 orders through a ledger node that fails a quarter of its calls; writes reliability-short.json,
#             so it never replaces the full run's figures.
# Full: 1000 orders over 60 s from 4 clients with kills every 0.5-2.5 s,
# 5 reorg rounds, 1000 connections, a 64-entry map, 600 s of fuzzing, 300
# orders paced over 60 s through a faulty ledger node (about 17 minutes). Needs root. BUILD selects the build directory (default build/).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
OUT=$ROOT/bench/results/reliability.json
MODE=full
if [ "${1:-}" = --short ]; then
	MODE=short
	OUT=$ROOT/bench/results/reliability-short.json
	export CHAOS_ORDERS=${CHAOS_ORDERS:-100} CHAOS_SECONDS=${CHAOS_SECONDS:-12}
	export CHAOS_CLIENTS=${CHAOS_CLIENTS:-3} CHAOS_KILL_EVERY=${CHAOS_KILL_EVERY:-1-3}
	export REORG_ROUNDS=${REORG_ROUNDS:-2} SLOW_CONNS=${SLOW_CONNS:-200}
	export SLOW_ORDERS=${SLOW_ORDERS:-50} FUZZ_SECONDS=${FUZZ_SECONDS:-30}
	export ADV_EACH=${ADV_EACH:-10}
	export LF_ORDERS=${LF_ORDERS:-40} LF_SECONDS=${LF_SECONDS:-10} LF_CLIENTS=${LF_CLIENTS:-2}
elif [ -n "${1:-}" ]; then
	echo "usage: tests/reliability/run.sh [--short]" >&2
	exit 2
fi
export FULLMAP_N=${FULLMAP_N:-64}
[ "$(id -u)" = 0 ] || { echo "reliability: run as root (namespaces, BPF)" >&2; exit 1; }
for prog in payflowd payflowctl broker_probe; do
	[ -x "$BUILD/$prog" ] || { echo "reliability: $BUILD/$prog is missing: make first" >&2; exit 1; }
done

PARTS=$(mktemp -d /tmp/pf-reliability.XXXXXX)
trap 'rm -rf "$PARTS"' EXIT
export REL_OUT=$PARTS
FAILED=0
FIGURES=()
start=$(date +%s)
cd "$ROOT"
for check in chaos fullmap reorg slowloris fuzz adversary ledger-faults cluster; do
	echo "== $check"
	bash "$HERE/$check.sh" >"$PARTS/$check.log" 2>&1
	rc=$?
	grep -E '^(ok|not ok) - ' "$PARTS/$check.log"
	fig=$(grep -E "^($check|holds|flood|spoof): " "$PARTS/$check.log")
	if [ "$rc" != 0 ] || [ ! -s "$PARTS/$check.json" ]; then
		FAILED=1
		echo "not ok - $check (exit $rc)"
		sed 's/^/    | /' "$PARTS/$check.log" | tail -30
		jq -cn --arg k "${check}_error" --arg v "exit $rc" '{($k): $v}' >"$PARTS/$check.json"
	fi
	FIGURES+=("${fig:-$check: failed (exit $rc)}")
done
jq -cn --arg mode "$MODE" --arg kernel "$(uname -r)" --argjson cores "$(nproc)" \
	--arg commit "$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
	--arg date "$(date -Iseconds)" --argjson s $(($(date +%s) - start)) --argjson f "$FAILED" \
	'{reliability_mode: $mode, reliability_date: $date, git_commit: $commit,
	  machine_kernel: $kernel, machine_cores: $cores, reliability_seconds: $s,
	  reliability_failed: $f}' >"$PARTS/00-run.json"
mkdir -p "$(dirname "$OUT")"
jq -s 'add' "$PARTS"/00-run.json "$PARTS"/{chaos,fullmap,reorg,slowloris,fuzz,adversary,ledger-faults,cluster}.json >"$OUT"
echo
printf '%s\n' "${FIGURES[@]}"
echo "reliability: wrote $OUT ($MODE, $(($(date +%s) - start)) s)"
exit $FAILED
