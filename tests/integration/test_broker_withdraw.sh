#!/usr/bin/env bash
# Withdrawals against a real Anvil: the broker signs with its payment key
# (broker.payment_key_file, Anvil's account 1 = the payment address) and
# sends the amount back to the key's last depositor, once per withdrawal id,
# through kill -9 and a transaction the node dropped; each bad input gets its
# code and changes nothing; the money invariant holds over DB and chain.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

PAYKEY="$DDIR/payment.key" # Anvil's dev account 1, the payment address of broker_anvil
printf '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n' >"$PAYKEY"
chmod 600 "$PAYKEY"
broker_start_balances 2 1gbit "\"payment_key_file\": \"$PAYKEY\""
rpc() { "$CAST" rpc --rpc-url "$RPC" "$@"; }
from_pay_to() { # transactions sent by the payment address so far
	"$CAST" nonce --rpc-url "$RPC" "$PAY_TO"
}
wid() { printf '%032x' "$1"; }
mined() { # HASH: waits (bounded) for a successful receipt
	for _ in $(seq 50); do
		[ "$(rpc eth_getTransactionReceipt "$1" 2>/dev/null | jq -r '.status // empty')" = 0x1 ] && return 0
		sleep 0.2
	done
	echo "# no successful receipt for $1"
	return 1
}

KEY=$(field "$(probe h1 balance)" client_key)
DEP=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value 1000000 \
	"0x$DEPOSIT_MARKER$KEY" --json | jq -r .transactionHash)
check "a deposit of 1000000" is "$(probe h1 deposit "$PAYER" "$DEP")" BALANCE_REPLY
N0=$(from_pay_to)

W=$(probe h1 withdraw "$(wid 1)" 300000)
TX=$(field "$W" tx_hash)
check "WITHDRAW 300000 -> BALANCE_REPLY with its transaction, withdrawn 300000, balance 700000" \
	all 'is "$W" BALANCE_REPLY && [ "$(field "$W" withdrawn)" = 300000 ] && [ "$(field "$W" balance)" = 700000 ]'
check "... the transaction is mined" mined "$TX"
TXJ=$("$CAST" tx --rpc-url "$RPC" "$TX" --json)
check "... from the payment address to the depositor, value 300000" \
	[ "$(jq -r '[.from, .to] | join(",")' <<<"$TXJ" | tr A-F a-f),$("$CAST" to-dec "$(jq -r .value <<<"$TXJ")")" = "${PAY_TO,,},${PAYER,,},300000" ]
W2=$(probe h1 withdraw "$(wid 1)" 300000)
check "the same WITHDRAW again: the same transaction, nothing more sent or debited" \
	all '[ "$(field "$W2" tx_hash)" = "$TX" ] && [ "$(field "$W2" balance)" = 700000 ] && [ "$(from_pay_to)" = $((N0 + 1)) ]'
check "money invariant after a withdrawal" money

R=$(probe h1 withdraw "$(wid 2)" 700001)
check "a withdrawal beyond the balance -> withdrawal_exceeds_balance, nothing changes" \
	all 'is "$R" ERROR withdrawal_exceeds_balance && [ "$(bal)" = 700000 ] && [ "$(db "SELECT count(*) FROM withdrawals")" = 1 ]'
R=$(probe h1 seed "$(printf '44%.0s' $(seq 32))" withdraw "$(wid 3)" 1)
check "a key that never deposited -> no_withdrawal_address" is "$R" ERROR no_withdrawal_address
check "an amount of 0 -> bad_field" is "$(probe h1 withdraw "$(wid 4)" 0)" ERROR bad_field

# --- the node drops the transaction: the sender sends the same bytes again.
rpc evm_setAutomine false >/dev/null
W=$(probe h1 withdraw "$(wid 5)" 100000)
TX=$(field "$W" tx_hash)
known() { [ "$(rpc eth_getTransactionByHash "$1" 2>/dev/null)" != null ]; }
for _ in $(seq 30); do known "$TX" && break; sleep 0.1; done
rpc anvil_dropTransaction "$TX" >/dev/null
check "the withdrawal was sent, then the node dropped it" all '! known "$TX"'
rpc evm_setAutomine true >/dev/null
sleep 2.5 # the sender's next rounds send it again
rpc evm_mine >/dev/null
check "a dropped withdrawal is sent again and mined" mined "$TX"
check "... once: the payment address sent 2 transactions in all" [ "$(from_pay_to)" = $((N0 + 2)) ]

# --- kill -9 right after a WITHDRAW: never paid twice, never lost.
probe h1 withdraw "$(wid 6)" 50000 >/dev/null &
PP=$!
sleep 0.05
daemon_stop KILL
wait "$PP" 2>/dev/null
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts after kill -9"; finish; }
W=$(probe h1 withdraw "$(wid 6)" 50000)
check "the WITHDRAW again after kill -9 -> its one transaction" mined "$(field "$W" tx_hash)"
check "... the payment address sent 3 transactions in all, balance 550000" \
	all '[ "$(from_pay_to)" = $((N0 + 3)) ] && [ "$(bal)" = 550000 ]'
sleep 1.5 # the sender marks them mined
check "every withdrawal is marked mined" [ "$(db "SELECT count(*) FROM withdrawals WHERE state = 'mined'")" = 3 ]
check "money invariant at the end" money
finish
