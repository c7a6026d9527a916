#!/usr/bin/env bash
# A quorum of ledger nodes (ledger.rpc_urls, ledger.quorum 2 of 3): three
# fault-injecting proxies (tests/ledger/rpc_proxy.py) in front of one real
# Anvil stand for three providers. A lying node that reports a never-sent
# transaction as paid in full is outvoted (nothing granted, nothing consumed;
# the same lie through a single node is believed, which is why the quorum
# exists); nodes that answer but disagree give PENDING, then
# ledger_disagreement once the quote's grace is over, logged with what each
# node said; a slow node does not delay another buyer's ORDER served by the
# healthy nodes; a dead node does not stop grants while 2 of 3 answer.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/ledger/proxy_lib.sh
ledger_setup 2
URLS=()
for n in n1 n2 n3; do
	proxy_start "$n" "$RPC" || { not_ok "proxy $n starts"; finish; }
	URLS+=("\"$PROXY_URL\"")
done
N3_URL=$PROXY_URL
BROKER_LIMITS=$LOOSE_LIMITS
QUOTE_TTL=8
# rpc_urls instead of rpc_url: broker_config writes rpc_url, so drop it after.
quorum_config() {
	broker_config 2 1gbit '"tx_grace": 0' "\"rpc_urls\": [$(IFS=,; echo "${URLS[*]}")], \"quorum\": 2, \"timeout_ms\": 5000"
	sed -i 's/"rpc_url": "[^"]*", //' "$CONF"
}
quorum_config
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with 3 nodes, quorum 2"; finish; }
broker_pin
check "the log says 2 of 3 nodes must agree" grep -q "2 of 3 nodes must agree" "$DLOG"

is() { jq -e ".type == \"$2\" and .verified == true${3:+ and .code == \"$3\"}" <<<"$1" >/dev/null || { echo "# got: $1"; return 1; }; }
qid() { field "$1" quote_id; }
K=0
# new_quote HOST A: a fresh pair A <-> 10.78.1.K (K counts up) and its quote Q.
new_quote() { K=$((K + 1)); B=10.78.1.$K; Q=$(quote "$1" "$2" "$B" 1 20 -); }
nothing_for() { # A TX: no reservation for A-B, TX not consumed, no payment row at all for it
	resv_in_map "$1" "$B"
	[ $? = 1 ] && [ "$(db "SELECT count(*) FROM payments WHERE tx = lower('$2')")" = 0 ]
}
node_stat() { ctl --json stats | jq -r ".ledger.nodes[$1].$2"; }

# --- the lie: n3 says a transaction nobody sent paid the quote in full, in a real block.
read -r BH BN < <("$CAST" block latest --rpc-url "$RPC" --json | jq -r '"\(.hash) \(.number)"')
lie() { # QUOTE_ID: n3's script
	local tx="{\"hash\": \"\$param0\", \"from\": \"$PAYER\", \"to\": \"$PAY_TO\", \"value\": \"0xde0b6b3a7640000\", \"input\": \"0x$1\", \"blockHash\": \"$BH\", \"blockNumber\": \"$BN\", \"chainId\": \"0x7a69\", \"nonce\": \"0x0\", \"gas\": \"0x5208\", \"type\": \"0x0\"}"
	local rc="{\"transactionHash\": \"\$param0\", \"status\": \"0x1\", \"blockHash\": \"$BH\", \"blockNumber\": \"$BN\", \"from\": \"$PAYER\", \"to\": \"$PAY_TO\"}"
	echo "{\"rules\": [{\"method\": \"eth_getTransactionByHash\", \"fault\": \"rewrite\", \"result\": $tx}, {\"method\": \"eth_getTransactionReceipt\", \"fault\": \"rewrite\", \"result\": $rc}]}"
}
new_quote h1 10.77.0.1
FAKE=0x$(printf 'cd%.0s' $(seq 32))
faults n3 "$(lie "$(qid "$Q")")"
P=$(probe h1 order "$(qid "$Q")" "$PAYER" "$FAKE")
check "a never-sent tx that n3 says paid in full, 2 of 3 say unknown -> PENDING (within the quote)" is "$P" PENDING
check "n3 really lied" [ "$(injected n3 rewrite eth_getTransactionReceipt)" -ge 1 ]
check "... nothing reserved, nothing recorded" nothing_for 10.77.0.1 "$FAKE"
# n3 may answer after the two others settled it: its answer counts when it comes.
for _ in $(seq 50); do [ "$(node_stat 2 outvoted)" -ge 1 ] && break; sleep 0.1; done
check "n3's answer is counted as outvoted" [ "$(node_stat 2 outvoted)" -ge 1 ]
sleep $((QUOTE_TTL + 1))
F=$(probe h1 order "$(qid "$Q")" "$PAYER" "$FAKE")
check "after the quote's expiry: tx_not_found (the quorum's answer), never a grant" is "$F" ERROR tx_not_found
check "... still nothing reserved or recorded" nothing_for 10.77.0.1 "$FAKE"
no_faults n3

