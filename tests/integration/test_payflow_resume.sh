#!/usr/bin/env bash
# A paying buyer never loses its payment. Two Anvil nodes in namespace "ctl":
# node A is the buyer's (PAYFLOW_RPC), node B the broker's (ledger.rpc_url).
# B sees the buyer's transactions only when the test hands them over (the
# signed bytes from A, eth_getRawTransactionByHash), like a provider that lags.
#  1. buy on A; B gets the payment 4 s later: the purchase still ends in CONFIRM.
#  2. the CLI is killed with kill -9 as soon as its payment is mined on A;
#     `payflow resume` finishes it.
#  3. every payment made is consumed by exactly one granted order (database),
#     and no purchase is left unfinished.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/broker_lib.sh
need_bins "$PF" "$PFD" "$ANVIL" "$CAST"
A_PID= BUY_PID=
cleanup() {
	[ -n "$BUY_PID" ] && kill -9 "$BUY_PID" 2>/dev/null && wait "$BUY_PID" 2>/dev/null
	[ -n "$A_PID" ] && kill "$A_PID" 2>/dev/null && wait "$A_PID" 2>/dev/null
	broker_cleanup
}
trap cleanup EXIT

broker_topo 3
anvil_start "$CHAIN_ID" "$DDIR/anvil-a.log" ctl 10.77.0.100 || { not_ok "anvil A started"; exit 1; }
A_PID=$ANVIL_PID RPC_A=$RPC
ANVIL_PID=
anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl 10.77.0.100 || { not_ok "anvil B started"; exit 1; }
RPC_B=$RPC
cast() { in_ns ctl "$CAST" "$@"; }
read -r _ PAY_TO _ <<<"$(cast rpc --rpc-url "$RPC_B" eth_accounts | tr -d '[]" ' | tr ',' ' ')"
broker_config 3 1gbit "" "\"netns\": \"/run/netns/${PFX}ctl\""
daemon_start || { not_ok "payflowd started"; tail -20 "$DLOG"; exit 1; }

BHOME=$DDIR/buyer
printf '%s\n' "$KEY2" >"$DDIR/wallet.key"
chmod 600 "$DDIR/wallet.key"
# pf_bg OUT ARGS...: the buyer's CLI in h1, in the background; BUY_PID is its own pid.
pf_bg() {
	local out=$1
	shift
	ip netns exec "${PFX}h1" env PAYFLOW_HOME="$BHOME" PAYFLOW_BROKER="$BROKER" \
		PAYFLOW_RPC="$RPC_A" "$PF" "$@" >"$out" 2>"$out.err" &
	BUY_PID=$!
}
pf() { local h=$1; shift; in_ns "$h" env PAYFLOW_HOME="$BHOME" PAYFLOW_BROKER="$BROKER" PAYFLOW_RPC="$RPC_A" "$PF" "$@"; }
# mined_on_a N: waits (at most 30 s) until node A has block N; prints its first tx.
mined_on_a() {
	for _ in $(seq 300); do
		if [ "$(cast block-number --rpc-url "$RPC_A")" -ge "$1" ]; then
			cast block "$1" --rpc-url "$RPC_A" --json | jq -r '.transactions[0]'
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# hand_to_b TX: node B gets the signed transaction from node A.
hand_to_b() {
	local raw
	raw=$(cast rpc --rpc-url "$RPC_A" eth_getRawTransactionByHash "$1" | tr -d '"')
	cast publish --rpc-url "$RPC_B" "$raw" >/dev/null
}
pf h1 keygen >/dev/null

# --- 1. the broker's node sees the payment 4 s after the buyer's.
pf_bg "$DDIR/buy1" buy --level 2 --seconds 20 --peer 10.77.0.2 --key "$DDIR/wallet.key" --yes --json --timeout 60
TX1=$(mined_on_a 1)
check "case 1: the payment is mined on the buyer's node" test -n "$TX1"
sleep 4
hand_to_b "$TX1"
wait "$BUY_PID"
rc=$?
BUY_PID=
check "case 1: buy exits 0 although the broker's node lagged 4 s (exit $rc)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/    | /' "$DDIR/buy1.err"
check "case 1: CONFIRM for the payment, level 2" \
	test "$(jq -r '[.tx_hash, .level] | join(",")' "$DDIR/buy1")" = "$TX1,2"

# --- 2. kill -9 right after paying; payflow resume finishes the purchase.
pf_bg "$DDIR/buy2" buy --level 2 --seconds 20 --peer 10.77.0.3 --key "$DDIR/wallet.key" --yes --json --timeout 60
TX2=$(mined_on_a 2)
kill -9 "$BUY_PID"
wait "$BUY_PID" 2>/dev/null
BUY_PID=
check "case 2: the CLI was killed after its payment was mined" test -n "$TX2"
check "case 2: the broker has not granted it" test "$(db "SELECT count(*) FROM payments WHERE tx = '$TX2'")" = 0
hand_to_b "$TX2"
out=$(pf h1 resume --json --timeout 60 2>"$DDIR/resume.err")
rc=$?
check "case 2: payflow resume exits 0 (exit $rc)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/    | /' "$DDIR/resume.err"
check "case 2: resume prints the CONFIRM for the paid quote" \
	test "$(jq -r '[.tx_hash, .ip2, .level] | join(",")' <<<"$out")" = "$TX2,10.77.0.3,2"
st=$(pf h1 status --peer 10.77.0.3 --json 2>/dev/null)
check "case 2: the reservation is active" test "$(jq -r .active <<<"$st")" = true

# --- 3. no valid payment is left neither granted nor refused.
for tx in "$TX1" "$TX2"; do
	check "payment ${tx:0:10}... consumed by one granted order" \
		test "$(db "SELECT count(*) FROM payments p JOIN broker_orders o ON o.tx = p.tx WHERE p.tx = '$tx'")" = 1
done
check "every consumed payment has its order and no more" \
	test "$(db "SELECT (SELECT count(*) FROM payments) || ',' || (SELECT count(*) FROM broker_orders)")" = 2,2
check "no unfinished purchase is left on the buyer's side" \
	test -z "$(ls "$BHOME/purchases" 2>/dev/null)"
check "payflow resume with nothing to do exits 0" pf h1 resume

finish
