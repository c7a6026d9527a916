#!/usr/bin/env bash
# One transaction is consumed once across a cluster (docs/CLUSTER.md, "Money"):
# two payflowd brokers (nA, nB) share one ledger and one payment address, so a
# refund or a deposit credited at one must not be credited again, or the
# refunded payment granted, at the other. Real three-member etcd and Anvil.
# An ORDER is made refusable (capacity_exhausted, refunded) by letting its
# quote's hold lapse (broker.unpaid_hold 6 s) and filling the trunk with other
# holds (90 Mbit/s reservable, nine 10 Mbit/s quotes) before it arrives.
# Checked: refunded at nA, then the same ORDER at nB once the trunk is free ->
# payment_refunded, no grant; the same refused ORDER at nA and nB -> one
# refund; one DEPOSIT at nA and nB -> credited once; a DEPOSIT while etcd has
# no quorum -> internal_error, nothing credited, credited once quorum is back;
# a payment granted at nB whose reservation ended, sent to nA while the trunk is
# full -> the same CONFIRM, not a refund; nA killed between a deposit's claim
# in etcd and its SQLite commit -> credited once by the restarted nA (P/owed/);
# the money invariant at each broker and across both (money_check.py
# --cluster-db).
set -uo pipefail
cd "$(dirname "$0")/../.."
CS_BROKER='"unpaid_hold": 6'
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd brokers on etcd and Anvil start"; finish; }
ok "two payflowd brokers on etcd and Anvil start"
TRUNK="nA:${PFX}tA"
jqe() { # jq -e on stdin, which must not be empty
	local in
	in=$(cat)
	[ -n "$in" ] || { echo "# empty input"; return 1; }
	jq -e "$@" >/dev/null <<<"$in"
}
# level 1 (10 Mbit/s), 120 s, 10.77.0.1 -> DST: one pair per quote (a new quote of
# the key for a pair replaces its hold; a pair has one reservation)
buy_quote() { A quote 10.77.0.1 "$1" 1 120 -; }
db_b() { sqlite3 "$STATE_B/payflow.db" "$@"; }
credited() { # DB_FUNCTION TX: the refunds and deposits credited for TX there
	"$1" "SELECT coalesce(sum(amount), 0) FROM balance_entries WHERE ref = '$2' AND kind IN ('refund', 'deposit')"
}
txval() { etcdctl_ get "$P/tx/$1" --print-value-only; }
KEY=$(field "$(A balance)" client_key)
deposit_tx() { # VALUE: a DEPOSIT transaction for KEY; its hash
	"$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value "$1" \
		"0x$DEPOSIT_MARKER$KEY" --json | jq -r .transactionHash
}

# Two paid quotes whose holds lapse unpaid, then the trunk filled by holds.
QA=$(buy_quote 10.79.0.1) QB=$(buy_quote 10.79.0.2)
check "two quotes at nA" all 'is "$QA" QUOTE && is "$QB" QUOTE'
QAID=$(field "$QA" quote_id) QBID=$(field "$QB" quote_id)
TXA=$(pay "$QA") TXB=$(pay "$QB")
AMOUNT=$(field "$QA" amount)
check "their holds lapse (unpaid_hold 6 s)" wait_for '[ "$(ledger_sum "$TRUNK")" = 0 ]'
for i in $(seq 9); do buy_quote "10.79.1.$i" >/dev/null; done
check "nine other holds fill the trunk (90 Mbit/s)" [ "$(ledger_sum "$TRUNK")" = 90000000 ]

# (b) The same refused ORDER at nA and nB: one refund.
R1=$(A order "$QBID" "$PAYER" "$TXB")
check "ORDER at nA, trunk full: capacity_exhausted, refunded at nA" \
	all 'is "$R1" ERROR capacity_exhausted && [ "$(credited db "$TXB")" = "$AMOUNT" ]'
check "etcd records the tx as refunded at nA for the quote" \
	jqe --arg q "$QBID" --arg k "$KEY" --arg a "$AMOUNT" \
	'.refunded == "nA" and .quote == $q and .key == $k and .amount == $a' <<<"$(txval "$TXB")"
