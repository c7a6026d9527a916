#!/usr/bin/env bash
# (d) Expiry lives in the data plane: a 5 s grant ends on time with no PayFlow
# process alive. iperf3 reports every 0.5 s; the intervals inside the paid
# window must run at the granted rate, those from 1 s after its end at best
# effort again. The flow runs h2 -> h1 (-R) so that the samples are counted
# where the bytes arrive: a sender's samples count what it wrote into its
# socket buffer, which swings with scheduling on a busy machine.
source "$(dirname "$0")/lib.sh"

BE=50000000
RATE=150000000
topo_bridge 2
"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" >/dev/null || exit 1
iperf_server h2

json=$(mktemp)
t0=$(date +%s.%N)
timeout 30 ip netns exec "${PFX}h1" iperf3 -c 10.77.0.2 -R -t 11 -i 0.5 -J >"$json" &
client=$!
sleep 2
"$CTL" --direct --pin-root "$PIN" grant 10.77.0.1 10.77.0.2 --rate 150mbit --seconds 5 >/dev/null &
grant_pid=$!
wait "$grant_pid"
t1=$(date +%s.%N)
sleep 1
# Only what this test started: other tests may run a payflowd meanwhile.
sleep 3 &
probe_pid=$!
check "own_procs finds a process this test started" [ "$(own_procs sleep)" = "$probe_pid" ]
alive=$(own_procs payflowd payflowctl)
kill -0 "$grant_pid" 2>/dev/null && alive="$alive $grant_pid"
check "no payflow process this test started is alive during the paid window" [ -z "$alive" ]
wait "$client"

# Interval start times are relative to the client's start (about t0).
grant_at=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
be=$(expected_goodput $BE 4)
paid=$(expected_goodput $RATE 4)
jq -r '.intervals[].sum | "\(.start) \(.end) \(.bits_per_second)"' "$json" >"$json.iv"
rm -f "$json"
awk -v g="$grant_at" '{ printf "# [%5.1f, %5.1f) %6.1f Mbit/s%s\n", $1, $2, $3 / 1e6,
	($1 >= g && $2 <= g + 5) ? "  paid" : "" }' "$json.iv"
# Half-second samples are noisy: each must be clearly on its side of the two
# rates, and their mean within 10% of the expected goodput.
check "d: the flow runs at the granted rate during the paid window" \
	awk -v g="$grant_at" -v want="$paid" -v be="$be" '$1 >= g + 0.5 && $2 <= g + 4.5 {
		n++; sum += $3; if ($3 < 1.5 * be) bad++ }
		END { m = sum / n; exit !(n >= 6 && !bad && m > 0.9 * want && m < 1.1 * want) }' "$json.iv"
check "d: back to best effort within 1 s of the end, with no process alive" \
	awk -v g="$grant_at" -v want="$be" '$1 >= g + 6 {
		n++; sum += $3; if ($3 > 1.3 * want) bad++ }
		END { m = sum / n; exit !(n >= 4 && !bad && m > 0.9 * want && m < 1.1 * want) }' "$json.iv"
check "the expired entry is reported expired" \
	bash -c "'$CTL' --direct --pin-root '$PIN' --json list | jq -e '.[0].state == \"expired\"' >/dev/null"
rm -f "$json.iv"
finish
