#!/usr/bin/env bash
# Installing along the path is all or nothing, and survives kill -9: on the
# line s1 - s2 - s3, a class that cannot be made on a later hop (its HTB root
# is gone) undoes the hops already made; after kill -9 during a stream of path
# grants, every hop of every acknowledged grant is back and no refused one is.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/path_lib.sh"

PATH_PORTS="p1 p3 t12a t12b t23a t23b"
topo_line
write_line_config 1gbit 100mbit 20mbit
daemon_start || { cat "$DLOG"; not_ok "payflowd starts on three bridges"; finish; }

no_classes() {
	local p
	for p in $PATH_PORTS p2 p4; do [ -z "$(live_classes "$PFX$p")" ] || { echo "# classes left on $p"; return 1; }; done
}
reserved_sum() { ctl --json topology | jq '[.ports[].reserved_bps] | add'; }

check "a hold h1 <-> h3 is placed" ctl hold 10.77.0.1 10.77.0.3 --rate 10mbit --seconds 60
hold=$(ctl --json list | jq '.reservations[0].id')
# The fifth egress in install order (p1, p3, t12a, t12b, t23a) loses its HTB root.
tc qdisc del dev "${PFX}t23a" root
ctl grant 10.77.0.1 10.77.0.3 --rate 10mbit --seconds 60 2>"$DDIR/err"
check "a grant whose class fails on t23a is refused" grep -q "^payflowctl: internal:" "$DDIR/err"
check "no class is left on any port" no_classes
check "no map entry is left" [ "$(map_count)" -eq 0 ]
check "no reservation row is left" [ "$(db 'SELECT count(*) FROM reservations WHERE state = 1')" -eq 0 ]
ctl grant --hold "$hold" 2>"$DDIR/err"
check "granting the hold is refused the same way" grep -q "^payflowctl: internal:" "$DDIR/err"
check "the hold stays a hold, nothing else charged" [ "$(ctl --json list | jq -r '[.reservations[] | "\(.id) \(.state)"] | join(",")')" = "$hold hold" ] && [ "$(reserved_sum)" -eq $((6 * 10000000)) ]
check "still no class and no map entry" no_classes && [ "$(map_count)" -eq 0 ]
check "the hold is released" ctl release "$hold"
check "nothing is charged anywhere" [ "$(reserved_sum)" -eq 0 ]

# kill -9 during a stream of path grants; every fourth one asks more than the trunk.
daemon_stop KILL
"$PFD" --config "$CONF" --detach >/dev/null 2>&1
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts"; finish; }
OUT="$DDIR/stream"
mkdir -p "$OUT"
(
	for i in $(seq 1 150); do
		rate=1mbit
		[ $((i % 4)) -eq 0 ] && rate=500mbit
		ctl grant "10.78.0.$i" "10.79.0.$i" --rate "$rate" --seconds 300 >"$OUT/$i.out" 2>"$OUT/$i.err"
		echo $? >"$OUT/$i.rc"
	done
) &
STREAM=$!
# The first grant after the restart makes the pool's first block on each of the
# shaped ports (seconds on a busy host): the kill comes 0.5 s after the first
# answer (waited for at most 30 s).
t0=$(date +%s%N)
for _ in $(seq 1 300); do compgen -G "$OUT/*.rc" >/dev/null && break; sleep 0.1; done
echo "# the first answer after $((($(date +%s%N) - t0) / 1000000)) ms"
sleep 0.5
daemon_stop KILL
wait "$STREAM"
acked=$(grep -l '^0$' "$OUT"/*.rc | wc -l)
refused=$(grep -l "capacity: link" "$OUT"/*.err | wc -l)
echo "# $acked acknowledged, $refused refused before the kill"
check "the stream was cut by the kill" [ "$acked" -gt 0 ] && [ "$acked" -lt 150 ] && [ "$refused" -gt 0 ]
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts after kill -9"; finish; }
missing=0 leaked=0
for f in "$OUT"/*.rc; do
	i=$(basename "$f" .rc)
	if [ "$(cat "$f")" = 0 ]; then
		cls=$(ctl --json show "10.78.0.$i" "10.79.0.$i" | jq -r .class)
		for p in $PATH_PORTS; do has_class "$p" "$cls" || { missing=1; echo "# grant $i: no class $cls on $p"; }; done
	elif grep -q "capacity: link" "$OUT/$i.err"; then
		ctl show "10.78.0.$i" "10.79.0.$i" >/dev/null 2>&1 && { leaked=1; echo "# refused grant $i is live"; }
	fi
done
active=$(db 'SELECT count(*) FROM reservations WHERE state = 1')
check "every hop of every acknowledged grant is back after kill -9" [ "$missing" -eq 0 ] && [ "$active" -ge "$acked" ]
check "no refused grant is live" [ "$leaked" -eq 0 ]
same=1
for p in $PATH_PORTS; do [ "$(live_classes "$PFX$p" | wc -l)" -eq "$active" ] || { same=0; echo "# $p has $(live_classes "$PFX$p" | wc -l) classes for $active reservations"; }; done
check "each egress of the path has one class per live reservation, the map one entry" [ "$same" -eq 1 ] && [ "$(map_count)" -eq "$active" ]
finish
