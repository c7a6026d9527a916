#!/usr/bin/env bash
# payflowd's broker selling through etcd in cluster mode (docs/CLUSTER.md,
# "Selling in cluster mode"), against a real three-member etcd, a real Anvil
# and two payflowd ("machines" nA and nB, each with its own bridge, pin root,
# state dir, socket and broker port). h1 is behind nA's bridge, h2 behind
# nB's; the trunk tA (nA) <-> tB (nB) joins them, declared with peer_node.
# Both brokers listen in the host "ctl" on nA's bridge; buyers use
# broker_probe. Checked: the path across machines in etcd with a debit on
# every link; the same ORDER at the other broker; one transaction at both at
# once -> one grant; a broker killed after its grant and before its answer ->
# the retry at the other broker gets the CONFIRM, once; quorum lost ->
# internal_error and nothing written, sales resume without a restart; both
# brokers hammering the trunk -> its reserved sum never exceeds it.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd brokers on etcd and Anvil start"; finish; }
ok "two payflowd brokers on etcd and Anvil start"
check "both nodes publish their ports (4) in P/topo/ports/" [ "$(ports_in_etcd)" = 4 ]
jqe() { jq -e "$@" >/dev/null; }
check "the trunk's port names its far end on nB" \
	jqe --arg p "nB:${PFX}tB" '.peer == $p and .bridge != "" and .hosts == []' \
	<<<"$(etcdctl_ get "$P/topo/ports/nA:${PFX}tA" --print-value-only)"
TRUNK="nA:${PFX}tA"
HOPS="[\"$TRUNK\",\"nB:${PFX}p2\",\"nB:${PFX}tB\",\"nA:${PFX}p1\"]"
# level 1 (10 Mbit/s), 120 s, from h1 to DST (default h2): one pair per purchase,
# since a pair has one reservation in the cluster (test_cluster_guard.sh)
buy_quote() { A quote 10.77.0.1 "${1:-10.77.0.2}" 1 120 -; }

# 1. A purchase at nA: the hold, then the grant, over the path across both machines.
Q1=$(buy_quote)
check "QUOTE at nA" is "$Q1" QUOTE
Q1ID=$(field "$Q1" quote_id)
check "the quote's hold is in etcd over the path across both machines" \
	jqe --argjson h "$HOPS" '.state == "hold" and .hops == $h and .rate_bps == 10000000 and .broker == "nA"' \
	<<<"$(record "$Q1ID")"
TX1=$(pay "$Q1")
C1=$(A order "$Q1ID" "$PAYER" "$TX1")
check "ORDER at nA: CONFIRM" is "$C1" CONFIRM
check "etcd holds the granted record with the tx and the same hops" \
	jqe --argjson h "$HOPS" --arg tx "$TX1" '.state == "granted" and .tx == $tx and .hops == $h' \
	<<<"$(record "$Q1ID")"
debited=0
for l in "$TRUNK" "nB:${PFX}p2" "nB:${PFX}tB" "nA:${PFX}p1"; do
	[ "$(etcdctl_ get "$P/ledger/$l/$Q1ID" --print-value-only)" = 10000000 ] && debited=$((debited + 1))
done
check "every link of the path is debited 10 Mbit/s (4 of 4)" [ "$debited" = 4 ]
check "the used payment is in etcd (P/tx/)" [ -n "$(etcdctl_ get "$P/tx/$TX1" --keys-only)" ]
check "nA recorded the payment and the order" [ "$(db "SELECT count(*) FROM broker_orders WHERE tx = '$TX1'")" = 1 ]
C1B=$(B order "$Q1ID" "$PAYER" "$TX1")
check "CONFIRM names the quote's record (reservation_id = quote_id)" [ "$(field "$C1" reservation_id)" = "$Q1ID" ]
check "the same ORDER at nB (quoted at nA): the same CONFIRM" \
	all 'is "$C1B" CONFIRM && [ "$(field "$C1B" reservation_id)" = "$(field "$C1" reservation_id)" ] && [ "$(field "$C1B" end)" = "$(field "$C1" end)" ]'
check "and still one debit on the trunk" [ "$(ledger_sum "$TRUNK")" = 10000000 ]

# 2. One transaction sent to both brokers at once: one grant.
Q2=$(buy_quote 10.79.0.2)
Q2ID=$(field "$Q2" quote_id)
TX2=$(pay "$Q2")
A order "$Q2ID" "$PAYER" "$TX2" >"$EDIR/o2a" &
oa=$!
B order "$Q2ID" "$PAYER" "$TX2" >"$EDIR/o2b" &
ob=$!
wait "$oa" "$ob"
grants=$(etcdctl_ get --prefix "$P/resv/" --print-value-only | jq -s --arg tx "$TX2" '[.[] | select(.tx == $tx)] | length')
check "the same tx at both brokers at once: one granted record" [ "$grants" = 1 ]
check "both answers are the one CONFIRM" \
	all 'is "$(cat "$EDIR/o2a")" CONFIRM && is "$(cat "$EDIR/o2b")" CONFIRM && [ "$(field "$(cat "$EDIR/o2a")" reservation_id)" = "$(field "$(cat "$EDIR/o2b")" reservation_id)" ]'
