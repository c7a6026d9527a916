#!/usr/bin/env bash
# A wall clock set back: payflowd refuses to reconcile while the clock reads
# earlier than the newest event in its database (here a reservation recorded
# an hour in the future), says so, and leaves the data plane enforcing: the
# map entry and its class stay as they were.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 2
write_config 100mbit 20mbit
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }
ctl grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 600 >/dev/null || not_ok "grant"
daemon_stop
entry() { bpftool -j map dump pinned "$PIN/reservations" | jq -c '.[0].value'; } # its raw bytes
before=$(entry)
check "the map has the entry to compare" [ "${before:-null}" != null ]

db "UPDATE reservations SET start_wall_ns = start_wall_ns + 3600000000000, end_wall_ns = end_wall_ns + 3600000000000"
"$PFD" --config "$CONF" >"$DDIR/refused.log" 2>&1 &
pid=$!
PIDS+=("$pid")
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then # still running after 10 s: it reconciled
	kill "$pid"
	wait "$pid" 2>/dev/null
	rc=running
else
	wait "$pid" 2>/dev/null
	rc=$?
fi
check "payflowd exits instead of reconciling (exit $rc)" [ "$rc" != running ] && [ "$rc" -ne 0 ]
check "and says the wall clock is behind the database" \
	grep -q "the wall clock (.*) is earlier than the newest event in the database (.*): refusing to reconcile" "$DDIR/refused.log"
check "the map entry is untouched (same bytes, so the same expires_at)" [ "$(entry)" = "$before" ]
check "its class is still on the ports" [ "$(class_count "${PFX}p1")" -eq 1 ]

db "UPDATE reservations SET start_wall_ns = start_wall_ns - 3600000000000, end_wall_ns = end_wall_ns - 3600000000000"
daemon_start
check "with the clock right again payflowd starts and reconciles" [ -n "$DPID" ] && grep -q "reconciled 1 active" "$DLOG"
finish
