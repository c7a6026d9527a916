#!/usr/bin/env bash
# STATUS of a cluster reservation at any broker (docs/CLUSTER.md, "Selling in
# cluster mode"), over cluster_sell_lib.sh: two payflowd brokers nA and nB on a
# real three-member etcd and Anvil. Bought at nA, asked at nB by id and by
# pair: the record's end, level and rate; each node's own counters of its hop
# after a ping; a non-owner gets pair_not_owned; after the end, the broker that
# sold it says it ended (active false, its end) and the other one
# unknown_reservation, an extension paid after the end is refused and credited; an extension bought at nB moves the end in etcd and in
# both nodes' maps, and both ORDERs retried get their own CONFIRMs; quorum lost:
# internal_error naming etcd.
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
QL=$(B quote 10.77.0.1 10.77.0.2 1 10 "$QID") # paid only after the end (below)
check "an extension quoted at nB while it runs" is "$QL" QUOTE
SB=$(B status "$QID")
check "STATUS by id at nB (sold at nA): the record's start, end, level 1, 10 Mbit/s, active" same "$SB"
check "and its end is the record's in etcd" [ "$(record "$QID" | jq .end)" = "$END" ]
SP=$(B status-pair 10.77.0.2 10.77.0.1)
check "STATUS by pair at nB (either order): the same reservation" same "$SP"
check "STATUS by id at nA too" same "$(A status "$QID")"

# Counters: each node reports its own map entry's (both enforce hops of it): 5 UDP
# packets to a closed port of h2 and its 5 ICMP port-unreachable answers.
# (the dump is read whole first: under pipefail, grep -q leaving early would make
# bpftool's next write die of SIGPIPE and the pipeline fail)
installed() { grep -q '"rate_bps": 10000000' <<<"$(bpftool map dump pinned "$1/reservations" 2>/dev/null)"; }
installed_both() { local _; for _ in $(seq 300); do installed "$PIN" && installed "$PIN_B" && return 0; sleep 0.1; done; return 1; }
t_inst=$(date +%s.%N)
if installed_both; then
	ok "both nodes installed their hops"
else
	not_ok "both nodes installed their hops"
	echo "# waited from $t_inst to $(date +%s.%N); the record: $(record "$QID")"
	grep -h "cluster\|$QID" "$DLOG" | sed 's/^/# nA: /' | tail -20
	grep -h "cluster\|$QID" "$DLOG_B" | sed 's/^/# nB: /' | tail -20
fi
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
QH=$(A quote 10.77.0.1 10.79.0.7 1 "$SECS" -) # another pair: h1 <-> h2 is reserved
check "a quote's hold (not paid) is no reservation: unknown_reservation" \
	is "$(B status "$(field "$QH" quote_id)")" ERROR unknown_reservation

# An extension bought at nB of a reservation bought at nA (pair h1 <-> 10.79.0.5,
# behind nB's p2): the record's end moves in etcd and in both nodes' map entries;
# each ORDER retried at either broker gets its own CONFIRM.
EP="10.79.0.5"
left() { # PIN: seconds left of the pair's map entry on that node (payflowctl reads the map)
	"$CTL" --pin-root "$1" --direct --json list |
		jq -r --arg p "10.77.0.1 <-> $EP" --arg q "$EP <-> 10.77.0.1" \
			'[.[] | select(.pair == $p or .pair == $q) | .seconds_left][0] // 0'
}
QE=$(A quote 10.77.0.1 "$EP" 1 60 -)
QEID=$(field "$QE" quote_id)
TXE=$(pay "$QE")
CE=$(A order "$QEID" "$PAYER" "$TXE")
check "a 60 s reservation bought at nA" is "$CE" CONFIRM
END_E=$(field "$CE" end)
has() { awk -v v="$(left "$1")" 'BEGIN { exit !(v > 0) }'; }
check "both nodes installed it" wait_for 'has "$PIN" && has "$PIN_B"'
L0A=$(left "$PIN")
L0B=$(left "$PIN_B")
exp_ns() { # PIN: the latest end (CLOCK_BOOTTIME ns) of the node's cluster map entries: this one's
	bpftool -j map dump pinned "$1/reservations" 2>/dev/null |
		jq '[.[].formatted.value | select(.resv_id >= 9223372036854775808) | .expires_at] | max // 0'
}
X0A=$(exp_ns "$PIN")
X0B=$(exp_ns "$PIN_B")
check "an extension of another pair's reservation: extend_mismatch" \
	is "$(B quote 10.77.0.1 10.77.0.2 1 30 "$QEID")" ERROR extend_mismatch
