#!/usr/bin/env bash
# The guards against free holds, cluster-wide (docs/CLUSTER.md, "Selling in
# cluster mode"): two payflowd brokers nA and nB on a real three-member etcd
# and Anvil (cluster_sell_lib.sh), with small caps (4 unpaid holds per client
# key, 6 per address). Checked: two ORDERs for one pair (two quotes, two
# payments) at nA and nB at once -> one grant, one pair_reserved refunded to
# the key's balance; a QUOTE for the reserved pair -> pair_reserved, nothing
# written; one key re-quoting a pair at both brokers -> one hold; one key,
# then one address, quoting alternately at nA and nB stops at the cap in
# total; a victim at another address still buys; a granted hold frees its
# slots.
set -uo pipefail
cd "$(dirname "$0")/../.."
CS_LIMITS='"quote_rate": 1000, "quote_burst": 100000, "max_holds_per_address": 6, "max_holds_per_key": 4, "max_checks_per_address": 64, "max_checks_per_key": 64'
CS_CAP=200mbit # room for every hold below on the trunk: only the caps refuse
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd brokers on etcd and Anvil start"; finish; }
ok "two payflowd brokers on etcd and Anvil start"
jqe() { jq -e "$@" >/dev/null; }
seed() { printf "$1%.0s" $(seq 32); }
K1=$(seed 31) K2=$(seed 32) R1=$(seed 41) R2=$(seed 42) V=$(seed 51)
# as HOST SEED nA|nB ARGS...: broker_probe from HOST with key SEED.
as() {
	local h=$1 s=$2 b=$3
	shift 3
	if [ "$b" = nA ]; then
		in_ns "$h" "$PROBE" "$A_ADDR" --seed "$s" --pin "$PK_A" "$@"
	else
		in_ns "$h" "$PROBE" "$B_ADDR" --seed "$s" --pin "$PK_B" "$@"
	fi
}
other() { [ "$1" = nA ] && echo nB || echo nA; }
count() { etcdctl_ get --prefix "$1" --keys-only | grep -c .; }
H1HEX=00000000000000000000ffff0a4d0001 # ::ffff:10.77.0.1, the hold slots' address
# quotes SEED DSTPREFIX N: N quotes from h1, alternately at nB and nA, to
# DSTPREFIX.1 .. .N; sold, limited (rate_limited), last (the last QUOTE sold),
# msg (the last refusal's message).
quotes() {
	local b=nB q
	sold=0 limited=0 last= msg=
	for i in $(seq "$3"); do
		q=$(as h1 "$1" "$b" quote 10.77.0.1 "$2.$i" 1 120 -)
		is "$q" QUOTE >/dev/null && { sold=$((sold + 1)); last=$q; }
		is "$q" ERROR rate_limited >/dev/null && { limited=$((limited + 1)); msg=$(field "$q" message); }
		b=$(other "$b")
	done
}
holds_of() { # PAIR-DST: the hold records of 10.77.0.1 <-> DST
	etcdctl_ get --prefix "$P/resv/" --print-value-only |
		jq -s --arg b "$1" '[.[] | select(.state == "hold" and .b == $b)] | length'
}

# 1. Two quotes for one pair by two keys, both paid; the ORDERs at nA and nB at once.
PAIR_DST=10.79.9.1
QA=$(as h1 "$R1" nA quote 10.77.0.1 "$PAIR_DST" 1 120 -)
QB=$(as h1 "$R2" nB quote 10.77.0.1 "$PAIR_DST" 1 120 -)
check "two keys quote one pair at nA and nB (holds do not reserve the pair)" \
	all 'is "$QA" QUOTE && is "$QB" QUOTE'
TXA=$(pay "$QA")
TXB=$(pay "$QB")
as h1 "$R1" nA order "$(field "$QA" quote_id)" "$PAYER" "$TXA" >"$EDIR/race-a" &
oa=$!
as h1 "$R2" nB order "$(field "$QB" quote_id)" "$PAYER" "$TXB" >"$EDIR/race-b" &
ob=$!
wait "$oa" "$ob"
OA=$(cat "$EDIR/race-a") OB=$(cat "$EDIR/race-b")
echo "# race: nA $(field "$OA" type) $(field "$OA" code), nB $(field "$OB" type) $(field "$OB" code)"
granted=$(etcdctl_ get --prefix "$P/resv/" --print-value-only |
	jq -s --arg b "$PAIR_DST" '[.[] | select(.state == "granted" and .b == $b)] | length')
