#!/usr/bin/env bash
# payflow deposit / balance / buy --from-balance / extend --from-balance against
# a live payflowd and Anvil (the setup of test_payflow_e2e.sh: broker and node
# in namespace "ctl", buyers in h1 and h2), with both wallets (node-managed
# account and local key); the money invariant after each step (money_check.py).
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/broker_lib.sh
need_bins "$PF" "$PFD" "$ANVIL" "$CAST"

broker_topo 3
anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl 10.77.0.100 || { not_ok "anvil started"; cat "$ANVIL_LOG"; exit 1; }
cast() { in_ns ctl "$CAST" "$@"; }
read -r PAYER PAY_TO OTHER _ <<<"$(cast rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')"
printf '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n' >"$DDIR/payment.key"
chmod 600 "$DDIR/payment.key" # Anvil's account 1: the payment address
broker_config 3 100mbit "\"min_deposit\": \"1000\", \"payment_key_file\": \"$DDIR/payment.key\"" "\"netns\": \"/run/netns/${PFX}ctl\""
daemon_start || { not_ok "payflowd started"; tail -20 "$DLOG"; exit 1; }

printf '%s\n' "$KEY2" >"$DDIR/wallet.key"
chmod 600 "$DDIR/wallet.key"
pf() { local h=$1; shift; in_ns "$h" env PAYFLOW_HOME="$DDIR/home-$h" PAYFLOW_BROKER="$BROKER" PAYFLOW_RPC="$RPC" "$PF" "$@"; }
IGNORE=() # deposits refused on purpose: not owed
money() {
	in_ns ctl python3 tests/integration/money_check.py --db "$STATE/payflow.db" --rpc "$RPC" \
		--pay-to "$PAY_TO" --strict-chain ${IGNORE[@]/#/--ignore=}
}
contains() { if grep -qF -- "$2" <<<"$1"; then return 0; fi; echo "    | '$1' lacks '$2'"; return 1; }

pf h1 keygen >/dev/null
pf h2 keygen >/dev/null
out=$(pf h1 balance --json 2>/dev/null)
check "balance of a new key: 0" test "$(jq -r .balance <<<"$out")" = 0

# --- deposit from a node-managed account
out=$(pf h1 deposit 100000 --account "$PAYER" --json 2>"$DDIR/err")
check "deposit (account) exits 0" test $? -eq 0
check "deposit --json: credited and balance 100000" \
	test "$(jq -r '[.credited, .balance] | join(",")' <<<"$out")" = "100000,100000"
tx=$(jq -r .tx_hash <<<"$out")
txj=$(cast tx "$tx" --rpc-url "$RPC" --json 2>/dev/null)
check "the deposit's input is the marker and the client key" \
	test "$(jq -r .input <<<"$txj" | cut -c1-34)" = 0x706179666c6f772f6465706f73697431
out=$(pf h1 deposit --tx "$tx" --account "$PAYER" --json 2>/dev/null)
check "deposit --tx of the same transaction: credited once (balance 100000)" \
	test "$(jq -r .balance <<<"$out")" = 100000
check "money invariant after a deposit" money
pf h1 deposit 999 --account "$PAYER" >/dev/null 2>"$DDIR/err"
rc=$?
IGNORE+=("$(grep -oE 'sent deposit 0x[0-9a-f]{64}' "$DDIR/err" | cut -d' ' -f3)")
check "a deposit below broker.min_deposit: exit 4 [deposit_below_minimum]" \
	test $rc -eq 4 -a -n "$(grep -F '[deposit_below_minimum]' "$DDIR/err")"
pf h1 deposit 0 --account "$PAYER" >/dev/null 2>&1
check "deposit 0: usage error, nothing sent" test $? -eq 2

# --- deposit from a local key (raw EIP-1559)
out=$(pf h2 deposit 50000 --key "$DDIR/wallet.key" --json 2>"$DDIR/err")
check "deposit (local key) exits 0" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
txj=$(cast tx "$(jq -r .tx_hash <<<"$out")" --rpc-url "$RPC" --json 2>/dev/null)
check "cast tx: type 2 from the key, 50000 to pay_to" \
	test "$(jq -r '[.type, .from, .to] | join(",")' <<<"$txj" | tr A-F a-f),$(cast to-dec "$(jq -r .value <<<"$txj")")" = "0x2,$ADDR2,${PAY_TO,,},50000"

# --- buying from the balance
out=$(pf h1 buy --level 1 --seconds 30 --peer 10.77.0.2 --from-balance --yes --json 2>"$DDIR/err")
check "buy --from-balance exits 0" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
check "buy --from-balance --json: payer balance, no tx, amount 30000" \
	test "$(jq -r '[.payer, .tx_hash, .amount, .end - .start] | join(",")' <<<"$out")" = "balance,,30000,30"
rid=$(jq -r .reservation_id <<<"$out")
check "balance: 100000 - 30000" test "$(pf h1 balance --json 2>/dev/null | jq -r .balance)" = 70000
end0=$(jq -r .end <<<"$out")
out=$(pf h1 extend "$rid" --seconds 20 --from-balance --yes --json 2>/dev/null)
check "extend --from-balance keeps the id, end + 20 s" \
	test "$(jq -r '[.reservation_id, .end] | join(",")' <<<"$out")" = "$rid,$((end0 + 20))"
check "balance: 70000 - 20000" test "$(pf h1 balance --json 2>/dev/null | jq -r .balance)" = 50000
pf h1 buy --level 2 --seconds 60 --peer 10.77.0.3 --from-balance --yes >/dev/null 2>"$DDIR/err"
rc=$?
check "buy --from-balance beyond the balance: exit 4 [insufficient_balance]" \
	test $rc -eq 4 -a -n "$(grep -F '[insufficient_balance]' "$DDIR/err")"
check "... the balance is unchanged" test "$(pf h1 balance --json 2>/dev/null | jq -r .balance)" = 50000
out=$(pf h2 cancel "$rid" --json 2>"$DDIR/err")
rc=$?
check "cancel by a key that did not pay: exit 4 [not_your_reservation]" \
	test $rc -eq 4 -a -n "$(grep -F '[not_your_reservation]' "$DDIR/err")"
out=$(pf h1 cancel --json 2>"$DDIR/err")
check "cancel (the last reservation) exits 0" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
cr=$(jq -r .credited <<<"$out")
check "cancel --json: refunded ($cr) 1000 per whole second left of 50, balance 50000 + it" \
	test "$cr" -gt 40000 -a "$cr" -le 50000 -a $((cr % 1000)) -eq 0 -a "$(jq -r .balance <<<"$out")" = $((50000 + cr))
bal0=$(jq -r .balance <<<"$out")
out=$(pf h1 withdraw 10000 --json 2>"$DDIR/err")
check "withdraw 10000 exits 0" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
wtx=$(jq -r .tx_hash <<<"$out")
check "withdraw --json: withdrawn 10000, balance lower by it" \
	test "$(jq -r .withdrawn <<<"$out"),$(jq -r .balance <<<"$out")" = "10000,$((bal0 - 10000))"
for _ in $(seq 50); do [ "$(cast rpc --rpc-url "$RPC" eth_getTransactionReceipt "$wtx" | jq -r '.status // empty')" = 0x1 ] && break; sleep 0.2; done
txj=$(cast tx "$wtx" --rpc-url "$RPC" --json 2>/dev/null)
check "the withdrawal is on-chain: payment address -> the depositor, 10000" \
	test "$(jq -r '[.from, .to] | join(",")' <<<"$txj" | tr A-F a-f),$(cast to-dec "$(jq -r .value <<<"$txj")")" = "${PAY_TO,,},${PAYER,,},10000"
pf h1 withdraw 999999999 >/dev/null 2>"$DDIR/err"
rc=$?
check "withdraw beyond the balance: exit 4 [withdrawal_exceeds_balance]" \
	test $rc -eq 4 -a -n "$(grep -F '[withdrawal_exceeds_balance]' "$DDIR/err")"
# --- upgrade (PROTOCOL.md 6.14): level 1 -> 2 from the balance, 3000 a second left
out=$(pf h1 deposit 1000000 --account "$PAYER" --json 2>"$DDIR/err")
check "a second deposit of 1000000" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
out=$(pf h1 buy --level 1 --seconds 30 --peer 10.77.0.3 --from-balance --yes --json 2>"$DDIR/err")
rid2=$(jq -r .reservation_id <<<"$out")
end2=$(jq -r .end <<<"$out")
pf h1 upgrade "$rid2" --from-balance --yes >/dev/null 2>&1
check "upgrade without --level: usage error (exit 2)" test $? -eq 2
check "payflow upgrade --help names --level" bash -c "'$PF' upgrade --help | grep -q -- '--level N'"
pf h3 keygen >/dev/null
pf h3 upgrade "$rid2" --level 2 --from-balance --yes >/dev/null 2>"$DDIR/err"
rc=$?
check "upgrade by a key that did not pay (h3, in the pair): exit 4 [not_your_reservation]" \
	test $rc -eq 4 -a -n "$(grep -F '[not_your_reservation]' "$DDIR/err")"
pf h1 upgrade "$rid2" --level 1 --from-balance --yes >/dev/null 2>"$DDIR/err"
rc=$?
check "upgrade to its own level: exit 4 [lower_or_same_level]" \
	test $rc -eq 4 -a -n "$(grep -F '[lower_or_same_level]' "$DDIR/err")"
bal1=$(pf h1 balance --json 2>/dev/null | jq -r .balance)
out=$(pf h1 upgrade "$rid2" --level 2 --from-balance --yes --json 2>"$DDIR/err")
check "upgrade --level 2 --from-balance exits 0" test $? -eq 0 || sed 's/^/    | /' "$DDIR/err"
paid=$(jq -r .amount <<<"$out")
check "upgrade --json: same id and end, level 2, 50 Mbit/s, 3000 x whole seconds left ($paid)" \
	test "$(jq -r '[.reservation_id, .end, .level, .rate_bps] | join(",")' <<<"$out")" = "$rid2,$end2,2,50000000" \
	-a $((paid % 3000)) -eq 0 -a "$paid" -gt 0 -a "$paid" -le 90000
check "balance: lower by exactly the upgrade" test "$(pf h1 balance --json 2>/dev/null | jq -r .balance)" = $((bal1 - paid))
check "money invariant at the end" money
finish