check "an extension of an id the cluster does not know: unknown_reservation" \
	is "$(B quote 10.77.0.1 "$EP" 1 30 00112233445566778899aabbccddeeff)" ERROR unknown_reservation
QX=$(B quote "$EP" 10.77.0.1 1 30 "$QEID") # the pair in the other order: the same two-way pair
check "QUOTE for a 30 s extension at nB (the pair named the other way round)" all 'is "$QX" QUOTE && [ "$(field "$QX" extends)" = "$QEID" ]'
QXID=$(field "$QX" quote_id)
TXX=$(pay "$QX")
CX=$(B order "$QXID" "$PAYER" "$TXX")
check "ORDER of the extension at nB: CONFIRM of the same reservation, end + 30 s" \
	all 'is "$CX" CONFIRM && [ "$(field "$CX" reservation_id)" = "$QEID" ] && [ "$(field "$CX" end)" = $((END_E + 30)) ]'
check "etcd's record: end + 30 s, the extension's tx, start unchanged" \
	jqe --argjson e $((END_E + 30)) --argjson s "$(field "$CE" start)" --arg tx "$TXX" \
	'.state == "granted" and .end == $e and .start == $s and .tx == $tx' <<<"$(record "$QEID")"
check "the extension's payment is claimed in etcd (P/tx/)" [ -n "$(etcdctl_ get "$P/tx/$TXX" --keys-only)" ]
check "and the reservation keeps its one 10 Mbit/s debit on the trunk" \
	[ "$(etcdctl_ get "$P/ledger/nA:${PFX}tA/$QEID" --print-value-only)" = 10000000 ]
lease_left() { # KEY: the remaining seconds of its lease in etcd
	local lease
	lease=$(etcdctl_ get "$1" -w fields | awk -F' : ' '$1 == "\"Lease\"" { print $2 }')
	lease=$(printf '%x' "$lease") # in bash: awk and jq would round the 64-bit id
	etcdctl_ lease timetolive "$lease" | grep -oE 'remaining\(-?[0-9]+s\)' | grep -oE -- '-?[0-9]+'
}
LL=$(lease_left "$P/resv/$QEID")
check "the record's new lease runs to the new end ($LL s left, > the old end's $((END_E - $(date +%s))) s + 25)" \
	[ "$LL" -gt $((END_E - $(date +%s) + 25)) ]
PAIRKEY="$P/pairs/10.77.0.1_$EP"
LP=$(lease_left "$PAIRKEY")
check "the pair's claim (P/pairs/) still names it, moved to the new lease ($LP s left)" \
	all '[ "$(etcdctl_ get "$PAIRKEY" --print-value-only)" = "$QEID" ] && [ "$LP" -gt $((END_E - $(date +%s) + 25)) ]'
check "a new quote for the pair while it runs: pair_reserved" \
	is "$(A quote 10.77.0.1 "$EP" 1 30 -)" ERROR pair_reserved
moved() { awk -v a="$(left "$1")" -v b="$2" 'BEGIN { exit !(a > b + 25) }'; }
check "nA's map entry ends 30 s later (updated in place)" wait_for 'moved "$PIN" "$L0A"'
check "nB's map entry ends 30 s later too" wait_for 'moved "$PIN_B" "$L0B"'
echo "# seconds left before/after: nA $L0A/$(left "$PIN"), nB $L0B/$(left "$PIN_B")"
later30() { awk -v d="$(($(exp_ns "$1") - $2))" 'BEGIN { exit !(d > 29e9 && d < 31e9) }'; }
check "bpftool: nA's entry's expires_at moved by 30 s (within 1 s)" wait_for 'later30 "$PIN" "$X0A"'
check "bpftool: nB's entry's expires_at moved by 30 s (within 1 s)" wait_for 'later30 "$PIN_B" "$X0B"'
echo "# expires_at moved by $(($(exp_ns "$PIN") - X0A)) ns at nA, $(($(exp_ns "$PIN_B") - X0B)) ns at nB"
RB=$(B order "$QEID" "$PAYER" "$TXE")
check "the first ORDER retried at nB (its record now names the extension's tx): its own CONFIRM, the first end" \
	all 'is "$RB" CONFIRM && [ "$(field "$RB" end)" = "$END_E" ] && [ "$(field "$RB" tx_hash)" = "$TXE" ]'
