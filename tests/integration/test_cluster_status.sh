#!/usr/bin/env bash
# STATUS of a cluster reservation at any broker (docs/CLUSTER.md, "Selling in
# cluster mode"), over cluster_sell_lib.sh: two payflowd brokers nA and nB on a
# real three-member etcd and Anvil. Bought at nA, asked at nB by id and by
# pair: the record's end, level and rate; each node's own counters of its hop
# after a ping; a non-owner gets pair_not_owned; after the end, the broker that
# sold it says it ended (active false, its end) and the other one
# unknown_reservation; quorum lost: internal_error naming etcd.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd brokers on etcd and Anvil start"; finish; }
ok "two payflowd brokers on etcd and Anvil start"
jqe() { jq -e "$@" >/dev/null; }
# from_ctl BROKER_ADDR PIN ARGS: broker_probe from ctl (10.77.0.100, in neither end of the pair).
from_ctl() { local b=$1 pk=$2; shift 2; in_ns ctl "$PROBE" "$b" --seed "$SEED" --pin "$pk" "$@"; }
SECS=15

Q=$(A quote 10.77.0.1 10.77.0.2 1 "$SECS" -)
QID=$(field "$Q" quote_id)
TX=$(pay "$Q")
C=$(A order "$QID" "$PAYER" "$TX")
check "bought at nA: CONFIRM" is "$C" CONFIRM
END=$(field "$C" end)
START=$(field "$C" start)
same() { # STATUS_REPLY matches the CONFIRM and the record
	is "$1" STATUS_REPLY &&
		jqe --arg id "$QID" --argjson s "$START" --argjson e "$END" \
			'.reservation_id == $id and .start == $s and .end == $e and .level == 1 and
			 .rate_bps == 10000000 and .active == true and .ip1 == "10.77.0.1" and .ip2 == "10.77.0.2"' <<<"$1"
}
SB=$(B status "$QID")
check "STATUS by id at nB (sold at nA): the record's start, end, level 1, 10 Mbit/s, active" same "$SB"
check "and its end is the record's in etcd" [ "$(record "$QID" | jq .end)" = "$END" ]
SP=$(B status-pair 10.77.0.2 10.77.0.1)
check "STATUS by pair at nB (either order): the same reservation" same "$SP"
check "STATUS by id at nA too" same "$(A status "$QID")"

# Counters: each node reports its own map entry's (both enforce hops of it): 5 UDP
# packets to a closed port of h2 and its 5 ICMP port-unreachable answers.
installed() { bpftool map dump pinned "$1/reservations" 2>/dev/null | grep -q '"rate_bps": 10000000'; }
check "both nodes installed their hops" wait_for 'installed "$PIN" && installed "$PIN_B"'
for _ in 1 2 3 4 5; do in_ns h1 bash -c 'echo payflow >/dev/udp/10.77.0.2/9'; done
pk_a=$(field "$(A status "$QID")" packets)
pk_b=$(field "$(B status "$QID")" packets)
echo "# after 5 UDP packets h1 -> h2: nA counted $pk_a packets, nB $pk_b"
check "after 5 UDP packets h1 -> h2: nA's counters show 10 packets" [ "$pk_a" = 10 ]
check "and nB's own counters 10 too" [ "$pk_b" = 10 ]

# Ownership and unknown ids.
NO=$(from_ctl "$B_ADDR" "$PK_B" status "$QID")
check "STATUS by id from an address in neither end: pair_not_owned" is "$NO" ERROR pair_not_owned
NP=$(from_ctl "$B_ADDR" "$PK_B" status-pair 10.77.0.1 10.77.0.2)
check "STATUS by pair from an address in neither end: pair_not_owned" is "$NP" ERROR pair_not_owned
check "an id that no broker sold: unknown_reservation" \
	is "$(B status 00112233445566778899aabbccddeeff)" ERROR unknown_reservation
QH=$(A quote 10.77.0.1 10.77.0.2 1 "$SECS" -)
check "a quote's hold (not paid) is no reservation: unknown_reservation" \
	is "$(B status "$(field "$QH" quote_id)")" ERROR unknown_reservation

# After the end: the key goes with its lease.
gone() { [ -z "$(record "$QID")" ]; }
for _ in $(seq 60); do gone && break; sleep 0.5; done
check "the record left etcd at its end" gone
EA=$(A status "$QID")
check "after the end, nA (it sold it): STATUS_REPLY, not active, the end it had" \
	all 'is "$EA" STATUS_REPLY && jqe --argjson e "$END" ".active == false and .end == \$e and .level == 1" <<<"$EA"'
check "after the end, nB (no order of it): unknown_reservation" \
	is "$(B status "$QID")" ERROR unknown_reservation
check "after the end, by pair: unknown_reservation (no active reservation)" \
	is "$(A status-pair 10.77.0.1 10.77.0.2)" ERROR unknown_reservation

# Quorum lost: internal_error naming etcd, then back.
Q2=$(A quote 10.77.0.1 10.77.0.2 1 120 -)
Q2ID=$(field "$Q2" quote_id)
check "a second purchase" is "$(A order "$Q2ID" "$PAYER" "$(pay "$Q2")")" CONFIRM
etcd_kill 2
etcd_kill 3
SL=$(B status "$Q2ID")
check "no quorum: STATUS is internal_error naming etcd" \
	all 'is "$SL" ERROR internal_error && grep -q "etcd" <<<"$SL"'
etcd_restart 2
etcd_restart 3
check "quorum back" wait_for 'etcd_healthy 1'
sleep 1.2 # the breaker's window
check "quorum back: STATUS answers again" wait_for 'is "$(B status "$Q2ID")" STATUS_REPLY'

for db_file in "$STATE/payflow.db" "$STATE_B/payflow.db"; do
	check "money invariant holds at $(basename "$(dirname "$db_file")")" \
		python3 tests/integration/money_check.py --db "$db_file" --rpc "$RPC" --pay-to "$PAY_TO"
done
finish
