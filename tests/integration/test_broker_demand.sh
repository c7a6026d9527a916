#!/usr/bin/env bash
# Demand pricing against a real Ethereum node (Anvil): levels 1 and 2 with
# demand_k "4", demand_cap "3" (level 3 fixed). The MENU shows each level's
# price for the busiest link now; a quote is priced for the busiest link of
# its own path after its grant, exactly base + floor(base x k x u^2), u in
# millionths rounded down, capped at base x cap; an ORDER pays the quoted
# price even after the utilisation changed; broker_quotes records the price
# per second and u; the money invariant holds. Config errors are refused.
# Ports: 100 Mbit/s with a 10 Mbit/s floor, 90 Mbit/s reservable each.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

need_bins "$PROBE" "$PFD"
broker_topo 3
broker_anvil || { not_ok "anvil starts"; finish; }
BROKER_LIMITS=$LOOSE_LIMITS
broker_config 3 100mbit
demand() { jq "$1" "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"; }
cp "$CONF" "$CONF.fixed"
demand '.levels[1].demand_cap = "3"'
check "demand_cap without demand_k is refused" bash -c "! '$PFD' --config '$CONF' --check >/dev/null 2>&1"
cp "$CONF.fixed" "$CONF"
demand '.levels[1].demand_k = "4" | .levels[1].demand_cap = "0.5"'
check "demand_cap below 1 is refused" bash -c "! '$PFD' --config '$CONF' --check >/dev/null 2>&1"
cp "$CONF.fixed" "$CONF"
demand '.levels[1].demand_k = "4" | .levels[1].demand_cap = "3" | .levels[2].demand_k = "4" | .levels[2].demand_cap = "3"'
check "the demand config passes --check" "$PFD" --config "$CONF" --check
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with demand pricing"; finish; }
broker_pin

jqe() { local in=${*: -1}; jq -e "${@:1:$#-1}" <<<"$in" >/dev/null || { echo "# got: $in"; return 1; }; }
qid() { field "$1" quote_id; }
# want BASE NUM DEN: the documented price at u = NUM/DEN (ppm rounded down), k 4, cap 3.
want() { python3 -c "b, n, d = $1, $2, $3; u = n * 10**6 // d; print(min(b + b * 4 * 10**6 * u * u // 10**18, b * 3))"; }
upm() { python3 -c "print($1 * 10**6 // $2)"; }

KEY=$(field "$(probe h1 balance)" client_key)
TX=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$PAYER" "$PAY_TO" --value 100000000 "0x$DEPOSIT_MARKER$KEY" --json | jq -r .transactionHash)
check "a deposit of 100000000 is credited" jqe '.balance == "100000000"' "$(probe h1 deposit "$PAYER" "$TX")"

M=$(probe h1 hello)
check "idle MENU: utilisation_ppm 0, level 1 at its base 1000 (max 3000), level 3 fixed" \
	jqe '.utilisation_ppm == 0 and .levels[1].price_per_second == "1000" and .levels[1].price_base == "1000" and .levels[1].price_max == "3000" and .levels[2].price_max == "12000" and (.levels[3] | has("price_base") | not)' "$M"

out=$(in_ns h1 env PAYFLOW_HOME="$DDIR/home-h1" PAYFLOW_BROKER="$BROKER" "$PF" menu --json 2>/dev/null)
check "payflow menu --json: level 1 price_base 1000, price_max 3000" \
	jqe '.levels[1].price_base == "1000" and .levels[1].price_max == "3000"' "$out"
in_ns h1 env PAYFLOW_HOME="$DDIR/home-h1" PAYFLOW_BROKER="$BROKER" "$PF" menu >"$DDIR/menu.txt" 2>&1
check "payflow menu says the prices follow demand, 0.0% reserved" \
	all 'grep -q "follows demand, up to" "$DDIR/menu.txt" && grep -q "0.0% reserved" "$DDIR/menu.txt"'

# Level 2 (50 Mbit/s) on p1 and p2: u after the grant 50/90.
A=$(quote h1 10.77.0.1 10.78.2.1 2 60 -)
PA=$(want 4000 50 90)
check "quote on an idle path is priced for u = 50/90 after its grant: $PA a second" \
	jqe --arg p "$PA" --arg a "$((PA * 60))" '.price_per_second == $p and .amount == $a' "$A"
check "... ORDER from the balance" is "$(probe h1 order-balance "$(qid "$A")")" CONFIRM
M=$(probe h1 hello)
check "MENU follows: utilisation_ppm $(upm 50 90), level 1 at $(want 1000 50 90)" \
	jqe --argjson u "$(upm 50 90)" --arg p "$(want 1000 50 90)" '.utilisation_ppm == $u and .levels[1].price_per_second == $p' "$M"

# Level 1 sharing p1 (p1 and p3): u after the grant 60/90.
B=$(quote h1 10.77.0.1 10.78.3.1 1 60 -)
PB=$(want 1000 60 90)
check "a second quote on the loaded link: exactly base + floor(base x 4 x u^2), u = 60/90: $PB" \
	jqe --arg p "$PB" --arg a "$((PB * 60))" '.price_per_second == $p and .amount == $a' "$B"
check "... dearer than the idle price of level 1 (1000) and than at u = 10/90 ($(want 1000 10 90))" \
	[ "$PB" -gt "$(want 1000 10 90)" ]
check "... recorded with the quote: price per second and u" \
	[ "$(db "SELECT price_per_second || ' ' || utilisation_ppm FROM broker_quotes WHERE quote_id = '$(qid "$B")'")" = "$PB $(upm 60 90)" ]

# Utilisation changes before B's ORDER: another level-1 reservation on p1 and p2.
check "another reservation loads p1 more" is "$(probe h1 order-balance "$(qid "$(quote h1 10.77.0.1 10.78.2.2 1 60 -)")")" CONFIRM
BAL=$(bal)
check "B's ORDER after the utilisation rose -> CONFIRM" is "$(probe h1 order-balance "$(qid "$B")")" CONFIRM
check "... it paid the quoted $((PB * 60)), not today's price" [ "$(bal)" = $((BAL - PB * 60)) ]
E=$(quote h1 10.77.0.1 10.78.3.9 1 60 -)
check "a new quote there now: u = 80/90, capped at 3 x 1000" \
	jqe --arg p "$(want 1000 80 90)" '.price_per_second == $p and .price_per_second == "3000"' "$E"
check "money invariant (amount = price per second x seconds on every quote)" money

# Upgrades are priced at one utilisation for both levels.
# 10.77.0.3 <-> 10.78.3.5 lives behind p3 alone (30 of 90 Mbit/s reserved with it).
RID=$(field "$(probe h3 order-balance "$(qid "$(quote h3 10.77.0.3 10.78.3.5 1 600 -)")")" reservation_id)
U=$(probe h3 upgrade 10.77.0.3 10.78.3.5 2 "$RID")
UU=$(db "SELECT utilisation_ppm FROM broker_quotes WHERE quote_id = '$(qid "$U")'")
D=$(python3 -c "u = $UU
p = lambda b: min(b + b * 4 * 10**6 * u * u // 10**18, 3 * b)
print(p(4000) - p(1000))")
check "an upgrade's price is the difference of the two levels' prices at its u ($UU): $D" \
	jqe --arg p "$D" '.type == "QUOTE" and .price_per_second == $p' "$U"
finish
