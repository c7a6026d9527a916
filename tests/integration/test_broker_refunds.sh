#!/usr/bin/env bash
# Refunds to the balance against a real Anvil: each way a valid payment can end
# refused after the ledger accepted it is credited in full to the quote's key
# (once), and the money invariant (money_check.py, docs/MONEY.md) holds after
# each: the extended reservation ended, the pair got another level, the hold
# lapsed and the capacity went to another buyer. (quote_used and quote_expired
# are in test_broker_orders.sh.)
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

broker_start_balances 2 100mbit '"unpaid_hold": 2'

qid() { field "$1" quote_id; }
refunded() { db "SELECT amount FROM balance_entries WHERE kind = 'refund' AND ref = '$1'"; }
KEY=$(field "$(probe h1 balance)" client_key)
DEP=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value 1000000 \
	"0x$DEPOSIT_MARKER$KEY" --json | jq -r .transactionHash)
check "a deposit of 1000000 for the buyer's key" is "$(probe h1 deposit "$PAYER" "$DEP")" BALANCE_REPLY

# --- reservation_ended: the extended reservation ends between payment and ORDER.
Q=$(quote h1 10.77.0.1 10.78.1.1 1 10 -)
C=$(probe h1 order-balance "$(qid "$Q")")
check "a 10 s reservation bought from the balance" is "$C" CONFIRM
QX=$(quote h1 10.77.0.1 10.78.1.1 1 10 "$(field "$C" reservation_id)")
TX=$(pay "$QX")
for _ in $(seq 60); do [ "$(date +%s)" -ge "$(field "$C" end)" ] && break; sleep 0.25; done
sleep 1.5 # CONFIRM.end is the end rounded down to the second
R=$(probe h1 order "$(qid "$QX")" "$PAYER" "$TX")
check "extension paid, reservation ended before the ORDER: reservation_ended, refunded in full" \
	all 'is "$R" ERROR reservation_ended && [ "$(refunded "$TX")" = 10000 ]'
check "... the refusal says so" grep -q "credited to the balance" <<<"$(field "$R" message)"
check "... balance 1000000 - 10000 + 10000" [ "$(bal)" = 1000000 ]
R=$(probe h1 order "$(qid "$QX")" "$PAYER" "$TX")
check "... the ORDER again: payment_refunded, credited once" \
	all 'is "$R" ERROR payment_refunded && [ "$(bal)" = 1000000 ]'
check "money invariant after reservation_ended" money

# --- pair_reserved: two quotes for one pair at two levels; the first bought wins.
Q1=$(quote h1 10.77.0.1 10.78.1.2 1 30 -)
Q2=$(quote h1 10.77.0.1 10.78.1.2 2 30 -)
check "two quotes for one pair at levels 1 and 2" all 'is "$Q1" QUOTE && is "$Q2" QUOTE'
TX=$(pay "$Q2")
check "level 1 bought from the balance" is "$(probe h1 order-balance "$(qid "$Q1")")" CONFIRM
R=$(probe h1 order "$(qid "$Q2")" "$PAYER" "$TX")
check "level 2 paid on-chain after: pair_reserved, refunded in full" \
	all 'is "$R" ERROR pair_reserved && [ "$(refunded "$TX")" = "$(field "$Q2" amount)" ]'
check "money invariant after pair_reserved" money

# --- capacity_exhausted: the hold lapses unpaid (broker.unpaid_hold 2 s), another
# pair takes 50 of the port's 90 free Mbit/s, then the payment's ORDER arrives.
Q=$(quote h1 10.77.0.1 10.78.1.3 2 20 -)
TX=$(pay "$Q")
sleep 3
check "another pair takes 50 Mbit/s of the port meanwhile" \
	is "$(probe h1 order-balance "$(qid "$(quote h1 10.77.0.1 10.78.1.4 2 20 -)")")" CONFIRM