# --- disagreement: a real payment of 19999 (1 wei short); n2 says 20000, n3 is down.
new_quote h1 10.77.0.1
TX=$(pay "$Q" 19999)
faults n2 '{"rules": [{"method": "eth_getTransactionByHash", "fault": "rewrite", "set": {"value": "0x4e20"}}]}'
faults n3 '{"rules": [{"method": "*", "fault": "http", "status": 500}]}'
P=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "n1 says underpaid, n2 says paid, n3 down -> PENDING 0 confirmations" \
	[ "$(jq -r '"\(.type) \(.confirmations)"' <<<"$P")" = "PENDING 0" ]
check "... nothing reserved, nothing consumed" nothing_for 10.77.0.1 "$TX"
check "the log says what each node said" \
	grep -qE "broker: quote $(qid "$Q"), tx $TX: the ledger nodes disagree.*node 1: underpayment .*value 19999.*; node 2: ok .*value 20000.*; node 3: failed: .*HTTP 500" "$DLOG"
sleep $((QUOTE_TTL + 1))
D=$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")
check "the disagreement persists past expires_at + tx_grace -> ledger_disagreement" is "$D" ERROR ledger_disagreement
check "... nothing reserved, nothing consumed" nothing_for 10.77.0.1 "$TX"
no_faults n2
check "n2 honest again: n1 and n2 agree -> underpayment" is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$TX")" ERROR underpayment
check "n3 (down all along) is reported failing" [ "$(node_stat 2 state)" = failing ]
no_faults n3

# --- a slow node: n3 answers every call 2 s late. Buyer h1 keeps it busy; buyer h2's
# ORDER is served by n1 and n2 in about the time they take alone.
ms_order() { # HOST A: pays a fresh quote, prints "MS ANSWER"
	local t0 t1 out tx
	new_quote "$1" "$2"
	tx=$(pay "$Q")
	t0=$(date +%s%N)
	out=$(probe "$1" order "$(qid "$Q")" "$PAYER" "$tx")
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(jq -c . <<<"$out")"
}
read -r BASE_MS BASE_OUT < <(ms_order h2 10.77.0.2)
check "all nodes healthy: CONFIRM in $BASE_MS ms" is "$BASE_OUT" CONFIRM
faults n3 '{"rules": [{"method": "*", "fault": "delay", "seconds": 2}]}'
for i in 1 2 3; do
	new_quote h1 10.77.0.1
	probe h1 order "$(qid "$Q")" "$PAYER" "$(pay "$Q")" >"$DDIR/busy$i.out" &
	BUSY[$i]=$!
done
read -r SLOW_MS SLOW_OUT < <(ms_order h2 10.77.0.2)
check "n3 slow (2 s a call) and busy with h1's ORDERs: h2's ORDER -> CONFIRM" is "$SLOW_OUT" CONFIRM
check "... in $SLOW_MS ms, within its healthy time ($BASE_MS ms) + 500 ms" [ "$SLOW_MS" -le $((BASE_MS + 500)) ]
for i in 1 2 3; do wait "${BUSY[$i]}"; done
busy_ok() { for i in 1 2 3; do is "$(cat "$DDIR/busy$i.out")" CONFIRM || return 1; done; }
check "h1's ORDERs were granted too (by n1 and n2)" busy_ok
check "n3 was asked (delays injected)" [ "$(injected n3 delay eth_chainId)" -ge 1 ]
no_faults n3

# --- the same lie through one node alone is believed: what the quorum prevents.
daemon_stop
RPC=$N3_URL broker_config 2 1gbit '"tx_grace": 0'
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with n3 alone"; finish; }
new_quote h1 10.77.0.1
faults n3 "$(lie "$(qid "$Q")")"
FAKE2=0x$(printf 'ce%.0s' $(seq 32))
check "with n3 as the only node, the never-sent tx buys the quote (why a quorum is needed)" \
	is "$(probe h1 order "$(qid "$Q")" "$PAYER" "$FAKE2")" CONFIRM
finish
