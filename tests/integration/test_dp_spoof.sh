#!/usr/bin/env bash
# Spoofed sources (payflowd with per-port hosts): h3 forges h1's address
# toward h2, over IPv4, IPv6 and 802.1Q. The guard on h3's port drops every
# forged frame and counts it; the h1<->h2 reservation's stats do not move.
# The same sender with its own address gets through, so the drops are the
# guard's doing, not the sender's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/spoof_lib.sh"

N=500
spoof_setup || { not_ok "payflowd starts"; finish; }
for pair in "10.77.0.1 10.77.0.2" "fd77::1 fd77::2" "10.77.0.3 10.77.0.2"; do
	# shellcheck disable=SC2086
	ctl grant $pair --rate 10mbit --seconds 120 >/dev/null || not_ok "grant $pair"
done

check "the guard is attached on tc ingress of h3's port" \
	bash -c "tc filter show dev ${PFX}p3 ingress | grep -q pf_tc_ingress"
s0=$(spoofed)
v4=$(pair_pkts 10.77.0.1 10.77.0.2)
v6=$(pair_pkts fd77::1 fd77::2)
send h3 10.77.0.1 10.77.0.2 "$N"
send h3 fd77::1 fd77::2 "$N"
send h3 10.77.0.1 10.77.0.2 "$N" 42
sleep 0.5
s1=$(spoofed)
echo "# spoofed counter $s0 -> $s1 after 3 x $N forged frames"
check "every forged frame (IPv4, IPv6, 802.1Q) is dropped and counted" [ "$((s1 - s0))" -eq $((3 * N)) ]
check "h1<->h2 (IPv4) counted none of them" [ "$(pair_pkts 10.77.0.1 10.77.0.2)" -eq "$v4" ]
check "h1<->h2 (IPv6) counted none of them" [ "$(pair_pkts fd77::1 fd77::2)" -eq "$v6" ]
check "payflowctl stats (through payflowd) shows the spoofed counter" \
	bash -c "'$CTL' --socket '$SOCK' stats | grep -q ' spoofed $s1'"

# grew HOST SRC DST: HOST sends N frames from its own address SRC; prints the
# growth of the pair's packets (h2's ICMP errors cross the pair too: at least N).
grew() {
	local before
	before=$(pair_pkts "$2" "$3")
	send "$1" "$2" "$3" "$N"
	sleep 0.5
	echo $(($(pair_pkts "$2" "$3") - before))
}
check "h3's own address passes the guard and reaches its pair" [ "$(grew h3 10.77.0.3 10.77.0.2)" -ge "$N" ]
check "h1's own address passes the guard on its port" [ "$(grew h1 10.77.0.1 10.77.0.2)" -ge "$N" ]
check "and neither is counted as spoofed" [ "$(spoofed)" -eq "$s1" ]
finish
