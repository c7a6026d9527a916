#!/usr/bin/env bash
# The ledger backend and payment rules against a real Ethereum node (Anvil):
# makes real payments with cast and checks the verdict for each rule.
# Needs $BUILD/ledger_probe (make) and Anvil + cast (tools/, npm).
#
# Reorg behaviour (what the backend reports): after anvil_reorg removes the
# block holding a payment, Anvil drops the transaction (it is not put back in
# the pool), so eth_getTransactionByHash returns null and the verdict is
# tx_not_found. A node that re-queues reorged transactions would report
# not_confirmed (no receipt) until the tx is mined again.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PROBE=$BUILD/ledger_probe
. tests/integration/anvil.sh
. tests/integration/port_lib.sh
failed=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=1
}

if [ ! -x "$ANVIL" ] || [ ! -x "$CAST" ]; then
	(cd tools && npm install --no-audit --no-fund >/dev/null 2>&1)
fi
for f in "$PROBE" "$ANVIL" "$CAST"; do
	if [ ! -x "$f" ]; then
		not_ok "missing $f (run make, and npm install in tools/)"
		exit 1
	fi
done

LOG=$(mktemp /tmp/payflow-anvil.XXXXXX)
cleanup() {
	anvil_stop
	rm -f "$LOG"
}
trap cleanup EXIT

CHAIN_ID=31337
if ! anvil_start $CHAIN_ID "$LOG"; then
	not_ok "anvil starts"
	cat "$LOG"
	exit 1
fi
ok "anvil starts on ${RPC#http://}"

rpc() { "$PROBE" rpc --rpc "$RPC" "$@"; }
accounts=$(rpc eth_accounts | tr -d '[]"' | tr ',' ' ')
read -r PAYER BROKER OTHER _ <<<"$accounts"

QUOTE=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
DATA=0x$QUOTE # a plain transfer carries the quote id's 16 bytes (docs/PROTOCOL.md 6.5)
AMOUNT=20000000000000000000 # 20 ETH in wei: above 2^64, so u256 paths are used

# pay TO VALUE [DATA] [extra cast args...] -> prints the tx hash
pay() {
	local to=$1 value=$2 data=${3:-}
	shift 3 2>/dev/null || shift $#
	"$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$to" --value "$value" \
		${data:+"$data"} --json "$@" | sed -n 's/.*"transactionHash":"\(0x[0-9a-f]*\)".*/\1/p'
}

# verify TXHASH [probe options...] -> key=value lines
verify() {
	local tx=$1
	shift
	"$PROBE" verify --rpc "$RPC" --pay-to "$BROKER" --chain-id $CHAIN_ID --quote-id "$QUOTE" \
		--amount $AMOUNT --confirmations 1 "$@" "$tx"
}

# expect NAME KEY=VALUE... -- reads probe output on stdin, checks every pair
expect() {
	local name=$1 out pair bad=
	shift
	out=$(cat)
	for pair in "$@"; do
		grep -qxF "$pair" <<<"$out" || bad="$bad $pair"
	done
	if [ -z "$bad" ]; then
		ok "$name"
	else
		not_ok "$name (missing:$bad)"
		sed 's/^/    /' <<<"$out"
	fi
}

# What the broker tells a payer to send is the quote id's bytes.
[ "$("$PROBE" quote-input "$QUOTE")" = "$DATA" ] && ok "quote input is 0x + quote id" ||
	not_ok "quote input is 0x + quote id"

# Happy path, with a value above 2^64 wei.
HAPPY=$(pay "$BROKER" $AMOUNT "$DATA")
verify "$HAPPY" | expect "payment accepted" verdict=ok confirmations=1 found=1 mined=1 status=1 \
	"value=$AMOUNT" "input=$DATA" "from=$PAYER" "to=$BROKER"
verify "$(tr a-f A-F <<<"$HAPPY" | sed 's/^0X/0x/')" |
	expect "mixed-case hash is the same payment" verdict=ok "txhash=$HAPPY"
verify "$HAPPY" --confirmations 0 | expect "confirmations=0 accepts a mined payment" verdict=ok
verify "$HAPPY" --used "$HAPPY" | expect "used hash rejected" verdict=tx_already_used

# Legacy (type 0, EIP-155) transaction.
LEGACY=$(pay "$BROKER" $AMOUNT "$DATA" --legacy)
verify "$LEGACY" | expect "legacy transaction accepted" verdict=ok

# 0.001 ETH short.
SHORT=$(pay "$BROKER" 19999000000000000000 "$DATA")
verify "$SHORT" | expect "underpayment" verdict=underpayment shortfall_wei=1000000000000000 \
	shortfall_eth=0.001

# Paid to someone else.
ELSEWHERE=$(pay "$OTHER" $AMOUNT "$DATA")
verify "$ELSEWHERE" | expect "wrong recipient" verdict=wrong_recipient

