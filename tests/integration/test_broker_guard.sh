#!/usr/bin/env bash
# A hostile neighbour cannot block or stall paying buyers (docs/PROTOCOL.md,
# "Limits per client"). h1 is the attacker, h2 and h3 buy honestly; the
# broker listens in host "ctl". Each part fails on a broker without the
# per-client limits:
#  1. 1,000 unpaid QUOTE_REQUESTs from h1 (a fresh client key each) for pairs
#     on h1's and h2's ports: h3 still buys a pair with h2, and the ports'
#     free capacity is back within broker.unpaid_hold; a second quote for a
#     pair by the same key replaces the first one's hold.
#  2. h1 floods ORDERs with random transaction hashes through a ledger that
#     answers 0.3 s late: h3's paid ORDER is answered within 1 s of its time
#     without the flood.
#  3. ORDERs that cannot be valid block h1 (payflowctl blocks), its paid
#     reservation stays, payflowctl unblock lifts the block.
#  4. Ended quotes and holds are purged; payments, orders and reservations stay.
# GUARD_KEYS="" runs it against a broker that does not know the new keys.
# FLOOD_CONNS and FLOOD_EACH size the ORDER flood (default 30 x 10); with
# ADV_OUT set, the figures go there as JSON (tests/reliability/adversary.sh).
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/ledger/proxy_lib.sh

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
broker_topo 3
broker_anvil || { not_ok "anvil starts"; finish; }
GUARD=${GUARD_KEYS-'"unpaid_hold": 5, "purge_after": 1, "purge_every": 1, "block_after": 0'}
QUOTE_TTL=10 broker_config 3 1gbit "$GUARD"
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with the broker"; finish; }
broker_pin
qid() { field "$1" quote_id; }
pctl() { "$CTL" --socket "$SOCK" "$@"; }
# free PORT: free and reservable bit/s of our port pPORT.
free_of() { pctl --json ports | jq -r --arg p "${PFX}p$1" '.ports[] | select(.ifname == $p) | "\(.free_bps) \(.reservable_bps)"'; }
all_free() { local f r; read -r f r <<<"$(free_of "$1")"; [ -n "$f" ] && [ "$f" = "$r" ]; }

# --- 1. unpaid holds
FLOOD=$(probe h1 flood-quote 1000 10.77.0.1 10.78.2.1 3 60 | tail -1)
echo "# flood: $FLOOD"
check "1,000 QUOTE_REQUESTs from one host: most are rate_limited ($(jq -c 'del(.type, .ms)' <<<"$FLOOD"))" \
	jq -e '(.rate_limited // 0) >= 900 and (.QUOTE // 0) <= 20' <<<"$FLOOD"
check "the attacker holds at most 4 holds (max_holds_per_address)" \
	[ "$(db 'SELECT count(*) FROM reservations WHERE state = 0')" -le 4 ]
QV=$(quote h3 10.77.0.3 10.77.0.2 3 20 -)
check "another host still gets a QUOTE for a pair with h2 ($(field "$QV" type) $(field "$QV" code))" \
	[ "$(field "$QV" type)" = QUOTE ]
CV=$(probe h3 order "$(qid "$QV")" "$PAYER" "$(pay "$QV")")
check "... and buys it (CONFIRM)" [ "$(field "$CV" type)" = CONFIRM ]
T0=$(date +%s)
for _ in $(seq 60); do all_free 1 && break; sleep 0.2; done
BACK_S=$(($(date +%s) - T0))
check "h1's port has all its capacity free again within unpaid_hold ($BACK_S s <= 7)" all_free 1
Q1=$(quote h2 10.77.0.2 10.78.3.1 2 20 -)
Q2=$(quote h2 10.77.0.2 10.78.3.1 2 20 -)
held() { db "SELECT r.state FROM reservations r JOIN broker_quotes q ON q.hold_id = r.id WHERE q.quote_id = '$(qid "$1")'"; }
check "a second quote for the pair by the same key replaces the first one's hold" \
	[ "$(held "$Q1") $(held "$Q2")" = "2 0" ]
check "the first quote, paid in time, is still honoured (capacity is free)" \
	[ "$(field "$(probe h2 order "$(qid "$Q1")" "$PAYER" "$(pay "$Q1")")" type)" = CONFIRM ]

# --- 2. ORDER flood through a slow ledger
proxy_start slow "$RPC" || { not_ok "the slow ledger proxy starts"; finish; }
faults slow '{"rules": [{"method": "*", "fault": "delay", "seconds": 0.3}]}'
daemon_stop
RPC=$PROXY_URL QUOTE_TTL=10 broker_config 3 1gbit "$GUARD"
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with the slow ledger"; finish; }
honest() { # K: h3 buys 10.77.0.3 <-> 10.78.3.K; prints "TYPE MS" of the ORDER
	local q tx t0 a
	q=$(quote h3 10.77.0.3 "10.78.3.$1" 1 20 -)
	tx=$(pay "$q")
	t0=$(date +%s%N)
	a=$(probe h3 order "$(qid "$q")" "$PAYER" "$tx")
	echo "$(field "$a" type) $((($(date +%s%N) - t0) / 1000000))"
}
read -r BT BASE <<<"$(honest 10)"
check "an honest ORDER through the slow ledger: $BT in $BASE ms" [ "$BT" = CONFIRM ]
QA=$(quote h1 10.77.0.1 10.78.1.9 1 20 -)
FLOOD_CONNS=${FLOOD_CONNS:-30} FLOOD_EACH=${FLOOD_EACH:-10}
probe h1 flood-order "$FLOOD_CONNS" "$FLOOD_EACH" "$(qid "$QA")" "$PAYER" >"$DDIR/flood_order" &
FPID=$!
PIDS+=($FPID)
sleep 1
read -r HT HMS <<<"$(honest 11)"
wait "$FPID"
echo "# flood: $(cat "$DDIR/flood_order")"
fair() { [ "$HT" = CONFIRM ] && [ "$HMS" -le $((BASE + 1000)) ]; }
check "while h1 floods $((FLOOD_CONNS * FLOOD_EACH)) ORDERs with random hashes, h3's ORDER: $HT in $HMS ms (<= $BASE + 1000)" fair
check "the flood's ORDERs beyond one check per quote are rate_limited" \
	jq -e --argjson n $((FLOOD_CONNS * FLOOD_EACH * 8 / 10)) '(.rate_limited // 0) >= $n' "$DDIR/flood_order"
