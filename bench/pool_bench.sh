#!/usr/bin/env bash
# The class pool through payflowd (userspace/dataplane/pool.h), one shaped port:
# prints one flat JSON object on stdout with
#   pool_prefill_s         s for payflowd to make the pool's classes ahead of
#                          grants (config pool_classes = MAX), in the background
#                          while it serves: creating a class walks every filter
#                          block on the host on veth, so this grows with the
#                          square of the classes on the machine
#   fill_60k_s             s to grant 60,000 shaped reservations on the port
#                          (bench/pfd_load.py, 64 in flight) once the pool is made
#   shaped_per_port_max    MAX reservations granted on the port (66,000 > 65,520,
#                          one qdisc's limit; 200,000 with BENCH_FULL=1), reported
#                          only if each map entry has its own class and the port
#                          has exactly those classes at the granted rate
#   shaped_per_port_checked, shaped_per_port_misclassified  the same check's counts
#   restart_reconcile_s_60k  payflowd's logged reconcile after a SIGTERM restart
#                          with MAX (>= 60,000) active reservations
# The port p1 serves 10.64.0.0/10; the far ends (10.79.x.y) are unknown
# endpoints, allowed, so each reservation is shaped on p1 alone. Needs root.
set -uo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/../tests/integration/daemon_lib.sh"
exec 3>&1 1>&2 # progress on stderr, the JSON on the original stdout
MAX=66000 FILL=60000
[ "${BENCH_FULL:-0}" = 1 ] && MAX=200000
[ -n "${POOL_MAX:-}" ] && MAX=$POOL_MAX FILL=$((POOL_MAX * 10 / 11)) # a quick try of the script
RATE=100000

topo_bridge 2
cat >"$CONF" <<JSON
{
  "ports": [{"name": "${PFX}p1", "capacity": "100gbit", "hosts": ["10.64.0.0/10"]}],
  "best_effort": {"rate": "100mbit", "floor": "100mbit"},
  "levels": [{"rate": "100mbit", "price_per_s": "0"}, {"rate": "1mbit", "price_per_s": "1"}],
  "unknown_endpoint": "allow", "pool_classes": $MAX,
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK"
}
JSON
t0=$(date +%s.%N)
daemon_start || { cat "$DLOG"; exit 1; }
pool_free() { ctl --json stats | jq .pool.free; }
for _ in $(seq 1 3600); do [ "$(pool_free)" -ge "$MAX" ] && break; sleep 1; done
prefill=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "pool made ahead: $(ctl --json stats | jq -c .pool) in $prefill s"

# load COUNT A_NET: COUNT grants A_NET.x.y <-> 10.79.x.y; prints pfd_load's JSON.
load() { "$ROOT/bench/pfd_load.py" "$SOCK" "$1" --a-net "$2" --rate "$RATE" --seconds 7200; }
fill=$(load "$FILL" 10.78)
echo "$FILL: $fill"
left=$((MAX - FILL)) net=80
while [ "$left" -gt 0 ]; do
	n=$((left > 60000 ? 60000 : left))
	echo "more: $(load "$n" "10.$net")"
	left=$((left - n)) net=$((net + 1))
done
active=$(ctl --json stats | jq .active)

# Each entry its own class, and the port has exactly those classes at the rate.
"$CTL" --pin-root "$PIN" --direct --json list | jq -r '.[].class' | sort >"$DDIR/map_classes"
# One dump per block qdisc (tcm_parent): a dump of the whole port walks all its
# qdiscs again for every chunk of the reply, quadratic at this size.
blocks=$(ctl --json stats | jq .pool.blocks)
for m in $(seq 16 $((15 + blocks))); do printf 'class show dev %s parent %x:\n' "${PFX}p1" "$m"; done |
	tc -batch - | awk '$2 == "htb" && $3 ~ /^[0-9a-f][0-9a-f]+:/ && /rate 100Kbit / { print $3 }' |
	sort >"$DDIR/port_classes"
checked=$(wc -l <"$DDIR/map_classes")
distinct=$(uniq "$DDIR/map_classes" | wc -l)
wrong=$(comm -3 "$DDIR/map_classes" "$DDIR/port_classes" | wc -l)
echo "$active active, $checked map entries, $distinct distinct classes, $wrong not matched on the port"
max=null
[ "$active" = "$MAX" ] && [ "$checked" = "$MAX" ] && [ "$distinct" = "$MAX" ] && [ "$wrong" = 0 ] && max=$MAX

daemon_stop TERM
: >"$DLOG"
daemon_start || { cat "$DLOG"; exit 1; }
reconcile=$(grep -oE 'reconciled [0-9]+ active reservations .* in [0-9.]+ s' "$DLOG" | sed -E 's/.* in ([0-9.]+) s$/\1/')
echo "reconcile after restart with $active: $reconcile s"
[ "$active" -ge 60000 ] || reconcile=
[ "$FILL" = 60000 ] || fill='{"seconds": null}'

jq -cn --argjson pre "$prefill" --argjson fill "$(jq '.seconds' <<<"$fill")" --argjson max "$max" \
	--argjson checked "$checked" --argjson wrong "$((wrong + checked - distinct))" \
	--argjson rec "${reconcile:-null}" \
	'{pool_prefill_s: $pre, fill_60k_s: $fill, shaped_per_port_max: $max,
	  shaped_per_port_checked: $checked, shaped_per_port_misclassified: $wrong,
	  restart_reconcile_s_60k: $rec}' >&3
