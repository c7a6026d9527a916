#!/usr/bin/env bash
# Reservations along a path: prints one flat JSON object on stdout with
#   path_grant_p99_us_{1,2,4}hop  payflowd's grant_to_enforced p99 (request
#       line taken off the socket -> map entry written, every class of the path
#       made before it) over 1,000 pipelined grants whose path leaves through
#       1 egress port per direction (both hosts on one bridge: the single-port
#       figure), 2 (across one link) or 4 (across three links)
#   path_admission_per_s_{1,4}hop  holds per second (admission on every port of
#       the path and the database row, no data plane), 20,000 pipelined holds
# Each figure on a fresh payflowd, on a line of four bridges s1 - s2 - s3 - s4;
# hosts: 10.78/16 and 10.79/16 on s1, 10.80/16 on s2, 10.81/16 on s4.
set -uo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/../tests/integration/daemon_lib.sh"
exec 3>&1 1>&2 # progress on stderr, the JSON on the original stdout
N_GRANTS=1000 N_HOLDS=20000
SW=()

bench_cleanup() {
	local s
	pfd_cleanup
	for s in "${SW[@]}"; do ip link del "$PFX$s" 2>/dev/null; done
	for s in 12 23 34; do ip link del "${PFX}t${s}a" 2>/dev/null; done
	return 0
}
trap bench_cleanup EXIT

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
for i in 1 2 3 4; do
	SW+=("s$i")
	ip link add "${PFX}s$i" type bridge && ip link set "${PFX}s$i" up
done
for i in 12 23 34; do
	ip link add "${PFX}t${i}a" type veth peer name "${PFX}t${i}b"
	ip link set "${PFX}t${i}a" master "${PFX}s${i:0:1}" up
	ip link set "${PFX}t${i}b" master "${PFX}s${i:1:1}" up
done
bridge_of=(0 1 1 2 4)
for i in 1 2 3 4; do add_host "$i" "${PFX}s${bridge_of[$i]}"; done
cat >"$CONF" <<JSON
{
  "bridges": [{"name": "${PFX}s1", "capacity": "100gbit"}, {"name": "${PFX}s2", "capacity": "100gbit"},
              {"name": "${PFX}s3", "capacity": "100gbit"}, {"name": "${PFX}s4", "capacity": "100gbit"}],
  "ports": [{"name": "${PFX}p1", "capacity": "100gbit", "hosts": ["10.78.0.0/16"]},
            {"name": "${PFX}p2", "capacity": "100gbit", "hosts": ["10.79.0.0/16"]},
            {"name": "${PFX}p3", "capacity": "100gbit", "hosts": ["10.80.0.0/16"]},
            {"name": "${PFX}p4", "capacity": "100gbit", "hosts": ["10.81.0.0/16"]}],
  "best_effort": {"rate": "100mbit", "floor": "100mbit"},
  "levels": [{"rate": "100mbit", "price_per_s": "0"}, {"rate": "1mbit", "price_per_s": "1"}],
  "hold_ttl": 3600,
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK"
}
JSON

fresh() {
	daemon_stop TERM
	"$PFD" --config "$CONF" --detach >/dev/null 2>&1
	rm -rf "$STATE"
	daemon_start || { cat "$DLOG"; exit 1; }
}
nets=([1]=10.79 [2]=10.80 [4]=10.81)
declare -A out
for hops in 1 2 4; do
	fresh
	[ "$(ctl --json path 10.78.0.1 "${nets[$hops]}.0.1" | jq '.a_to_b | length')" = "$hops" ] || exit 1
	load=$("$ROOT/bench/pfd_load.py" "$SOCK" $N_GRANTS --rate 100000 --b-net "${nets[$hops]}")
	echo "grants over $hops hop(s): $load"
	[ "$(jq .granted <<<"$load")" = $N_GRANTS ] || exit 1
	out[grant_$hops]=$(ctl --json stats | jq '.grant_to_enforced.p99_us')
done
for hops in 1 4; do
	fresh
	load=$("$ROOT/bench/pfd_load.py" "$SOCK" $N_HOLDS --op hold --rate 100000 --b-net "${nets[$hops]}")
	echo "holds over $hops hop(s): $load"
	[ "$(jq .granted <<<"$load")" = $N_HOLDS ] || exit 1
	out[hold_$hops]=$(jq '.granted / .seconds | floor' <<<"$load")
done
jq -cn --argjson g1 "${out[grant_1]}" --argjson g2 "${out[grant_2]}" --argjson g4 "${out[grant_4]}" \
	--argjson h1 "${out[hold_1]}" --argjson h4 "${out[hold_4]}" \
	'{path_grant_p99_us_1hop: $g1, path_grant_p99_us_2hop: $g2, path_grant_p99_us_4hop: $g4,
	  path_admission_per_s_1hop: $h1, path_admission_per_s_4hop: $h4}' >&3