[ -n "${ADV_OUT:-}" ] && jq -cn --argjson f "$FLOOD" --argjson o "$(cat "$DDIR/flood_order")" \
	--arg v "$(field "$CV" type)" --argjson back "$BACK_S" --argjson base "$BASE" --argjson h "$HMS" \
	'{adversary_quotes: 1000, adversary_quotes_answered: ($f.QUOTE // 0),
	  adversary_victim_bought: ($v == "CONFIRM"), adversary_capacity_back_s: $back,
	  adversary_bogus_orders: (($o | del(.type, .ms)) | add), adversary_honest_order_ms: $h,
	  adversary_honest_order_ms_quiet: $base}' >"$ADV_OUT"

# --- 3. blocks
daemon_stop
QUOTE_TTL=10 broker_config 3 1gbit "${GUARD/\"block_after\": 0/\"block_after\": 5}"
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts with block_after 5"; finish; }
QP=$(quote h1 10.77.0.1 10.78.1.20 1 60 -)
CP=$(probe h1 order "$(qid "$QP")" "$PAYER" "$(pay "$QP")")
QA=$(quote h1 10.77.0.1 10.78.1.21 1 20 -)
probe h1 flood-order 1 8 "$(qid "$QA")" "$PAYER" >"$DDIR/flood_block"
# Unknown transactions are PENDING within broker.tx_grace (the buyer's node may
# be ahead of ours) but still strikes.
check "5 ORDERs naming unknown transactions (PENDING within tx_grace), then rate_limited ($(jq -c 'del(.type, .ms)' "$DDIR/flood_block"))" \
	jq -e '(.PENDING // 0) + (.tx_not_found // 0) == 5 and .rate_limited == 3' "$DDIR/flood_block"
BL=$(pctl --json blocks)
check "payflowctl blocks lists 10.77.0.1 and h1's client key" \
	jq -e '(.blocks | map(.address // empty) | index("10.77.0.1")) != null and (.blocks | map(.client_key // empty) | length) == 1' <<<"$BL"
check "a blocked host's QUOTE_REQUEST is rate_limited" \
	[ "$(field "$(quote h1 10.77.0.1 10.78.1.22 1 20 -)" code)" = rate_limited ]
check "the block leaves h1's paid reservation in the map" resv_in_map 10.77.0.1 10.78.1.20
check "... and its ORDER still gets its CONFIRM" \
	[ "$(field "$(probe h1 order "$(qid "$QP")" "$PAYER" "$(field "$CP" tx_hash)")" type)" = CONFIRM ]
check "payflowctl unblock 10.77.0.1" pctl unblock 10.77.0.1
check "payflowctl unblock of an address that is not blocked fails" bash -c "! '$CTL' --socket '$SOCK' unblock 10.77.0.3 2>/dev/null"
KEY=$(pctl --json blocks | jq -r '.blocks[0].client_key')
check "payflowctl unblock CLIENT_KEY" pctl unblock "$KEY"
check "no blocks left" [ "$(pctl --json blocks | jq '.blocks | length')" = 0 ]
check "h1 gets quotes again" [ "$(field "$(quote h1 10.77.0.1 10.78.1.22 1 20 -)" type)" = QUOTE ]

# --- 4. purge: quotes expire after 10 s, purge_after 1, every 1 s.
ORDERS=$(db 'SELECT count(*) FROM broker_orders')
PAYS=$(payments)
ACTIVE_ROWS=$(db 'SELECT count(*) FROM reservations WHERE hold_until_wall_ns = 0')
unordered() { db 'SELECT count(*) FROM broker_quotes WHERE quote_id NOT IN (SELECT quote_id FROM broker_orders)'; }
ended_holds() { db 'SELECT count(*) FROM reservations WHERE state IN (2, 3) AND hold_until_wall_ns > 0 AND id NOT IN (SELECT resv_id FROM payments)'; }
to_purge() { [ "$(unordered)" -gt 0 ] && [ "$(ended_holds)" -gt 0 ]; }
check "there are unordered quotes and ended holds to purge ($(unordered), $(ended_holds))" to_purge
for _ in $(seq 40); do [ "$(unordered)" = 0 ] && [ "$(ended_holds)" = 0 ] && break; sleep 0.5; done
check "ended quotes and holds are purged" [ "$(unordered) $(ended_holds)" = "0 0" ]
check "payments, orders and reservations stay" \
	[ "$(payments) $(db 'SELECT count(*) FROM broker_orders') $(db 'SELECT count(*) FROM reservations WHERE hold_until_wall_ns = 0')" = "$PAYS $ORDERS $ACTIVE_ROWS" ]
finish
