#!/usr/bin/env bash
# (f) Police mode holds a 100 Mbit/s grant within 15%: first with the tc
# egress policer, then with XDP (generic mode) policing at ingress; after each,
# (g) detach leaves nothing behind.
source "$(dirname "$0")/lib.sh"

RATE=100000000
topo_bridge 2
iperf_server h2

port_clean() {
	local p
	for p in "${PFX}p1" "${PFX}p2"; do
		tc qdisc show dev "$p" | grep -qE 'htb|clsact' && return 1
		ip -d link show dev "$p" | grep -q 'prog/xdp' && return 1
	done
	[ ! -e "$PIN" ]
}

police_run() { # name, attach flags...
	local name=$1 out got retr want
	shift
	"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" --mode police "$@" >/dev/null 2>&1 ||
		{ not_ok "$name: attach"; return; }
	"$CTL" --direct --pin-root "$PIN" grant 10.77.0.1 10.77.0.2 --rate 100mbit --seconds 60 >/dev/null
	out=$(iperf_json h1 10.77.0.2 5)
	got=$(goodput_bps <<<"$out")
	retr=$(retrans_pct <<<"$out")
	want=$(expected_goodput $RATE 4)
	echo "# $name: $(ratio "$got" 1000000) Mbit/s, ratio $(ratio "$got" "$want"), retransmits ${retr}%"
	check "f: $name holds 100 Mbit/s within 15%" within "$got" "$want" 15
	check "f: $name drops were counted" \
		bash -c "'$CTL' --direct --pin-root '$PIN' --json stats | jq -e '.counters.drop > 0' >/dev/null"
	"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
	check "g: detach after $name leaves no program, qdisc or pin" port_clean
}

police_run "tc police"
police_run "XDP police" --xdp
finish
