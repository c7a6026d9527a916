#!/usr/bin/env bash
# Rate accuracy of a reservation h1 -> h2: goodput / expected goodput and the
# retransmit share, in shape and police modes (police: hosts without ECN;
# police_ecn: hosts with net.ipv4.tcp_ecn=1, so the policer marks CE before it
# drops), next to plain tc HTB (no BPF) measured in the same run, rate by rate. Expected goodput for IPv4 TCP is
# rate x 1448/1514 (HTB counts whole frames). Prints one flat JSON object.
#
#   env: RATE_LIST ("10 50 150 500 1000") Mbit/s, RATE_REPS (3) repetitions,
#        RATE_SECS (5) measured seconds after a 1 s warm-up
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/stats.sh"
source "$HERE/../tests/integration/lib.sh"

RATES=${RATE_LIST:-10 50 150 500 1000}
REPS=${RATE_REPS:-3}
SECS=${RATE_SECS:-5}
MODES=(htb shape police police_ecn)
H1=10.77.0.1
H2=10.77.0.2

pfctl() { "$CTL" --direct --pin-root "$PIN" "$@"; }

# setup_MODE RATE_MBIT / teardown_MODE: the limiter on the ports, then gone.
# Plain HTB needs only h2's port: that is where h1 -> h2 data leaves.
# tc's "quantum is big" warning at high rates is noise; other errors are shown.
setup_htb() {
	local err
	err=$(tc qdisc add dev "${PFX}p2" root handle 1: htb default 10 2>&1 &&
		tc class add dev "${PFX}p2" parent 1: classid 1:10 htb rate "${1}mbit" \
			ceil "${1}mbit" 2>&1 | grep -v 'quantum of class')
	[ -z "$err" ] || { echo "$err" >&2; return 1; }
	grep -q htb <<<"$(tc class show dev "${PFX}p2" classid 1:10)"
}
teardown_htb() { tc qdisc del dev "${PFX}p2" root; }

setup_shape() {
	pfctl attach "${PFX}p1" "${PFX}p2" --capacity 10gbit --be-rate 10mbit >/dev/null &&
		pfctl grant "$H1" "$H2" --rate "${1}mbit" --seconds 60 >/dev/null
}
teardown_shape() { pfctl detach --all >/dev/null; }

setup_police() {
	pfctl attach "${PFX}p1" "${PFX}p2" --mode police --capacity 100gbit --be-rate 100gbit \
		>/dev/null && pfctl grant "$H1" "$H2" --rate "${1}mbit" --seconds 60 >/dev/null
}
teardown_police() { teardown_shape; }

# ECN asked for by both hosts (tcp_ecn=1); 2, the kernel default, only answers.
hosts_ecn() { in_ns h1 sysctl -qw "net.ipv4.tcp_ecn=$1" && in_ns h2 sysctl -qw "net.ipv4.tcp_ecn=$1"; }
setup_police_ecn() { hosts_ecn 1 && setup_police "$1"; }
teardown_police_ecn() {
	hosts_ecn 2
	teardown_police
}

# PayFlow modes must have classified the test traffic as the reservation.
check_hits() {
	local hits
	[ "$1" = htb ] && return 0
	hits=$(pfctl --json stats | jq '.counters.hit')
	positive "$hits" || die "$1 at $2 Mbit/s: no packet hit the reservation"
}

# measure MODE RATE: prints "accuracy retrans_pct goodput_mbps".
measure() {
	local mode=$1 rate=$2 json bps expect
	"setup_$mode" "$rate" || die "$mode: setup at $rate Mbit/s failed"
	json=$(iperf_json h1 "$H2" "$SECS")
	check_hits "$mode" "$rate"
	"teardown_$mode" || die "$mode: teardown failed"
	bps=$(goodput_bps <<<"$json")
	positive "$bps" || die "$mode at $rate Mbit/s: iperf3 failed"
	expect=$(expected_goodput $((rate * 1000000)) 4)
	echo "$(div "$bps" "$expect") $(retrans_pct <<<"$json") $(div "$bps" 1000000)"
}

topo_bridge 2
iperf_server h2
out=$(mktemp)
trap 'rm -f "$out"; pf_cleanup' EXIT

declare -A acc rtx gput
say "rates: $RATES Mbit/s; modes: ${MODES[*]}; $REPS reps of ${SECS}s"
for rep in $(seq 1 "$REPS"); do
	for rate in $RATES; do
		# Rotate the mode order each repetition so no mode always goes first.
		for i in "${!MODES[@]}"; do
			mode=${MODES[$(((i + rep - 1) % ${#MODES[@]}))]}
			read -r a r g <<<"$(measure "$mode" "$rate")" || exit 1
			[ -n "$g" ] || exit 1
			acc[$mode.$rate]+=" $a"
			rtx[$mode.$rate]+=" $r"
			gput[$mode.$rate]+=" $g"
			say "rep $rep $mode $rate Mbit/s: goodput $g Mbit/s, accuracy $a, retrans $r%"
		done
	done
done

for rate in $RATES; do
	for mode in "${MODES[@]}"; do
		# shellcheck disable=SC2086 # the sample lists split on purpose
		{
			stat_json "rate_accuracy_${mode}_$rate" ${acc[$mode.$rate]}
			stat_json "rate_retrans_pct_${mode}_$rate" ${rtx[$mode.$rate]}
			stat_json "rate_goodput_mbps_${mode}_$rate" ${gput[$mode.$rate]}
		} >>"$out"
	done
done
jq -cs --argjson reps "$REPS" --argjson secs "$SECS" \
	'add + {rate_reps: $reps, rate_seconds: $secs}' "$out"
