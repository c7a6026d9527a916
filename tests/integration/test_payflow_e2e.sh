#!/usr/bin/env bash
# payflow end to end against a live payflowd: its broker listens in namespace
# "ctl" (10.77.0.100:6113, broker.netns), the buyer runs in h1 (10.77.0.1) so
# its source address is one end of the pair, and Anvil listens in ctl too
# (10.77.0.100), where the buyers reach it and payflowd's ledger threads run
# (ledger.netns). Processes are stopped by pid (lib.sh, daemon_lib.sh).
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/broker_lib.sh
need_bins "$PF" "$PFD" "$ANVIL" "$CAST"
# in_map A B: the pair has an entry in our pinned reservations map.
in_map() { "$CTL" --pin-root "$PIN" --direct --json list | jq -e --arg a "$1 " --arg b "$2" 'any(.[]; (.pair + " " | contains($a)) and (.pair + " " | contains($b + " ")))' >/dev/null; }
not_in_map() { ! in_map "$@"; }
contains() { if grep -qF -- "$2" <<<"$1"; then return 0; fi; echo "    | '$1' lacks '$2'"; return 1; }

broker_topo 3
anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl 10.77.0.100 || { not_ok "anvil started"; cat "$ANVIL_LOG"; exit 1; }
# The node lives in ctl: cast asks it from there.
cast() { in_ns ctl "$CAST" "$@"; }
read -r PAYER PAY_TO OTHER _ <<<"$(cast rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')"

METRICS=$(free_port)
broker_config 3 100mbit "" "\"netns\": \"/run/netns/${PFX}ctl\""
daemon_start || { not_ok "payflowd started"; tail -20 "$DLOG"; exit 1; }

BHOME=$DDIR/buyer
printf '%s\n' "$KEY2" >"$DDIR/wallet.key"
chmod 600 "$DDIR/wallet.key"
# pf HOST ARGS...: the buyer's CLI in host HOST's namespace.
pf() { local h=$1; shift; in_ns "$h" env PAYFLOW_HOME="$BHOME" PAYFLOW_BROKER="$BROKER" PAYFLOW_RPC="$RPC" "$PF" "$@"; }

check "keygen" pf h1 keygen --json
out=$(pf h1 menu --json 2>/dev/null)
check "menu --json: chain, currency, levels" test "$(jq -r '[.chain_id, .currency, (.levels | length), .levels[0].price_per_second, .levels[1].rate_bps, .levels[1].price_per_second] | join(",")' <<<"$out")" = "31337,ETH,4,0,10000000,1000"

# --- node-managed account
out=$(pf h1 buy --level 1 --seconds 30 --peer 10.77.0.2 --account "$PAYER" --yes --json 2>"$DDIR/err")
check "buy (account) exits 0" test $? -eq 0
check "buy --json: pair, rate, length, payer" test "$(jq -r '[.ip1, .ip2, .rate_bps, .end - .start, .payer, .amount] | join(",")' <<<"$out")" = "10.77.0.1,10.77.0.2,10000000,30,${PAYER,,},30000"
rid=$(jq -r .reservation_id <<<"$out")
check "the reservation is in the data plane" in_map 10.77.0.1 10.77.0.2
out=$(pf h1 status --json 2>/dev/null)
check "status --json: the same reservation, active" test "$(jq -r '[.reservation_id, .active, (.remaining > 0)] | join(",")' <<<"$out")" = "$rid,true,true"
end0=$(jq -r .end <<<"$out")
out=$(pf h1 extend "$rid" --seconds 20 --account "$PAYER" --yes --json 2>/dev/null)
check "extend keeps the id, end + 20 s" test "$(jq -r '[.reservation_id, .end] | join(",")' <<<"$out")" = "$rid,$((end0 + 20))"
pf h1 buy --level 1 --seconds 30 --peer 10.77.0.2 --account "$PAYER" --yes >/dev/null 2>"$DDIR/err"
check "a second buy for the pair: exit 4" test $? -eq 4
check "a second buy for the pair: [pair_reserved]" contains "$(cat "$DDIR/err")" "[pair_reserved]"