R2=$(B order "$QBID" "$PAYER" "$TXB")
check "the same ORDER at nB: payment_refunded naming nA, nothing credited at nB" \
	all 'is "$R2" ERROR payment_refunded && grep -q "at broker nA" <<<"$(field "$R2" message)" &&
	[ "$(credited db_b "$TXB")" = 0 ]'
check "(b) balances at nA and nB sum to the amount once" \
	[ "$(($(field "$(A balance)" balance) + $(field "$(B balance)" balance)))" = "$AMOUNT" ]

# (a) Refunded at nA while the trunk is full; at nB once it is free: no grant.
R3=$(A order "$QAID" "$PAYER" "$TXA")
check "ORDER at nA, trunk full: capacity_exhausted, refunded at nA" \
	all 'is "$R3" ERROR capacity_exhausted && [ "$(credited db "$TXA")" = "$AMOUNT" ]'
check "the other holds lapse: the trunk is free" wait_for '[ "$(ledger_sum "$TRUNK")" = 0 ]'
R4=$(B order "$QAID" "$PAYER" "$TXA")
check "(a) the refunded ORDER at nB with the trunk free: payment_refunded, no grant" \
	all 'is "$R4" ERROR payment_refunded && [ "$(ledger_sum "$TRUNK")" = 0 ] &&
	[ "$(record "$QAID" | jq -r .state)" != granted ] && [ "$(db_b "SELECT count(*) FROM broker_orders WHERE tx = '"'$TXA'"'")" = 0 ]'
check "... and nothing credited at nB" [ "$(credited db_b "$TXA")" = 0 ]
check "... the ORDER again at nA: payment_refunded" is "$(A order "$QAID" "$PAYER" "$TXA")" ERROR payment_refunded

# (c) One DEPOSIT transaction at nA and nB: credited once.
TXD=$(deposit_tx 500000)
D1=$(A deposit "$PAYER" "$TXD")
check "DEPOSIT at nA: credited 500000" jqe '.type == "BALANCE_REPLY" and .credited == "500000"' <<<"$D1"
check "etcd records the tx as deposited at nA for the key" \
	jqe --arg k "$KEY" '.deposit == "nA" and .key == $k and .amount == "500000"' <<<"$(txval "$TXD")"
D2=$(B deposit "$PAYER" "$TXD")
check "(c) the same DEPOSIT at nB: tx_reused naming nA, nothing credited at nB" \
	all 'is "$D2" ERROR tx_reused && grep -q "at broker nA" <<<"$(field "$D2" message)" &&
	[ "$(credited db_b "$TXD")" = 0 ]'
check "the DEPOSIT again at nA: the same BALANCE_REPLY" \
	jqe '.type == "BALANCE_REPLY" and .credited == "500000"' <<<"$(A deposit "$PAYER" "$TXD")"
check "a deposit's tx cannot pay an ORDER at nB: refused, no grant" \
	all '! is "$(B order "$(field "$(buy_quote 10.79.0.3)" quote_id)" "$PAYER" "$TXD")" CONFIRM'

# (f) Granted at nB, ended; the same ORDER at nA while the trunk is full: the
# grant's CONFIRM again, never a refund of a payment that bought a reservation.
QC=$(A quote 10.77.0.1 10.79.0.4 1 10 -) # 10 s
QCID=$(field "$QC" quote_id)
TXC=$(pay "$QC")
C1=$(B order "$QCID" "$PAYER" "$TXC")
check "a 10 s reservation bought at nB" is "$C1" CONFIRM
ended() { [ -z "$(record "$QCID")" ] && [ "$(ledger_sum "$TRUNK")" = 0 ]; }
check "it ends: its record leaves etcd" all 'wait_for ended || wait_for ended'
for i in $(seq 9); do buy_quote "10.79.2.$i" >/dev/null; done
C2=$(A order "$QCID" "$PAYER" "$TXC")
check "(f) the same ORDER at nA, trunk full: nB's CONFIRM (same reservation and times), nothing credited" \
	all 'is "$C2" CONFIRM && [ "$(field "$C2" reservation_id)" = "$QCID" ] &&
	[ "$(field "$C2" start)/$(field "$C2" end)" = "$(field "$C1" start)/$(field "$C1" end)" ] &&
	[ "$(credited db "$TXC")" = 0 ] && [ "$(credited db_b "$TXC")" = 0 ]'

