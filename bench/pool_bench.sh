#!/usr/bin/env bash
# Class pool benchmark (userspace/dataplane/pool.h, tests/pool/pool_fill.c):
# prints one flat JSON object on stdout with
#   pool_grants_per_s      shaped grants/s on two ports from a pre-made pool
#                          (a rate change per port + the map entry), 20,000
#   pool_fill_60k_s        seconds to grant 60,000 shaped reservations on one
#                          port once the pool holds their classes
#   pool_prefill_s         seconds to make the pool's classes for them (what
#                          attach does ahead of grants): creating a class walks
#                          every filter block on the host on veth, so this
#                          grows with the square of the classes
#   shaped_per_port_max    reservations granted on one port, every one checked
#                          into its own class by pf_tc_egress (BPF_PROG_TEST_RUN):
#                          66,000 (> 65,520, one qdisc's limit) by default,
#                          200,000 with BENCH_FULL=1 (about 15 minutes here)
#   shaped_per_port_misclassified  of those, entries not in their own class
#   pool_revoke_per_s      revokes/s on two ports (park + map delete)
# Numbers from the data-plane library, without payflowd (which does not use
# the pool yet). Needs root. Its own namespaces, ports and pin roots.
set -uo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
exec 3>&1 1>&2 # progress on stderr, the JSON on the original stdout
MAX=66000
[ "${BENCH_FULL:-0}" = 1 ] && MAX=200000
FILL="$BUILD/pool_fill"

# Two ports, 20,000 grants from a pool made first.
topo_bridge 2
"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" "${PFX}p2" >/dev/null || exit 1
two=$("$FILL" -p "$PIN" -n 20000 -P 20000 -r) || exit 1
echo "two ports: $two"
"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null

# One port: 60,000 timed, then up to MAX, every entry checked.
"$CTL" --direct --pin-root "$PIN" attach "${PFX}p1" >/dev/null || exit 1
fill=$("$FILL" -p "$PIN" -n 60000 -P "$MAX" -c 60000) || exit 1
echo "one port, 60,000: $fill"
rest=$("$FILL" -p "$PIN" -n $((MAX - 60000)) -o 60000 -c $((MAX - 60000))) || exit 1
echo "one port, up to $MAX: $rest"
t0=$(date +%s.%N)
"$CTL" --direct --pin-root "$PIN" detach --all >/dev/null
echo "detach with $MAX classes: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }') s"

jq -cn --argjson two "$two" --argjson fill "$fill" --argjson rest "$rest" '{
	pool_grants_per_s: $two.grants_per_s,
	pool_revoke_per_s: (if $two.revoke_s > 0 then ($two.filled / $two.revoke_s | floor) else null end),
	pool_fill_60k_s: $fill.fill_s,
	pool_prefill_s: $fill.prefill_s,
	shaped_per_port_max: (if $rest.distinct_classes == $rest.filled + $fill.filled
		and $fill.misclassified + $rest.misclassified == 0 then $rest.distinct_classes else null end),
	shaped_per_port_checked: ($fill.checked + $rest.checked),
	shaped_per_port_misclassified: ($fill.misclassified + $rest.misclassified)}' >&3
