#!/usr/bin/env bash
# A purchase over IPv6 end to end across trunks: on the line s1 - s2 - s3, the
# buyer h1 (fd77::1) runs `payflow buy` against the broker listening on
# [fd77::100]:6113 inside host ctl (on s1) and pays on Anvil at
# http://[fd77::100]:PORT, for the pair fd77::1 <-> fd77::3 (h3 on s3). The
# CONFIRM arrives, the entry is in the pinned map under the IPv6 pair, and the
# reservation's HTB class is on every egress of its path, both directions.
# Then h2 buys one way, fd77::2 -> fd77::4, at the level's one-way price: the
# CONFIRM says so and only that direction's ports are charged and shaped.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/path_lib.sh
. tests/integration/broker_lib.sh
trap 'anvil_stop; path_cleanup' EXIT
PF=$BUILD/payflow
BROKER="[fd77::100]:6113"

for bin in "$PF" "$PFD" "$ANVIL" "$CAST"; do
	[ -x "$bin" ] || { not_ok "prerequisite $bin missing"; exit 1; }
done

topo_line
# ctl on s1 with an IPv6 address only: the broker and Anvil listen there.
HOSTS+=("ctl")
ip netns add "${PFX}ctl"
ip link add "${PFX}pc" type veth peer name eth0 netns "${PFX}ctl"
ip link set "${PFX}pc" master "${PFX}s1" up
in_ns ctl ip link set lo up
in_ns ctl ip addr add fd77::100/64 dev eth0 nodad
in_ns ctl ip link set eth0 up

anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl fd77::100 || { not_ok "anvil listens on [fd77::100]"; cat "$ANVIL_LOG"; finish; }
check "the ledger's RPC URL is IPv6" [ "${RPC%:*}" = "http://[fd77::100]" ]
cast() { in_ns ctl "$CAST" "$@"; }
read -r PAYER PAY_TO _ <<<"$(cast rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')"

netns="\"netns\": \"/run/netns/${PFX}ctl\""
write_line_config 1gbit 300mbit 100mbit "\"broker\": {\"listen\": \"$BROKER\", $netns, \"min_seconds\": 10, \"max_seconds\": 3600},
  \"ledger\": {\"rpc_url\": \"$RPC\", $netns, \"chain_id\": $CHAIN_ID, \"payment_address\": \"$PAY_TO\", \"confirmations\": 0}"
# Level 1: 3 wei/s both ways, 2 wei/s one way.
sed -i 's|"rate": "50mbit", "price_per_s": "1"|"rate": "50mbit", "price_per_s": "3", "price_per_s_one_way": "2"|' "$CONF"
daemon_start || { not_ok "payflowd starts with an IPv6 broker"; tail -20 "$DLOG"; finish; }
for _ in $(seq 50); do in_ns ctl ss -Hltn 'sport = :6113' | grep -q '\[fd77::100\]' && break; sleep 0.1; done
check "the broker listens on [fd77::100]:6113 inside ctl" bash -c "ip netns exec ${PFX}ctl ss -Hltn 'sport = :6113' | grep -q '\[fd77::100\]:6113'"

pfh() { local h=$1; shift; in_ns "$h" env PAYFLOW_HOME="$DDIR/buyer-$h" PAYFLOW_BROKER="$BROKER" PAYFLOW_RPC="$RPC" "$PF" "$@"; }
pf() { pfh h1 "$@"; }
check "keygen in h1" pf keygen --json
out=$(pf buy --level 1 --seconds 30 --peer fd77::3 --account "$PAYER" --yes --json 2>"$DDIR/err")
rc=$?
check "payflow buy over IPv6 exits 0 (a verified CONFIRM)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$DDIR/err"
check "the CONFIRM: fd77::1 <-> fd77::3, both ways, level 1, 50 Mbit/s, 30 s, 90 wei from the payer" \
	[ "$(jq -r '[.ip1, .ip2, .one_way, .level, .rate_bps, .end - .start, .amount, .payer] | join(",")' <<<"$out")" = "fd77::1,fd77::3,false,1,50000000,30,90,${PAYER,,}" ]
check "the broker's key is pinned under its IPv6 address" grep -q "^\[fd77::100\]:6113 [0-9a-f]\{64\}$" "$DDIR/buyer-h1/known_brokers"
tx=$(jq -r .tx_hash <<<"$out")
check "the payment's receipt: status 1, to the broker's address" \
	jq -e --arg to "${PAY_TO,,}" '(.status == "0x1" or .status == 1) and (.to | ascii_downcase) == $to' \
	<<<"$(cast receipt "$tx" --rpc-url "$RPC" --json)"
check "the reservation is in the pinned map under the IPv6 pair" resv_in_map fd77::1 fd77::3
st=$(pf status --peer fd77::3 --json 2>/dev/null)
check "payflow status over IPv6: the same reservation, active" \
	[ "$(jq -r '[.reservation_id, .active] | join(",")' <<<"$st")" = "$(jq -r .reservation_id <<<"$out"),true" ]

cls=$(ctl --json show fd77::1 fd77::3 | jq -r .class)
for p in t12a t23a p3 t23b t12b p1; do
	check "its class $cls is on egress port $p of the path" has_class "$p" "$cls"
done
reserved() { ctl --json topology | jq -r --arg p "$PFX$1" '.ports[] | select(.port == $p) | .reserved_bps'; }
for p in t12a t23a t23b t12b; do
	check "link $p charges 50 Mbit/s for it" [ "$(reserved $p)" = 50000000 ]
done

# One way: a v1 HELLO's MENU has no one-way prices; --one-way asks for them.
check "payflow menu (v1 HELLO): no one-way price" \
	[ "$(pf menu --json | jq '[.levels[] | has("price_per_second_one_way")] | any')" = false ]
check "payflow menu --one-way: level 1 is 2 wei/s one way" \
	[ "$(pf menu --one-way --json | jq -r '.levels[1].price_per_second_one_way')" = 2 ]
pfh h2 keygen >/dev/null
out=$(pfh h2 buy --one-way --level 1 --seconds 30 --peer fd77::4 --account "$PAYER" --yes --json 2>"$DDIR/err")
rc=$?
check "payflow buy --one-way over IPv6 exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$DDIR/err"
check "the CONFIRM: fd77::2 -> fd77::4 one way, 30 s at 2 wei/s = 60 wei" \
	[ "$(jq -r '[.ip1, .ip2, .one_way, .amount] | join(",")' <<<"$out")" = "fd77::2,fd77::4,true,60" ]
st=$(pfh h2 status --peer fd77::4 --json 2>/dev/null)
check "payflow status: one way, fd77::2 -> fd77::4" [ "$(jq -r '[.ip1, .ip2, .one_way] | join(",")' <<<"$st")" = "fd77::2,fd77::4,true" ]
check "fd77::2 -> fd77::4 is charged on t12a, t23a, p4 only" \
	[ "$(for p in t12a t23a p4 t23b t12b p2; do reserved $p; done | xargs)" = "100000000 100000000 50000000 50000000 50000000 0" ]
cls=$(ctl --json show fd77::2 fd77::4 | jq -r .class)
one_way_class() {
	local p
	for p in t12a t23a p4; do has_class "$p" "$cls" || return 1; done
	for p in t23b t12b p2; do ! has_class "$p" "$cls" || return 1; done
}
check "its class is on t12a, t23a, p4 and not on t23b, t12b, p2" one_way_class
finish