# (e) etcd without quorum: nothing credited, the payment stays usable.
TXQ=$(deposit_tx 300000)
etcd_kill 2
etcd_kill 3
D3=$(B deposit "$PAYER" "$TXQ")
check "(e) no quorum: DEPOSIT at nB refused with internal_error naming etcd, nothing credited" \
	all 'is "$D3" ERROR internal_error && grep -q "etcd" <<<"$D3" && [ "$(credited db_b "$TXQ")" = 0 ] &&
	[ "$(db_b "SELECT count(*) FROM payments WHERE tx = '"'$TXQ'"'")" = 0 ]'
etcd_restart 2
etcd_restart 3
check "quorum back" wait_for 'etcd_healthy 1'
sleep 1.5 # the breaker's window
check "quorum back: the same DEPOSIT at nB is credited, once" \
	all 'jqe '"'"'.type == "BALANCE_REPLY" and .credited == "300000"'"'"' <<<"$(B deposit "$PAYER" "$TXQ")" &&
	[ "$(credited db_b "$TXQ")" = 300000 ] && [ "$(credited db "$TXQ")" = 0 ]'

# (g) nA killed after its deposit's claim in etcd and before its SQLite commit
# (the test-only PAYFLOW_TEST_CREDIT_DELAY_MS holds it there): the claim's
# marker P/owed/nA/TX makes the restarted nA credit it, once.
TXK=$(deposit_tx 400000)
owed() { etcdctl_ get "$P/owed/nA/$TXK" --print-value-only; }
daemon_stop TERM
PAYFLOW_TEST_CREDIT_DELAY_MS=5000 daemon_start || { cat "$DLOG"; not_ok "nA restarts"; finish; }
A deposit "$PAYER" "$TXK" >"$EDIR/dk" 2>&1 &
dk=$!
check "nA claimed the deposit in etcd (its record held back)" wait_for '[ -n "$(txval "$TXK")" ]'
daemon_stop KILL
wait "$dk"
check "(g) nA killed before its commit: nothing credited there; P/owed/nA/TX names the credit and its payer" \
	all '[ "$(credited db "$TXK")" = 0 ] && [ "$(db "SELECT count(*) FROM payments WHERE tx = '"'$TXK'"'")" = 0 ] &&
	jqe --arg k "$KEY" --arg p "${PAYER,,}" '"'"'.deposit == "nA" and .key == $k and .amount == "400000" and (.from | ascii_downcase) == $p'"'"' <<<"$(owed)"'
D5=$(B deposit "$PAYER" "$TXK")
check "the same DEPOSIT at nB meanwhile: tx_reused naming nA, nothing credited at nB" \
	all 'is "$D5" ERROR tx_reused && grep -q "at broker nA" <<<"$(field "$D5" message)" && [ "$(credited db_b "$TXK")" = 0 ]'
daemon_start || { cat "$DLOG"; not_ok "nA restarts"; finish; }
check "restarted, nA credits the claimed deposit once and removes its marker" \
	wait_for '[ "$(credited db "$TXK")" = 400000 ] && [ -z "$(owed)" ]'
check "nA's log names the credit made from the marker" \
	grep -q "credited transaction $TXK (400000) to key ${KEY:0:16}.. as its deposit" "$DLOG"
check "the DEPOSIT again at nA: the same credit answered, nothing added" \
	all 'jqe '"'"'.type == "BALANCE_REPLY" and .credited == "400000"'"'"' <<<"$(A deposit "$PAYER" "$TXK")" &&
	[ "$(credited db "$TXK")" = 400000 ]'
# The earlier credits (b, e) left no marker: each broker removed its own once
# its record was committed.
check "no other marker is left at either broker" [ -z "$(etcdctl_ get --prefix "$P/owed/" --keys-only)" ]

# (d) The money invariant at each broker and across the cluster.
for db_file in "$STATE/payflow.db" "$STATE_B/payflow.db"; do
	check "money invariant at $(basename "$(dirname "$db_file")")" \
		python3 tests/integration/money_check.py --db "$db_file" --rpc "$RPC" --pay-to "$PAY_TO"
done
check "(d) across both brokers: no tx credited beyond its value, none granted and credited" \
	python3 tests/integration/money_check.py --db "$STATE/payflow.db" \
	--cluster-db "$STATE_B/payflow.db" --rpc "$RPC" --pay-to "$PAY_TO"
finish
