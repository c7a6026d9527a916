#!/usr/bin/env bash
# The broker's ledger node misbehaves: payflowd asks a real Anvil through the
# fault-injecting proxy (tests/ledger/rpc_proxy.py), one fault at a time. For
# each fault: the exact outcome for the buyer (PENDING while it may recover,
# internal_error with the node's failure when it cannot), nothing reserved and
# the payment not consumed, the fault really injected, a log line; then the
# fault is lifted and the SAME ORDER is granted without a restart. Also: the
# event loop keeps answering while a node hangs, retries (with backoff) ride
# out short faults, and a node that keeps failing shows in stats and metrics.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/ledger/proxy_lib.sh
ledger_setup 2
proxy_start n1 "$RPC" || { not_ok "the proxy starts"; finish; }
BROKER_LIMITS=$LOOSE_LIMITS
METRICS=$(free_port)
# 2 confirmations, so a head that goes backwards matters; 1 s per RPC call.
RPC=$PROXY_URL broker_config 2 1gbit '"tx_grace": 0' '"confirmations": 2, "timeout_ms": 1000'
daemon_start || { cat "$DLOG"; not_ok "payflowd starts behind the proxy"; finish; }
broker_pin

is() { jq -e ".type == \"$2\" and .verified == true${3:+ and .code == \"$3\"}" <<<"$1" >/dev/null || { echo "# got: $1"; return 1; }; }
consumed() { [ "$(db "SELECT count(*) FROM payments WHERE tx = lower('$1')")" = 1 ]; }
qid() { field "$1" quote_id; }
mine() { "$CAST" rpc --rpc-url "$RPC" --raw anvil_mine '["0x1"]' >/dev/null; }
K=0
# paid_pair: a fresh pair 10.77.0.1 <-> 10.78.2.K, its quote Q paid by TX with 2 confirmations.
paid_pair() {
	K=$((K + 1)); B=10.78.2.$K
	Q=$(quote h1 10.77.0.1 "$B" 1 20 -)
	TX=$(pay "$Q")
	mine
}
order() { probe h1 order "$(qid "$Q")" "$PAYER" "$TX"; }
untouched() { ! consumed "$TX" && { resv_in_map 10.77.0.1 "$B"; [ $? = 1 ]; }; }
node() { ctl --json stats | jq -r ".ledger.nodes[0].$1"; }

# fault_case NAME FAULT_JSON METHOD KIND WANT_TYPE WANT_CODE MESSAGE_REGEX
fault_case() {
	local name=$1 script=$2 method=$3 kind=$4 type=$5 code=$6 re=$7 out before
	paid_pair
	before=$(injected n1 "$kind" "$method")
	faults n1 "$script"
	out=$(order)
	if is "$out" "$type" "$code" && { [ -z "$re" ] || jq -r .message <<<"$out" | grep -qE "$re"; }; then
		ok "$name: $type${code:+ $code}"
	else
		not_ok "$name: $type${code:+ $code} matching /$re/"
	fi
	check "$name: the fault was injected" [ "$(injected n1 "$kind" "$method")" -gt "$before" ]
	[ "$type" = CONFIRM ] && return
	check "$name: nothing reserved, the payment not consumed" untouched
	if [ "$type" = ERROR ]; then
		check "$name: the log names the quote and the node's failure" \
			grep -q "broker: quote $(qid "$Q"), tx $TX: " "$DLOG"
	fi
	no_faults n1
	check "$name: the node recovers -> the same ORDER gets CONFIRM (no restart)" is "$(order)" CONFIRM
}

R='{"rules": [{"method": "eth_getTransactionReceipt", '
fault_case "slow node within the timeout" "$R\"fault\": \"delay\", \"seconds\": 0.4}]}" \
	eth_getTransactionReceipt delay CONFIRM "" ""
no_faults n1
fault_case "node slower than timeout_ms" "$R\"fault\": \"delay\", \"seconds\": 3}]}" \
	eth_getTransactionReceipt delay ERROR internal_error "no answer from http://127.0.0.1:[0-9]+ within 1000 ms"
fault_case "connection dropped" "$R\"fault\": \"drop\"}]}" \
	eth_getTransactionReceipt drop ERROR internal_error "eth_getTransactionReceipt: request to"
fault_case "body cut in the middle" "$R\"fault\": \"cut\"}]}" \
	eth_getTransactionReceipt cut ERROR internal_error "eth_getTransactionReceipt: request to"
fault_case "corrupt JSON" "$R\"fault\": \"corrupt\"}]}" \
	eth_getTransactionReceipt corrupt ERROR internal_error "sent a body that is not JSON"
fault_case "HTTP 429" "$R\"fault\": \"http\", \"status\": 429}]}" \
	eth_getTransactionReceipt http ERROR internal_error "HTTP 429 from"
