#!/usr/bin/env bash
# Crash safety: 200 grants through payflowctl while payflowd is killed with
# SIGKILL at random moments and restarted. Afterwards every acknowledged grant
# is enforced until its end (or has expired on time), none is duplicated, and
# the maps, the HTB classes and the database agree.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 2
P1="${PFX}p1" P2="${PFX}p2"
write_pair_config 10gbit 10gbit 100mbit 10mbit
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }

ACKS="$DDIR/acks"
: >"$ACKS"
# Grant i: pair 10.78.0.i <-> 10.79.0.i; every 10th lasts 3 s, the rest 600 s.
# A failed attempt (daemon down) is retried; a retry of a grant that was in
# fact committed must merge, not duplicate.
grant_loop() {
	local i secs out try
	for i in $(seq 1 200); do
		secs=600
		[ $((i % 10)) -eq 0 ] && secs=3
		for try in $(seq 1 50); do
			if out=$(ctl --json grant "10.78.0.$i" "10.79.0.$i" --rate 1mbit --seconds "$secs" 2>/dev/null); then
				echo "$i $(jq -r .id <<<"$out") $secs $(date +%s)" >>"$ACKS"
				break
			fi
			sleep 0.1
		done
	done
}
grant_loop &
LOOP=$!
PIDS+=($LOOP)

kills=0
while kill -0 "$LOOP" 2>/dev/null && [ $kills -lt 5 ]; do
	sleep "0.$((RANDOM % 8 + 2))"
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	kills=$((kills + 1))
	daemon_start || { cat "$DLOG"; not_ok "payflowd restarts after kill -9"; finish; }
done
wait "$LOOP"
echo "# $kills kills, $(wc -l <"$ACKS") grants acknowledged"
check "payflowd was killed at least 3 times during the grants" [ "$kills" -ge 3 ]
check "all 200 grants were acknowledged in the end" [ "$(wc -l <"$ACKS")" -eq 200 ]

# Let the 3 s grants end, then one more crash and restart to reconcile.
sleep 4
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
daemon_start || { cat "$DLOG"; not_ok "final restart"; finish; }
grep -o 'reconciled .*' "$DLOG" | tail -1 | sed 's/^/# /'

MAP="$DDIR/map.json"
"$CTL" --pin-root "$PIN" --direct --json list >"$MAP"
now=$(date +%s)
bad=0
while read -r i id secs acked_at; do
	row=$(db "SELECT state, minor, hex(lo) || hex(hi) FROM reservations WHERE id = $id")
	state=${row%%|*}
	if [ "$secs" = 3 ]; then
		# ended: expired in the database, absent from the map
		if [ "$state" != 2 ] || jq -e --argjson id "$id" 'any(.[]; .id == $id)' "$MAP" >/dev/null; then
			echo "# grant $i (id $id, 3 s): state $state, or still in the map"
			bad=$((bad + 1))
		fi
	else
		left=$(jq --argjson id "$id" '[.[] | select(.id == $id and .state == "active")] | .[0].seconds_left // -1' "$MAP")
		if [ "$state" != 1 ] || ! awk -v l="$left" -v s="$secs" -v a="$acked_at" -v n="$now" \
			'BEGIN { exit !(l > 0 && l <= s && l >= s - (n - a) - 5) }'; then
			echo "# grant $i (id $id): state $state, seconds left in the map $left"
			bad=$((bad + 1))
		fi
	fi
done <"$ACKS"
check "every acknowledged grant is enforced until its end or expired on time" [ "$bad" -eq 0 ]

check "no pair has two active reservations" \
	[ "$(db 'SELECT count(*) FROM (SELECT lo, hi FROM reservations WHERE state = 1 GROUP BY lo, hi HAVING count(*) > 1)')" -eq 0 ]
check "no grant was acknowledged twice with different ids" \
	[ "$(awk '{print $1}' "$ACKS" | sort -u | wc -l)" -eq "$(awk '{print $2}' "$ACKS" | sort -u | wc -l)" ]

active=$(db 'SELECT count(*) FROM reservations WHERE state = 1')
check "180 reservations are active in the database ($active)" [ "$active" -eq 180 ]
# The column minor holds each reservation's pooled class as a number, as the map does.
map_ok() { [ "$(jq '[.[] | select(.state == "active")] | length' "$MAP")" -eq "$active" ] && [ "$(jq -r '.[] | "\(.id) \(.classid)"' "$MAP" | sort)" = "$(db "SELECT id || ' ' || minor FROM reservations WHERE state = 1" | sort)" ]; }
check "the map holds exactly the database's active reservations" map_ok
classes_ok() { [ "$(class_count "$P1")" -eq "$active" ] && [ "$(class_count "$P2")" -eq "$active" ]; }
check "each port has one class per active reservation ($(class_count "$P1"), $(class_count "$P2"))" \
	classes_ok
finish
