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
finish