check "the trunk carries two debits (20 Mbit/s)" [ "$(ledger_sum "$TRUNK")" = 20000000 ]

# 3. nA killed after its grant in etcd and before its answer (the test-only
# delay PAYFLOW_TEST_GRANT_DELAY_MS holds the answer): the retry at nB gets it.
daemon_stop TERM
PAYFLOW_TEST_GRANT_DELAY_MS=5000 daemon_start || { cat "$DLOG"; not_ok "nA restarts"; finish; }
Q3=$(buy_quote 10.79.0.3)
Q3ID=$(field "$Q3" quote_id)
TX3=$(pay "$Q3")
A order "$Q3ID" "$PAYER" "$TX3" >"$EDIR/o3a" &
oa=$!
granted() { [ "$(record "$Q3ID" | jq -r .state)" = granted ]; }
check "nA granted in etcd (its answer held back)" wait_for granted
daemon_stop KILL
wait "$oa"
no_confirm() { ! grep -q '"type":"CONFIRM"' "$1"; }
check "nA killed before it answered: the buyer got no CONFIRM" no_confirm "$EDIR/o3a"
C3=$(B order "$Q3ID" "$PAYER" "$TX3")
check "the retry at nB gets the CONFIRM" all 'is "$C3" CONFIRM && [ "$(field "$C3" reservation_id)" = "$Q3ID" ]'
C3b=$(B order "$Q3ID" "$PAYER" "$TX3")
check "once: again the same CONFIRM, and three debits on the trunk" \
	all 'is "$C3b" CONFIRM && [ "$(field "$C3b" reservation_id)" = "$Q3ID" ] && [ "$(ledger_sum "$TRUNK")" = 30000000 ]'
check "nB recorded that order once" [ "$(sqlite3 "$STATE_B/payflow.db" "SELECT count(*) FROM broker_orders WHERE tx = '$TX3'")" = 1 ]
daemon_start || { cat "$DLOG"; not_ok "nA restarts"; finish; }

# 4. Quorum lost: refused with internal_error, nothing written; back: sales resume.
Q4=$(buy_quote 10.79.0.4)
Q4ID=$(field "$Q4" quote_id)
TX4=$(pay "$Q4")
APID=$DPID
etcd_kill 2
etcd_kill 3
t0=$(date +%s%N)
QL=$(A quote 10.77.0.1 10.79.0.41 1 120 -)
echo "# QUOTE refused after $((($(date +%s%N) - t0) / 1000000)) ms without quorum"
check "no quorum: QUOTE refused with internal_error naming etcd" \
	all 'is "$QL" ERROR internal_error && grep -q "etcd" <<<"$QL"'
t0=$(date +%s%N)
QL2=$(A quote 10.77.0.1 10.79.0.42 1 120 -)
ms2=$((($(date +%s%N) - t0) / 1000000))
echo "# the next QUOTE refused after $ms2 ms (breaker open)"
check "the next QUOTE is refused at once (${ms2} ms < 500), saying etcd is not asked again" \
	all 'is "$QL2" ERROR internal_error && grep -q "etcd unreachable, not asked again" <<<"$QL2" && [ "$ms2" -lt 500 ]'
OL=$(A order "$Q4ID" "$PAYER" "$TX4")
check "no quorum: ORDER refused with internal_error" is "$OL" ERROR internal_error
check "nothing recorded for that payment at nA" [ "$(db "SELECT count(*) FROM broker_orders WHERE tx = '$TX4'")" = 0 ]
etcd_restart 2
etcd_restart 3
check "quorum back" wait_for 'etcd_healthy 1'
sleep 1
C4=$(A order "$Q4ID" "$PAYER" "$TX4")
check "quorum back: the same ORDER gets its CONFIRM, same payflowd (no restart)" \
	all 'is "$C4" CONFIRM && [ "$DPID" = "$APID" ]'
check "quorum back: a new QUOTE is sold" is "$(buy_quote 10.79.0.5)" QUOTE

# 5. Refusals said in the cluster's terms; nothing written.
QB=$(buy_quote 10.79.0.6)
before=$(etcdctl_ get --prefix "$P/resv/" --keys-only | grep -c .)
QU=$(A quote 10.77.0.1 10.77.0.9 1 120 -)
check "a host behind no port of the cluster: bad_ip naming it" \
	all 'is "$QU" ERROR bad_ip && grep -q "host 10.77.0.9 is behind no port of the cluster" <<<"$QU"'
