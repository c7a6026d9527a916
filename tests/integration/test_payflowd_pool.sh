#!/usr/bin/env bash
# payflowd on the class pool (userspace/dataplane/pool.h), two ports:
# (a) a grant takes pooled leaf 10:1 and sets its rate on both ports;
# (b) an IPv4 reservation at 150 Mbit/s carries its rate within 10 % (the
#     reverted pool merge was blamed for payflowd's classes giving 81 of
#     143.5 Mbit/s) and its port counts the flow in that leaf;
# (c) revoke parks the leaf on both ports, emptied: a flow goes on at best
#     effort after a revoke in its midst;
# (d) the next reservation (IPv6) takes the same leaf at its own rate, with
#     zeroed counters, and carries its rate within 10 %;
# (e) 600 more grants grow the pool to 3 blocks, each its own leaf;
# (f) after kill -9 the restart rebuilds the occupancy from the database: no
#     leaf lost, none given twice, a stray leaf rate parked;
# (g) when the 600 end the pool shrinks back to the live block and one spare;
# (h) pool_classes 1000 (by a reload) makes 1000 free classes ahead of grants.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 2
P1="${PFX}p1" P2="${PFX}p2"
write_pair_config 1gbit 1gbit 20mbit 150mbit
sed -i 's/"hosts": \["10.77.0.\([12]\)", /"hosts": ["10.77.0.\1", "fd77::\1", /' "$CONF"
# No classes made ahead (pool_classes 0) until (h): the pool grows only by grants.
sed -i '1s/{/{"pool_classes": 0,/' "$CONF"
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }
iperf_server h2

# leaf_at CLASS RATE: the class has RATE (as tc prints it) on both ports.
leaf_at() { tc class show dev "$P1" classid "$1" | grep -q "rate $2 ceil $2 " && tc class show dev "$P2" classid "$1" | grep -q "rate $2 ceil $2 "; }
leaf_bytes() { tc -s class show dev "$1" classid "$2" | awk '/Sent/ { print $2; exit }'; }
blocks() { "$CTL" --pin-root "$PIN" --json pool | jq .blocks; }
# shaped NAME FROM TO RATE FAMILY: goodput within 10 % of a class of RATE bit/s.
shaped() {
	local got want
	want=$(expected_goodput "$4" "$5")
	got=$(iperf_rate "$2" "$3" 4 "$want" 10 | goodput_bps)
	echo "# $1: $(ratio "$got" 1000000) Mbit/s, ratio $(ratio "$got" "$want")"
	check "$1" within "$got" "$want" 10
}

ctl grant 10.77.0.1 10.77.0.2 --rate 150mbit --seconds 120 >/dev/null
cls=$(ctl --json show 10.77.0.1 10.77.0.2 | jq -r .class)
check "a: the grant took pooled leaf 10:1 (got $cls)" [ "$cls" = 10:1 ]
check "a: ... at 150 Mbit/s on both ports" leaf_at 10:1 150Mbit
check "a: payflowd made no class 1:N" bash -c "! tc class show dev '$P1' | grep -qE 'class htb 1:[0-9a-f]{2,} '"
before=$(leaf_bytes "$P2" 10:1)
shaped "b: IPv4 h1 -> h2 carries 150 Mbit/s in the pooled leaf" h1 10.77.0.2 150000000 4
sent=$(($(leaf_bytes "$P2" 10:1) - before))
check "b: h2's port counted the flow in 10:1 ($sent bytes)" [ "$sent" -gt 50000000 ]

ctl revoke 10.77.0.1 10.77.0.2 >/dev/null
check "c: revoke parks 10:1 at 8 bit/s on both ports" leaf_at 10:1 8bit

# A revoke during a flow: the leaf's queue is emptied as it is parked, so the
# flow goes on at best effort (TCP never retransmits a segment still queued on
# the host: one left in a parked leaf stalled the flow for good).
ctl grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 120 >/dev/null
in_ns h1 iperf3 -c 10.77.0.2 -t 8 -i 1 -J >"$DDIR/revoke.json" 2>&1 &
IPERF=$!
PIDS+=($IPERF)
sleep 3
ctl revoke 10.77.0.1 10.77.0.2 >/dev/null
backlog() { tc -s class show dev "$1" classid 10:1 | grep -oE 'backlog [^ ]+ [0-9]+p'; }
check "c: a revoke during a flow leaves no packet in the parked leaf ($(backlog "$P2"), $(backlog "$P1"))" \
	eval '[ "$(backlog "$P2")" = "backlog 0b 0p" ] && [ "$(backlog "$P1")" = "backlog 0b 0p" ]'
