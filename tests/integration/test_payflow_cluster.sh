#!/usr/bin/env bash
# The buyer's CLI against a cluster (docs/CLUSTER.md, "Selling in cluster mode";
# docs/CLIENT.md): two payflowd brokers nA and nB on a real three-member etcd and
# Anvil (in ctl, so payflow in h1 pays through it). payflow buy at nA, then
# payflow status at nB by id and by pair, payflow extend at nB (STATUS, then the
# extension's QUOTE, payment and ORDER there), payflow status at nA: the new end,
# also in etcd's record; the money invariant at both brokers.
set -uo pipefail
cd "$(dirname "$0")/../.."
CS_ANVIL_CTL=1
. tests/integration/cluster_sell_lib.sh
cs_setup || { not_ok "two payflowd brokers on etcd and Anvil start"; finish; }
ok "two payflowd brokers on etcd and Anvil start"
BHOME=$DDIR/buyer
# pf BROKER_ADDR ARGS...: the buyer's CLI in h1 against one broker.
pf() { local b=$1; shift; in_ns h1 env PAYFLOW_HOME="$BHOME" PAYFLOW_BROKER="$b" PAYFLOW_RPC="$RPC" "$PF" "$@"; }

check "keygen" pf "$A_ADDR" keygen --json
out=$(pf "$A_ADDR" buy --level 1 --seconds 60 --peer 10.77.0.2 --account "$PAYER" --yes --json 2>"$DDIR/err")
rc=$?
check "payflow buy at nA exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || { sed 's/^/# /' "$DDIR/err"; finish; }
rid=$(jq -r .reservation_id <<<"$out")
end0=$(jq -r .end <<<"$out")
st=$(pf "$B_ADDR" status "$rid" --json 2>"$DDIR/err")
check "payflow status RID at nB: the reservation, active, its end, level 1" \
	[ "$(jq -r '[.reservation_id, .active, .end, .level] | join(",")' <<<"$st")" = "$rid,true,$end0,1" ]
st=$(pf "$B_ADDR" status --peer 10.77.0.2 --json 2>"$DDIR/err")
check "payflow status --peer at nB: the same reservation" [ "$(jq -r .reservation_id <<<"$st")" = "$rid" ]
out=$(pf "$B_ADDR" extend "$rid" --seconds 20 --account "$PAYER" --yes --json 2>"$DDIR/err")
rc=$?
check "payflow extend at nB exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$DDIR/err"
check "extend keeps the id, end + 20 s" \
	[ "$(jq -r '[.reservation_id, .end] | join(",")' <<<"$out")" = "$rid,$((end0 + 20))" ]
st=$(pf "$A_ADDR" status "$rid" --json 2>"$DDIR/err")
check "payflow status at nA: end + 20 s" [ "$(jq -r .end <<<"$st")" = $((end0 + 20)) ]
check "etcd's record: end + 20 s" [ "$(record "$rid" | jq .end)" = $((end0 + 20)) ]
for db_file in "$STATE/payflow.db" "$STATE_B/payflow.db"; do
	check "money invariant holds at $(basename "$(dirname "$db_file")")" \
		in_ns ctl python3 tests/integration/money_check.py --db "$db_file" --rpc "$RPC" --pay-to "$PAY_TO"
done
finish