# --- local key: raw EIP-1559, decoded by cast
pf h2 keygen >/dev/null
nonce=$(cast nonce "$ADDR2" --rpc-url "$RPC")
out=$(pf h2 buy --level 2 --seconds 10 --peer 10.77.0.3 --from 10.77.0.2 --key "$DDIR/wallet.key" --yes --json 2>"$DDIR/err")
rc=$?
check "buy (local key) exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/    | /' "$DDIR/err"
tx=$(jq -r .tx_hash <<<"$out")
txj=$(cast tx "$tx" --rpc-url "$RPC" --json 2>/dev/null)
check "cast tx: type 2 from the key to pay_to" test "$(jq -r '[.type, .from, .to] | join(",")' <<<"$txj" | tr A-F a-f)" = "0x2,$ADDR2,${PAY_TO,,}"
check "cast tx: value and input" test "$(cast to-dec "$(jq -r .value <<<"$txj")"),$(jq -r .input <<<"$txj")" = "40000,0x$(jq -r .quote_id <<<"$out")"
check "cast tx: nonce" test "$(cast to-dec "$(jq -r .nonce <<<"$txj")")" = "$nonce"

# --- one level number: level 2 bought is level 2 in every view
check "buy --json says level 2" test "$(jq -r .level <<<"$out")" = 2
st=$(pf h2 status --peer 10.77.0.3 --from 10.77.0.2 --json 2>/dev/null)
check "payflow status says level 2" test "$(jq -r .level <<<"$st")" = 2
lst=$(ctl --json list 2>/dev/null)
check "payflowctl list says level 2" test "$(jq -r '.reservations[] | select(.state == "active" and (.pair | contains("10.77.0.2") and contains("10.77.0.3"))) | .level' <<<"$lst")" = 2
check "the database says level 2 (reservation and quote)" test "$(db "SELECT r.level || ',' || q.level FROM broker_quotes q JOIN reservations r ON r.id = q.hold_id WHERE q.quote_id = '$(jq -r .quote_id <<<"$out")'")" = 2,2
check "metrics count its amount as level 2" grep -qx 'payflow_revenue_wei_total{level="2",name="level2"} 40000' <<<"$(curl -s "http://127.0.0.1:$METRICS/metrics")"
check "payflow menu: level 0 is not sold" contains "$(pf h1 menu 2>/dev/null)" "free best effort, not sold"
pf h1 buy --level 0 --seconds 30 --peer 10.77.0.3 --account "$PAYER" --yes >/dev/null 2>"$DDIR/err"
check "buying level 0: [level_out_of_range]" contains "$(cat "$DDIR/err")" "[level_out_of_range]"

# --- refusals
pf h1 buy --level 3 --seconds 30 --peer 10.77.0.3 --account "$PAYER" --yes >/dev/null 2>"$DDIR/err"
check "capacity refusal exits 4" test $? -eq 4
check "capacity exhausted sentence" contains "$(cat "$DDIR/err")" "[capacity_exhausted]"
pf h1 buy --level 1 --seconds 5 --peer 10.77.0.9 --account "$PAYER" --yes >/dev/null 2>"$DDIR/err"
check "too short: exit 4 [seconds_out_of_range]" contains "$(cat "$DDIR/err")" "[seconds_out_of_range]"

# --- "no" at the prompt
nonce=$(cast nonce "$ADDR2" --rpc-url "$RPC")
echo no | pf h1 buy --level 1 --seconds 30 --peer 10.77.0.3 --key "$DDIR/wallet.key" >/dev/null 2>&1
check "answering no: exit 8" test $? -eq 8
check "answering no: no transaction" test "$(cast nonce "$ADDR2" --rpc-url "$RPC")" = "$nonce"
check "answering no: no reservation in the data plane" not_in_map 10.77.0.1 10.77.0.3
pf h1 status --peer 10.77.0.3 >/dev/null 2>"$DDIR/err"
check "answering no: the broker knows no reservation [unknown_reservation]" contains "$(cat "$DDIR/err")" "[unknown_reservation]"

# --- a changed broker key
sed -i "s/^\(\S*\) .*/\1 d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737/" "$BHOME/known_brokers"
pf h1 menu >/dev/null 2>"$DDIR/err"
check "changed broker key: exit 7" test $? -eq 7
check "changed broker key: --accept-new-key" pf h1 menu --accept-new-key --json

finish
