#!/usr/bin/env bash
# Cluster admission on a real three-member etcd (docs/CLUSTER.md), one flat
# JSON object on stdout:
#   cluster_admission_per_s_1broker, cluster_admission_p99_ms_1broker
#       CLUSTER_N (300) admissions of a 3-link path (edge, trunk, edge), one
#       process; each: a lease, one read-only txn over the path, one txn
#   cluster_admission_per_s_2brokers, cluster_admission_p99_ms_2brokers,
#   cluster_admission_retries_2brokers
#       two processes at once, CLUSTER_N each, sharing the trunk (lost races
#       are retried); per_s counts both over the slower one's time
#   cluster_admission_per_s_2brokers_disjoint  the same on disjoint paths
#   cluster_grant_to_enforced_{p50,p99,max}_ms, _missing
#       from an admission's commit to the enforcement node's map entry
#       (bench/cluster_enforce.sh: one payflowd in cluster mode)
#   cluster_sell_*  purchases through one and two payflowd brokers (bench/cluster_sell_bench.sh)
# With BENCH_FULL=1, the simulation with etcd alone (bench/cluster_sim.sh:
# 100 switches, preloaded to 1,000, 10,000 and SIM_RESV (100000) live
# reservations, admissions timed at each fill): its cluster_sim_* figures.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. tests/integration/etcd_lib.sh
. bench/cluster_enforce.sh
PROBE=${BUILD:-build}/cluster_probe
N=${CLUSTER_N:-300}
DIR=$(mktemp -d /tmp/pf-cluster-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; enforce_cleanup; etcd_stop_all; rm -rf "$DIR"' EXIT
exec 3>&1 1>&2
etcd_start 3 "$DIR/etcd" || { echo "cluster_bench: etcd did not start" >&2; exit 1; }
export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS
links() { local p=$1 l; shift; for l in "$@"; do "$PROBE" link-put "$p" "$l" n1 100000000000 0 || exit 1; done; }
# two PREFIX PATH_A PATH_B OUT: two brokers at once.
two() {
	"$PROBE" hammer "$1" a "$N" 1000 3600 "$2" >"$DIR/$4.a" &
	PIDS=($!)
	"$PROBE" hammer "$1" b "$N" 1000 3600 "$3" >"$DIR/$4.b" &
	PIDS+=($!)
	wait "${PIDS[@]}"
	PIDS=()
	jq -s '{per_s: ((.[0].granted + .[1].granted) / ([.[0].seconds, .[1].seconds] | max)),
	        p99: ([.[0].p99_ms, .[1].p99_ms] | max), retries: (.[0].retries + .[1].retries)}' \
		"$DIR/$4.a" "$DIR/$4.b" >"$DIR/$4"
}

links /b1 e1 tr e2
echo "cluster_bench: one broker, $N admissions" >&2
"$PROBE" hammer /b1 a "$N" 1000 3600 e1,tr,e2 >"$DIR/one"
links /b2 e1 tr e2 e3 e4
echo "cluster_bench: two brokers on one trunk" >&2
two /b2 e1,tr,e2 e3,tr,e4 shared
links /b3 e1 tr e2 x1 x2 x3
echo "cluster_bench: two brokers on disjoint paths" >&2
two /b3 e1,tr,e2 x1,x2,x3 disjoint

echo "cluster_bench: grant to enforced, ${ENFORCE_N:-200} grants" >&2
enforce_latency >"$DIR/enforce" || echo '{"cluster_grant_to_enforced_error": "no figure"}' >"$DIR/enforce"
enforce_cleanup

# Through payflowd: two brokers selling (bench/cluster_sell_bench.sh); needs its builds.
echo "cluster_bench: purchases through payflowd" >&2
bench/cluster_sell_bench.sh >"$DIR/sell" || echo '{}' >"$DIR/sell"
echo '{}' >"$DIR/sim"
if [ "${BENCH_FULL:-0}" = 1 ]; then
	etcd_stop_all # the simulation starts its own etcd
	echo "cluster_bench: simulation (bench/cluster_sim.sh)" >&2
	bench/cluster_sim.sh >"$DIR/sim" || { echo "cluster_bench: the simulation failed" >&2; exit 1; }
fi
jq -n --slurpfile one "$DIR/one" --slurpfile sh "$DIR/shared" --slurpfile dj "$DIR/disjoint" \
	--slurpfile sim "$DIR/sim" --slurpfile enf "$DIR/enforce" --slurpfile sell "$DIR/sell" '
	{cluster_admission_per_s_1broker: $one[0].per_s, cluster_admission_p99_ms_1broker: $one[0].p99_ms,
	 cluster_admission_per_s_2brokers: $sh[0].per_s, cluster_admission_p99_ms_2brokers: $sh[0].p99,
	 cluster_admission_retries_2brokers: $sh[0].retries,
	 cluster_admission_per_s_2brokers_disjoint: $dj[0].per_s} + $enf[0] + $sell[0] + $sim[0]' >&3
