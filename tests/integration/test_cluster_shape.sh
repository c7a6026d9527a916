#!/usr/bin/env bash
# A purchase whose path crosses two machines is shaped on both (issue 15,
# docs/CLUSTER.md "Enforcement nodes"): two payflowd brokers and enforcement
# nodes nA (h1 and the host ctl) and nB (h2) on a real three-member etcd and
# Anvil (cluster_sell_lib.sh), 100 Mbit/s ports, the trunk tA (nA) <-> tB
# (nB). Three unreserved flows ctl -> h2 cross the trunk and h2's port, the
# two egresses of h1 -> h2. Without a reservation h1 -> h2 gets about a
# quarter of the link; after buying level 2 (60 Mbit/s) at nA, both nodes
# install their hops (map entries, HTB classes) and h1 -> h2 gets its rate.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd nodes on etcd and Anvil start"; finish; }
RATE=60000000
want=$(expected_goodput $RATE 4)
iperf_server h2
ip netns exec "${PFX}h2" iperf3 -s -p 5202 --logfile /dev/null &
PIDS+=($!)
sleep 0.3

got=$(against_three_once h1 10.77.0.2 ctl 10.77.0.2 5202)
check "unreserved, h1 -> h2 gets well under 60 Mbit/s against three flows on the trunk ($(ratio "$got" "$want"))" \
	awk -v v="$got" -v t="$want" 'BEGIN { exit !(v < 0.8 * t) }'

Q=$(A quote 10.77.0.1 10.77.0.2 2 60 -)
QID=$(field "$Q" quote_id)
C=$(A order "$QID" "$PAYER" "$(pay "$Q")")
check "level 2 (60 Mbit/s) h1 <-> h2 bought at nA" is "$C" CONFIRM
entry() { # PIN: the pair's cluster entry's rate
	bpftool -j map dump pinned "$1/reservations" 2>/dev/null |
		jq -r '.[].formatted.value | select(.resv_id >= 9223372036854775808) | .rate_bps'
}
check "nA installs its hops (map entry at 60 Mbit/s)" wait_for '[ "$(entry "$PIN")" = $RATE ]'
check "nB installs its hops (map entry at 60 Mbit/s)" wait_for '[ "$(entry "$PIN_B")" = $RATE ]'
class60() { class_rates "$PFX$1" | grep -cx 60Mbit; }
check "a 60 Mbit/s class on each hop: nA's tA and p1, nB's p2 and tB" \
	eval '[ "$(class60 tA)$(class60 p1)$(class60 p2)$(class60 tB)" = 1111 ]'

got=$(paid_against_three h1 10.77.0.2 ctl 10.77.0.2 5202 "$want" 0.9)
check "reserved, h1 -> h2 gets its 60 Mbit/s against three flows on the trunk ($(ratio "$got" "$want"), >= 0.9)" \
	awk -v v="$got" -v t="$want" 'BEGIN { exit !(v >= 0.9 * t) }'
finish
