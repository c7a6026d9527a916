#!/usr/bin/env bash
# Admission and classes along the whole path, on a line of three bridges:
# a reservation h1 <-> h3 crosses s1 -> s2 -> s3 and back; the s1-s2 trunk can
# be full while both edge ports are free, and the refusal names that trunk.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"
source "$(dirname "$0")/path_lib.sh"

line_daemon 1gbit 100mbit 20mbit

topo=$(ctl --json topology)
check "topology: 3 bridges, 2 links, 8 ports" [ "$(jq '.bridges | length' <<<"$topo")" -eq 3 ] &&
	[ "$(jq '.links | length' <<<"$topo")" -eq 2 ] && [ "$(jq '.ports | length' <<<"$topo")" -eq 8 ]
check "topology: t12a is the link s1 -> s2 with peer t12b" [ "$(jq -r --arg p "${PFX}t12a" '.ports[] | select(.port == $p) | "\(.kind) \(.bridge) \(.to_bridge) \(.peer_port)"' <<<"$topo")" = "link ${PFX}s1 ${PFX}s2 ${PFX}t12b" ]
path=$(ctl --json path 10.77.0.1 10.77.0.3)
check "path h1 -> h3 leaves through t12a, t23a, p3" [ "$(jq -r '[.a_to_b[].port] | join(" ")' <<<"$path")" = "${PFX}t12a ${PFX}t23a ${PFX}p3" ]
check "path h3 -> h1 leaves through t23b, t12b, p1" [ "$(jq -r '[.b_to_a[].port] | join(" ")' <<<"$path")" = "${PFX}t23b ${PFX}t12b ${PFX}p1" ]
path=$(ctl --json path 10.77.0.3 10.77.0.1)
check "path given the other way round swaps the directions" [ "$(jq -r '[.a_to_b[].port] | join(" ")' <<<"$path")" = "${PFX}t23b ${PFX}t12b ${PFX}p1" ]
check "path h1 -> h2 on one bridge is just p2" [ "$(ctl --json path 10.77.0.1 10.77.0.2 | jq -r '[.a_to_b[].port] | join(" ")')" = "${PFX}p2" ]
ctl path 10.77.0.1 10.99.0.9 2>"$DDIR/err"
check "path to an unknown host is refused, naming it" grep -q "10.99.0.9 is on no configured port" "$DDIR/err"

# 80 Mbit/s reservable on the trunk: 60 for h2 <-> h4, then 30 for h1 <-> h3 does not fit.
check "h2 <-> h4 60 Mbit/s is granted" ctl grant 10.77.0.2 10.77.0.4 --rate 60mbit --seconds 300
ctl grant 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 300 2>"$DDIR/err"
check "h1 <-> h3 30 Mbit/s is refused on the full trunk though p1 and p3 are free" \
	grep -qx "payflowctl: capacity: link ${PFX}s1->${PFX}s2 (port ${PFX}t12a) has 20 Mbit/s free of 80 Mbit/s reservable (capacity minus the best-effort floor); 30 Mbit/s more was asked" "$DDIR/err"
ctl hold 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 300 2>"$DDIR/err"
check "a hold is refused the same way" grep -q "capacity: link ${PFX}s1->${PFX}s2 (port ${PFX}t12a) has 20 Mbit/s free" "$DDIR/err"
check "h1 <-> h2 30 Mbit/s on one bridge does not touch the trunk" ctl grant 10.77.0.1 10.77.0.2 --rate 30mbit --seconds 300
check "h1 <-> h3 20 Mbit/s fits" ctl grant 10.77.0.1 10.77.0.3 --rate 20mbit --seconds 300
cls=$(ctl --json show 10.77.0.1 10.77.0.3 | jq -r .class)
all=1
for p in p1 p3 t12a t12b t23a t23b; do has_class "$p" "$cls" || { all=0; echo "# no class $cls on $p"; }; done
check "its class $cls is on all six egress ports of the path" [ "$all" -eq 1 ]
check "and not on p2 or p4" [ -z "$(live_classes "${PFX}p2" | grep -x "$cls"; live_classes "${PFX}p4" | grep -x "$cls")" ]
check "the trunk's egress is fully reserved both ways" [ "$(ctl --json topology | jq --arg a "${PFX}t12a" --arg b "${PFX}t12b" '[.ports[] | select(.port == $a or .port == $b) | .free_bps] | add')" -eq 0 ]
ctl grant 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 300 2>"$DDIR/err"
check "raising it past the trunk is refused naming the trunk" grep -q "link ${PFX}s1->${PFX}s2 (port ${PFX}t12a) has 0 bit/s free" "$DDIR/err"
check "revoking h2 <-> h4 frees the trunk" ctl revoke 10.77.0.2 10.77.0.4
check "then the raise fits" ctl grant 10.77.0.1 10.77.0.3 --rate 50mbit --seconds 300
daemon_stop TERM

# Inconsistent topologies are refused at start with a message naming the culprit.
write_line_config 1gbit 100mbit 20mbit
sed -i "s|\"hosts\": \\[\"10.77.0.2\"|\"hosts\": [\"10.77.0.1\", \"10.77.0.2\"|" "$CONF"
expect_refusal "a host behind two ports is refused" "topology: host 10.77.0.1 is behind two ports, ${PFX}p1 and ${PFX}p2"
write_line_config 1gbit 100mbit 20mbit
sed -i "s|{\"name\": \"${PFX}t12a\", \"capacity\": \"100mbit\"}|{\"name\": \"${PFX}t12a\", \"capacity\": \"100mbit\", \"hosts\": [\"10.66.0.1\"]}|" "$CONF"
expect_refusal "hosts on a link port are refused" "topology: port ${PFX}t12a is a link between bridges ${PFX}s1 and ${PFX}s2; host 10.66.0.1 belongs behind an edge port"
write_line_config 1gbit 100mbit 20mbit
sed -i "s|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\"}|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\", \"exclude\": [\"${PFX}t12a\"]}|; s|, {\"name\": \"${PFX}t12a\", \"capacity\": \"100mbit\"}||" "$CONF"
expect_refusal "a link excluded at one end only is refused" "topology: link ${PFX}s1:${PFX}t12a <-> ${PFX}s2:${PFX}t12b is excluded at one end only"
ip link add "${PFX}t13a" type veth peer name "${PFX}t13b" && TRUNKS+=(t13a)
ip link set "${PFX}t13a" master "${PFX}s1" up && ip link set "${PFX}t13b" master "${PFX}s3" up
write_line_config 1gbit 100mbit 20mbit
expect_refusal "a loop is refused, naming the link that closes it" "topology: link ${PFX}s1:${PFX}t13a <-> ${PFX}s3:${PFX}t13b closes a loop"
sed -i "s|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\"}|{\"name\": \"${PFX}s1\", \"capacity\": \"1gbit\", \"exclude\": [\"${PFX}t13a\"]}|; s|{\"name\": \"${PFX}s3\", \"capacity\": \"1gbit\"}|{\"name\": \"${PFX}s3\", \"capacity\": \"1gbit\", \"exclude\": [\"${PFX}t13b\"]}|" "$CONF"
check "excluding both ends of one link of the loop is the explicit choice that cuts it" "$PFD" --config "$CONF" --check
finish
