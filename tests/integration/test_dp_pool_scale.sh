#!/usr/bin/env bash
# More than 65,520 reservations on one port (one HTB qdisc's limit), each in its
# own pooled class (userspace/dataplane/pool.h): build/pool_fill grants 65,600
# through the pool, runs every entry through pf_tc_egress (BPF_PROG_TEST_RUN)
# and counts the distinct classes of the map; then three entries spread over the
# range (blocks 10:, ac:, 110:) carry UDP from h1 to h2 (iperf3), counted in their own
# leaf on h2's port and not in best effort 1:2.
#
# Only h2's port is attached: the pool has the same blocks on every shaped port,
# and creating a class walks every filter block on the host (pool.h), so a
# second port would quadruple the minutes spent making classes; h1 -> h2 leaves
# the bridge through h2's port alone, which is where its class must count it.
source "$(dirname "$0")/lib.sh"

N=${POOL_SCALE_N:-65600} # a smaller N is a quick try of the script
ENTRIES=(1 $((N * 61 / 100)) $((N - 1))) # at 65,600: leaves 10:2, ac:51, 110:40
# UDP at 800 kbit/s for 2 s, under pool_fill's 1 Mbit/s: the leaf drops nothing,
# and no TCP reset at the end of the run throws away data still in the socket.
BYTES=150000 # at least 3/4 of what 2 s send

topo_bridge 2
EGRESS="${PFX}p2"
"$CTL" --direct --pin-root "$PIN" attach "$EGRESS" >/dev/null || exit 1
iperf_server h2
LIST=$(mktemp /tmp/pf-pool-scale.XXXXXX)
trap 'rm -f "$LIST"; pf_cleanup' EXIT

# lo_addr I / hi_addr I: pool_fill's entry I pairs 100.64.0.0+I with 198.18.0.0+I.
lo_addr() { echo "100.$((64 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }
hi_addr() { echo "198.$((18 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }
# class_bytes CLASS: bytes CLASS has sent on the egress port. The dump is limited
# to the class's own qdisc: a dump of the whole port is quadratic in its classes.
class_bytes() {
	tc -s class show dev "$EGRESS" parent "${1%%:*}:" classid "$1" |
		awk '/Sent/ { print $2; found = 1; exit } END { if (!found) print -1 }'
}
# counted CLASS BEFORE GREW WANT: CLASS exists and grew by at least WANT bytes.
counted() { [ -n "$1" ] && [ "$2" -ge 0 ] && [ "$3" -ge "$4" ]; }
# drained CLASS BEFORE WANT: prints CLASS's growth once it reaches WANT bytes, or
# after 10 s: the last datagrams may still be queued in the leaf.
drained() {
	local grew
	for _ in $(seq 1 50); do
		grew=$(($(class_bytes "$1") - $2))
		[ "$grew" -ge "$3" ] && break
		sleep 0.2
	done
	echo "$grew"
}

t0=$SECONDS
out=$("$BUILD/pool_fill" -p "$PIN" -n "$N" -P "$N" -c "$N")
echo "# pool_fill ($((SECONDS - t0)) s): $out"
check "all $N grants went through the pool" [ "$(jq .filled <<<"$out")" = "$N" ]
check "the $N reservations have $N distinct classes ($(jq .distinct_classes <<<"$out"))" \
	[ "$(jq .distinct_classes <<<"$out")" = "$N" ]
check "pf_tc_egress (BPF_PROG_TEST_RUN) set each of the $N entries' skb->priority to its own class" \
	[ "$(jq '.checked == '"$N"' and .misclassified == 0' <<<"$out")" = true ]
check "the pool has more than 255 blocks (65,520 classes) ($(jq .blocks <<<"$out"))" \
	[ "$(jq '.blocks > 255' <<<"$out")" = true ]

"$CTL" --direct --pin-root "$PIN" --json list >"$LIST" ||
	not_ok "payflowctl --direct list"
for i in "${ENTRIES[@]}"; do
	lo=$(lo_addr "$i") hi=$(hi_addr "$i")
	in_ns h1 ip addr add "$lo/32" dev eth0
	in_ns h1 ip route add "$hi/32" dev eth0 src "$lo"
	in_ns h2 ip addr add "$hi/32" dev eth0
	in_ns h2 ip route add "$lo/32" dev eth0 src "$hi"
	cls=$(jq -r --arg p "$lo <-> $hi" '.[] | select(.pair == $p) | .class' "$LIST")
	leaf0=$(class_bytes "$cls") be0=$(class_bytes 1:2)
	sleep 0.5 # the iperf3 server is done with the last run's control connection
	run=$(timeout 30 ip netns exec "${PFX}h1" iperf3 -c "$hi" -B "$lo" -u -b 800k -l 1000 -t 2 -J)
	got=$(jq '.end.sum.bytes // 0' <<<"$run")
	jq -r '.error // empty | "# iperf3: \(.)"' <<<"$run"
	leaf=$(drained "$cls" "$leaf0" "${got:-1}") be=$(($(class_bytes 1:2) - be0))
	echo "# entry $i ($lo -> $hi, class ${cls:-none}): ${got:-0} bytes sent, leaf +$leaf, best effort +$be"
	check "entry $i: $lo -> $hi sent at least $BYTES bytes (${got:-0})" [ "${got:-0}" -ge "$BYTES" ]
	check "entry $i: its own class ${cls:-none} on h2's port counted at least the bytes sent" \
		counted "$cls" "$leaf0" "$leaf" "${got:-1}"
	check "entry $i: best effort 1:2 counted none of it (+$be bytes, under 4 KB of other frames)" \
		[ "$be" -lt 4096 ]
done
echo "# $((SECONDS - t0)) s"
finish
