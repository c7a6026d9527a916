#!/usr/bin/env bash
# Full map: payflowd with "max_reservations": FULLMAP_N (default 64) sells
# FULLMAP_N reservations, then refuses the next paid ORDERs with
# capacity_exhausted "the reservations map is full", crediting their payments
# to the buyer's balance (docs/MONEY.md) and without evicting any paid entry
# (all FULLMAP_N stay in the map with their ends); the control socket refuses
# a grant the same way. A restart with another size fails with the "detach
# first" message.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/reliability/common.sh
N=${FULLMAP_N:-64}
EXTRA=3

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "fullmap: Anvil starts"; finish; }
rel_config 1000gbit "" "" "\"max_reservations\": $N"
daemon_start || { cat "$DLOG"; not_ok "fullmap: payflowd starts with max_reservations $N"; finish; }
rel_pin || { not_ok "fullmap: MENU pinned"; finish; }

FIRST="$DDIR/first.log"
rprobe buy "$N" "$RPC" "${ACCOUNTS[2]}" 10.77.0.1 10.78.1.1 1 600 >"$FIRST"
check "fullmap: $N orders fill the map" [ "$(jq -s 'map(select(.outcome == "CONFIRM")) | length' "$FIRST")" = "$N" ]
check "fullmap: the map has $N entries" [ "$(map_count)" = "$N" ]

MORE="$DDIR/more.log"
rprobe buy "$EXTRA" "$RPC" "${ACCOUNTS[2]}" 10.77.0.1 10.78.2.1 1 600 >"$MORE"
REFUSED=$(jq -s --arg n "$N" 'map(select(.outcome == "capacity_exhausted" and
	(.detail | startswith("the reservations map is full (\($n) entries)")))) | length' "$MORE")
echo "# $(head -1 "$MORE")"
check "fullmap: $EXTRA more paid ORDERs get capacity_exhausted naming the full map" [ "$REFUSED" = "$EXTRA" ]
CONSUMED=$(db "SELECT count(*) FROM payments")
REFUNDS=$(db "SELECT count(*) FROM balance_entries WHERE kind = 'refund'")
check "fullmap: their payments are credited to the buyer's balance ($REFUNDS refunds, $CONSUMED used)" \
	[ "$REFUNDS,$CONSUMED" = "$EXTRA,$((N + EXTRA))" ]
GRANT=$(ctl --json grant 10.77.0.1 10.78.3.1 --level 1 --seconds 60 2>&1)
check "fullmap: a control-socket grant is refused naming the full map ($GRANT)" \
	grep -q "the reservations map is full ($N entries)" <<<"$GRANT"
S=$(tests/reliability/chaos_check.py sample --ctl "$CTL" --pin "$PIN" "$FIRST")
check "fullmap: no paid entry evicted: all $N in the map with their ends ($S)" \
	jqe --arg n "$N" '.active_checked == ($n | tonumber) and .misses == 0' <<<"$S"
check "fullmap: the map still has $N entries" [ "$(map_count)" = "$N" ]

# Once a reservation ends, its entry is free again: the refunded payment, now on the
# balance, buys its quote (an ORDER from the balance).

ctl revoke 10.77.0.1 10.78.1.1 >/dev/null
Q=$(jq -r 'select(.i == 0) | .quote_id' "$MORE")
C=$(rprobe order-balance "$Q")
check "fullmap: after one reservation ends, the refunded payment buys its quote from the balance" jqe '.type == "CONFIRM"' <<<"$C"

daemon_stop
rel_config 1000gbit "" "" "\"max_reservations\": $((N * 2))"
daemon_start
check "fullmap: a restart with another size fails" [ -z "$DPID" ]
check "fullmap: ... saying to detach first" grep -q "holds $N entries, not the $((N * 2)) configured (max_reservations): detach first" "$DLOG"

echo "fullmap: max_reservations $N, $N granted, $REFUSED of $EXTRA refused (map full), $((N - $(jq -r '.active_checked - .misses' <<<"$S"))) evicted, $REFUNDS refused payments refunded to the balance"
rel_result fullmap "$(jq -cn --argjson n "$N" --argjson r "$REFUSED" --argjson e "$EXTRA" \
	--argjson s "$S" --argjson c "$CONSUMED" '{fullmap_size: $n, fullmap_granted: $n,
	fullmap_refused: $r, fullmap_attempted_over: $e, fullmap_evicted: ($n - ($s.active_checked - $s.misses)),
	fullmap_refused_refunded: ($c - $n)}')"
finish