QX=$(A quote 10.77.0.1 10.77.0.2 1 120 00112233445566778899aabbccddeeff)
check "an extension of a reservation the cluster does not know: unknown_reservation" \
	all 'is "$QX" ERROR unknown_reservation && grep -q "no live reservation" <<<"$QX"'
check "an ORDER from the balance in cluster mode: bad_field saying so" \
	all 'OB=$(A order-balance "$(field "$QB" quote_id)"); is "$OB" ERROR bad_field && grep -q "not sold in cluster mode" <<<"$OB"'
check "and none of them wrote a record" [ "$(etcdctl_ get --prefix "$P/resv/" --keys-only | grep -c .)" = "$before" ]

# 6. PENDING at nB (2 confirmations asked): the hold is kept until the quote's
# expiry + confirm_grace in etcd; once deep enough, the same ORDER is granted.
node_b_stop
sed -i 's/"confirmations": 0/"confirmations": 2/' "$CONF_B"
node_b_start || { cat "$DLOG_B"; not_ok "nB restarts"; finish; }
PK_B=$(in_ns h1 "$PROBE" "$B_ADDR" hello | jq -r .broker_key)
Q7=$(B quote 10.77.0.1 10.79.0.7 1 60 -)
Q7ID=$(field "$Q7" quote_id)
ttl() { # the remaining seconds of Q7's record's lease
	local lease
	lease=$(etcdctl_ get "$P/resv/$Q7ID" -w fields | awk -F' : ' '$1 == "\"Lease\"" { print $2 }')
	lease=$(printf '%x' "$lease") # in bash: awk and jq would round the 64-bit id
	etcdctl_ lease timetolive "$lease" | grep -oE 'remaining\(-?[0-9]+s\)' | grep -oE -- '-?[0-9]+'
}
claims7() { etcdctl_ get --prefix "$P/holds/" --print-value-only | grep -c "^$Q7ID\$"; }
ttl0=$(ttl)
check "the unpaid hold claims a slot of its address, one of its key and its pair key (3)" [ "$(claims7)" = 3 ]
TX7=$(pay "$Q7")
P7=$(B order "$Q7ID" "$PAYER" "$TX7")
ttl1=$(ttl)
check "PENDING: the paid hold's claims are gone with its old lease (it no longer counts against the caps)" \
	[ "$(claims7)" = 0 ]
echo "# hold lease: ${ttl0}s before the payment, ${ttl1}s after PENDING"
check "PENDING while the payment is shallow" is "$P7" PENDING
check "the hold's lease now runs to expiry + confirm_grace (> the unpaid hold)" [ "$ttl1" -gt $((ttl0 + 60)) ]
"$CAST" rpc --rpc-url "$RPC" --raw anvil_mine '["0x2"]' >/dev/null
check "deep enough: the same ORDER is granted" is "$(B order "$Q7ID" "$PAYER" "$TX7")" CONFIRM
check "its record is granted with the tx" \
	jqe --arg tx "$TX7" '.state == "granted" and .tx == $tx' <<<"$(record "$Q7ID")"

# 7. Both brokers hammering the trunk (reservable 90 Mbit/s, partly used by the
# steps above): 20 concurrent quotes; exactly what is free is sold.
used=$(ledger_sum "$TRUNK")
fit=$(((90000000 - used) / 10000000))
hammer=()
for i in $(seq 10); do
	A quote 10.77.0.1 "10.79.1.$i" 1 120 - >"$EDIR/h-a$i" &
	hammer+=($!)
	B quote 10.77.0.1 "10.79.2.$i" 1 120 - >"$EDIR/h-b$i" &
	hammer+=($!)
done
wait "${hammer[@]}"
sold=$(cat "$EDIR"/h-* | jq -s '[.[] | select(.type == "QUOTE")] | length')
full=$(cat "$EDIR"/h-* | jq -s '[.[] | select(.code == "capacity_exhausted")] | length')
sum=$(ledger_sum "$TRUNK")
echo "# hammer: $used used before, $sold quotes sold, $full capacity_exhausted, trunk sum $sum"
check "hammer: $fit of 20 sold (what was free), $((20 - fit)) capacity_exhausted" [ "$sold/$full" = "$fit/$((20 - fit))" ]
check "the trunk's reserved sum in etcd is its reservable 90 Mbit/s, not above" [ "$sum" = 90000000 ]

for db_file in "$STATE/payflow.db" "$STATE_B/payflow.db"; do
	check "money invariant holds at $(basename "$(dirname "$(dirname "$db_file")")")/$(basename "$(dirname "$db_file")")" \
		python3 tests/integration/money_check.py --db "$db_file" --rpc "$RPC" --pay-to "$PAY_TO"
done
finish
