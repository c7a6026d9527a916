#!/usr/bin/env bash
# Admission under concurrency: 50 payflowctl processes grant at once, 5 Mbit/s
# each, across a port with 80 Mbit/s reservable. Exactly 16 fit; every other
# one is refused with the capacity error naming the port and its free rate.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 2
P1="${PFX}p1" P2="${PFX}p2"
write_pair_config 100mbit 1gbit 20mbit 5mbit
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }

OUT="$DDIR/out"
mkdir -p "$OUT"
for i in $(seq 1 50); do
	ctl grant "10.78.0.$i" "10.79.0.$i" --rate 5mbit --seconds 300 >"$OUT/$i.out" 2>"$OUT/$i.err" &
	PIDS+=($!)
done
accepted=0 refused=0 wrong=0
for i in $(seq 1 50); do
	if wait "${PIDS[-$i]}"; then accepted=$((accepted + 1)); else
		refused=$((refused + 1))
		grep -qE "^payflowctl: capacity: port $P1 has [0-9.]+ (k|M)?bit/s free of 80 Mbit/s reservable" "$OUT/"*.err || wrong=1
	fi
done
PIDS=()
for f in "$OUT"/*.err; do
	[ -s "$f" ] && ! grep -qE "^payflowctl: capacity: port $P1 has [0-9.]+ (k|M)?bit/s free of 80 Mbit/s reservable \(capacity minus the best-effort floor\); 5 Mbit/s more was asked$" "$f" && { wrong=1; cat "$f"; }
done
echo "# $accepted accepted, $refused refused"
check "exactly 16 of 50 concurrent 5 Mbit/s grants fit 80 Mbit/s" [ "$accepted" -eq 16 ]
check "every refusal carries the capacity error with the port and its free rate" [ "$wrong" -eq 0 ] && [ "$refused" -eq 34 ]
reserved=$(ctl --json ports | jq --arg p "$P1" '.ports[] | select(.ifname == $p) | .reserved_bps')
check "the port's reserved sum stays within capacity minus floor ($reserved)" [ "$reserved" -eq 80000000 ]
check "the map holds the 16 accepted grants" [ "$(map_count)" -eq 16 ]
check "the database holds the 16 accepted grants" [ "$(db 'SELECT count(*) FROM reservations WHERE state = 1')" -eq 16 ]
check "refusals are counted by reason" [ "$(ctl --json stats | jq .refusals.capacity)" -eq 34 ]

# An endpoint on no configured port is refused with its own error.
ctl grant 10.99.0.1 10.79.0.1 --rate 1mbit --seconds 10 2>"$DDIR/err"
check "unknown endpoint is refused" grep -qx 'payflowctl: unknown_endpoint: 10.99.0.1 is on no configured port (add it to a port'"'"'s "hosts")' "$DDIR/err"
# A raise of a live reservation is admitted only for the increase.
ctl grant 10.78.0.200 10.79.0.200 --rate 6mbit --seconds 10 2>"$DDIR/err"
check "a full port refuses a new 6 Mbit/s grant" grep -q '^payflowctl: capacity: port ' "$DDIR/err"
ok_id=$(for f in "$OUT"/*.out; do [ -s "$f" ] && basename "$f" .out && break; done)
ctl revoke "10.78.0.$ok_id" "10.79.0.$ok_id" >/dev/null
check "a revoke frees its capacity" [ "$(ctl --json ports | jq --arg p "$P1" '.ports[] | select(.ifname == $p) | .free_bps')" -eq 5000000 ]
finish
