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

# trial OUT: an 11 s flow, a 5 s grant 2 s into it; OUT gets the half-second
# intervals ("start end bit/s"), OUT.at the grant's time from the client's start,
# OUT.alive the payflow processes of this test alive during the paid window.
trial() {
	local json=$1.json t0 t1 client grant_pid probe_pid alive
	rm -f "$1.own" "$1.alive"
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
	[ "$(own_procs sleep)" = "$probe_pid" ] && echo found >"$1.own"
	alive=$(own_procs payflowd payflowctl)
	kill -0 "$grant_pid" 2>/dev/null && alive="$alive $grant_pid"
	[ -z "${alive// /}" ] || echo "$alive" >"$1.alive"
	wait "$client"
	# Interval start times are relative to the client's start (about t0).
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }' >"$1.at"
	jq -r '.intervals[].sum | "\(.start) \(.end) \(.bits_per_second)"' "$json" >"$1"
	rm -f "$json"
}
be=$(expected_goodput $BE 4)
paid=$(expected_goodput $RATE 4)
# Half-second samples are noisy: each must be clearly on its side of the two
# rates, and their mean within 10% of the expected goodput. judge FILE GRANT_AT
# prints, for the paid window then for best effort from 1 s after its end:
# samples on the wrong side, and 1 if the window's mean is right (0 if not).
# On 2 shared cores a stretch of seconds can run every flow slow: a trial
# whose only fault is a mean is run once more.
judge() {
	awk -v g="$2" -v want="$paid" -v be="$be" '
		$1 >= g + 0.5 && $2 <= g + 4.5 { n++; s += $3; if ($3 < 1.5 * be) pw++ }
		$1 >= g + 6 { m++; t += $3; if ($3 > 1.3 * be) bw++ }
		END { print pw + 0, (n >= 6 && s / n > 0.9 * want && s / n < 1.1 * want) ? 1 : 0,
			bw + 0, (m >= 4 && t / m > 0.9 * be && t / m < 1.1 * be) ? 1 : 0 }' "$1"
}
show() { # FILE GRANT_AT
	awk -v g="$2" '{ printf "# [%5.1f, %5.1f) %6.1f Mbit/s%s\n", $1, $2, $3 / 1e6,
		($1 >= g && $2 <= g + 5) ? "  paid" : "" }' "$1"
}
iv=$(mktemp)
trial "$iv"
read -r pw pm bw bm <<<"$(judge "$iv" "$(cat "$iv.at")")"
if [ "$pw$bw" = 00 ] && [ "$pm$bm" != 11 ]; then
	show "$iv" "$(cat "$iv.at")"
	echo "# every sample on its side, a mean off by more than 10%: one more trial"
	sleep 1
	trial "$iv"
	read -r pw pm bw bm <<<"$(judge "$iv" "$(cat "$iv.at")")"
fi
check "own_procs finds a process this test started" [ -s "$iv.own" ]
check "no payflow process this test started is alive during the paid window" [ ! -s "$iv.alive" ]
show "$iv" "$(cat "$iv.at")"
check "d: the flow runs at the granted rate during the paid window" [ "$pw/$pm" = 0/1 ]
check "d: back to best effort within 1 s of the end, with no process alive" [ "$bw/$bm" = 0/1 ]
check "the expired entry is reported expired" \
	bash -c "'$CTL' --direct --pin-root '$PIN' --json list | jq -e '.[0].state == \"expired\"' >/dev/null"
rm -f "$iv" "$iv".*
finish