RA=$(A order "$QEID" "$PAYER" "$TXE")
check "and at nA: the first CONFIRM" all 'is "$RA" CONFIRM && [ "$(field "$RA" end)" = "$END_E" ]'
XA=$(A order "$QXID" "$PAYER" "$TXX")
check "the extension's ORDER retried at nA (quoted at nB): its CONFIRM, end + 30 s" \
	all 'is "$XA" CONFIRM && [ "$(field "$XA" reservation_id)" = "$QEID" ] && [ "$(field "$XA" end)" = $((END_E + 30)) ]'
XB=$(B order "$QXID" "$PAYER" "$TXX")
check "and at nB: the same" all 'is "$XB" CONFIRM && [ "$(field "$XB" end)" = $((END_E + 30)) ]'
check "and still end + 30 s in etcd (no second extension)" \
	[ "$(record "$QEID" | jq .end)" = $((END_E + 30)) ]
check "STATUS at nA gives the new end" \
	jqe --argjson e $((END_E + 30)) '.type == "STATUS_REPLY" and .end == $e' <<<"$(A status "$QEID")"
# Two more extensions at once, one at each broker (10 s and 20 s): one admission
# wins, the other reads the moved record again and adds its seconds on top.
Q10=$(A quote 10.77.0.1 "$EP" 1 10 "$QEID")
Q20=$(B quote 10.77.0.1 "$EP" 1 20 "$QEID")
T10=$(pay "$Q10")
T20=$(pay "$Q20")
A order "$(field "$Q10" quote_id)" "$PAYER" "$T10" >"$EDIR/x10" &
x10=$!
B order "$(field "$Q20" quote_id)" "$PAYER" "$T20" >"$EDIR/x20" &
x20=$!
wait "$x10" "$x20"
E10=$(field "$(cat "$EDIR/x10")" end)
E20=$(field "$(cat "$EDIR/x20")" end)
echo "# concurrent extensions: +10 s confirmed end $E10, +20 s confirmed end $E20 (base $((END_E + 30)))"
check "two extensions at once: both CONFIRM" \
	all 'is "$(cat "$EDIR/x10")" CONFIRM && is "$(cat "$EDIR/x20")" CONFIRM'
check "both applied: etcd's end is + 30 + 10 + 20 s, the later CONFIRM's end" \
	all '[ "$(record "$QEID" | jq .end)" = $((END_E + 60)) ] && [ $((E10 > E20 ? E10 : E20)) = $((END_E + 60)) ]'
check "and still one 10 Mbit/s debit on the trunk for it" \
	[ "$(etcdctl_ get "$P/ledger/nA:${PFX}tA/$QEID" --print-value-only)" = 10000000 ]

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
check "after the end, an extension quoted at nA (it sold it): reservation_ended" \
	is "$(A quote 10.77.0.1 10.77.0.2 1 10 "$QID")" ERROR reservation_ended
check "and at nB: unknown_reservation" \
	is "$(B quote 10.77.0.1 10.77.0.2 1 10 "$QID")" ERROR unknown_reservation
OL=$(B order "$(field "$QL" quote_id)" "$PAYER" "$(pay "$QL")")
check "the extension quoted before the end, paid after it: reservation_ended" is "$OL" ERROR reservation_ended
check "and its payment is credited to the key at nB (balance = its amount)" \
	[ "$(field "$(B balance)" balance)" = "$(field "$QL" amount)" ]
check "and the ended record was not brought back" gone

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