check "one pair, two ORDERs at once: one granted record in etcd" [ "$granted" = 1 ]
if is "$OA" CONFIRM >/dev/null; then
	WIN=$OA LOSE=$OB LSEED=$R2 LB=nB LQ=$QB
else
	WIN=$OB LOSE=$OA LSEED=$R1 LB=nA LQ=$QA
fi
check "one CONFIRM and one pair_reserved" all 'is "$WIN" CONFIRM && is "$LOSE" ERROR pair_reserved'
check "P/pairs/ names the winner's reservation" \
	[ "$(etcdctl_ get "$P/pairs/10.77.0.1_$PAIR_DST" --print-value-only)" = "$(field "$WIN" reservation_id)" ]
check "the loser's payment is credited to its key's balance at $LB" \
	all 'grep -q "credited to the balance" <<<"$(field "$LOSE" message)" && [ "$(field "$(as h1 "$LSEED" "$LB" balance)" balance)" = "$(field "$LQ" amount)" ]'
check "granted and refunded: no hold slot of h1's address is left" [ "$(count "$P/holds/addr/$H1HEX/")" = 0 ]

# 2. A QUOTE for the reserved pair, at either broker: pair_reserved, nothing written.
before=$(count "$P/")
QR=$(as h1 "$K2" nB quote "$PAIR_DST" 10.77.0.1 1 120 -)
check "a QUOTE for the reserved pair (other direction, other broker): pair_reserved" \
	all 'is "$QR" ERROR pair_reserved && grep -q "reservation $(field "$WIN" reservation_id) in the cluster" <<<"$QR"'
check "... and nothing was written in etcd" [ "$(count "$P/")" = "$before" ]

# 3. One key re-quoting one pair at nA, nB, nA: one hold, the last one.
for b in nA nB nA; do
	QQ=$(as h1 "$K1" "$b" quote 10.77.0.1 10.79.3.1 1 120 -)
done
check "the same key re-quoting a pair at both brokers: the last QUOTE is sold" is "$QQ" QUOTE
check "... and etcd holds one hold for the pair, the last quote's" \
	all '[ "$(holds_of 10.79.3.1)" = 1 ] && [ "$(record "$(field "$QQ" quote_id)" | jq -r .state)" = hold ]'

# 4. The key cap (4) across brokers: K1 has 1 hold; 5 more quotes alternately.
quotes "$K1" 10.79.4 5
K1Q=$last KMSG=$msg
echo "# key cap: $sold sold, $limited rate_limited: ${KMSG:-}"
check "one key, quotes alternately at nA and nB: 3 more sold (4 in all), 2 rate_limited" [ "$sold/$limited" = 3/2 ]
check "... naming the key's cap" grep -q "client key has 4 unpaid quotes.*max_holds_per_key" <<<"${KMSG:-}"

# 5. The address cap (6) across brokers: h1 holds 4; another key, 4 quotes.
quotes "$K2" 10.79.5 4
AMSG=$msg
echo "# address cap: $sold sold, $limited rate_limited: ${AMSG:-}"
check "another key at the same address: 2 sold (6 in all), 2 rate_limited" [ "$sold/$limited" = 2/2 ]
check "... naming the address's cap" grep -q "address has 6 unpaid quotes.*max_holds_per_address" <<<"${AMSG:-}"
check "etcd: 6 slots of h1's address taken" [ "$(count "$P/holds/addr/$H1HEX/")" = 6 ]

# 6. The victim at another address (h2) still buys.
QV=$(as h2 "$V" nB quote 10.77.0.2 10.77.0.1 1 120 -)
CV=$(as h2 "$V" nA order "$(field "$QV" quote_id)" "$PAYER" "$(pay "$QV")")
check "a victim at another address still buys (QUOTE at nB, CONFIRM at nA)" \
	all 'is "$QV" QUOTE && is "$CV" CONFIRM'

# 7. A granted hold frees its slots: K1 buys one of its holds, then quotes again.
C=$(as h1 "$K1" nA order "$(field "$K1Q" quote_id)" "$PAYER" "$(pay "$K1Q")")
check "K1 buys one of its held quotes" is "$C" CONFIRM
check "its slots are free at once: 5 of h1's address taken" [ "$(count "$P/holds/addr/$H1HEX/")" = 5 ]
check "K1 can quote again" is "$(as h1 "$K1" nB quote 10.77.0.1 10.79.6.1 1 120 -)" QUOTE

for db_file in "$STATE/payflow.db" "$STATE_B/payflow.db"; do
	check "money invariant holds at $(basename "$(dirname "$db_file")")" \
		python3 tests/integration/money_check.py --db "$db_file" --rpc "$RPC" --pay-to "$PAY_TO"
done
finish
