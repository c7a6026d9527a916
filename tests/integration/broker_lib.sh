# Helpers for broker integration tests (source after lib.sh and daemon_lib.sh,
# from the repository root). Builds hosts h1..hN on a bridge plus a host "ctl"
# (10.77.0.100) on the same bridge, in whose namespace payflowd's broker
# listens (config broker.netns), starts Anvil on 127.0.0.1 in the root
# namespace, and writes a payflowd config for the ports of h1..hN.
. tests/integration/anvil.sh
PROBE="$BUILD/broker_probe"
PF="$BUILD/payflow" # the buyer's CLI
BROKER=10.77.0.100:6113
BROKER_NETNS=ctl # "" = the broker listens in the root namespace
CHAIN_ID=31337
ANVIL_LOG="$DDIR/anvil.log"

# Per-client limits loose enough for one host buying many pairs quickly.
LOOSE_LIMITS='"quote_rate": 1000, "quote_burst": 100000, "max_holds_per_address": 65536, "max_holds_per_key": 65536, "max_checks_per_address": 64, "max_checks_per_key": 64'

broker_cleanup() {
	anvil_stop
	pfd_cleanup
}
trap broker_cleanup EXIT

# broker_topo N: h1..hN (10.77.0.I) and ctl (10.77.0.100) on one bridge.
broker_topo() {
	topo_bridge "$1"
	HOSTS+=("ctl")
	ip netns add "${PFX}ctl"
	ip link add "${PFX}pc" type veth peer name eth0 netns "${PFX}ctl"
	ip link set "${PFX}pc" master "$BR" up
	in_ns ctl ip link set lo up
	in_ns ctl ip addr add 10.77.0.100/24 dev eth0
	in_ns ctl ip link set eth0 up
}

