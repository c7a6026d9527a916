#!/usr/bin/env bash
# Level upgrades against a real Ethereum node (Anvil): a level-1 reservation
# bought from the balance is upgraded to level 2 from the balance; the map
# entry and the HTB class on both hops of its path get the new rate, the
# charge is (4000 - 1000) wei x the whole seconds left, and the money
# invariant (money_check.py) holds. Refusals change nothing: beyond free
# capacity (capacity_exhausted), someone else's reservation
# (not_your_reservation), lower_or_same_level, unknown_reservation, a stale
# quote (not_upgradable); a paid upgrade that no longer fits is refunded.
# Ports have 100 Mbit/s with a 10 Mbit/s floor: 90 Mbit/s reservable each.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

broker_start_balances 3 100mbit

send() { "$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value "$1" "$2" --json | jq -r .transactionHash; }
# jqe [jq args] FILTER JSON: the filter holds for JSON.
jqe() { local in=${*: -1}; jq -e "${@:1:$#-1}" <<<"$in" >/dev/null || { echo "# got: $in"; return 1; }; }
qid() { field "$1" quote_id; }
# entry A B FIELD: the map entry's field for the pair (payflowctl --direct list).
entry() {
	"$CTL" --pin-root "$PIN" --direct --json list |
		jq -r --arg p "$1 <-> $2" --arg q "$2 <-> $1" "first(.[] | select(.pair == \$p or .pair == \$q)) | .$3"
}
# class_rate DEV CLASS: the HTB class's rate on DEV (CLASS as tc prints it: a pooled leaf M:n).
class_rate() { tc class show dev "$PFX$1" | awk -v c="$2" '$3 == c { for (i = 1; i < NF; i++) if ($i == "rate") { print $(i + 1); exit } }'; }
both_hops() { [ "$(class_rate p1 "$1")" = "$2" ] && [ "$(class_rate p2 "$1")" = "$2" ] || { echo "# p1 $(class_rate p1 "$1"), p2 $(class_rate p2 "$1")"; return 1; }; }

B=$(probe h1 balance)
KEY=$(field "$B" client_key)
TX=$(send 20000000 "0x$DEPOSIT_MARKER$KEY")
check "a deposit of 20000000 is credited" jqe '.balance == "20000000"' "$(probe h1 deposit "$PAYER" "$TX")"

# --- level 1 from the balance: 10.77.0.1 <-> 10.78.2.1 leaves by p1 and p2
C=$(probe h1 order-balance "$(qid "$(quote h1 10.77.0.1 10.78.2.1 1 600 -)")")
check "level 1 for 600 s from the balance" is "$C" CONFIRM
RID=$(field "$C" reservation_id)
END=$(field "$C" end)
CLS=$(entry 10.77.0.1 10.78.2.1 class)
check "the map entry has 10 Mbit/s" [ "$(entry 10.77.0.1 10.78.2.1 rate_bps)" = 10000000 ]
check "the class $CLS has 10Mbit on both hops" both_hops "$CLS" 10Mbit
# A second level-1 reservation (p1 and p3), and a quote to upgrade it, taken
# while its difference still fits on p1.
C2=$(probe h1 order-balance "$(qid "$(quote h1 10.77.0.1 10.78.3.1 1 600 -)")")
RID2=$(field "$C2" reservation_id)
LATE=$(probe h1 upgrade 10.77.0.1 10.78.3.1 2 "$RID2")
check "an upgrade quote for the second reservation (fits now)" is "$LATE" QUOTE
# Two quotes to upgrade the first one: one is bought, the other goes stale.
STALE=$(probe h1 upgrade 10.77.0.1 10.78.2.1 2 "$RID")
BEFORE=$(bal)
U=$(probe h1 upgrade 10.77.0.1 10.78.2.1 2 "$RID")
NOW=$(date +%s)
check "QUOTE for the upgrade: level 2, from level 1, the rate of level 2" \
	jqe --arg r "$RID" '.type == "QUOTE" and .verified and .upgrades == $r and .level == 2 and .from_level == 1 and .rate_bps == 50000000' "$U"
SECS=$(field "$U" seconds)
check "its seconds are the whole seconds left, rounded up ($SECS, end $END, now $NOW)" \
	all '[ "$SECS" -ge $((END - NOW - 1)) ] && [ "$SECS" -le $((END - NOW + 1)) ]'
check "price_per_second = 4000 - 1000, amount = 3000 x $SECS" \
	jqe --arg a "$((3000 * SECS))" '.price_per_second == "3000" and .amount == $a' "$U"
UC=$(probe h1 order-balance "$(qid "$U")")
check "ORDER from the balance -> CONFIRM: same reservation, level 2, 50 Mbit/s, same end" \
	jqe --arg r "$RID" --argjson e "$END" '.type == "CONFIRM" and .reservation_id == $r and .level == 2 and .rate_bps == 50000000 and .end == $e' "$UC"
check "the balance is debited exactly the quoted amount" [ "$(bal)" = $((BEFORE - 3000 * SECS)) ]
check "the map entry has 50 Mbit/s, level 2" \
	all '[ "$(entry 10.77.0.1 10.78.2.1 rate_bps)" = 50000000 ] && [ "$(entry 10.77.0.1 10.78.2.1 level)" = 2 ]'
check "the class $CLS has 50Mbit on both hops" both_hops "$CLS" 50Mbit
check "the upgrade is recorded: quote upgrades $RID from level 1 at 3000 a second" \
	[ "$(db "SELECT q.upgrades || ' ' || q.from_level || ' ' || q.price_per_second || ' ' || o.rid FROM broker_quotes q JOIN broker_orders o USING (quote_id) WHERE q.quote_id = '$(qid "$U")'")" = "$RID 1 3000 $RID" ]
check "money invariant after an upgrade" money
check "the same ORDER again -> the same CONFIRM, debited once" \
	all '[ "$(jq -c "del(.verified)" <<<"$(probe h1 order-balance "$(qid "$U")")")" = "$(jq -c "del(.verified)" <<<"$UC")" ] && [ "$(bal)" = $((BEFORE - 3000 * SECS)) ]'

# --- refusals change nothing
snapshot() { echo "$(bal) $(entry 10.77.0.1 10.78.2.1 rate_bps) $(class_rate p1 "$CLS") $(class_rate p2 "$CLS") $(db "SELECT count(*) FROM balance_entries")"; }
S0=$(snapshot)
check "level 3 needs 50 Mbit/s more on p1 and p2 (40 free) -> capacity_exhausted" \
	is "$(probe h1 upgrade 10.77.0.1 10.78.2.1 3 "$RID")" ERROR capacity_exhausted
check "to the same level -> lower_or_same_level" \
	is "$(probe h1 upgrade 10.77.0.1 10.78.2.1 2 "$RID")" ERROR lower_or_same_level
check "to a lower level -> lower_or_same_level" \
	is "$(probe h1 upgrade 10.77.0.1 10.78.2.1 1 "$RID")" ERROR lower_or_same_level
check "another key's upgrade -> not_your_reservation" \
	is "$(probe h1 seed "$(printf '44%.0s' $(seq 32))" upgrade 10.77.0.1 10.78.2.1 3 "$RID")" ERROR not_your_reservation
check "an unknown reservation -> unknown_reservation" \
	is "$(probe h1 upgrade 10.77.0.1 10.78.2.1 2 "$(printf 'ab%.0s' $(seq 16))")" ERROR unknown_reservation
check "another pair -> extend_mismatch" \
	is "$(probe h1 upgrade 10.77.0.1 10.78.2.9 2 "$RID")" ERROR extend_mismatch
check "a stale quote (the reservation is level 2 now) -> not_upgradable" \
	is "$(probe h1 order-balance "$(qid "$STALE")")" ERROR not_upgradable
check "... refusals changed nothing (balance, map, classes, journal)" [ "$(snapshot)" = "$S0" ]

# --- a paid upgrade that no longer fits: p1 has 60 of 90 Mbit/s reserved now
LTX=$(pay "$LATE")
R=$(probe h1 order "$(qid "$LATE")" "$PAYER" "$LTX")
check "the paid upgrade of the second reservation no longer fits -> capacity_exhausted" \
	is "$R" ERROR capacity_exhausted
check "... its payment is credited to the balance" [ "$(bal)" = $(($(echo "$S0" | cut -d' ' -f1) + $(field "$LATE" amount))) ]
check "... the second reservation keeps 10 Mbit/s" [ "$(entry 10.77.0.1 10.78.3.1 rate_bps)" = 10000000 ]
check "money invariant after a refunded upgrade" money

# --- an upgrade paid on-chain: 10.77.0.3 <-> 10.78.3.7 lives behind p3 alone
C3=$(probe h3 order-balance "$(qid "$(quote h3 10.77.0.3 10.78.3.7 1 300 -)")")
RID3=$(field "$C3" reservation_id)
U3=$(probe h3 upgrade 10.77.0.3 10.78.3.7 2 "$RID3")
TX3=$(pay "$U3")
R3=$(probe h3 order "$(qid "$U3")" "$PAYER" "$TX3")
check "an upgrade paid by a transaction -> CONFIRM naming it, level 2" \
	jqe --arg r "$RID3" --arg t "$TX3" '.type == "CONFIRM" and .reservation_id == $r and .tx_hash == $t and .level == 2' "$R3"
check "... the map entry has 50 Mbit/s" [ "$(entry 10.77.0.3 10.78.3.7 rate_bps)" = 50000000 ]
check "... the payment is recorded as buying that reservation" \
	[ "$(db "SELECT p.amount = q.amount AND p.resv_id = r.resv_id FROM payments p, broker_quotes q, broker_reservations r WHERE p.tx = '$TX3' AND q.quote_id = '$(qid "$U3")' AND r.rid = '$RID3'")" = 1 ]
check "money invariant after an upgrade paid on-chain" money

# --- a cancel after a late upgrade: the upgrade bought only its own seconds, so its
# unused part is refunded over those (PROTOCOL.md 6.14), not over the whole reservation
check "cancel the on-chain upgraded reservation (frees 50 Mbit/s on p3)" is "$(probe h3 cancel "$RID3")" BALANCE_REPLY
C4=$(probe h3 order-balance "$(qid "$(quote h3 10.77.0.3 10.78.3.8 1 20 -)")")
RID4=$(field "$C4" reservation_id)
sleep 10
U4=$(probe h3 upgrade 10.77.0.3 10.78.3.8 2 "$RID4")
check "an upgrade 10 s into a 20 s reservation" is "$(probe h3 order-balance "$(qid "$U4")")" CONFIRM
S4=$(field "$U4" seconds)
X=$(probe h3 cancel "$RID4")
NOW4=$(date +%s)
CR=$(field "$X" credited)
END4=$(field "$C4" end)
# left L = whole seconds left at the cancel (NOW4 - 1 .. NOW4): 1000 x L of the purchase
# (20000 over 20 s) and 3000 x min(L, S4) of the upgrade; the old rule (everything over
# the whole 20 s) gave (20000 + 3000 x S4) x L / 20, far less.
ok4=0
for L in $((END4 - NOW4 - 1)) $((END4 - NOW4)) $((END4 - NOW4 + 1)); do
	for L2 in $((L - 1)) $L; do
		[ "$L2" -gt "$S4" ] && L2=$S4
		[ "$CR" = $((1000 * L + 3000 * L2)) ] && ok4=1
	done
done
check "cancel refunds 1000 x L + 3000 x min(L, $S4) ($CR, about $((END4 - NOW4)) s left)" [ "$ok4" = 1 ]
check "money invariant after a cancel of an upgraded reservation" money
finish
