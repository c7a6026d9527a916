#!/usr/bin/env bash
# One etcd member of three killed under real sales (issue 15, "Failures"),
# run by cluster.sh: two payflowd brokers in cluster mode on a real
# three-member etcd and Anvil (tests/integration/cluster_sell_lib.sh). A buyer
# makes REL_CS_N (50) whole purchases (QUOTE, payment, ORDER until CONFIRM) at
# nA with every member up, then member 1 (the first endpoint, the one the
# brokers' clients use first) is killed with kill -9 and the buyer makes
# REL_CS_N more. Every purchase must be granted; etcd must hold exactly one
# granted record per purchase. Then buyers at nA and nB at once try 15
# purchases each over the trunk, of which only what is left of its 990 Mbit/s
# reservable fits: exactly that many are granted, the trunk's sum in etcd is
# its reservable rate, and each trunk port has exactly one 10 Mbit/s HTB
# class per reservation (nothing above the rate). The money invariant must
# hold at both brokers. Writes
# $REL_OUT/cluster_sell.json (ORDER -> CONFIRM p50/p99 before and after) and
# one "cluster: ..." figure line.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_sell_lib.sh
N=${REL_CS_N:-40}
FAILED=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
CS_CAP=1gbit CS_ANVIL_CTL=1 # 990 Mbit/s reservable: 99 purchases of 10 Mbit/s
cs_setup || { not_ok "cluster: two brokers on etcd start"; exit 1; }

# buy OUT IP2: N purchases at nA from 10.77.0.1, one fresh pair each from IP2 on.
buy() {
	A bench-order "$N" "$RPC" "$PAYER" 10.77.0.1 "$2" 1 600 >"$EDIR/$1.out" 2>&1
	jq -c 'select(.type == "BENCH_ORDER")' "$EDIR/$1.out" 2>/dev/null >"$EDIR/$1" || true
	[ "$(jq -r .count "$EDIR/$1" 2>/dev/null)" = "$N" ]
}
granted_in_etcd() {
	etcdctl_ get --prefix "$P/resv/" --print-value-only | grep -c '"state": *"granted"'
}

buy before 10.79.1.1 && ok "cluster: $N of $N purchases with three members" ||
	not_ok "cluster: purchases with three members: $(tail -2 "$EDIR/before.out")"
etcd_kill 1
# The two left elect a leader if member 1 led; give it 20 s on a busy machine.
healthy=
for _ in $(seq 100); do etcd_healthy 2 && etcd_healthy 3 && healthy=1 && break; sleep 0.2; done
[ -n "$healthy" ] || not_ok "cluster: two members left healthy"
buy onedown 10.79.2.1 && ok "cluster: $N of $N purchases with member 1 of 3 killed" ||
	not_ok "cluster: purchases with one member killed: $(tail -2 "$EDIR/onedown.out")"
n=$(granted_in_etcd)
[ "$n" = $((2 * N)) ] && ok "cluster: etcd holds exactly $n granted records" ||
	not_ok "cluster: etcd holds $n granted records, $((2 * N)) purchases were made"

# Both brokers at once on the trunk, 15 purchases each; what is left fits.
fit=$(((990 - 20 * N) / 10))
A buy 15 "$RPC" "$PAYER" 10.77.0.1 10.79.3.1 1 600 >"$EDIR/ha" 2>&1 &
pa=$!
B buy 15 "$RPC" "$OTHER" 10.77.0.1 10.79.4.1 1 600 >"$EDIR/hb" 2>&1 &
pb=$!
wait "$pa" "$pb"
sold=$(cat "$EDIR/ha" "$EDIR/hb" | jq -s '[.[] | select(.type == "BUY" and .outcome == "CONFIRM")] | length')
full=$(cat "$EDIR/ha" "$EDIR/hb" | jq -s '[.[] | select(.type == "BUY" and .outcome == "capacity_exhausted")] | length')
[ "$sold/$full" = "$fit/$((30 - fit))" ] &&
	ok "cluster: two brokers at once on the trunk: $sold sold (what was left), $full capacity_exhausted" ||
	not_ok "cluster: two brokers at once on the trunk: $sold sold, $full capacity_exhausted ($fit fit)"
sum=$(ledger_sum "nA:${PFX}tA")
[ "$sum" = 990000000 ] && ok "cluster: the trunk's sum in etcd is its reservable 990 Mbit/s" ||
	not_ok "cluster: the trunk's sum in etcd is $sum"
# Pooled leaves with a rate (not parked at 8 bit/s), on each trunk port.
leaves() { class_rates "$1" | sort | uniq -c | xargs; }
want="$((2 * N + fit)) 10Mbit"
wait_for '[ "$(leaves ${PFX}tA)" = "$want" ] && [ "$(leaves ${PFX}tB)" = "$want" ]' &&
	ok "cluster: each trunk port has one 10 Mbit/s class per reservation ($want)" ||
	not_ok "cluster: trunk classes: tA $(leaves ${PFX}tA), tB $(leaves ${PFX}tB), want $want"

over=0
for l in nA:${PFX}tA nB:${PFX}p2 nB:${PFX}tB nA:${PFX}p1; do
	s=$(ledger_sum "$l")
	r=$(etcdctl_ get "$P/topo/links/$l" --print-value-only | jq .reservable_bps)
	[ "$s" -le "$r" ] || over=$((over + 1))
done
[ "$over" = 0 ] && ok "cluster: no link's sum in etcd exceeds its reservable rate" ||
	not_ok "cluster: $over links oversold"
# Anvil listens inside ctl (CS_ANVIL_CTL).
for b in nA:$STATE nB:$STATE_B; do
	in_ns ctl python3 tests/integration/money_check.py --db "${b#*:}/payflow.db" --rpc "$RPC" \
		--pay-to "$PAY_TO" >"$EDIR/money" 2>&1 && ok "cluster: money invariant at ${b%%:*}" ||
		not_ok "cluster: money invariant at ${b%%:*}: $(tail -1 "$EDIR/money")"
done
jq -n --slurpfile b "$EDIR/before" --slurpfile o "$EDIR/onedown" '
	{cluster_order_confirm_p50_ms_before: $b[0].p50_ms, cluster_order_confirm_p99_ms_before: $b[0].p99_ms,
	 cluster_order_confirm_p50_ms_one_down: $o[0].p50_ms, cluster_order_confirm_p99_ms_one_down: $o[0].p99_ms}' \
	>"${REL_OUT:-$EDIR}/cluster_sell.json" 2>/dev/null || not_ok "cluster: ORDER -> CONFIRM figures"
echo "cluster: ORDER -> CONFIRM through payflowd p99 $(jq .p99_ms "$EDIR/before" 2>/dev/null) ms with 3 members, $(jq .p99_ms "$EDIR/onedown" 2>/dev/null) ms with member 1 killed ($N purchases each)"
exit "$FAILED"
