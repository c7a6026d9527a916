#!/usr/bin/env bash
# Broker benchmark: prints one flat JSON object on stdout with
#   hello_menu_per_s      HELLO -> MENU answers per second, one connection with
#                         256 HELLOs in flight (target >= 10,000)
#   order_confirm_p50_ms, order_confirm_p99_ms
#                         ORDER sent -> CONFIRM received at the client, for
#                         already-mined payments (Anvil, 0 confirmations): the
#                         ledger checks, the grant with its map/HTB writes and
#                         the commit (target p99 <= 20 ms)
#   order_confirm_p99_ms_1k_idle  the same while 1,000 idle connections are open
#   order_from_balance_p50_ms, order_from_balance_p99_ms
#                         ORDER from the balance -> CONFIRM (after one deposit):
#                         the debit, the grant and the commit, no ledger call
#                         (target p99 <= 2 ms)
#   broker_orders_measured       orders per latency figure
# The client pays Anvil itself (eth_sendTransaction), so it runs in the root
# namespace with Anvil, and so does the broker (127.0.0.1); the client's key
# is allowed the prefix 10.78.0.0/16 (broker.allow), so it buys for pairs
# 10.77.0.1 <-> 10.78.x.y of the bridge's ports. Targets, not assertions.
# Needs root.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
N=${BENCH_ORDERS:-200}
exec 3>&1 1>&2 # progress on stderr, the JSON on the original stdout

topo_bridge 3 # p3 serves 10.78.3.0/24: the pairs of the orders from the balance
broker_anvil || exit 1
BROKER=127.0.0.1:$(free_port)
BROKER_NETNS=
CLIENT_KEY=a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0 # seed 0x22 x 32
BROKER_LIMITS=$LOOSE_LIMITS broker_config 3 100gbit "\"max_connections_per_address\": 2000, \"allow\": [{\"client_key\": \"$CLIENT_KEY\", \"prefix\": \"10.78.0.0/16\"}]"
daemon_start || { cat "$DLOG"; exit 1; }
probe() { "$PROBE" "$BROKER" --seed "$SEED" "$@"; }

echo "broker_bench: HELLO throughput"
HELLO=$(probe bench-hello 100000 | jq .per_s)
echo "broker_bench: $N orders"
ORD=$(probe bench-order "$N" "$RPC" "$PAYER" 10.77.0.1 10.78.2.1 1 600 | tail -1)
echo "broker_bench: $N orders from the balance"
DTX=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value $((N * 600000)) \
	"0x$DEPOSIT_MARKER$CLIENT_KEY" --json | jq -r .transactionHash)
probe deposit "$PAYER" "$DTX" | jq -e '.type == "BALANCE_REPLY"' >/dev/null || { echo "broker_bench: the deposit failed"; exit 1; }
BAL=$(probe --from-balance bench-order "$N" "$RPC" "$PAYER" 10.77.0.1 10.78.3.1 1 600 | tail -1)
echo "broker_bench: $N orders with 1000 idle connections"
bash -c "ulimit -n 4096; exec '$PROBE' '$BROKER' hold 1000 600" >"$DDIR/idle" &
HOLD=$!
PIDS+=($HOLD)
for _ in $(seq 200); do [ -s "$DDIR/idle" ] && break; sleep 0.1; done
jq -e '.open == 1000' "$DDIR/idle" >/dev/null || { echo "broker_bench: idle connections: $(cat "$DDIR/idle")"; exit 1; }
IDLE=$(probe bench-order "$N" "$RPC" "$PAYER" 10.77.0.1 10.78.1.1 1 600 | tail -1)
kill "$HOLD"
wait "$HOLD" 2>/dev/null

jq -cn --argjson h "$HELLO" --argjson o "$ORD" --argjson i "$IDLE" --argjson n "$N" --argjson b "$BAL" \
	'{hello_menu_per_s: $h, order_confirm_p50_ms: $o.p50_ms, order_confirm_p99_ms: $o.p99_ms,
	  order_from_balance_p50_ms: $b.p50_ms, order_from_balance_p99_ms: $b.p99_ms,
	  order_confirm_p99_ms_1k_idle: $i.p99_ms, broker_orders_measured: $n}' >&3