fault_case "HTTP 500" "$R\"fault\": \"http\", \"status\": 500}]}" \
	eth_getTransactionReceipt http ERROR internal_error "HTTP 500 from"
fault_case "stale replayed receipt (another transaction's)" "$R\"fault\": \"stale\"}]}" \
	eth_getTransactionReceipt stale ERROR internal_error "the receipt of another transaction"
fault_case "receipt names another block than the transaction" \
	"$R\"fault\": \"rewrite\", \"set\": {\"blockHash\": \"0x$(printf '12%.0s' $(seq 32))\"}}]}" \
	eth_getTransactionReceipt rewrite ERROR internal_error "receipt and transaction disagree on the block"
fault_case "receipt names another sender than the transaction" \
	"$R\"fault\": \"rewrite\", \"set\": {\"from\": \"$OTHER\"}}]}" \
	eth_getTransactionReceipt rewrite ERROR internal_error "receipt and transaction disagree on the sender"
fault_case "stale block (another payment's) dates this payment" \
	'{"rules": [{"method": "eth_getBlockByHash", "fault": "stale"}]}' \
	eth_getBlockByHash stale ERROR internal_error "eth_getBlockByHash 0x[0-9a-f]+: the node answered with another block"
fault_case "body that never ends" \
	'{"rules": [{"method": "eth_getTransactionByHash", "fault": "endless"}]}' \
	eth_getTransactionByHash endless ERROR internal_error "no answer from http://127.0.0.1:[0-9]+ within 1000 ms"
fault_case "body larger than the cap" \
	'{"rules": [{"method": "eth_getTransactionByHash", "fault": "huge"}]}' \
	eth_getTransactionByHash huge ERROR internal_error "larger than 8388608 bytes"
fault_case "result of the wrong type" \
	'{"rules": [{"method": "eth_chainId", "fault": "rewrite", "result": 31337}]}' \
	eth_chainId rewrite ERROR internal_error "returned 31337, expected a string"
fault_case "chain id changes under us (not the payer's wrong_chain)" \
	'{"rules": [{"method": "eth_chainId", "fault": "rewrite", "result": "0x1"}]}' \
	eth_chainId rewrite ERROR internal_error "the ledger node is on chain 1, expected 31337"
fault_case "block number goes backwards" \
	'{"rules": [{"method": "eth_blockNumber", "fault": "rewrite", "result": "0x1"}]}' \
	eth_blockNumber rewrite PENDING "" ""
check "the head going backwards is counted for the node" [ "$(node head_backwards)" -ge 1 ]

# --- retries with backoff ride out short faults: two 500s, then the answer.
paid_pair
R0=$(node retries)
faults n1 "$R\"fault\": \"http\", \"status\": 500, \"times\": 2}]}"
check "two HTTP 500 then an answer: CONFIRM in the same ORDER" is "$(order)" CONFIRM
check "... after 2 retries" [ "$(($(node retries) - R0))" = 2 ]
no_faults n1

# --- the event loop is not blocked while the node hangs.
paid_pair
faults n1 '{"rules": [{"method": "eth_getTransactionByHash", "fault": "endless"}]}'
order >"$DDIR/hang.out" &
HANG=$!
sleep 0.3
T0=$(date +%s%N)
H=$(probe h2 hello)
T1=$(date +%s%N)
menu_fast() { [ "$(jq -r .type <<<"$H")" = MENU ] && [ $(((T1 - T0) / 1000000)) -lt 500 ]; }
check "while an ORDER waits on a hanging node, HELLO is answered within 500 ms ($(((T1 - T0) / 1000000)) ms)" menu_fast
wait "$HANG"
check "... and that ORDER ends in internal_error" is "$(cat "$DDIR/hang.out")" ERROR internal_error

# --- a node that keeps failing: failing in stats and metrics; ok again once it answers.
check "after 3 failed attempts in a row the node is reported failing" [ "$(node state)" = failing ]
check "stats give its last error" grep -q "within 1000 ms" <<<"$(node last_error)"
check "metrics: payflow_ledger_node_up 0" \
	grep -qE '^payflow_ledger_node_up\{node="1",url="http://127.0.0.1:[0-9]+"\} 0$' <<<"$(curl -s "http://127.0.0.1:$METRICS/metrics")"
no_faults n1
check "the lifted fault: the same ORDER -> CONFIRM" is "$(order)" CONFIRM
check "the node is ok again" [ "$(node state)" = ok ]
check "metrics: payflow_ledger_node_up 1" \
	grep -qE '^payflow_ledger_node_up\{node="1",url="http://127.0.0.1:[0-9]+"\} 1$' <<<"$(curl -s "http://127.0.0.1:$METRICS/metrics")"
check "payflowctl stats (text) shows the ledger node" grep -q "ledger node 1 http://127.0.0.1:[0-9]* ok" <<<"$(ctl stats)"
check "payflowd is still the process we started" kill -0 "$DPID"
finish