R=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "hold lapsed, capacity gone: capacity_exhausted, refunded in full" \
	all 'is "$R" ERROR capacity_exhausted && [ "$(refunded "$TX")" = 80000 ] && ! resv_in_map 10.77.0.1 10.78.1.3'
check "money invariant after capacity_exhausted" money

# --- CANCEL: pro rata by the second, rounded down, to the key that paid.
Q=$(quote h1 10.77.0.1 10.78.1.20 1 60 -)
C=$(probe h1 order-balance "$(qid "$Q")")
RID=$(field "$C" reservation_id)
B0=$(bal)
sleep 2
check "CANCEL of a reservation signed by another key -> not_your_reservation" \
	is "$(probe h1 seed "$(printf '44%.0s' $(seq 32))" cancel "$RID")" ERROR not_your_reservation
check "... it still runs" resv_in_map 10.77.0.1 10.78.1.20
check "CANCEL of an unknown reservation -> unknown_reservation" \
	is "$(probe h1 cancel 00112233445566778899aabbccddeeff)" ERROR unknown_reservation
T=$(date +%s)
R=$(probe h1 cancel "$RID")
CR=$(field "$R" credited)
# 60000 for 60 s: 1000 per whole second left (end - now, rounded down).
LEFT=$(($(field "$C" end) - T))
check "CANCEL after ~2 s of 60 -> BALANCE_REPLY crediting 1000 x the whole seconds left ($CR)" \
	all 'is "$R" BALANCE_REPLY && [ "$CR" -le $((LEFT * 1000)) ] && [ "$CR" -ge $(((LEFT - 2) * 1000)) ] && [ $((CR % 1000)) = 0 ]'
check "... the balance grew by exactly the refund" [ "$(bal)" = $((B0 + CR)) ]
check "... the reservation is gone from the data plane" all '! resv_in_map 10.77.0.1 10.78.1.20'
check "CANCEL again -> reservation_ended, nothing more" \
	all 'is "$(probe h1 cancel "$RID")" ERROR reservation_ended && [ "$(bal)" = $((B0 + CR)) ]'
check "money invariant after a cancel" money

# --- payflowctl revoke reports the refund of a sold reservation.
Q=$(quote h1 10.77.0.1 10.78.1.21 1 100 -)
C=$(probe h1 order-balance "$(qid "$Q")")
B0=$(bal)
ID=$(db "SELECT resv_id FROM broker_reservations WHERE rid = '$(field "$C" reservation_id)'")
OUT=$(ctl revoke "$ID")
REF=$(db "SELECT amount FROM balance_entries WHERE kind = 'refund' AND ref LIKE 'end:$(field "$C" reservation_id):%'")
check "payflowctl revoke reports the refund ($OUT)" grep -q "refunded $REF smallest units" <<<"$OUT"
check "... between 97000 and 100000, whole seconds" all '[ "$REF" -ge 97000 ] && [ "$REF" -le 100000 ] && [ $((REF % 1000)) = 0 ]'
check "... credited to the buyer" [ "$(bal)" = $((B0 + REF)) ]
check "money invariant after a revoke" money

# --- payflowctl ledger: exact sums that add up.
L=$(ctl --json ledger)
lg() { jq -r ".$1" <<<"$L"; }
check "payflowctl ledger: deposits 1000000, balances = what BALANCE says ($(lg balances))" \
	all '[ "$(lg deposits)" = 1000000 ] && [ "$(lg balances)" = "$(bal)" ]'
check "payflowctl ledger: deposits + refunds - debits - withdrawals = balances" \
	[ $(($(lg deposits) + $(lg refunds) - $(lg debits) - $(lg withdrawals))) = "$(lg balances)" ]
check "payflowctl ledger: revenue = on-chain orders + debits - unused time refunded" \
	[ "$(lg revenue)" = $(($(lg onchain_orders) + $(lg debits) - $(lg refunds_unused_time))) ]
check "payflowctl ledger (text) lists the revenue" grep -q "^revenue  *$(lg revenue)$" <<<"$(ctl ledger)"
finish
