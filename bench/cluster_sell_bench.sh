#!/usr/bin/env bash
# Sales through payflowd in cluster mode (docs/CLUSTER.md, "Selling in
# cluster mode"): two payflowd brokers on a real three-member etcd and Anvil
# (tests/integration/cluster_sell_lib.sh), buyers in h1 running
# broker_probe bench-order (QUOTE, payment, ORDER until CONFIRM, one after
# the other) for pairs 10.77.0.1 <-> 10.79.x.y across the trunk. One flat
# JSON object on stdout:
#   cluster_sell_per_s_1broker, cluster_sell_order_p99_ms_1broker
#       CLUSTER_SELL_N (40) purchases at nA, one buyer
#   cluster_sell_per_s_2brokers, cluster_sell_order_p99_ms_2brokers
#       CLUSTER_SELL_N at each broker at once (one buyer each, the same
#       trunk); per_s counts both over the slower one's time
# per_s counts whole purchases (a hold and a grant in etcd, a ledger check);
# order_p99_ms is ORDER -> CONFIRM (the ledger check and the grant).
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/integration/cluster_sell_lib.sh
exec 3>&1 1>&2
N=${CLUSTER_SELL_N:-40}
CS_CAP=100gbit CS_ANVIL_CTL=1
cs_setup || exit 1
# buy BROKER FROM IP2 OUT: N purchases; OUT gets bench-order's line and the seconds.
buy() {
	local t0=$(date +%s%N)
	"$1" bench-order "$N" "$RPC" "$2" 10.77.0.1 "$3" 1 600 >"$EDIR/$4" || { cat "$EDIR/$4" >&2; return 1; }
	jq --argjson s "$((($(date +%s%N) - t0) / 1000000))" 'select(.type == "BENCH_ORDER") + {seconds: ($s / 1000)}' \
		"$EDIR/$4" >"$EDIR/$4.j"
}
echo "cluster_sell_bench: one broker, $N purchases" >&2
buy A "$PAYER" 10.79.0.1 one || exit 1
echo "cluster_sell_bench: two brokers at once, $N purchases each" >&2
buy A "$PAYER" 10.79.1.1 two.a &
pa=$!
buy B "$OTHER" 10.79.128.1 two.b &
pb=$!
wait "$pa" && wait "$pb" || exit 1
jq -n --slurpfile one "$EDIR/one.j" --slurpfile a "$EDIR/two.a.j" --slurpfile b "$EDIR/two.b.j" '
	{cluster_sell_per_s_1broker: ($one[0].count / $one[0].seconds * 10 | round / 10),
	 cluster_sell_order_p99_ms_1broker: $one[0].p99_ms,
	 cluster_sell_per_s_2brokers: (($a[0].count + $b[0].count) / ([$a[0].seconds, $b[0].seconds] | max) * 10 | round / 10),
	 cluster_sell_order_p99_ms_2brokers: ([$a[0].p99_ms, $b[0].p99_ms] | max)}' >&3
