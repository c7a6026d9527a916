#!/usr/bin/env bash
# The buyer's local wallet against a real node: tests/wallet/wallet_mktx signs
# an EIP-1559 payment with a key from a 0600 file (Anvil's dev account #0),
# `cast publish` sends it to a fresh anvil on 127.0.0.1, and cast checks the
# receipt, the mined transaction and the recipient's balance.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
. tests/integration/anvil.sh
DRIVER=$BUILD/wallet_mktx

DEV_KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
DEV_ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
PAYEE=0x70997970C51812dc3A010C7d01b50e0d17dc79C8 # dev account #1 plays the broker
VALUE_HEX=0x1158e460913d00001                  # 20 ether + 1 wei: more than 64 bits
VALUE_DEC=20000000000000000001
CHAIN_ID=31337

failed=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failed=1
}
# check NAME GOT WANT: exact comparison
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}
lower() { tr '[:upper:]' '[:lower:]' <<<"$1"; }

for bin in "$ANVIL" "$CAST" "$DRIVER"; do
	if [ ! -x "$bin" ]; then
		not_ok "prerequisite $bin missing (make all; cd tools && npm install)"
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/pf-wallet-cast.XXXXXX)
cleanup() {
	anvil_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! anvil_start "$CHAIN_ID" "$tmp/anvil.log"; then
	not_ok "anvil started"
	sed 's/^/    | /' "$tmp/anvil.log"
	exit 1
fi
check "anvil answers on ${RPC#http://}" "$("$CAST" chain-id --rpc-url "$RPC")" "$CHAIN_ID"

# --- key files: 0600 accepted, anything looser refused with a clear message
printf '%s\n' "$DEV_KEY0" >"$tmp/buyer.key"
chmod 600 "$tmp/buyer.key"
cp "$tmp/buyer.key" "$tmp/loose.key"
chmod 644 "$tmp/loose.key"
if "$DRIVER" sign --key "$tmp/loose.key" --chain-id 1 --nonce 0 --max-priority-fee 1 \
	--max-fee 1 --gas-limit 21000 --to "$PAYEE" >/dev/null 2>"$tmp/loose.err"; then
	not_ok "a 0644 key file is refused"
else
	check "a 0644 key file is refused" "$(cat "$tmp/loose.err")" \
		"wallet_mktx: key file $tmp/loose.key has mode 0644; a private key file must have mode 0600 or stricter (chmod 600 $tmp/loose.key)"
fi

# --- sign a payment with fees and nonce from the node
nonce=$("$CAST" nonce "$DEV_ADDR0" --rpc-url "$RPC")
base_fee=$("$CAST" base-fee --rpc-url "$RPC")
tip=1000000000
max_fee=$((2 * base_fee + tip))
quote=0x6b1f4a3c9d2e8f7061524334a5b6c7d8 # a quote id's 16 bytes ride in the input data
balance_before=$("$CAST" balance "$PAYEE" --rpc-url "$RPC")

if ! "$DRIVER" sign --key "$tmp/buyer.key" --chain-id "$CHAIN_ID" --nonce "$nonce" \
	--max-priority-fee "$tip" --max-fee "$max_fee" --gas-limit 60000 --to "$PAYEE" \
	--value "$VALUE_HEX" --data "$quote" >"$tmp/tx" 2>"$tmp/tx.err"; then
	not_ok "wallet_mktx signs the payment: $(cat "$tmp/tx.err")"
	exit 1
fi
from=$(sed -n 's/^from=//p' "$tmp/tx")
raw=$(sed -n 's/^raw=//p' "$tmp/tx")
hash=$(sed -n 's/^hash=//p' "$tmp/tx")
check "sender is the key file's EIP-55 address" "$from" "$DEV_ADDR0"

# --- cast decodes our bytes offline into the same fields (older cast prints a JSON string)
"$CAST" decode-transaction "$raw" | jq 'if type == "string" then fromjson else . end' \
	>"$tmp/decoded.json"
dec() { jq -r "$1" "$tmp/decoded.json"; }
check "decoded type is 0x2 (EIP-1559)" "$(dec .type)" 0x2
check "decoded signer" "$(dec .signer)" "$(lower "$DEV_ADDR0")"
check "decoded chain id, nonce, gas" "$(dec '[.chainId, .nonce, .gas] | join(" ")')" \
	"$("$CAST" to-hex "$CHAIN_ID") $("$CAST" to-hex "$nonce") $("$CAST" to-hex 60000)"
check "decoded fees" "$(dec '[.maxFeePerGas, .maxPriorityFeePerGas] | join(" ")')" \
	"$("$CAST" to-hex "$max_fee") $("$CAST" to-hex "$tip")"
check "decoded recipient, value, input" "$(dec '[.to, .value, .input] | join(" ")')" \
	"$(lower "$PAYEE") $VALUE_HEX $quote"
check "decoded hash equals our keccak of the raw bytes" "$(dec .hash)" "$hash"

# --- send it and check what the chain recorded
# cast publish waits for the receipt and prints it (or, with --async, the hash)
sent=$(timeout 30 "$CAST" publish --rpc-url "$RPC" "$raw" 2>"$tmp/publish.err" |
	jq -r 'if type == "object" then .transactionHash else . end')
check "cast publish accepts the raw tx under our hash" "$sent" "$hash"
timeout 30 "$CAST" receipt --rpc-url "$RPC" "$hash" --json >"$tmp/receipt.json"
check "receipt status is 1, type 2" "$(jq -r '[.status, .type] | join(" ")' "$tmp/receipt.json")" \
	"0x1 0x2"
timeout 30 "$CAST" tx --rpc-url "$RPC" "$hash" --json >"$tmp/mined.json"
mined() { jq -r "$1" "$tmp/mined.json"; }
check "mined tx from, to" "$(lower "$(mined '[.from, .to] | join(" ")')")" \
	"$(lower "$DEV_ADDR0 $PAYEE")"
check "mined tx value, input, type" "$(mined '[.value, .input, .type] | join(" ")')" \
	"$VALUE_HEX $quote 0x2"
balance_after=$("$CAST" balance "$PAYEE" --rpc-url "$RPC")
check "payee balance grew by exactly the value" \
	"$(bc <<<"$balance_after - $balance_before")" "$VALUE_DEC"

# --- replaying the same signed bytes is refused by the node (nonce used)
if timeout 30 "$CAST" publish --rpc-url "$RPC" "$raw" >/dev/null 2>&1; then
	not_ok "the node refuses a replay of the same raw tx"
else
	ok "the node refuses a replay of the same raw tx"
fi
check "account nonce advanced by one" "$("$CAST" nonce "$DEV_ADDR0" --rpc-url "$RPC")" \
	$((nonce + 1))

# --- a generated key file: mode 0600, and cast derives the same address
if "$DRIVER" newkey "$tmp/new.key" >"$tmp/new.out" 2>&1; then
	check "generated key file has mode 600" "$(stat -c %a "$tmp/new.key")" 600
	check "cast derives the generated key's address" \
		"$("$CAST" wallet address --private-key "$(cat "$tmp/new.key")")" \
		"$(sed -n 's/^address=//p' "$tmp/new.out")"
else
	not_ok "wallet_mktx newkey: $(cat "$tmp/new.out")"
fi
if "$DRIVER" newkey "$tmp/new.key" >/dev/null 2>&1; then
	not_ok "newkey refuses to overwrite an existing key file"
else
	ok "newkey refuses to overwrite an existing key file"
fi

exit "$failed"
