#!/usr/bin/env bash
# The broker against a real Ethereum node (Anvil): payflowd's REQUEST channel
# listens inside the namespace of host "ctl" on the test bridge; buyers run
# broker_probe in their own namespaces, so the broker sees their real source
# addresses. Happy path, extension, idempotency, restart durability, and one
# case per error code: each checks the exact code, that no reservation was
# left and that the payment was not consumed (and, where it can, that the
# same payment still buys its quote afterwards).
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

for f in "$PROBE" "$PFD"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
broker_topo 4
broker_anvil || { not_ok "anvil starts"; finish; }
BROKER_LIMITS=$LOOSE_LIMITS # one host, one key, many pairs (test_broker_guard.sh tests the limits)
METRICS=$(free_port)
broker_config 4 1gbit
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with the broker"; finish; }
broker_pin
check "MENU is signed by the broker key and pinned" [ ${#BROKER_PK} = 64 ]

# is JSON TYPE [CODE]: the answer's type (and error code), verified against the pin.
is() {
	local want=".type == \"$2\" and .verified == true"
	[ -n "${3:-}" ] && want="$want and .code == \"$3\""
	jq -e "$want" <<<"$1" >/dev/null || { echo "# got: $1"; return 1; }
}
consumed() { [ "$(db "SELECT count(*) FROM payments WHERE tx = lower('$1')")" = 1 ]; }
# refused NAME JSON CODE A B TX: exact code, no reservation for A-B, TX unused.
refused() {
	local name=$1 json=$2 code=$3 a=$4 b=$5 tx=${6:-}
	resv_in_map "$a" "$b"
	local in_map=$?
	if is "$json" ERROR "$code" && [ $in_map = 1 ] && { [ -z "$tx" ] || ! consumed "$tx"; }; then
		ok "$name: $code, nothing reserved, payment unused"
	else
		not_ok "$name: $code, nothing reserved, payment unused"
	fi
}
qid() { field "$1" quote_id; }
all() { eval "$1"; }
refunded() { db "SELECT amount FROM balance_entries WHERE kind = 'refund' AND ref = '$1'"; }
money() { python3 tests/integration/money_check.py --db "$STATE/payflow.db" --rpc "$RPC" --pay-to "$PAY_TO"; }

# --- happy path: MENU, QUOTE, pay with cast, CONFIRM; the map has it.
Q=$(quote h1 10.77.0.1 10.77.0.2 2 60 -)
check "QUOTE: level 2 (50mbit) for 60 s costs 4000 x 60 wei" is "$Q" QUOTE
check "QUOTE amount is 240000" [ "$(field "$Q" amount)" = 240000 ]
check "the QUOTE placed a capacity hold" [ "$(db 'SELECT count(*) FROM reservations WHERE state = 0')" = 1 ]
TX=$(pay "$Q")
C=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "ORDER paid with cast send -> CONFIRM" is "$C" CONFIRM
check "CONFIRM: end - start = 60 s" [ $(($(field "$C" end) - $(field "$C" start))) = 60 ]
check "the reservation is in the pinned map" resv_in_map 10.77.0.1 10.77.0.2
check "the payment is recorded as consumed" consumed "$TX"
check "the hold became the reservation" [ "$(db 'SELECT count(*) FROM reservations WHERE state = 0')" = 0 ]
C2=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "ORDER again -> the same CONFIRM (idempotent)" [ "$(jq -c 'del(.verified)' <<<"$C2")" = "$(jq -c 'del(.verified)' <<<"$C")" ]
check "the same ORDER replayed from a host outside the pair -> pair_not_owned, not the CONFIRM" \
	is "$(probe h3 order "$(qid "$Q")" "$PAYER" "$TX")" ERROR pair_not_owned
RID=$(field "$C" reservation_id)
check "payflowctl show carries the CONFIRM's reservation_id" [ "$(ctl --json show 10.77.0.1 10.77.0.2 | jq -r .reservation_id)" = "$RID" ]
check "payflowctl list carries it too" jq -e --arg r "$RID" 'any(.reservations[]; .reservation_id == $r and .state == "active")' <<<"$(ctl --json list)"
S=$(probe h2 status "$RID")
check "STATUS by id from the other end of the pair" is "$S" STATUS_REPLY
check "STATUS says active, same end" [ "$(jq -r '"\(.active) \(.end)"' <<<"$S")" = "true $(field "$C" end)" ]
refused "STATUS from a host outside the pair" "$(probe h3 status "$RID")" pair_not_owned 10.77.0.3 10.77.0.9

# --- extension: same id and start, end = previous end + 30.
QX=$(quote h1 10.77.0.2 10.77.0.1 2 30 "$RID")
check "QUOTE with extends" is "$QX" QUOTE
CX=$(probe h1 order "$(qid "$QX")" "$PAYER" "$(pay "$QX")")
check "extension CONFIRM keeps id and start, end + 30 s" \
	[ "$(jq -r '"\(.reservation_id) \(.start) \(.end)"' <<<"$CX")" = "$RID $(field "$C" start) $(($(field "$C" end) + 30))" ]
MET=$(curl -s "http://127.0.0.1:$METRICS/metrics")
check "metrics: revenue of level2 is 240000 + 120000 wei" grep -qx 'payflow_revenue_wei_total{level="2",name="level2"} 360000' <<<"$MET"
check "metrics: 3 ORDER answers were confirm" grep -qx 'payflow_broker_orders_total{outcome="confirm"} 3' <<<"$MET"
refused "QUOTE without extends for a reserved pair" "$(quote h1 10.77.0.1 10.77.0.2 2 30 -)" pair_reserved 10.77.0.1 10.77.0.9
refused "extends with another level" "$(quote h1 10.77.0.1 10.77.0.2 3 30 "$RID")" extend_mismatch 10.77.0.1 10.77.0.9
refused "extends an unknown reservation" "$(quote h1 10.77.0.1 10.77.0.2 2 30 00112233445566778899aabbccddeeff)" unknown_reservation 10.77.0.1 10.77.0.9

# --- one pair per case from here on: 10.77.0.1 <-> 10.78.2.K (K = case number).
K=0
next_pair() { K=$((K + 1)); B=10.78.2.$K; Q=$(quote h1 10.77.0.1 "$B" 1 20 -); }
valid_after() { # NAME TX: the payment still buys its quote
	local c
	c=$(probe h1 order "$(qid "$Q")" "$PAYER" "$2")
	check "$1: the same payment then buys its quote" is "$c" CONFIRM
}

next_pair; TX=$(pay "$Q")
refused "bad signature" "$(probe h1 corrupt order "$(qid "$Q")" "$PAYER" "$TX")" bad_signature 10.77.0.1 "$B" "$TX"
valid_after "bad signature" "$TX"
refused "ORDER with a bad field" "$(probe h1 raw '{"message_type":"ORDER","data":"{}","signature":"","verification":""}')" bad_field 10.77.0.1 10.78.2.200
MET=$(curl -s "http://127.0.0.1:$METRICS/metrics")
check "metrics count the ORDER refused with bad_signature" grep -qx 'payflow_broker_orders_total{outcome="bad_signature"} 1' <<<"$MET"
check "metrics count the ORDER refused with bad_field" grep -qx 'payflow_broker_orders_total{outcome="bad_field"} 1' <<<"$MET"

next_pair; TX=$(pay "$Q")
refused "signed by another key" "$(probe h1 seed "$(printf '33%.0s' $(seq 32))" order "$(qid "$Q")" "$PAYER" "$TX")" wrong_signer 10.77.0.1 "$B" "$TX"
valid_after "signed by another key" "$TX"

next_pair; TX=$(pay "$Q" 19999)
refused "underpayment (1 wei short)" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" underpayment 10.77.0.1 "$B" "$TX"
valid_after "underpayment, then a full payment" "$(pay "$Q")"

next_pair; TX=$(pay "$Q" "" "$OTHER")
refused "wrong recipient" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" wrong_recipient 10.77.0.1 "$B" "$TX"

next_pair; TX=$(pay "$Q" "" "$PAY_TO" none)
refused "transaction without the quote id" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" tx_missing_quote_id 10.77.0.1 "$B" "$TX"

next_pair; TX=$(pay "$Q")
refused "payer is not the sender" "$(probe h1 order "$(qid "$Q")" "$OTHER" "$TX")" payer_mismatch 10.77.0.1 "$B" "$TX"
valid_after "payer is not the sender" "$TX"

# Failed transaction: give the payment address code that reverts
# (PUSH1 0 PUSH1 0 REVERT), pay with a fixed gas limit, then take the code away.
next_pair
"$CAST" rpc --rpc-url "$RPC" anvil_setCode "$PAY_TO" 0x60006000fd >/dev/null
TX=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value 20000 \
	"0x$(qid "$Q")" --gas-limit 100000 --json | jq -r .transactionHash)
"$CAST" rpc --rpc-url "$RPC" anvil_setCode "$PAY_TO" 0x >/dev/null
refused "failed transaction (status 0)" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" tx_failed 10.77.0.1 "$B" "$TX"

# Reused transaction: the first case's payment for another quote.
next_pair; FIRST_TX=$(field "$C" tx_hash)
refused "reused transaction hash" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$FIRST_TX")" tx_reused 10.77.0.1 "$B"
# A second valid payment for a granted quote: quote_used, and credited to the key's balance.
SECOND=$(pay "$C" 240000)
R=$(probe h1 order "$(field "$C" quote_id)" "$PAYER" "$SECOND")
check "quote already granted with another tx: quote_used, the payment refunded to the balance" \
	all 'is "$R" ERROR quote_used && consumed "$SECOND" && [ "$(refunded "$SECOND")" = 240000 ]'
check "... the ORDER again: payment_refunded, credited once" \
	all 'is "$(probe h1 order "$(field "$C" quote_id)" "$PAYER" "$SECOND")" ERROR payment_refunded &&
	[ "$(db "SELECT balance FROM balances")" = 240000 ]'
check "money invariant after a refund" money

refused "unknown quote" "$(probe h1 order 00112233445566778899aabbccddeeff "$PAYER" "$FIRST_TX")" unknown_quote 10.77.0.1 10.78.2.99

# Expired quote: the payment's block is after expires_at. Anvil's clock jumps
# inside a snapshot, which is reverted afterwards.
next_pair
SNAP=$("$CAST" rpc --rpc-url "$RPC" evm_snapshot | tr -d '"')
"$CAST" rpc --rpc-url "$RPC" evm_setNextBlockTimestamp $(($(field "$Q" expires_at) + 1)) >/dev/null
TX=$(pay "$Q")
R=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "payment after the quote expired: quote_expired, nothing reserved, the payment refunded" \
	all 'is "$R" ERROR quote_expired && ! resv_in_map 10.77.0.1 "$B" &&
	[ "$(refunded "$TX")" = "$(field "$Q" amount)" ]'
check "money invariant after the late payment's refund (before the chain is reverted)" money
"$CAST" rpc --rpc-url "$RPC" evm_revert "$SNAP" >/dev/null

# Unknown transaction: within broker.tx_grace (default 60 s after the quote's
# expiry) the broker's node may just be behind the buyer's: PENDING, 0 confirmations.
next_pair
UNSEEN=0x$(printf 'ab%.0s' $(seq 32))
P=$(probe h1 order "$(qid "$Q")" "$PAYER" "$UNSEEN")
check "a transaction the ledger does not know yet -> PENDING 0 of 1" [ "$(jq -r '"\(.type) \(.confirmations) \(.required) \(.tx_hash)"' <<<"$P")" = "PENDING 0 1 $UNSEEN" ]
check "... and nothing is reserved" [ "$(resv_in_map 10.77.0.1 "$B"; echo $?)" = 1 ]

# Who may buy: h2 asks for a pair of h1 and h3; h3 orders h1's quote.
refused "QUOTE for a pair the requester is not in" "$(quote h2 10.77.0.1 10.77.0.3 1 20 -)" pair_not_owned 10.77.0.1 10.77.0.3
# The fields are checked before the signature, so a raw frame shows the refusal.
QM=$(probe h1 raw "$(jq -nc --arg k "$(printf '22%.0s' $(seq 32))" --arg s "$(printf '00%.0s' $(seq 64))" \
	'{message_type: "QUOTE_REQUEST", data: ({ip1: "10.77.0.1", ip2: "fd77::2", level: 1, seconds: 20, client_key: $k} | tojson), signature: $s, verification: ""}')")
refused "QUOTE for an IPv4 and an IPv6 address" "$QM" bad_ip 10.77.0.1 fd77::2
check "... and the message says why (never one of each)" grep -q "never one of each" <<<"$(field "$QM" message)"
next_pair; TX=$(pay "$Q")
refused "ORDER from a host outside the pair" "$(probe h3 order "$(qid "$Q")" "$PAYER" "$TX")" pair_not_owned 10.77.0.1 "$B" "$TX"
valid_after "ORDER from a host outside the pair" "$TX"

# Menu limits and malformed frames.
refused "level out of range" "$(quote h1 10.77.0.1 10.78.2.200 4 20 -)" level_out_of_range 10.77.0.1 10.78.2.200
refused "seconds below min_seconds" "$(quote h1 10.77.0.1 10.78.2.200 1 9 -)" seconds_out_of_range 10.77.0.1 10.78.2.200
refused "seconds above max_seconds" "$(quote h1 10.77.0.1 10.78.2.200 1 3601 -)" seconds_out_of_range 10.77.0.1 10.78.2.200
refused "malformed JSON" "$(probe h1 raw '{"message_type":"HELLO",')" malformed_json 10.77.0.1 10.78.2.200
refused "unknown message type" "$(probe h1 raw '{"message_type":"BUY","data":"{}","signature":"","verification":""}')" unknown_message_type 10.77.0.1 10.78.2.200
refused "client sends a broker message" "$(probe h1 raw '{"message_type":"MENU","data":"{}","signature":"","verification":""}')" unexpected_message 10.77.0.1 10.78.2.200
OUT=$(probe h1 oversize 70000 closed)
refused "oversize frame" "$(head -1 <<<"$OUT")" oversize_frame 10.77.0.1 10.78.2.200
check "oversize frame: the broker then closes the connection" [ "$(tail -1 <<<"$OUT" | jq -r .type)" = CLOSED ]
check "a frame of exactly 65536 bytes with its newline is accepted" \
	is "$(probe h1 raw "$(printf '{"message_type":"HELLO","data":"{}","signature":"","verification":""%65466s}' '')")" MENU

# Capacity: 990 Mbit/s reservable on p3; level 3 is 100 Mbit/s, so the tenth hold fails.
for k in $(seq 1 9); do QC=$(quote h3 10.77.0.3 10.78.4.$k 3 20 -); done
check "nine 100 Mbit/s holds fit on p3" is "$QC" QUOTE
QC=$(quote h3 10.77.0.3 10.78.4.10 3 20 -)
refused "capacity exhausted" "$QC" capacity_exhausted 10.77.0.3 10.78.4.10
check "capacity_exhausted names the port and its free rate ($(field "$QC" message))" \
	grep -Eq "port ${PFX}p3 has 90 ?[Mm]bit" <<<"$(field "$QC" message)"
check "payflowctl list shows a quote's hold until it lapses (broker.unpaid_hold, 30 s), not the quoted 20 s" \
	jq -e 'any(.reservations[]; .state == "hold" and (.pair | endswith(" 10.78.4.1")) and .seconds_left > 20 and .seconds_left <= 30)' <<<"$(ctl --json list)"

# Two plain quotes for one free pair: the second ORDER extends the first's reservation.
next_pair; Q1=$Q; Q2=$(quote h1 10.77.0.1 "$B" 1 20 -)
R1=$(probe h1 order "$(qid "$Q1")" "$PAYER" "$(pay "$Q1")")
R2=$(probe h1 order "$(qid "$Q2")" "$PAYER" "$(pay "$Q2")")
check "a second plain quote for the pair extends it: same id and start, end + 20 s" \
	[ "$(jq -r '"\(.type) \(.reservation_id) \(.start) \(.end)"' <<<"$R2")" = "CONFIRM $(field "$R1" reservation_id) $(field "$R1" start) $(($(field "$R1" end) + 20))" ]
check "its hold was released" [ "$(db "SELECT r.state FROM reservations r JOIN broker_quotes q ON q.hold_id = r.id WHERE q.quote_id = '$(qid "$Q2")'")" = 2 ]

# --- durability: a quote and its hold survive kill -9; a used payment stays used.
next_pair; QR=$Q
daemon_stop KILL
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts after kill -9"; finish; }
check "the hold survived kill -9" [ "$(db "SELECT state FROM reservations r JOIN broker_quotes q ON q.hold_id = r.id WHERE q.quote_id = '$(qid "$QR")'")" = 0 ]
CR=$(probe h1 order "$(qid "$QR")" "$PAYER" "$(pay "$QR")")
check "a quote made before kill -9 is ordered after the restart" is "$CR" CONFIRM
C3=$(probe h1 order "$(field "$C" quote_id)" "$PAYER" "$FIRST_TX")
check "after the restart the first ORDER still gets its CONFIRM" [ "$(field "$C3" reservation_id)" = "$RID" ]
next_pair
refused "reused transaction hash after a restart" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$FIRST_TX")" tx_reused 10.77.0.1 "$B"

# --- confirmations: 2 required; PENDING, then CONFIRM once a block is mined.
daemon_stop
broker_config 4 1gbit "" '"confirmations": 2'
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with confirmations 2"; finish; }
next_pair; TX=$(pay "$Q")
P=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "1 of 2 confirmations -> PENDING" [ "$(jq -r '"\(.type) \(.confirmations) \(.required)"' <<<"$P")" = "PENDING 1 2" ]
resv_in_map 10.77.0.1 "$B"
IN_MAP=$?
pending_clean() { [ "$IN_MAP" = 1 ] && ! consumed "$TX"; }
check "PENDING reserves nothing and consumes nothing" pending_clean
"$CAST" rpc --rpc-url "$RPC" --raw anvil_mine '["0x1"]' >/dev/null
check "after anvil_mine the same ORDER -> CONFIRM" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" CONFIRM

next_pair; TX=$(pay "$Q")
check "reorg case: PENDING first" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" PENDING
"$CAST" rpc --rpc-url "$RPC" --raw anvil_reorg '[1,[]]' >/dev/null
P=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "payment reorged out, within tx_grace: PENDING 0 confirmations" [ "$(jq -r '"\(.type) \(.confirmations)"' <<<"$P")" = "PENDING 0" ]
check "... nothing consumed" [ "$(consumed "$TX"; echo $?)" = 1 ]

# --- the hold lapses while the payment (made in time) waits for confirmations:
# the payment is honoured when the capacity is free (PROTOCOL.md section 13).
daemon_stop
QUOTE_TTL=3 broker_config 4 1gbit '"confirm_grace": 0' '"confirmations": 2'
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with quote_ttl 3"; finish; }
next_pair; TX=$(pay "$Q")
check "hold lapse case: PENDING first" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" PENDING
sleep 4
check "the hold has lapsed" [ "$(db "SELECT r.state FROM reservations r JOIN broker_quotes q ON q.hold_id = r.id WHERE q.quote_id = '$(qid "$Q")'")" = 2 ]
"$CAST" rpc --rpc-url "$RPC" --raw anvil_mine '["0x1"]' >/dev/null
check "a payment made before expiry is honoured after its hold lapsed" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" CONFIRM
check "... and its reservation is in the map" resv_in_map 10.77.0.1 "$B"

# --- tx_grace 0: after the quote's expiry an unseen transaction is final.
daemon_stop
QUOTE_TTL=2 broker_config 4 1gbit '"tx_grace": 0'
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with tx_grace 0"; finish; }
next_pair
check "unseen transaction before the quote expires: PENDING" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$UNSEEN")" PENDING
sleep 3
refused "unseen transaction after expires_at + tx_grace" "$(probe h1 order "$(qid "$Q")" "$PAYER" "$UNSEEN")" tx_not_found 10.77.0.1 "$B"

# --- the broker configured for chain 31338 while the node it asks is 31337:
# the node is on the wrong chain, which is the operator's fault, not the
# payer's, so internal_error naming both chains (not wrong_chain, which would
# tell the buyer that the payment was made on the wrong chain).
daemon_stop
CHAIN_ID=31338 broker_config 4 1gbit
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with chain 31338"; finish; }
next_pair; TX=$(pay "$Q")
W=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
refused "the broker's node is on another chain" "$W" internal_error 10.77.0.1 "$B" "$TX"
check "... and the message names both chains" grep -q "the ledger node is on chain 31337, expected 31338" <<<"$W"

# The chain was reverted under a refund above: the database's side of the invariant.
check "money invariant at the end (database)" python3 tests/integration/money_check.py --db "$STATE/payflow.db"
finish
