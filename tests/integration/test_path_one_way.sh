#!/usr/bin/env bash
# One-way reservations on the line s1 - s2 - s3 (300 Mbit/s trunks, 100 Mbit/s
# best effort and floor): `payflowctl grant --one-way` reserves IP1 -> IP2
# only. Admission charges that direction's egress ports only, its HTB class
# and map entry (with its direction flag) are made for that direction only, and
# iperf3 shows the reserved direction at its rate while the reverse stays at
# best effort.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/path_lib.sh"

RATE=150000000
line_daemon 1gbit 300mbit 100mbit
# reserved PORT: what admission charges on a port, in bit/s.
reserved() { ctl --json topology | jq -r --arg p "$PFX$1" '.ports[] | select(.port == $p) | .reserved_bps'; }

check "h4 -> h2 200 Mbit/s one way fills the s2 -> s1 trunk" ctl grant 10.77.0.4 10.77.0.2 --rate 200mbit --seconds 300 --one-way
check "it charges t23b, t12b, p2 and nothing the other way" \
	[ "$(for p in t23b t12b p2 t12a t23a p4; do reserved $p; done | xargs)" = "200000000 200000000 200000000 0 0 0" ]
ctl grant 10.77.0.1 10.77.0.3 --rate 150mbit --seconds 300 2>"$DDIR/err"
check "h1 <-> h3 both ways is refused on the full s2 -> s1 trunk" \
	grep -q "capacity: link ${PFX}s2->${PFX}s1 (port ${PFX}t12b) has 0 bit/s free" "$DDIR/err"
out=$(ctl grant 10.77.0.1 10.77.0.3 --rate 150mbit --seconds 300 --one-way)
check "h1 -> h3 one way fits: the s1 -> s2 direction is free" grep -q "^granted 10.77.0.1 -> 10.77.0.3 at 150 Mbit/s" <<<"$out"
check "t12a, t23a and p3 carry 150 Mbit/s for it" \
	[ "$(for p in t12a t23a p3; do reserved $p; done | xargs)" = "150000000 150000000 150000000" ]
show=$(ctl --json show 10.77.0.1 10.77.0.3)
check "show says direction 10.77.0.1 -> 10.77.0.3" [ "$(jq -r .direction <<<"$show")" = "10.77.0.1 -> 10.77.0.3" ]
cls=$(jq -r .class <<<"$show")
for p in t12a t23a p3; do check "its class $cls is on $p (h1 -> h3)" has_class "$p" "$cls"; done
for p in t23b t12b p1; do check "no class $cls on $p (h3 -> h1)" bash -c "! tc class show dev $PFX$p classid $cls | grep -qv 'rate 8bit '"; done
# The map entry's flags: 10.77.0.1 is the key's lo, so PF_RESV_F_LO_TO_HI (2).
flags=$(bpftool -j map dump pinned "$PIN/reservations" | jq -r --argjson id "$(jq .id <<<"$show")" '.[].formatted.value | select(.resv_id == $id) | .flags')
check "the map entry says lo -> hi only (flags $flags)" [ "$flags" = 2 ]
ctl grant 10.77.0.3 10.77.0.1 --rate 150mbit --seconds 300 --one-way 2>"$DDIR/err"
check "the other direction on the same pair is refused: one reservation per pair" \
	grep -q "the pair has an active reservation of direction 10.77.0.1 -> 10.77.0.3; this grant is 10.77.0.3 -> 10.77.0.1" "$DDIR/err"
ctl grant 10.77.0.1 10.77.0.3 --rate 150mbit --seconds 300 --one-way --from 10.77.0.9 2>/dev/null
check "an unknown option is a usage error" [ $? -eq 2 ]

check "h4 -> h2 is revoked" ctl revoke 10.77.0.4 10.77.0.2
iperf_server h3
sleep 0.3
want=$(expected_goodput $RATE 4)
be=$(expected_goodput 100000000 4)
fwd=$(iperf_rate h1 10.77.0.3 5 "$want" 5 | goodput_bps)
back=$(iperf_rate h1 10.77.0.3 5 "$be" 5 -R | goodput_bps)
echo "# h1 -> h3 (reserved) $(ratio "$fwd" 1000000) Mbit/s, ratio $(ratio "$fwd" "$want"); h3 -> h1 (best effort) $(ratio "$back" 1000000) Mbit/s, ratio $(ratio "$back" "$be")"
check "h1 -> h3 gets its 150 Mbit/s (within 5% of the expected goodput)" within "$fwd" "$want" 5
check "h3 -> h1 stays at best effort, 100 Mbit/s (within 5%)" within "$back" "$be" 5
finish
