#!/usr/bin/env bash
# A link the kernel cannot show, declared in the config: bridges s1 (h1, h2)
# and s2 (h3) are joined by a "wire" through another namespace (veth wa in s1
# -> a bridge inside namespace w -> veth wb in s2), as a physical trunk would
# join them. Undeclared, s1 and s2 have no path between them; with
# "peer" on wa, the wire is a link: paths cross it, admission charges its
# 100 Mbit/s each way and the reservation's class shapes on it. Inconsistent
# declarations are refused at start, naming the ports.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/path_lib.sh"

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
for i in 1 2; do
	SW+=("s$i")
	ip link add "${PFX}s$i" type bridge && ip link set "${PFX}s$i" up
done
add_host 1 "${PFX}s1" && add_host 2 "${PFX}s1" && add_host 3 "${PFX}s2"
HOSTS+=("w") # the wire: its namespace takes both veths along when deleted
ip netns add "${PFX}w"
in_ns w ip link add br0 type bridge && in_ns w ip link set br0 up
for end in a:s1:eth0 b:s2:eth1; do
	IFS=: read -r x sw inner <<<"$end"
	ip link add "${PFX}w$x" type veth peer name "$inner" netns "${PFX}w"
	ip link set "${PFX}w$x" master "${PFX}$sw" up
	in_ns w ip link set "$inner" master br0 up
done

# write_wire_config PEER_MEMBER: wa's ports entry gets PEER_MEMBER (e.g. "peer": "...").
write_wire_config() {
	cat >"$CONF" <<JSON
{
  "bridges": [{"name": "${PFX}s1", "capacity": "1gbit"}, {"name": "${PFX}s2", "capacity": "1gbit"}],
  "ports": [{"name": "${PFX}p1", "capacity": "1gbit", "hosts": ["10.77.0.1"]},
            {"name": "${PFX}p2", "capacity": "1gbit", "hosts": ["10.77.0.2"]},
            {"name": "${PFX}p3", "capacity": "1gbit", "hosts": ["10.77.0.3"]},
            {"name": "${PFX}wa", "capacity": "100mbit"${1:+, $1}},
            {"name": "${PFX}wb", "capacity": "100mbit"${2:+, $2}}],
  "best_effort": {"rate": "20mbit", "floor": "20mbit"},
  "levels": [{"rate": "20mbit", "price_per_s": "0"}, {"rate": "50mbit", "price_per_s": "1"}],
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK"
}
JSON
}

write_wire_config
daemon_start || { cat "$DLOG"; not_ok "payflowd starts, wire undeclared"; finish; }
ctl path 10.77.0.1 10.77.0.3 >"$DDIR/err" 2>&1
check "undeclared, the wire is no link: no path from s1 to s2" \
	grep -q "no path from bridge ${PFX}s1 to bridge ${PFX}s2: no link joins them" "$DDIR/err"
daemon_stop TERM
"$PFD" --config "$CONF" --detach >/dev/null 2>&1

write_wire_config "\"peer\": \"${PFX}wb\""
daemon_start || { cat "$DLOG"; not_ok "payflowd starts, wire declared"; finish; }
topo=$(ctl --json topology)
check "topology: one link, wa -> s2 with peer wb, 100 Mbit/s" [ "$(jq -r --arg p "${PFX}wa" '"\(.links | length) " + (.ports[] | select(.port == $p) | "\(.kind) \(.to_bridge) \(.peer_port) \(.capacity_bps)")' <<<"$topo")" = "1 link ${PFX}s2 ${PFX}wb 100000000" ]
path=$(ctl --json path 10.77.0.1 10.77.0.3)
check "path h1 -> h3 leaves through wa, p3; back through wb, p1" \
	[ "$(jq -r '[.a_to_b[].port] + ["/"] + [.b_to_a[].port] | join(" ")' <<<"$path")" = "${PFX}wa ${PFX}p3 / ${PFX}wb ${PFX}p1" ]

check "h2 <-> h3 60 Mbit/s is granted across the wire" ctl grant 10.77.0.2 10.77.0.3 --rate 60mbit --seconds 300
ctl grant 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 300 2>"$DDIR/err"
check "h1 <-> h3 30 Mbit/s more is refused, naming the declared link" \
	grep -qx "payflowctl: capacity: link ${PFX}s1->${PFX}s2 (port ${PFX}wa) has 20 Mbit/s free of 80 Mbit/s reservable (capacity minus the best-effort floor); 30 Mbit/s more was asked" "$DDIR/err"
cls=$(ctl --json show 10.77.0.2 10.77.0.3 | jq -r .class)
check "the reservation's class $cls is on wa and wb" has_class wa "$cls" && has_class wb "$cls"
iperf_server h3
sleep 0.3
in_ns h2 iperf3 -c 10.77.0.3 -t 2 >/dev/null 2>&1
sent=$(tc -s class show dev "${PFX}wa" | awk -v c="$cls" '$3 == c { getline; print $2; exit }')
check "h2 -> h3 went through its class on wa ($sent bytes)" [ "${sent:-0}" -gt 5000000 ]
daemon_stop TERM

write_wire_config "\"peer\": \"${PFX}nope\""
expect_refusal "a peer that is no interface is refused" "topology: port ${PFX}wa names peer ${PFX}nope, which is not an enforced port"
write_wire_config "\"peer\": \"${PFX}p2\""
expect_refusal "a peer on the same bridge is refused" "topology: ${PFX}wa and ${PFX}p2 are a link inside bridge ${PFX}s1 (a loop)"
write_wire_config "\"peer\": \"${PFX}wb\"" "\"peer\": \"${PFX}p1\""
expect_refusal "ends naming different peers are refused" "topology: port ${PFX}wa names peer ${PFX}wb, but one of them is already linked to another port"
write_wire_config "\"peer\": \"${PFX}wb\", \"hosts\": [\"10.66.0.1\"]"
expect_refusal "hosts on a declared link port are refused" "topology: port ${PFX}wa is a link between bridges ${PFX}s1 and ${PFX}s2; host 10.66.0.1 belongs behind an edge port"
ip link add "${PFX}t12a" type veth peer name "${PFX}t12b" && TRUNKS+=(t12a)
ip link set "${PFX}t12a" master "${PFX}s1" up && ip link set "${PFX}t12b" master "${PFX}s2" up
write_wire_config "\"peer\": \"${PFX}wb\""
expect_refusal "a declared link next to a veth trunk closes a loop" "topology: link ${PFX}s1:${PFX}wa <-> ${PFX}s2:${PFX}wb closes a loop"
write_wire_config "\"peer\": \"${PFX}wb\"" "\"peer\": \"${PFX}wa\""
sed -i "s|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\"}|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\", \"exclude\": [\"${PFX}t12a\"]}|; s|{\"name\": \"${PFX}s2\", \"capacity\": \"1gbit\"}|{\"name\": \"${PFX}s2\", \"capacity\": \"1gbit\", \"exclude\": [\"${PFX}t12b\"]}|" "$CONF"
check "both ends declaring each other, the veth trunk excluded: accepted" "$PFD" --config "$CONF" --check
finish
