# Two payflowd brokers in cluster mode on a real three-member etcd and Anvil
# (source it from the repository root; it sources lib.sh, daemon_lib.sh,
# broker_lib.sh and etcd_lib.sh): "machines" nA (h1 and the host ctl on $BR) and nB (h2
# on $BRB), each with its own bridge, pin root, state dir, socket and broker
# port (both listen in ctl), and the trunk ${PFX}tA (nA) <-> ${PFX}tB (nB)
# declared with peer_node. h2's port also serves 10.79.0.0/16 (many pairs).
#   cs_setup            builds it all and starts both; 1 with a message when not
#   CS_CAP              every port's capacity (default 100mbit)
#   CS_LIMITS           the broker's per-client limits (default LOOSE_LIMITS)
#   CS_BROKER           more members of both brokers' "broker" section
#   CS_ANVIL_CTL=1      Anvil inside ctl (10.77.0.100), so buyers in h1 reach it
#   A ARGS, B ARGS      broker_probe from h1 against nA's, nB's broker (pinned)
#   record ID, ledger_sum LINK, wait_for COND, node_b_stop [SIGNAL]
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/broker_lib.sh
. tests/integration/etcd_lib.sh
EDIR=$(mktemp -d /tmp/pf-cluster-sell.XXXXXX)
BRB="${PFX}bB"
PIN_B="$PIN-b" STATE_B="$DDIR/state-b" SOCK_B="$DDIR/ctl-b.sock"
CONF_B="$DDIR/payflowd-b.json" DLOG_B="$DDIR/payflowd-b.log" DPID_B=
P=/pfs$ID
A_ADDR=10.77.0.100:6113 B_ADDR=10.77.0.100:6114
BROKER_NETNS=ctl
node_b_stop() { # SIGNAL
	[ -n "$DPID_B" ] || return 0
	kill -"${1:-TERM}" "$DPID_B" 2>/dev/null
	wait "$DPID_B" 2>/dev/null
	DPID_B=
}
cs_cleanup() {
	node_b_stop
	[ -f "$CONF_B" ] && "$PFD" --config "$CONF_B" --detach >/dev/null 2>&1
	rm -rf "$PIN_B"
	ip link del "${PFX}tA" 2>/dev/null
	ip link del "$BRB" 2>/dev/null
	broker_cleanup
	etcd_stop_all
	rm -rf "$EDIR"
}
trap cs_cleanup EXIT

node_config() { # FILE NODE BRIDGE PORTS STATE PIN SOCK LISTEN
	local lnetns=""
	[ -n "${CS_ANVIL_CTL:-}" ] && lnetns="\"netns\": \"/run/netns/${PFX}ctl\", "
	cat >"$1" <<JSON
{
  "bridges": [{"name": "$3", "capacity": "$CS_CAP", "exclude": ["${PFX}pc"]}],
  "ports": [$4],
  "best_effort": {"rate": "10mbit", "floor": "10mbit"},
  "levels": [
    {"name": "level0", "rate": "10mbit", "price_per_s": "0"},
    {"name": "level1", "rate": "10mbit", "price_per_s": "1000"},
    {"name": "level2", "rate": "60mbit", "price_per_s": "3000"}
  ],
  "state_dir": "$5", "pin_root": "$6", "socket": "$7",
  "broker": {"listen": "$8", "netns": "/run/netns/${PFX}ctl", "min_seconds": 10,
             "max_seconds": 3600, "quote_ttl": 120, ${CS_BROKER:+$CS_BROKER, }${CS_LIMITS:-$LOOSE_LIMITS}},
  "ledger": {${lnetns}"rpc_url": "$RPC", "chain_id": $CHAIN_ID, "payment_address": "$PAY_TO",
             "confirmations": 0},
  "cluster": {"endpoints": [$EPS], "node": "$2", "prefix": "$P", "timeout_ms": 1000,
              "lease_ttl": 3}
}
JSON
}
node_b_start() {
	"$PFD" --config "$CONF_B" >>"$DLOG_B" 2>&1 &
	DPID_B=$!
	for _ in $(seq 200); do
		"$CTL" --socket "$SOCK_B" --pin-root "$PIN_B" stats >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
wait_for() { # CONDITION (shell text), at most 10 s
	for _ in $(seq 100); do eval "$1" && return 0; sleep 0.1; done
	return 1
}
ports_in_etcd() { etcdctl_ get --prefix "$P/topo/ports/" --keys-only | grep -c .; }
cs_anvil() {
	[ -n "${CS_ANVIL_CTL:-}" ] || { broker_anvil; return; }
	anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl 10.77.0.100 || return 1
	read -r PAYER PAY_TO OTHER _ <<<"$(in_ns ctl "$CAST" rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')"
}

cs_setup() {
	CS_CAP=${CS_CAP:-100mbit}
	need_bins "$PROBE" "$PFD"
	broker_topo 1
	ip link add "$BRB" type bridge && ip link set "$BRB" up
	add_host 2 "$BRB"
	ip link add "${PFX}tA" type veth peer name "${PFX}tB"
	ip link set "${PFX}tA" master "$BR" up
	ip link set "${PFX}tB" master "$BRB" up
	etcd_start 3 "$EDIR" || { echo "# three-member etcd did not start"; return 1; }
	cs_anvil || { echo "# anvil did not start"; return 1; }
	EPS=$(sed 's/,/", "/g' <<<"\"$ETCD_ENDPOINTS\"")
	node_config "$CONF" nA "$BR" "{\"name\": \"${PFX}p1\", \"capacity\": \"$CS_CAP\", \"hosts\": [\"10.77.0.1\"]},
	{\"name\": \"${PFX}tA\", \"capacity\": \"$CS_CAP\", \"peer\": \"${PFX}tB\", \"peer_node\": \"nB\"}" \
		"$STATE" "$PIN" "$SOCK" "$A_ADDR"
	node_config "$CONF_B" nB "$BRB" "{\"name\": \"${PFX}p2\", \"capacity\": \"$CS_CAP\", \"hosts\": [\"10.77.0.2\", \"10.79.0.0/16\"]},
	{\"name\": \"${PFX}tB\", \"capacity\": \"$CS_CAP\", \"peer\": \"${PFX}tA\", \"peer_node\": \"nA\"}" \
		"$STATE_B" "$PIN_B" "$SOCK_B" "$B_ADDR"
	daemon_start || { cat "$DLOG"; echo "# payflowd nA did not start"; return 1; }
	node_b_start || { cat "$DLOG_B"; echo "# payflowd nB did not start"; return 1; }
	wait_for '[ "$(ports_in_etcd)" = 4 ]' || { echo "# the ports are not in etcd"; return 1; }
	PK_A=$(in_ns h1 "$PROBE" "$A_ADDR" hello | jq -r .broker_key)
	PK_B=$(in_ns h1 "$PROBE" "$B_ADDR" hello | jq -r .broker_key)
}
# at BROKER_ADDR PIN ARGS...: broker_probe from h1 against one broker.
at() { local b=$1 pk=$2; shift 2; in_ns h1 "$PROBE" "$b" --seed "$SEED" --pin "$pk" "$@"; }
A() { at "$A_ADDR" "$PK_A" "$@"; }
B() { at "$B_ADDR" "$PK_B" "$@"; }
record() { etcdctl_ get "$P/resv/$1" --print-value-only; }
ledger_sum() { # LINK: its reserved sum in etcd
	etcdctl_ get --prefix "$P/ledger/$1/" --print-value-only | awk '{ s += $1 } END { print s + 0 }'
}
