#!/usr/bin/env bash
# The class pool (userspace/dataplane/pool.h) on h1, h2, h3 behind a bridge:
# (a) attach makes the holder 1:3, the pool qdisc 2: and both selectors;
# (b) a grant is a rate change of pooled leaf 10:1 on every port, and traffic
# is shaped in it; (c) revoke parks the leaf; (d) the next reservation takes
# the same leaf at its own rate with zeroed counters; (e) the pool grows by
# blocks, each reservation classified into its own class (BPF_PROG_TEST_RUN),
# (f) shrinks back after the burst; (h) `payflowctl pool --reserve` makes
# classes ahead of grants.
source "$(dirname "$0")/lib.sh"

topo_bridge 3
PORTS=("${PFX}p1" "${PFX}p2" "${PFX}p3")
"$CTL" --direct --pin-root "$PIN" attach "${PORTS[@]}" >/dev/null || exit 1
iperf_server h2
iperf_server h3

# on_all_ports CMD-TEMPLATE: true if CMD (with @ for the port) holds on every port.
on_all_ports() {
	local p
	for p in "${PORTS[@]}"; do bash -c "${1//@/$p}" || return 1; done
}
# leaf_line PORT CLASS: the class's line of tc class show.
leaf_line() { tc class show dev "$1" classid "$2"; }
# leaf_bytes PORT CLASS: bytes the class has sent.
leaf_bytes() { tc -s class show dev "$1" classid "$2" | awk '/Sent/ { print $2; exit }'; }
grant() { "$CTL" --direct --pin-root "$PIN" --json grant "$@" | jq -r .class; }
# shaped NAME FROM TO RATE_BPS: goodput within 10% of a class of RATE_BPS.
shaped() {
	local got want
	got=$(iperf_json "$2" "$3" 3 | goodput_bps)
	want=$(expected_goodput "$4" 4)
	echo "# $1: $(ratio "$got" 1000000) Mbit/s, ratio $(ratio "$got" "$want")"
	check "$1" within "$got" "$want" 10
}

check "a: every port has the holder 1:3, the pool qdisc 2: and both selectors" on_all_ports \
	"tc class show dev @ classid 1:3 | grep -q htb &&
	 tc qdisc show dev @ | grep -q 'qdisc htb 2: parent 1:3' &&
	 tc filter show dev @ parent 1: | grep -q pf_sel_root &&
	 tc filter show dev @ parent 2: | grep -q pf_sel_pool"

cls=$(grant 10.77.0.1 10.77.0.2 --rate 20mbit --seconds 60)
check "b: the first grant takes pooled leaf 10:1 (got $cls)" [ "$cls" = 10:1 ]
check "b: ... at 20 Mbit/s on every port" on_all_ports \
	"tc class show dev @ classid 10:1 | grep -q 'rate 20Mbit ceil 20Mbit'"
shaped "b: h1 -> h2 is shaped to 20 Mbit/s in the pooled leaf" h1 10.77.0.2 20000000
sent=$(leaf_bytes "${PFX}p2" 10:1)
check "b: h2's port counted the flow in 10:1 (${sent:-0} bytes)" [ "${sent:-0}" -gt 5000000 ]

"$CTL" --direct --pin-root "$PIN" revoke 10.77.0.1 10.77.0.2 >/dev/null
check "c: revoke parks 10:1 at 8 bit/s on every port" on_all_ports \
	"tc class show dev @ classid 10:1 | grep -q 'rate 8bit ceil 8bit'"

cls=$(grant 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 60)
check "d: the next reservation reuses 10:1 (got $cls)" [ "$cls" = 10:1 ]
check "d: ... at its own rate, 30 Mbit/s" \
	bash -c "tc class show dev '${PFX}p3' classid 10:1 | grep -q 'rate 30Mbit ceil 30Mbit'"
check "d: ... and its counters start at zero" bash -c \
	"'$CTL' --direct --pin-root '$PIN' --json list | jq -e '.[0].stats.bytes == 0 and .[0].stats.packets == 0' >/dev/null"
shaped "d: h1 -> h3 is shaped to 30 Mbit/s" h1 10.77.0.3 30000000

# 600 more: the pool grows from 1 to 3 blocks of 256 on every port.
out=$("$BUILD/pool_fill" -p "$PIN" -n 600 -c 600 -r)
echo "# pool_fill: $out"
check "e: 601 reservations grew the pool to 3 blocks" [ "$(jq .blocks <<<"$out")" = 3 ]
check "e: each of 600 sampled entries is classified into its own class by pf_tc_egress" \
	[ "$(jq '.misclassified == 0 and .checked == 600 and .distinct_classes == 601' <<<"$out")" = true ]
check "f: after the burst the pool shrank to the live block and one spare" \
	[ "$(jq .blocks_after_revoke <<<"$out")" = 2 ]
check "f: ... block 12: is gone from every port, 11: stays" on_all_ports \
	"! tc qdisc show dev @ | grep -q 'qdisc htb 12:' && tc qdisc show dev @ | grep -q 'qdisc htb 11:'"
check "f: the live reservation kept its class through the burst" \
	bash -c "tc class show dev '${PFX}p3' classid 10:1 | grep -q 'rate 30Mbit ceil 30Mbit'"

pool=$("$CTL" --pin-root "$PIN" --json pool --reserve 1000)
echo "# pool --reserve 1000: $(jq -c . <<<"$pool")"
check "h: pool --reserve 1000 grows to 4 blocks with 1 class in use and 1023 free" \
	[ "$(jq -c '[.blocks, .used, .free]' <<<"$pool")" = "[4,1,1023]" ]
check "h: ... block 13: exists on every port with its leaves parked" on_all_ports \
	"tc class show dev @ classid 13:100 | grep -q 'rate 8bit ceil 8bit'"
expect_usage=$("$CTL" --pin-root "$PIN" pool --reserve 0 2>&1)
check "h: pool --reserve 0 is a usage error that names the range" \
	grep -q "bad value '0' for --reserve: 1 to" <<<"$expect_usage"

"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
check "g: detach removes the pool with the root qdisc" on_all_ports \
	"! tc qdisc show dev @ | grep -q htb"
finish