# broker_anvil: Anvil up; sets PAYER (account 0), PAY_TO (account 1), OTHER (2).
broker_anvil() {
	if [ ! -x "$ANVIL" ] || [ ! -x "$CAST" ]; then
		(cd tools && npm install --no-audit --no-fund >/dev/null 2>&1)
	fi
	anvil_start "$CHAIN_ID" "$ANVIL_LOG" || { cat "$ANVIL_LOG"; return 1; }
	local accts
	accts=$("$CAST" rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')
	read -r PAYER PAY_TO OTHER _ <<<"$accts"
}

# broker_config N CAPACITY [extra broker members] [extra ledger members]:
# ports p1..pN (port i serves 10.77.0.i and 10.78.i.0/24, so h1 can buy for many
# pairs 10.77.0.1 <-> 10.78.2.K); levels 0 (free), 1 (10mbit, 1000 wei/s), 2 (50mbit, 4000 wei/s)
# and 3 (100mbit, 7000 wei/s); the MENU therefore sells 10, 50 and 100 Mbit/s.
# BROKER_LIMITS (broker members) loosens the per-client limits for tests that
# buy many pairs from one host with one key.
broker_config() {
	local n=$1 cap=$2 bextra=${3:-} lextra=${4:-} ports="" i metrics=""
	[ -n "${METRICS:-}" ] && metrics=" \"metrics\": \"127.0.0.1:$METRICS\","
	local netns=""
	[ -n "$BROKER_NETNS" ] && netns=" \"netns\": \"/run/netns/$PFX$BROKER_NETNS\","
	for i in $(seq 1 "$n"); do
		ports+="${ports:+,}{\"name\": \"${PFX}p$i\", \"capacity\": \"$cap\", \"hosts\": [\"10.77.0.$i\", \"fd77::$i\", \"10.78.$i.0/24\"]}"
	done
	cat >"$CONF" <<JSON
{
  "ports": [$ports],
  "best_effort": {"rate": "10mbit", "floor": "10mbit"},
  "levels": [
    {"name": "level0", "rate": "10mbit", "price_per_s": "0"},
    {"name": "level1", "rate": "10mbit", "price_per_s": "1000"},
    {"name": "level2", "rate": "50mbit", "price_per_s": "4000"},
    {"name": "level3", "rate": "100mbit", "price_per_s": "7000"}
  ],
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK",$metrics
  "broker": {"listen": "$BROKER",$netns
             "min_seconds": 10, "max_seconds": 3600, "quote_ttl": ${QUOTE_TTL:-60}${BROKER_LIMITS:+, $BROKER_LIMITS}${bextra:+, $bextra}},
  "ledger": {"rpc_url": "$RPC", "chain_id": $CHAIN_ID, "payment_address": "$PAY_TO",
             "confirmations": 0${lextra:+, $lextra}}
}
JSON
}

# free_port: a free TCP port on 127.0.0.1.
. tests/integration/port_lib.sh

# probe HOST ARGS...: the test client inside host HOST's namespace, signing
# with $SEED and verifying answers against $BROKER_PK once broker_pin ran.
SEED=$(printf '22%.0s' $(seq 32))
BROKER_PK=
probe() {
	local h=$1
	shift
	in_ns "$h" "$PROBE" "$BROKER" --seed "$SEED" ${BROKER_PK:+--pin "$BROKER_PK"} "$@"
}
broker_pin() { BROKER_PK=$(probe h1 hello | jq -r .broker_key); [ ${#BROKER_PK} = 64 ]; }
# quote HOST ARGS...: the QUOTE's JSON line.
quote() { local h=$1; shift; probe "$h" quote "$@"; }

# pay QUOTE_JSON [value] [to] [data]: pays a quote with cast from PAYER; prints the tx hash.
pay() {
	local q=$1 value=${2:-} to=${3:-$PAY_TO} data=${4:-}
	[ -n "$value" ] || value=$(jq -r .amount <<<"$q")
	[ -n "$data" ] || data=0x$(jq -r .quote_id <<<"$q")
	[ "$data" = none ] && data=""
	"$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$to" --value "$value" \
		${data:+"$data"} --json | jq -r .transactionHash
}

# Anvil's dev account #2 as a buyer's local key file (payflow --key).
KEY2=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
ADDR2=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc
# need_bins BIN...: "not ok" and exit unless every BIN is built.
need_bins() {
	local bin
	for bin; do [ -x "$bin" ] || { not_ok "prerequisite $bin missing"; exit 1; }; done
}

# field JSON NAME
field() { jq -r ".$2" <<<"$1"; }
# resv_in_map A B: the pair has an entry in the pinned reservations map.
resv_in_map() {
	local out
	out=$("$CTL" --pin-root "$PIN" --direct --json list) || { echo "# payflowctl list failed"; return 2; }
	jq -e --arg p "$1 <-> $2" --arg q "$2 <-> $1" 'any(.[]; .pair == $p or .pair == $q)' >/dev/null <<<"$out"
}
payments() { db "SELECT count(*) FROM payments"; }

# --- balances (test_broker_balance.sh, test_broker_refunds.sh)
# broker_start_balances N CAPACITY [broker members]: hosts, Anvil, payflowd, the pin.
broker_start_balances() {
	need_bins "$PROBE" "$PFD"
	broker_topo "$1"
	broker_anvil || { not_ok "anvil starts"; finish; }
	BROKER_LIMITS=$LOOSE_LIMITS
	broker_config "$1" "$2" "${3:-}"
	daemon_start || { cat "$DLOG"; not_ok "payflowd starts with the broker"; finish; }
	broker_pin
}
# is JSON TYPE [CODE]: the answer's type (and error code), verified against the pin.
is() {
	local want=".type == \"$2\" and .verified == true"
	[ -n "${3:-}" ] && want="$want and .code == \"$3\""
	jq -e "$want" <<<"$1" >/dev/null || { echo "# got: $1"; return 1; }
}
all() { eval "$1"; } # check NAME all 'COND && COND': check sees every part
bal() { field "$(probe h1 balance)" balance; }
DEPOSIT_MARKER=706179666c6f772f6465706f73697431 # "payflow/deposit1"
MONEY_IGNORE=()                                  # transactions refused on purpose: not owed
# money: the invariant of docs/MONEY.md over the database and the whole chain.
money() {
	python3 tests/integration/money_check.py --db "$STATE/payflow.db" --rpc "$RPC" \
		--pay-to "$PAY_TO" --strict-chain ${MONEY_IGNORE[@]/#/--ignore=}
}
