# Two enforcement nodes on one kernel for cluster tests (source it; it sources
# lib.sh, daemon_lib.sh and etcd_lib.sh):
#   h1, h2 -- s1 == s2 -- h3, h4
# Node 1 is a payflowd owning bridge ${PFX}s1 (ports p1, p2 and the trunk end
# t12a), node 2 another owning ${PFX}s2 (p3, p4, t12b); each has its own pin
# root, state dir, socket and log under $DDIR/nI, and is stopped by its pid.
# cenf_up CAP TRUNK_CAP FLOOR: etcd (3 members), the topology, both nodes,
# and their links published; the test ends when any of it fails.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/etcd_lib.sh"
CN_PID=() CN_METRICS=() CN_PIN=("" "$PIN" "$PIN-b") CN_NAME=("" "a$ID" "b$ID") CN_SW=() CN_TRUNK=()
CP=/pfe$ID
GRANT=$BUILD/cluster_grant
# The hops of h1 <-> h3: 1's trunk end and 2's port to h3, then the way back.
HOPS13="a$ID:${PFX}t12a,b$ID:${PFX}p3,b$ID:${PFX}t12b,a$ID:${PFX}p1"

cenf_cleanup() {
	local i x
	for i in 1 2; do
		[ -n "${CN_PID[$i]:-}" ] && kill "${CN_PID[$i]}" 2>/dev/null && wait "${CN_PID[$i]}" 2>/dev/null
		[ -f "$DDIR/n$i/conf.json" ] && "$PFD" --config "$DDIR/n$i/conf.json" --detach >/dev/null 2>&1
		[ -d "${CN_PIN[$i]}" ] && rm -rf "${CN_PIN[$i]}"
	done
	etcd_stop_all
	pfd_cleanup
	for x in "${CN_TRUNK[@]}" "${CN_SW[@]}"; do ip link del "$PFX$x" 2>/dev/null; done
	[ -n "${EDIR:-}" ] && rm -rf "$EDIR"
	return 0
}
trap cenf_cleanup EXIT

cenf_topo() {
	local i
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for i in 1 2; do
		CN_SW+=("s$i")
		ip link add "${PFX}s$i" type bridge && ip link set "${PFX}s$i" up
	done
	CN_TRUNK+=("t12a")
	ip link add "${PFX}t12a" type veth peer name "${PFX}t12b"
	ip link set "${PFX}t12a" master "${PFX}s1" up
	ip link set "${PFX}t12b" master "${PFX}s2" up
	for i in 1 2 3 4; do add_host "$i" "${PFX}s$((i <= 2 ? 1 : 2))"; done
}

cenf_config() { # I CAP TRUNK_CAP FLOOR
	local i=$1 d=$DDIR/n$1 a=$(($1 * 2 - 1)) eps
	eps=$(sed 's/,/", "/g' <<<"\"$ETCD_ENDPOINTS\"")
	CN_METRICS[$i]=127.0.0.1:$(free_port)
	mkdir -p "$d"
	cat >"$d/conf.json" <<JSON
{
  "ports": [{"name": "${PFX}p$a", "capacity": "$2", "hosts": ["10.77.0.$a"]},
            {"name": "${PFX}p$((a + 1))", "capacity": "$2", "hosts": ["10.77.0.$((a + 1))"]},
            {"name": "${PFX}t12$([ "$i" = 1 ] && echo a || echo b)", "capacity": "$3"}],
  "best_effort": {"rate": "$4", "floor": "$4"},
  "levels": [{"rate": "$4", "price_per_s": "0"}, {"rate": "5mbit", "price_per_s": "1"}],
  "state_dir": "$d/state", "pin_root": "${CN_PIN[$i]}", "socket": "$d/ctl.sock",
  "metrics": "${CN_METRICS[$i]}",
  "cluster": {"endpoints": [$eps], "node": "${CN_NAME[$i]}", "prefix": "$CP", "lease_ttl": 3}
}
JSON
}

cenf_ctl() { local i=$1; shift; "$CTL" --socket "$DDIR/n$i/ctl.sock" --pin-root "${CN_PIN[$i]}" "$@"; }
cenf_log() { echo "$DDIR/n$1/log"; }

cenf_start() { # I: starts node I and waits until it answers
	local i=$1 _
	"$PFD" --config "$DDIR/n$i/conf.json" >>"$(cenf_log "$i")" 2>&1 &
	CN_PID[$i]=$!
	for _ in $(seq 1 200); do
		cenf_ctl "$i" stats >/dev/null 2>&1 && return 0
		kill -0 "${CN_PID[$i]}" 2>/dev/null || { CN_PID[$i]=; return 1; }
		sleep 0.05
	done
	return 1
}

cenf_stop() { # I [SIGNAL]
	[ -n "${CN_PID[$1]:-}" ] || return 0
	kill -"${2:-TERM}" "${CN_PID[$1]}" 2>/dev/null
	wait "${CN_PID[$1]}" 2>/dev/null
	CN_PID[$1]=
}

wait_for() { # CONDITION (shell text), at most 10 s
	local _
	for _ in $(seq 100); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

cenf_up() { # CAP TRUNK_CAP FLOOR
	local i
	EDIR=$(mktemp -d /tmp/pf-cenf.XXXXXX)
	cenf_topo
	etcd_start 3 "$EDIR" || { not_ok "three-member etcd starts"; finish; }
	export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS
	for i in 1 2; do
		cenf_config "$i" "$@"
		cenf_start "$i" || { cat "$(cenf_log "$i")"; not_ok "node $i starts"; finish; }
	done
	wait_for '[ -n "$(etcdctl_ get "$CP/topo/links/b$ID:${PFX}t12b" --print-value-only)" ] &&
		[ -n "$(etcdctl_ get "$CP/topo/links/a$ID:${PFX}t12a" --print-value-only)" ]' ||
		{ not_ok "both nodes publish their links"; finish; }
}

# cenf_metric I SERIES: the value of one series on node I's /metrics.
cenf_metric() { curl -s "http://${CN_METRICS[$1]}/metrics" | awk -v s="$2" '$1 == s { print $2 }'; }
# cenf_check I: etcd against node I's maps (cluster_grant check).
cenf_check() { "$GRANT" check "$CP" "${CN_NAME[$1]}" "${CN_PIN[$1]}"; }
# The cluster entries of node I's map: "rate_bps flags" per line.
cenf_entries() {
	bpftool -j map dump pinned "${CN_PIN[$1]}/reservations" 2>/dev/null |
		jq -r '.[].formatted.value | select(.resv_id >= 9223372036854775808) | "\(.rate_bps) \(.flags)"'
}
