#!/usr/bin/env bash
# Reorgs (Anvil's anvil_reorg) with "confirmations": 2. REORG_ROUNDS times
# (default 5): a payment at depth 1 gets PENDING and nothing else; it is
# reorged out (depth 1) and the same ORDER is then refused (tx_not_found or
# PENDING), never granted; nothing is reserved or consumed. Then a payment
# that reaches depth 2 is granted, and is reorged out after the grant
# (depth 2): the chosen behaviour (PROTOCOL.md section 13) is that the
# reservation stays until its end, the consumed payment row stays, and the
# ORDER again gets the same stored CONFIRM.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/reliability/common.sh
ROUNDS=${REORG_ROUNDS:-5}

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "reorg: Anvil starts"; finish; }
rel_config 1000gbit "" '"confirmations": 2'
daemon_start || { cat "$DLOG"; not_ok "reorg: payflowd starts"; finish; }
rel_pin || { not_ok "reorg: MENU pinned"; finish; }
PAYER=${ACCOUNTS[2]}
rpc() { "$CAST" rpc --rpc-url "$RPC" --raw "$@" >/dev/null; }
pay_q() { # QUOTE_JSON: pays it from PAYER with eth_sendTransaction; prints the hash
	"$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" \
		--value "$(jq -r .amount <<<"$1")" "0x$(jq -r .quote_id <<<"$1")" --json | jq -r .transactionHash
}
consumed() { [ "$(db "SELECT count(*) FROM payments WHERE tx = lower('$1')")" = 1 ]; }

EARLY_GRANTED=0
EARLY_REFUSED=0
for k in $(seq 1 "$ROUNDS"); do
	Q=$(rprobe quote 10.77.0.1 "10.78.5.$k" 1 60 -)
	TX=$(pay_q "$Q")
	A1=$(rprobe order "$(jq -r .quote_id <<<"$Q")" "$PAYER" "$TX")
	rpc anvil_reorg '[1,[]]'
	A2=$(rprobe order "$(jq -r .quote_id <<<"$Q")" "$PAYER" "$TX")
	echo "# round $k: before the reorg $(jq -c '{type, confirmations}' <<<"$A1"), after $(jq -c '{type, code}' <<<"$A2")"
	if [ "$(jq -r .type <<<"$A1")" = CONFIRM ] || [ "$(jq -r .type <<<"$A2")" = CONFIRM ] || consumed "$TX" || resv_in_map 10.77.0.1 "10.78.5.$k"; then
		EARLY_GRANTED=$((EARLY_GRANTED + 1))
	elif jq -e '.type == "PENDING" and .confirmations == 1' <<<"$A1" >/dev/null &&
		jq -e '(.type == "ERROR" and .code == "tx_not_found") or .type == "PENDING"' <<<"$A2" >/dev/null; then
		EARLY_REFUSED=$((EARLY_REFUSED + 1))
	fi
done
check "reorg: $ROUNDS payments reorged out at depth 1 of 2: PENDING, then tx_not_found" [ "$EARLY_REFUSED" = "$ROUNDS" ]
check "reorg: none granted, reserved or consumed before depth 2" [ "$EARLY_GRANTED" = 0 ]

# After the grant.
Q=$(rprobe quote 10.77.0.1 10.78.6.1 1 60 -)
QID=$(jq -r .quote_id <<<"$Q")
TX=$(pay_q "$Q")
rpc anvil_mine '["0x1"]'
C=$(rprobe order "$QID" "$PAYER" "$TX")
check "reorg: a payment at depth 2 is granted" jqe '.type == "CONFIRM"' <<<"$C"
rpc anvil_reorg '[2,[]]'
GONE=$("$CAST" rpc --rpc-url "$RPC" eth_getTransactionReceipt "$TX")
check "reorg: the granted payment is reorged out (receipt: $GONE)" [ "$GONE" = null ]
C2=$(rprobe order "$QID" "$PAYER" "$TX")
check "reorg: after it, the ORDER again gets the same stored CONFIRM" \
	[ "$(jq -c 'del(.verified)' <<<"$C2")" = "$(jq -c 'del(.verified)' <<<"$C")" ]
AFTER_KEPT=0
resv_in_map 10.77.0.1 10.78.6.1 && consumed "$TX" && AFTER_KEPT=1
check "reorg: the reservation stays in the map and the payment stays consumed" [ "$AFTER_KEPT" = 1 ]

echo "reorg: confirmations 2, $ROUNDS reorged before depth: $EARLY_GRANTED granted; 1 reorged after its grant: reservation $([ $AFTER_KEPT = 1 ] && echo kept || echo lost), payment stays consumed"
rel_result reorg "$(jq -cn --argjson r "$ROUNDS" --argjson g "$EARLY_GRANTED" --argjson f "$EARLY_REFUSED" \
	--argjson k "$AFTER_KEPT" '{reorg_confirmations: 2, reorg_before_depth: $r,
	reorg_before_depth_granted: $g, reorg_before_depth_refused: $f,
	reorg_after_grant: 1, reorg_after_grant_kept: $k}')"
finish
