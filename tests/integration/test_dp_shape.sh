#!/usr/bin/env bash
# Shape mode on h1, h2, h3 behind a Linux bridge: (a) best effort, (b) a
# 150 Mbit/s grant, (c) both over IPv6, (e) a grant against three competing
# unreserved flows, BTF field names in the pinned map, and (g) a clean detach.
source "$(dirname "$0")/lib.sh"

BE=50000000
RATE=150000000
topo_bridge 3
"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" "${PFX}p3" >/dev/null || exit 1
iperf_server h2
iperf_server h3

# measure NAME FROM TO EXPECTED_BPS TOLERANCE_PCT [MAX_RETRANS_PCT]
measure() {
	local name=$1 from=$2 to=$3 want=$4 tol=$5 max_retr=${6:-}
	local out got retr
	out=$(iperf_rate "$from" "$to" 5 "$want" "$tol")
	got=$(goodput_bps <<<"$out")
	retr=$(retrans_pct <<<"$out")
	echo "# $name: $(ratio "$got" 1000000) Mbit/s, expected $(ratio "$want" 1000000)," \
		"ratio $(ratio "$got" "$want"), retransmits ${retr}%"
	if ! within "$got" "$want" "$tol"; then
		not_ok "$name (goodput off by more than $tol%)"
	elif [ -n "$max_retr" ] && ! awk -v r="$retr" -v m="$max_retr" 'BEGIN { exit !(r < m) }'; then
		not_ok "$name (retransmits ${retr}% >= ${max_retr}%)"
	else
		ok "$name"
	fi
}

measure "a: unreserved IPv4 flow at best effort" h1 10.77.0.2 "$(expected_goodput $BE 4)" 10
measure "c: unreserved IPv6 flow at best effort" h1 fd77::2 "$(expected_goodput $BE 6)" 10

# Addresses given in the reverse order of the traffic: the pair is unordered.
"$CTL" --direct --pin-root "$PIN" grant 10.77.0.2 10.77.0.1 --rate 150mbit --seconds 120 >/dev/null
measure "b: 150 Mbit/s grant, IPv4" h1 10.77.0.2 "$(expected_goodput $RATE 4)" 10 1
"$CTL" --direct --pin-root "$PIN" grant fd77::3 fd77::1 --rate 150mbit --seconds 120 >/dev/null
measure "c: 150 Mbit/s grant, IPv6" h1 fd77::3 "$(expected_goodput $RATE 6)" 10 1

check "reservations map dump names its fields (BTF)" \
	bash -c "bpftool -j map dump pinned '$PIN/reservations' |
		jq -e '.[0].formatted.value.rate_bps == 150000000' >/dev/null"

# (e) h1 -> h3 reserved while h2 -> h3 runs three unreserved flows into the same
# egress port (p3); a second iperf3 server on h3 takes the competing flows.
ip netns exec "${PFX}h3" iperf3 -s -p 5202 --logfile /dev/null &
PIDS+=($!)
"$CTL" --direct --pin-root "$PIN" grant 10.77.0.1 10.77.0.3 --rate 150mbit --seconds 120 >/dev/null
want=$(expected_goodput $RATE 4)
sleep 0.3
got=$(paid_against_three h1 10.77.0.3 h2 10.77.0.3 5202 "$want" 0.9)
echo "# e: reserved flow $(ratio "$got" 1000000) Mbit/s against 3 unreserved, ratio $(ratio "$got" "$want")"
check "e: grant keeps >= 90% of its rate against 3 unreserved flows" \
	awk -v v="$got" -v t="$want" 'BEGIN { exit !(v >= 0.9 * t) }'

"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
clean=1
for i in 1 2 3; do
	p="${PFX}p$i"
	tc qdisc show dev "$p" | grep -qE 'htb|clsact' && clean=0
	[ -n "$(tc filter show dev "$p" egress)" ] && clean=0
	ip -d link show dev "$p" | grep -q 'prog/xdp' && clean=0
done
[ -e "$PIN" ] && clean=0
check "g: detach leaves no program, qdisc, class or pin" [ "$clean" = 1 ]
finish
