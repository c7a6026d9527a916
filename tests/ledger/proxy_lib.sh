# Fault-injecting JSON-RPC proxies (tests/ledger/rpc_proxy.py) in front of a
# real node, for ledger fault tests. Source after lib.sh, daemon_lib.sh and
# broker_lib.sh: it takes over the EXIT trap (proxies, then broker_cleanup).
#   proxy_start NAME UPSTREAM   starts proxy NAME on a kernel-picked port of
#                               127.0.0.1; sets PROXY_URL; its faults script is
#                               empty (it forwards everything)
#   faults NAME JSON            replaces proxy NAME's script (atomically)
#   no_faults NAME              forwards everything again
#   injected NAME KIND METHOD   how many faults KIND on METHOD it injected
#   proxy_stop_all              stops the proxies this test started (by pid)
#   ledger_setup N              the binaries, hosts h1..hN and ctl, Anvil
#                               (exits with "not ok" when one is missing)
PROXY_DIR=$(mktemp -d /tmp/pf-proxy.XXXXXX)
PROXY_PIDS=()
PROXY_URL=

proxy_start() {
	local name=$1 upstream=$2 port=
	echo '{}' >"$PROXY_DIR/$name.json"
	: >"$PROXY_DIR/$name.log"
	python3 "$ROOT/tests/ledger/rpc_proxy.py" 0 "$upstream" "$PROXY_DIR/$name.json" \
		"$PROXY_DIR/$name.log" >"$PROXY_DIR/$name.out" 2>&1 &
	PROXY_PIDS+=($!)
	for _ in $(seq 100); do # at most 10 s
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$PROXY_DIR/$name.out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$PROXY_DIR/$name.out"; return 1; }
	PROXY_URL=http://127.0.0.1:$port
}

faults() {
	printf '%s\n' "$2" >"$PROXY_DIR/$1.json.tmp" && mv "$PROXY_DIR/$1.json.tmp" "$PROXY_DIR/$1.json"
}
no_faults() { faults "$1" '{}'; }
injected() { grep -c "^fault $2 $3\$" "$PROXY_DIR/$1.log"; }

proxy_stop_all() {
	local pid
	for pid in "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PROXY_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	PROXY_PIDS=()
	rm -rf "$PROXY_DIR"
}
trap 'proxy_stop_all; broker_cleanup' EXIT

ledger_setup() {
	need_bins "$PROBE" "$PFD" "$CTL"
	broker_topo "$1"
	broker_anvil || { not_ok "anvil starts"; finish; }
}
