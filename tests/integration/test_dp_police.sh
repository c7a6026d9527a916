#!/usr/bin/env bash
# (f) Police mode holds a 100 Mbit/s grant within 15%: first with the tc
# egress policer, then with XDP (generic mode) policing at ingress; after each,
# (g) detach leaves nothing behind. (h) With XDP policing, a reserved pair
# whose packets enter by a port without XDP (h3's, an unattached uplink) is
# still policed by tc: its 10 Mbit/s grant does not carry gigabits.
# (f, ECN hosts) With net.ipv4.tcp_ecn=1 in the hosts, the tc policer marks
# instead of dropping: CE marks are counted and the rate still holds.
source "$(dirname "$0")/lib.sh"

RATE=100000000
topo_bridge 3
iperf_server h2

port_clean() {
	local p
	for p in "${PFX}p1" "${PFX}p2"; do
		tc qdisc show dev "$p" | grep -qE 'htb|clsact' && return 1
		ip -d link show dev "$p" | grep -q 'prog/xdp' && return 1
	done
	[ ! -e "$PIN" ]
}

police_run() { # name, counter that must grow (drop, ecn_marked), attach flags...
	local name=$1 counter=$2 out got retr want
	shift 2
	"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" --mode police "$@" >/dev/null 2>&1 ||
		{ not_ok "$name: attach"; return; }
	"$CTL" --direct --pin-root "$PIN" grant 10.77.0.1 10.77.0.2 --rate 100mbit --seconds 60 >/dev/null
	want=$(expected_goodput $RATE 4)
	out=$(iperf_rate h1 10.77.0.2 5 "$want" 15)
	got=$(goodput_bps <<<"$out")
	retr=$(retrans_pct <<<"$out")
	echo "# $name: $(ratio "$got" 1000000) Mbit/s, ratio $(ratio "$got" "$want"), retransmits ${retr}%"
	check "f: $name holds 100 Mbit/s within 15%" within "$got" "$want" 15
	check "f: $name: $counter was counted" \
		bash -c "'$CTL' --direct --pin-root '$PIN' --json stats | jq -e '.counters.$counter > 0' >/dev/null"
	"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
	check "g: detach after $name leaves no program, qdisc or pin" port_clean
}

# at_most VALUE LIMIT: VALUE <= LIMIT
at_most() { awk -v v="$1" -v l="$2" 'BEGIN { exit !(v <= l) }'; }

uplink_run() {
	local got
	"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" --mode police --xdp >/dev/null 2>&1 ||
		{ not_ok "h: attach"; return; }
	"$CTL" --direct --pin-root "$PIN" grant 10.77.0.3 10.77.0.2 --rate 10mbit --seconds 60 >/dev/null
	got=$(iperf_json h3 10.77.0.2 4 | goodput_bps)
	echo "# uplink without XDP, 10 Mbit/s grant: $(ratio "$got" 1000000) Mbit/s"
	check "h: a 10 Mbit/s grant entering by a port without XDP stays under 15 Mbit/s" \
		at_most "$got" 15000000
	check "h: tc policed it (the pair's drops were counted)" \
		bash -c "'$CTL' --direct --pin-root '$PIN' --json stats 10.77.0.3 10.77.0.2 | jq -e '.stats.drops > 0' >/dev/null"
	"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
}

ecn_run() {
	in_ns h1 sysctl -qw net.ipv4.tcp_ecn=1 && in_ns h2 sysctl -qw net.ipv4.tcp_ecn=1 ||
		{ not_ok "i: enable ECN in the hosts"; return; }
	police_run "tc police, ECN hosts" ecn_marked
	in_ns h1 sysctl -qw net.ipv4.tcp_ecn=2
	in_ns h2 sysctl -qw net.ipv4.tcp_ecn=2
}

police_run "tc police" drop
police_run "XDP police" drop --xdp
uplink_run
ecn_run
finish
