# cluster_grant_to_enforced (docs/CLUSTER.md, "Enforcement nodes"), sourced by
# bench/cluster_bench.sh once its etcd is up: one enforcement node (a payflowd
# in cluster mode on its own bridge with two veth ports, its own pin root,
# state dir and socket), and cluster_grant playing the broker elsewhere:
# ENFORCE_N (200) grants whose hops are that node's two ports, each timed
# from the admission's commit until the node's map holds the entry (polled
# every 0.2 ms), then revoked. Prints
#   {"cluster_grant_to_enforced_p50_ms": X, "cluster_grant_to_enforced_p99_ms": X,
#    "cluster_grant_to_enforced_max_ms": X, "cluster_grant_to_enforced_missing": N}
# enforce_cleanup undoes it (the caller's EXIT trap calls it).
EN_ID=$(printf '%04x' $((RANDOM % 65536)))
EN_PFX="pfb$EN_ID"
EN_PIN="/sys/fs/bpf/payflow-bench-$EN_ID"
EN_PID=

enforce_cleanup() {
	[ -n "$EN_PID" ] && kill "$EN_PID" 2>/dev/null && wait "$EN_PID" 2>/dev/null
	EN_PID=
	[ -f "$DIR/enforce.d/conf.json" ] && "${BUILD:-build}/payflowd" --config "$DIR/enforce.d/conf.json" --detach >/dev/null 2>&1
	ip link del "${EN_PFX}p1" 2>/dev/null
	ip link del "${EN_PFX}p2" 2>/dev/null
	ip link del "${EN_PFX}br" 2>/dev/null
	[ -d "$EN_PIN" ] && rm -rf "$EN_PIN"
	return 0
}

enforce_latency() {
	local d=$DIR/enforce.d i eps node="e$EN_ID" _
	mkdir -p "$d"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	ip link add "${EN_PFX}br" type bridge && ip link set "${EN_PFX}br" up || return 1
	for i in 1 2; do
		ip link add "${EN_PFX}p$i" type veth peer name "${EN_PFX}q$i" || return 1
		ip link set "${EN_PFX}p$i" master "${EN_PFX}br" up
		ip link set "${EN_PFX}q$i" up
	done
	eps=$(sed 's/,/", "/g' <<<"\"$ETCD_ENDPOINTS\"")
	cat >"$d/conf.json" <<JSON
{"ports": [{"name": "${EN_PFX}p1", "capacity": "10gbit"}, {"name": "${EN_PFX}p2", "capacity": "10gbit"}],
 "best_effort": {"rate": "100mbit", "floor": "100mbit"},
 "levels": [{"rate": "100mbit", "price_per_s": "0"}, {"rate": "1mbit", "price_per_s": "1"}],
 "state_dir": "$d/state", "pin_root": "$EN_PIN", "socket": "$d/ctl.sock",
 "cluster": {"endpoints": [$eps], "node": "$node", "prefix": "/enf", "lease_ttl": 5}}
JSON
	"${BUILD:-build}/payflowd" --config "$d/conf.json" >"$d/log" 2>&1 &
	EN_PID=$!
	for _ in $(seq 200); do # its links published: it is up and registered
		[ -n "$(etcdctl_ get "/enf/topo/links/$node:${EN_PFX}p2" --print-value-only 2>/dev/null)" ] && break
		sleep 0.05
	done
	"${BUILD:-build}/cluster_grant" latency /enf g "${ENFORCE_N:-200}" 1000000 60 \
		"$node:${EN_PFX}p2,$node:${EN_PFX}p1" "$EN_PIN" >"$d/out"
	jq '{cluster_grant_to_enforced_p50_ms: .p50_ms, cluster_grant_to_enforced_p99_ms: .p99_ms,
	     cluster_grant_to_enforced_max_ms: .max_ms, cluster_grant_to_enforced_missing: .missing}' "$d/out"
}