# The id at a non-zero offset in longer call data: an ABI call pay(bytes16),
# encoded by cast (selector, then the id left-aligned in a 32-byte word).
CALL=$("$CAST" calldata "pay(bytes16)" "$DATA")
CALLPAY=$(pay "$BROKER" $AMOUNT "$CALL")
verify "$CALLPAY" | expect "quote id inside call data" verdict=ok "input=$CALL"

# No input data, input for another quote, and the id's ASCII text, not its bytes.
NODATA=$(pay "$BROKER" $AMOUNT "")
verify "$NODATA" | expect "missing quote id" verdict=missing_quote_id input=0x
OTHERQ=$(pay "$BROKER" $AMOUNT 0xffffffffffffffffffffffffffffffff)
verify "$OTHERQ" | expect "quote id of another quote" verdict=missing_quote_id
ASCII=$(pay "$BROKER" $AMOUNT "$("$CAST" from-utf8 "payflow:$QUOTE")")
verify "$ASCII" | expect "quote id as text is not the id" verdict=missing_quote_id

# Failed payment: a contract whose runtime code is PUSH1 0 PUSH1 0 REVERT.
# Init code: PUSH5 60006000fd, PUSH1 0, MSTORE, PUSH1 5, PUSH1 27, RETURN.
REVERTER=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" --json \
	--create 0x6460006000fd6000526005601bf3 |
	sed -n 's/.*"contractAddress":"\(0x[0-9a-f]*\)".*/\1/p')
if [ "$(rpc eth_getCode "[\"$REVERTER\",\"latest\"]")" = '"0x60006000fd"' ]; then
	ok "reverting contract deployed"
else
	not_ok "reverting contract deployed"
fi
# --gas-limit skips estimation, which would refuse a reverting call.
FAILED=$(pay "$REVERTER" $AMOUNT "$DATA" --gas-limit 100000)
"$PROBE" verify --rpc "$RPC" --pay-to "$REVERTER" --chain-id $CHAIN_ID --quote-id "$QUOTE" \
	--amount $AMOUNT "$FAILED" | expect "failed transaction" verdict=tx_failed status=0 mined=1

# The broker configured for another chain than the node's: the node is at
# fault (it may have changed chains under us), so the payment is judged by
# nobody: ledger_unavailable (internal_error to the buyer), never wrong_chain_id.
verify "$HAPPY" --chain-id 1 | expect "a node on another chain is a node fault" verdict=ledger_unavailable \
	"detail=the ledger node is on chain 31337, expected 1"

# Not enough confirmations, then enough after mining two blocks.
FRESH=$(pay "$BROKER" $AMOUNT "$DATA")
verify "$FRESH" --confirmations 3 | expect "1 of 3 confirmations" verdict=not_confirmed \
	confirmations=1
rpc anvil_mine '["0x2"]' >/dev/null
verify "$FRESH" --confirmations 3 | expect "3 of 3 confirmations" verdict=ok confirmations=3

# Not mined at all (automine off), then mined.
rpc evm_setAutomine '[false]' >/dev/null
PENDING=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$BROKER" --value $AMOUNT \
	"$DATA" --async)
verify "$PENDING" --confirmations 0 | expect "pending transaction" verdict=not_confirmed \
	confirmations=0 found=1 mined=0
rpc evm_mine '[]' >/dev/null
verify "$PENDING" --confirmations 0 | expect "pending transaction mined" verdict=ok
rpc evm_setAutomine '[true]' >/dev/null

# Reorged out: accepted, then its block is replaced by an empty one.
REORGED=$(pay "$BROKER" $AMOUNT "$DATA")
verify "$REORGED" | expect "payment before reorg" verdict=ok
rpc anvil_reorg '[1,[]]' >/dev/null
verify "$REORGED" | expect "payment reorged out" verdict=tx_not_found found=0

# Hashes nobody sent, or that are not hashes.
UNKNOWN=0x$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
verify "$UNKNOWN" | expect "unknown hash" verdict=tx_not_found found=0
verify 0x1234 | expect "invalid hash" verdict=invalid_tx_hash

# The node reports errors the client can name.
out=$(rpc eth_noSuchMethod)
rc=$?
if [ $rc -eq 3 ] && [ "$out" = "error rpc_error eth_noSuchMethod: node error -32601: Method not found" ]; then
	ok "rpc error object reported"
else
	not_ok "rpc error object reported (exit $rc: $out)"
fi

# Ledger down: no verdict on the payment, exit 3, "refused" said plainly.
DEAD=$(free_port)
out=$("$PROBE" verify --rpc "http://127.0.0.1:$DEAD" --pay-to "$BROKER" --chain-id $CHAIN_ID \
	--quote-id "$QUOTE" --amount $AMOUNT "$HAPPY")
rc=$?
if [ $rc -eq 3 ] && grep -qx verdict=ledger_unavailable <<<"$out" &&
	grep -q "^detail=eth_chainId: connection to http://127.0.0.1:$DEAD refused" <<<"$out"; then
	ok "ledger unreachable"
else
	not_ok "ledger unreachable (exit $rc)"
	sed 's/^/    /' <<<"$out"
fi

exit $failed
