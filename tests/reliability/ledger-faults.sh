#!/usr/bin/env bash
# Ledger faults: LF_ORDERS paid orders (default 300) over LF_SECONDS (default
# 60) from LF_CLIENTS clients (default 3), while payflowd reads the ledger
# through tests/ledger/rpc_proxy.py, which injects a random fault into
# LF_PROB (default 0.25) of the calls: delays under and over the 500 ms call
# timeout, dropped connections, bodies cut in the middle, corrupt JSON, HTTP
# 429 and 500, stale replays (another transaction's receipt, another block),
# bodies that never end, a receipt that contradicts its transaction, a head
# that goes backwards, a node on another chain. The clients pay on Anvil
# directly and send the same ORDER again on PENDING or internal_error.
# Invariants (chaos_check.py final): every paid order granted or refused with
# a code, none lost, none granted twice, the consumed amounts equal the
# on-chain values, every consumed payment a successful transfer to pay_to;
# and the node is reported ok again at the end (it recovered by itself).
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/reliability/common.sh
source tests/ledger/proxy_lib.sh
N=${LF_ORDERS:-300}
SECS=${LF_SECONDS:-60}
CLIENTS=${LF_CLIENTS:-3}
PROB=${LF_PROB:-0.25}
CHECK=tests/reliability/chaos_check.py

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "ledger-faults: Anvil starts"; finish; }
proxy_start node "$RPC" || { not_ok "ledger-faults: the proxy starts"; finish; }
RPC_NODE=$PROXY_URL
OTHER_BLOCK=0x$(printf '5a%.0s' $(seq 32))
faults node "$(jq -cn --argjson p "$PROB" --arg b "$OTHER_BLOCK" '{random: {prob: $p, seed: 7, faults: [
	{fault: "delay", seconds: 0.2}, {fault: "delay", seconds: 1}, {fault: "drop"},
	{fault: "cut"}, {fault: "corrupt"}, {fault: "http", status: 429},
	{fault: "http", status: 500}, {fault: "stale"}, {fault: "endless"},
	{method: "eth_getTransactionReceipt", fault: "rewrite", set: {blockHash: $b}},
	{fault: "rewrite", result: "0x1"}]}}')"
# (the last one: any method answers "0x1": a chain id 1, a head at block 1, a tx or
# receipt of the wrong type)
RPC=$RPC_NODE rel_config 1000gbit "" '"timeout_ms": 500'
daemon_start || { cat "$DLOG"; not_ok "ledger-faults: payflowd starts behind the proxy"; finish; }
rel_pin || { not_ok "ledger-faults: MENU pinned"; finish; }

t0=$(date +%s)
rel_buyers "$N" "$SECS" "$CLIENTS" 600
for p in "${CPIDS[@]}"; do wait "$p"; done
secs=$(($(date +%s) - t0))
FAULTS=$(grep -c '^fault ' "$PROXY_DIR/node.log")
no_faults node
FINAL=$("$CHECK" final --ctl "$CTL" --pin "$PIN" --db "$STATE/payflow.db" --rpc "$RPC" \
	--pay-to "$PAY_TO" "${LOGS[@]}")
echo "# final: $FINAL"
g() { jq -r ".$1" <<<"$FINAL"; }
MS=$(jq -s '[.[] | select(.outcome == "CONFIRM") | .ms] | sort | if length == 0 then "0 0" else "\(.[(length / 2 | floor)] | floor) \(.[-1] | floor)" end' -r "${LOGS[@]}")
read -r P50 PMAX <<<"$MS"
RETRIES=$(ctl --json stats | jq -r '.ledger.nodes[0].retries')
# One clean check after the run: the node is reported ok again.
Q=$(rprobe quote 10.77.0.1 10.78.200.1 1 600 -)
TX=$("$CAST" send --rpc-url "$RPC" --unlocked --from "${ACCOUNTS[2]}" "$PAY_TO" --value "$(jq -r .amount <<<"$Q")" "0x$(jq -r .quote_id <<<"$Q")" --json | jq -r .transactionHash)
rprobe order "$(jq -r .quote_id <<<"$Q")" "${ACCOUNTS[2]}" "$TX" >/dev/null

check "ledger-faults: $FAULTS faults injected (at least $((N / 2)))" [ "$FAULTS" -ge $((N / 2)) ]
check "ledger-faults: $(g orders) of $N orders reported by the clients" [ "$(g orders)" = "$N" ]
check "ledger-faults: no CONFIRM lost" [ "$(g lost)" = 0 ]
check "ledger-faults: no transaction granted twice" [ "$(g double)" = 0 ]
check "ledger-faults: every paid transaction consumed or refused with a code" [ "$(g unaccounted)" = 0 ]
check "ledger-faults: consumed amounts = on-chain values = quoted amounts" [ "$(g amount_mismatch_wei)" = 0 ]
check "ledger-faults: every consumed payment is a successful transfer to pay_to" [ "$(g chain_bad)" = 0 ]
check "ledger-faults: every order was confirmed (refusals: $(g refusal_codes))" [ "$(g confirmed)" = "$N" ]
check "ledger-faults: the node is reported ok again after the faults" [ "$(ctl --json stats | jq -r '.ledger.nodes[0].state')" = ok ]

echo "ledger-faults: $(g orders) orders, $FAULTS faults injected ($PROB of calls), $RETRIES retries, $(g confirmed) confirmed, $(g refused) refused, $(g lost) lost, $(g double) double, $(g unaccounted) unaccounted, $(g amount_mismatch_wei) wei mismatch, ORDER p50 ${P50} ms max ${PMAX} ms, ${secs}s"
rel_result ledger-faults "$(jq -c --argjson f "$FAULTS" --argjson s "$secs" --argjson r "$RETRIES" \
	--argjson p50 "$P50" --argjson pmax "$PMAX" --argjson prob "$PROB" '{ledger_faults_orders: .orders,
	ledger_faults_injected: $f, ledger_faults_prob: $prob, ledger_faults_retries: $r,
	ledger_faults_confirmed: .confirmed, ledger_faults_refused: .refused,
	ledger_faults_timeouts: .timeouts, ledger_faults_lost: .lost, ledger_faults_double: .double,
	ledger_faults_unaccounted: .unaccounted, ledger_faults_amount_mismatch_wei: .amount_mismatch_wei,
	ledger_faults_chain_bad: .chain_bad, ledger_faults_order_p50_ms: $p50,
	ledger_faults_order_max_ms: $pmax, ledger_faults_seconds: $s}' <<<"$FINAL")"
finish
