#!/usr/bin/env bash
# TCP throughput h1 -> bridge -> h2 with PayFlow attached (no reservation for
# this pair, a best-effort class too wide to limit) against the plain bridge,
# interleaved in one run; then the same with a loaded reservations map.
# Prints one flat JSON object on stdout; progress goes to stderr.
#
#   env: DP_TCP_ROUNDS (4) plain/PayFlow pairs per phase, DP_TCP_SECS (5)
#        measured seconds after a 1 s warm-up, DP_TCP_RESV (100000) entries
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/stats.sh"
source "$HERE/../tests/integration/lib.sh"

ROUNDS=${DP_TCP_ROUNDS:-4}
SECS=${DP_TCP_SECS:-5}
RESV=${DP_TCP_RESV:-100000}
ATTACH_OPTS=(--capacity 100gbit --be-rate 100gbit)
[ -x "$BUILD/load_resv" ] || die "$BUILD/load_resv is missing: run make first"

pfctl() { "$CTL" --direct --pin-root "$PIN" "$@"; }

# One measurement in Gbit/s; a failed or empty run stops the benchmark.
gbps() {
	local bps
	bps=$(iperf_json h1 10.77.0.2 "$SECS" | goodput_bps)
	positive "$bps" || die "iperf3 h1 -> h2 failed"
	awk -v b="$bps" 'BEGIN { printf "%.4f\n", b / 1e9 }'
}

plain_gbps() { gbps; }
# The same HTB tree PayFlow builds (one wide class), with no BPF program: it
# tells the qdisc's cost apart from the classifier's.
htb_gbps() {
	local p g
	for p in "${PFX}p1" "${PFX}p2"; do
		tc qdisc add dev "$p" root handle 1: htb default 2 &&
			tc class add dev "$p" parent 1: classid 1:2 htb rate 100gbit ceil 100gbit quantum 200000 ||
			die "plain HTB on $p failed"
	done
	g=$(gbps)
	for p in "${PFX}p1" "${PFX}p2"; do tc qdisc del dev "$p" root; done
	echo "$g"
}
payflow_gbps() {
	local g
	pfctl attach "${PFX}p1" "${PFX}p2" "${ATTACH_OPTS[@]}" >/dev/null || die "attach failed"
	g=$(gbps)
	pfctl detach "${PFX}p1" "${PFX}p2" >/dev/null || die "detach failed"
	echo "$g"
}

# phase SUFFIX [htb]: ROUNDS interleaved pairs, the order flipped every round
# so neither side always runs second; with "htb", plain HTB runs in between.
# Prints the phase's JSON.
phase() {
	local sfx=$1 with_htb=${2:-} r p f h plain=() pf=() ratios=() htb=() htb_ratios=()
	for r in $(seq 1 "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			p=$(plain_gbps) && f=$(payflow_gbps) || exit 1
		else
			f=$(payflow_gbps) && p=$(plain_gbps) || exit 1
		fi
		plain+=("$p")
		pf+=("$f")
		ratios+=("$(div "$f" "$p")")
		say "round $r (${sfx#_}): plain $p Gbit/s, PayFlow $f Gbit/s"
		if [ -n "$with_htb" ]; then
			h=$(htb_gbps) || exit 1
			htb+=("$h")
			htb_ratios+=("$(div "$f" "$h")")
			say "round $r (${sfx#_}): plain HTB, no BPF, $h Gbit/s"
		fi
	done
	stat_json "dp_tcp_plain${sfx}_gbps" "${plain[@]}"
	stat_json "dp_tcp_payflow${sfx}_gbps" "${pf[@]}"
	stat_json "dp_tcp_ratio${sfx}" "${ratios[@]}"
	if [ -n "$with_htb" ]; then
		stat_json "dp_tcp_htb${sfx}_gbps" "${htb[@]}"
		stat_json "dp_tcp_ratio_vs_htb${sfx}" "${htb_ratios[@]}"
	fi
}

topo_bridge 3
iperf_server h2
# h3's port stays attached throughout: it keeps the pins, and so the loaded
# map, while p1 and p2 go back to a plain bridge between measurements.
pfctl attach "${PFX}p3" "${ATTACH_OPTS[@]}" >/dev/null || die "attach ${PFX}p3 failed"

out=$(mktemp)
trap 'rm -f "$out"; pf_cleanup' EXIT

say "unreserved: $ROUNDS rounds of ${SECS}s plain + ${SECS}s PayFlow"
phase _unreserved htb >>"$out" || exit 1
miss=$(pfctl --json stats | jq '.counters.miss')
positive "$miss" || die "PayFlow saw no unreserved packets: the program is not in the path"

held=$("$BUILD/load_resv" -p "$PIN" -n "$RESV") || die "loading $RESV reservations failed"
say "loaded $held reservations; $ROUNDS more rounds"
label=_$((RESV / 1000))k
phase "$label" >>"$out" || exit 1
hits=$(pfctl --json stats | jq '.counters.hit')
[ "$hits" = 0 ] || die "$hits packets hit a reservation: the loaded pairs overlap the test pair"

jq -cs --argjson held "$held" --argjson rounds "$ROUNDS" --argjson secs "$SECS" \
	--argjson miss "$miss" \
	'add + {dp_tcp_resv_loaded: $held, dp_tcp_rounds: $rounds, dp_tcp_seconds: $secs,
	        dp_tcp_payflow_packets_unreserved: $miss}' "$out"
