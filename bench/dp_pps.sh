#!/usr/bin/env bash
# 64-byte UDP packets/s h1 -> bridge -> h2 with PayFlow attached (no
# reservation for the pair, a best-effort class too wide to limit) against the
# plain bridge, interleaved. iperf3 -u -l 64 at an unlimited rate; the figure
# is the packets h2 received per second. Prints one flat JSON object:
#   dp_pps_plain, dp_pps_payflow (median [min-max]), dp_pps_ratio (median of
#   per-pair ratios, target >= 0.90)
#   env: DP_PPS_ROUNDS (4) pairs, DP_PPS_SECS (3) measured seconds each
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/stats.sh"
source "$HERE/../tests/integration/lib.sh"

ROUNDS=${DP_PPS_ROUNDS:-4}
SECS=${DP_PPS_SECS:-3}
pfctl() { "$CTL" --direct --pin-root "$PIN" "$@"; }

# Packets/s h2 received from one UDP run.
pps() {
	local out
	out=$(timeout $((SECS + 15)) ip netns exec "${PFX}h1" \
		iperf3 -c 10.77.0.2 -u -l 64 -b 0 -t "$SECS" -J) || die "iperf3 -u failed"
	jq -r '.end.sum | (.packets - .lost_packets) / .seconds | floor' <<<"$out"
}
payflow_pps() {
	local p
	pfctl attach "${PFX}p1" "${PFX}p2" --capacity 100gbit --be-rate 100gbit >/dev/null ||
		die "attach failed"
	p=$(pps)
	pfctl detach "${PFX}p1" "${PFX}p2" >/dev/null || die "detach failed"
	echo "$p"
}

topo_bridge 2
iperf_server h2
plain=() pf=() ratios=()
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		p=$(pps) && f=$(payflow_pps) || exit 1
	else
		f=$(payflow_pps) && p=$(pps) || exit 1
	fi
	positive "$p" && positive "$f" || die "no packets received"
	plain+=("$p")
	pf+=("$f")
	ratios+=("$(div "$f" "$p")")
	say "round $r: plain $p pkt/s, PayFlow $f pkt/s"
done
{
	stat_json dp_pps_plain "${plain[@]}"
	stat_json dp_pps_payflow "${pf[@]}"
	stat_json dp_pps_ratio "${ratios[@]}"
} | jq -cs add