wait "$IPERF"
after=$(jq '[.intervals[5:][] | .sum.bits_per_second] | min' "$DDIR/revoke.json")
check "c: ... and the flow goes on at best effort (the slowest second after it: $(ratio "${after:-0}" 1000000) Mbit/s)" \
	awk -v v="${after:-0}" 'BEGIN { exit !(v >= 5000000) }'

ctl grant fd77::1 fd77::2 --rate 100mbit --seconds 120 >/dev/null
show=$(ctl --json show fd77::1 fd77::2)
check "d: the next reservation reuses 10:1 (got $(jq -r .class <<<"$show"))" [ "$(jq -r .class <<<"$show")" = 10:1 ]
check "d: ... at its own rate, 100 Mbit/s, on both ports" leaf_at 10:1 100Mbit
check "d: ... and its counters start at zero" [ "$(jq -c '[.stats.packets, .stats.bytes, .stats.drops]' <<<"$show")" = "[0,0,0]" ]
shaped "d: IPv6 h1 -> h2 carries 100 Mbit/s in the pooled leaf" h1 fd77::2 100000000 6

load=$("$ROOT/bench/pfd_load.py" "$SOCK" 600 --rate 1000000 --seconds 25)
echo "# $load"
check "e: 600 more grants" [ "$(jq .granted <<<"$load")" = 600 ]
check "e: ... grew the pool to 3 blocks" [ "$(blocks)" = 3 ]
distinct=$("$CTL" --pin-root "$PIN" --direct --json list | jq '[.[].classid] | unique | length')
check "e: ... each of the 601 in its own leaf ($distinct distinct)" [ "$distinct" = 601 ]

# A leaf given a rate behind the daemon's back: the restart parks it.
tc class change dev "$P1" parent 12: classid 12:ff htb rate 5mbit ceil 5mbit
daemon_stop KILL
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts after kill -9"; finish; }
grep -o 'reconciled .*' "$DLOG" | tail -1 | sed 's/^/# /'
map=$("$CTL" --pin-root "$PIN" --direct --json list | jq -r '.[] | "\(.id) \(.classid)"' | sort)
check "f: after kill -9 the map's classes are the database's" \
	[ "$map" = "$(db 'SELECT id || " " || minor FROM reservations WHERE state = 1' | sort)" ]
check "f: ... 601 distinct leaves" [ "$(db 'SELECT count(DISTINCT minor) FROM reservations WHERE state = 1')" = 601 ]
check "f: ... one live leaf per reservation on each port" [ "$(class_count "$P1")" = 601 ] && [ "$(class_count "$P2")" = 601 ]
check "f: ... the stray leaf 12:ff is parked" leaf_at 12:ff 8bit
ctl grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 60 >/dev/null
next=$(ctl --json show 10.77.0.1 10.77.0.2 | jq -r .class)
check "f: the next grant takes a free leaf, 12:5a, not a held one (got $next)" [ "$next" = 12:5a ]
ctl revoke 10.77.0.1 10.77.0.2 >/dev/null

for _ in $(seq 1 60); do [ "$(blocks)" = 2 ] && break; sleep 0.5; done
check "g: when the 600 ended the pool shrank to the live block and one spare" [ "$(blocks)" = 2 ]
check "g: ... block 12: is gone from both ports" bash -c "! tc qdisc show dev '$P1' | grep -q 'qdisc htb 12:' && ! tc qdisc show dev '$P2' | grep -q 'qdisc htb 12:'"
check "g: ... and the IPv6 reservation kept 10:1 at 100 Mbit/s" leaf_at 10:1 100Mbit

sed -i '1s/"pool_classes": 0,/"pool_classes": 1000,/' "$CONF"
kill -HUP "$DPID"
for _ in $(seq 1 100); do [ "$(blocks)" = 4 ] && break; sleep 0.2; done
check "h: pool_classes 1000 grows the pool ahead of grants to 4 blocks (1023 free)" [ "$(blocks)" = 4 ]
check "h: ... block 13: is on both ports with its leaves parked" bash -c "tc class show dev '$P1' classid 13:100 | grep -q 'rate 8bit' && tc class show dev '$P2' classid 13:100 | grep -q 'rate 8bit'"
finish
