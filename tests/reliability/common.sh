# Shared setup of the reliability checks (source it from the repository root,
# after tests/integration/{lib,daemon_lib,broker_lib}.sh). The broker listens
# on 127.0.0.1 in the root namespace, next to Anvil, so broker_probe can pay
# and order from one process; its client key (seed 0x22 x 32) is allowed the
# prefix 10.78.0.0/16 behind port p2, so one client buys for many pairs
# 10.77.0.1 <-> 10.78.x.y. Each check prints "ok - "/"not ok - " lines, one
# figure line ("chaos: ..."), and writes its flat JSON object to $REL_OUT/NAME.json.
REL_OUT=${REL_OUT:-$DDIR}
CLIENT_KEY=a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0

# The checks buy many pairs from one address and key: loose per-client limits
# (adversary.sh sets REL_LIMITS= to test the defaults).
REL_LIMITS=${REL_LIMITS-${LOOSE_LIMITS:-}}
# rel_config CAPACITY [extra broker members] [extra ledger members] [extra top-level members]
rel_config() {
	local cap=$1 bextra=${2:-} lextra=${3:-} textra=${4:-}
	cat >"$CONF" <<JSON
{
  "ports": [{"name": "${PFX}p1", "capacity": "$cap", "hosts": ["10.77.0.1"]},
            {"name": "${PFX}p2", "capacity": "$cap", "hosts": ["10.77.0.2", "10.78.0.0/16"]}],
  "best_effort": {"rate": "10mbit", "floor": "10mbit"},
  "levels": [
    {"name": "level0", "rate": "10mbit", "price_per_s": "0"},
    {"name": "level1", "rate": "10mbit", "price_per_s": "1000"},
    {"name": "level2", "rate": "50mbit", "price_per_s": "4000"}
  ],
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK",${textra:+ $textra,}
  "broker": {"listen": "$BROKER", "min_seconds": 5, "max_seconds": 3600, "quote_ttl": 60,
             "max_connections_per_address": 4000,
             "allow": [{"client_key": "$CLIENT_KEY", "prefix": "10.78.0.0/16"}]${REL_LIMITS:+, $REL_LIMITS}${bextra:+, $bextra}},
  "ledger": {"rpc_url": "$RPC", "chain_id": $CHAIN_ID, "payment_address": "$PAY_TO",
             "confirmations": 0${lextra:+, $lextra}}
}
JSON
}

# rel_setup: bridge with h1, h2; Anvil; BROKER on a free loopback port.
rel_setup() {
	topo_bridge 2
	broker_anvil || { cat "$ANVIL_LOG"; return 1; }
	ACCOUNTS=($("$CAST" rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' '))
	BROKER=127.0.0.1:$(free_port)
	BROKER_NETNS=
}

# The client in the root namespace (with Anvil), pinned once rel_pin ran.
rprobe() { "$PROBE" "$BROKER" --seed "$SEED" ${BROKER_PK:+--pin "$BROKER_PK"} "$@"; }
rel_pin() { BROKER_PK=$(rprobe hello | jq -r .broker_key); [ ${#BROKER_PK} = 64 ]; }

# rel_buyers N SECS CLIENTS SECONDS: CLIENTS concurrent clients spread N paid
# orders over about SECS seconds; client c buys 10.77.0.1 <-> 10.78.(4c).1 + i,
# paid by account c + 2, for SECONDS (a comma-separated list, used in turn).
# Sets LOGS (their BUY lines) and CPIDS.
rel_buyers() {
	local n=$1 secs=$2 clients=$3 seconds=$4 c k
	LOGS=()
	CPIDS=()
	for c in $(seq 0 $((clients - 1))); do
		k=$((n / clients + (c < n % clients ? 1 : 0)))
		LOGS+=("$DDIR/client$c.log")
		rprobe --pace $((secs * 1000 / k)) buy "$k" "$RPC" "${ACCOUNTS[$((c + 2))]}" 10.77.0.1 \
			"10.78.$((4 * c)).1" 1 "$seconds" >"${LOGS[-1]}" 2>"$DDIR/client$c.err" &
		CPIDS+=($!)
		PIDS+=($!)
	done
}

# The pinned map as payflowctl sees it (JSON array).
jqe() { jq -e "$@" >/dev/null; }
map_json() { "$CTL" --pin-root "$PIN" --direct --json list; }

# rel_result NAME JSON: keeps the check's figures.
rel_result() { mkdir -p "$REL_OUT" && printf '%s\n' "$2" >"$REL_OUT/$1.json"; }
