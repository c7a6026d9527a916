#!/usr/bin/env bash
# payflow (the buyer's CLI) against a real Anvil and tests/payflow/mock_broker,
# a REQUEST-channel broker made of the broker's codec and payment rules (no
# data plane). Covers both wallet modes (cast decodes the raw-signed payment),
# the price prompt, the exit code and sentence of broker refusals, the key
# pin, and the --json fields. Everything listens on 127.0.0.1; processes are
# stopped by pid.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
. tests/integration/anvil.sh
PF=$BUILD/payflow
MOCK=$BUILD/mock_broker
PAY_TO=0x70997970C51812dc3A010C7d01b50e0d17dc79C8 # dev account #1 plays the broker
ACCOUNT0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 # node-managed payer
KEY2=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
ADDR2=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc # dev account #2: the local key

failed=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failed=1
}
check() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi; }
contains() { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else not_ok "$1 ('$2' lacks '$3')"; fi; }

for bin in "$ANVIL" "$CAST" "$PF" "$MOCK"; do
	[ -x "$bin" ] || { not_ok "prerequisite $bin missing (make all; cd tools && npm install)"; exit 1; }
done

tmp=$(mktemp -d /tmp/pf-payflow-cli.XXXXXX)
MOCK_PID=
mock_stop() {
	if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; fi
	MOCK_PID=
}
cleanup() {
	mock_stop
	anvil_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

# mock_start [--fail-quote CODE:TEXT | --fail-order CODE:TEXT]: same broker key each time.
mock_start() {
	mock_stop
	rm -f "$tmp/port"
	"$MOCK" --key "$tmp/broker.key" --port-file "$tmp/port" --rpc "$RPC" --pay-to "$PAY_TO" \
		"$@" >>"$tmp/mock.log" 2>&1 &
	MOCK_PID=$!
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
	export PAYFLOW_BROKER=127.0.0.1:$(cat "$tmp/port")
}

anvil_start 31337 "$tmp/anvil.log" || { not_ok "anvil started"; exit 1; }
export PAYFLOW_HOME=$tmp/home PAYFLOW_RPC=$RPC
unset PAYFLOW_ACCOUNT PAYFLOW_KEY PAYFLOW_PEER PAYFLOW_TIMEOUT
printf '%s\n' "$KEY2" >"$tmp/wallet.key"
chmod 600 "$tmp/wallet.key"
mock_start

# --- keygen: identity with mode 0600, never overwritten
out=$("$PF" keygen --json)
check "keygen creates the identity" "$(jq -r .created <<<"$out")" true
check "identity has mode 0600" "$(stat -c %a "$PAYFLOW_HOME/identity")" 600
pk=$(jq -r .public_key <<<"$out")
check "keygen keeps an existing identity" "$("$PF" keygen --json | jq -r '.created, .public_key' | tr '\n' ' ')" "false $pk "

# --- menu: pins the key on first use; --json fields
out=$("$PF" menu --json 2>"$tmp/err")
check "menu --json parses with the documented fields" \
	"$(jq -r '[.chain_id, .currency, .decimals, .pay_to, .min_seconds, .max_seconds, .quote_ttl, (.levels | length), .levels[1].rate_bps, .levels[1].price_per_second] | join(",")' <<<"$out")" \
	"31337,ETH,18,0x70997970c51812dc3a010c7d01b50e0d17dc79c8,10,86400,120,3,50000000,5000000000000"
contains "first contact pins the broker key" "$(cat "$tmp/err")" "pinned (first use)"
check "known_brokers holds the pin" "$(cut -d' ' -f1 "$PAYFLOW_HOME/known_brokers")" "$PAYFLOW_BROKER"
contains "menu in text lists the levels" "$("$PF" menu)" "1      50 Mbit/s      0.000005 ETH"

# --- buy, node-managed account (eth_sendTransaction)
out=$("$PF" buy --level 1 --seconds 60 --peer 127.0.0.2 --account "$ACCOUNT0" --yes --json)
check "buy (account) exits 0" "$?" 0
check "buy --json has the documented fields" \
	"$(jq -r '[.ip1, .ip2, .level, .rate_bps, .end - .start, .payer, .amount, .currency] | join(",")' <<<"$out")" \
	"127.0.0.1,127.0.0.2,1,50000000,60,${ACCOUNT0,,},300000000000000,ETH"
rid=$(jq -r .reservation_id <<<"$out")
qid=$(jq -r .quote_id <<<"$out")
tx=$(jq -r .tx_hash <<<"$out")
check "account payment: input is the quote id" "$("$CAST" tx "$tx" input --rpc-url "$RPC")" "0x$qid"
check "account payment: to pay_to" "$("$CAST" tx "$tx" to --rpc-url "$RPC" | tr A-F a-f)" "${PAY_TO,,}"

# --- buy, local key (raw EIP-1559 via eth_sendRawTransaction)
nonce_before=$("$CAST" nonce "$ADDR2" --rpc-url "$RPC")
out=$("$PF" buy --level 2 --seconds 30 --peer 127.0.0.3 --key "$tmp/wallet.key" --yes --json)
check "buy (local key) exits 0" "$?" 0
tx=$(jq -r .tx_hash <<<"$out")
qid=$(jq -r .quote_id <<<"$out")
check "raw tx accepted: receipt status 1" "$("$CAST" receipt "$tx" --json --rpc-url "$RPC" | jq -r .status)" 0x1
txj=$("$CAST" tx "$tx" --rpc-url "$RPC" --json)
check "cast tx decodes: type 2 (EIP-1559)" "$(jq -r .type <<<"$txj")" 0x2
check "cast tx decodes: from the key's address" "$(jq -r .from <<<"$txj" | tr A-F a-f)" "$ADDR2"
check "cast tx decodes: recipient pay_to" "$(jq -r .to <<<"$txj" | tr A-F a-f)" "${PAY_TO,,}"
check "cast tx decodes: value = 30 s x 2e13 wei" "$("$CAST" to-dec "$(jq -r .value <<<"$txj")")" 600000000000000
check "cast tx decodes: input = the quote id" "$(jq -r .input <<<"$txj")" "0x$qid"
check "cast tx decodes: nonce from eth_getTransactionCount" "$("$CAST" to-dec "$(jq -r .nonce <<<"$txj")")" "$nonce_before"
check "cast tx decodes: chain 31337" "$("$CAST" to-dec "$(jq -r .chainId <<<"$txj")")" 31337

# --- status and extend (the record names the broker)
out=$("$PF" status --json)
check "status --json of the last reservation" \
	"$(jq -r '[.ip2, .level, .active, (.remaining > 0), (.bytes > 0)] | join(",")' <<<"$out")" "127.0.0.3,2,true,true,true"
end0=$(jq -r .end <<<"$("$PF" status "$rid" --json)")
out=$("$PF" extend "$rid" --seconds 20 --account "$ACCOUNT0" --yes --json)
check "extend keeps the id and moves the end by 20 s" \
	"$(jq -r '[.reservation_id, .end] | join(",")' <<<"$out")" "$rid,$((end0 + 20))"
check "the record sums the spend" "$(jq -r .spent "$PAYFLOW_HOME/reservations/$rid.json")" 400000000000000

# --- watch: bounded, one JSON object per second
out=$("$PF" watch "$rid" --json --timeout 2)
rc=$?
check "watch --timeout stops with exit 6 while active" "$rc" 6
check "watch --json lines hold the fields" \
	"$(head -1 <<<"$out" | jq -r '[.reservation_id, .rate_bps, .spent, (.remaining > 0)] | join(",")')" \
	"$rid,50000000,400000000000000,true"

# --- "no" at the price prompt: no payment, no reservation
nonce_before=$("$CAST" nonce "$ADDR2" --rpc-url "$RPC")
echo no | "$PF" buy --level 1 --seconds 30 --peer 127.0.0.4 --key "$tmp/wallet.key" >/dev/null 2>"$tmp/err"
check "answering no exits 8" "$?" 8
contains "answering no says nothing was paid" "$(cat "$tmp/err")" "cancelled: nothing was paid"
check "answering no sends no transaction" "$("$CAST" nonce "$ADDR2" --rpc-url "$RPC")" "$nonce_before"
"$PF" status --peer 127.0.0.4 >/dev/null 2>"$tmp/err"
check "answering no leaves no reservation (exit 4)" "$?" 4
contains "answering no leaves no reservation (unknown_reservation)" "$(cat "$tmp/err")" "[unknown_reservation]"

# --- broker refusals: exit 4 and one sentence with the code
refusal() { # NAME FAIL-OPTION CODE:TEXT EXPECTED-SENTENCE
	mock_start "$2" "$3"
	"$PF" buy --level 1 --seconds 30 --peer 127.0.0.5 --account "$ACCOUNT0" --yes >/dev/null 2>"$tmp/err"
	check "$1: exit 4" "$?" 4
	check "$1: sentence" "$(tail -1 "$tmp/err")" "payflow buy: $4"
}
refusal capacity_exhausted --fail-quote "capacity_exhausted:port p1 has 40 Mbit/s free of 900 Mbit/s reservable" \
	"capacity exhausted: port p1 has 40 Mbit/s free of 900 Mbit/s reservable [capacity_exhausted]"
refusal pair_not_owned --fail-quote "pair_not_owned:you speak from 127.0.0.1, which is in neither 10.0.0.1 nor 10.0.0.2" \
	"this host may not buy or inspect that pair: you speak from 127.0.0.1, which is in neither 10.0.0.1 nor 10.0.0.2 [pair_not_owned]"
refusal pair_reserved --fail-quote "pair_reserved:x" \
	"the pair already has an active reservation; use payflow extend to add time [pair_reserved]"
refusal tx_failed --fail-order "tx_failed:x" "the payment transaction failed on the ledger [tx_failed]"
refusal underpayment --fail-order "underpayment:paid 1, due 2" "the payment was short: paid 1, due 2 [underpayment]"
out=$("$PF" buy --level 1 --seconds 30 --peer 127.0.0.5 --account "$ACCOUNT0" --yes --json 2>/dev/null)
check "a refusal with --json is {error:{exit,code,message}}" "$(jq -r '[.error.exit, .error.code] | join(",")' <<<"$out")" "4,underpayment"
mock_start

# --- a changed broker key is refused; --accept-new-key re-pins
"$PF" menu >/dev/null 2>&1 # pins this port's broker key
bkey=$(grep -F "$PAYFLOW_BROKER " "$PAYFLOW_HOME/known_brokers" | cut -d' ' -f2)
printf '%s %s\n' "$PAYFLOW_BROKER" d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737 >"$PAYFLOW_HOME/known_brokers"
nonce_before=$("$CAST" nonce "$ADDR2" --rpc-url "$RPC")
"$PF" buy --level 1 --seconds 30 --peer 127.0.0.6 --key "$tmp/wallet.key" --yes >/dev/null 2>"$tmp/err"
check "changed broker key: exit 7" "$?" 7
contains "changed broker key: says so" "$(cat "$tmp/err")" "but key d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737 is pinned"
check "changed broker key: nothing paid" "$("$CAST" nonce "$ADDR2" --rpc-url "$RPC")" "$nonce_before"
"$PF" menu --accept-new-key >/dev/null 2>&1
check "--accept-new-key re-pins the broker's key" "$(cat "$PAYFLOW_HOME/known_brokers")" "$PAYFLOW_BROKER $bkey"

# --- usage, unreachable broker, payment failures
"$PF" buy --seconds 30 --peer 127.0.0.7 >/dev/null 2>&1
check "usage error: exit 2" "$?" 2
"$PF" menu --broker 127.0.0.1:1 >/dev/null 2>&1
check "unreachable broker: exit 3" "$?" 3
"$PF" buy --level 1 --seconds 30 --peer 127.0.0.7 --account "$ACCOUNT0" --rpc http://127.0.0.1:1 --yes >/dev/null 2>"$tmp/err"
check "unreachable ledger node: exit 5 (payment failed)" "$?" 5
poor=$tmp/poor.key
printf '0x%064x\n' 7 >"$poor"
chmod 600 "$poor"
"$PF" buy --level 1 --seconds 30 --peer 127.0.0.7 --key "$poor" --yes >/dev/null 2>"$tmp/err"
check "an unfunded key: exit 5 (payment failed)" "$?" 5
contains "an unfunded key: the node's reason" "$(cat "$tmp/err")" "payment failed: the ledger node refused"
chmod 644 "$poor"
"$PF" buy --level 1 --seconds 30 --peer 127.0.0.7 --key "$poor" --yes >/dev/null 2>"$tmp/err"
check "a 0644 key file: usage exit 2 before contacting anyone" "$?" 2

exit "$failed"
