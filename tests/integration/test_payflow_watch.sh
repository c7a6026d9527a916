#!/usr/bin/env bash
# The buyer's live view against a broker reached over IPv6 ([fd77::100]:6113
# in namespace ctl): payflow watch follows an IPv6 pair carrying 5 Mbit/s of
# UDP and shows the figures the operator's dashboard (/api/state) shows (rate,
# end, live rate, bytes); payflow status --json has bytes and packets, also
# after the end (payflowd keeps the counters it read when the reservation
# ended).
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/broker_lib.sh
need_bins "$PF" "$PFD" "$ANVIL" "$CAST"

broker_topo 2
in_ns ctl ip addr add fd77::100/64 dev eth0 nodad
anvil_start "$CHAIN_ID" "$ANVIL_LOG" ctl 10.77.0.100 || { not_ok "anvil started"; cat "$ANVIL_LOG"; exit 1; }
read -r PAYER PAY_TO _ <<<"$(in_ns ctl "$CAST" rpc --rpc-url "$RPC" eth_accounts | tr -d '[]" ' | tr ',' ' ')"
BROKER="[fd77::100]:6113"
METRICS=$(free_port)
broker_config 2 100mbit "" "\"netns\": \"/run/netns/${PFX}ctl\""
daemon_start || { not_ok "payflowd started"; tail -20 "$DLOG"; exit 1; }
BHOME=$DDIR/buyer
pf() { local h=$1; shift; in_ns "$h" env PAYFLOW_HOME="$BHOME" PAYFLOW_BROKER="$BROKER" PAYFLOW_RPC="$RPC" "$PF" "$@"; }
state() { curl -sf "http://127.0.0.1:$METRICS/api/state"; }

pf h1 keygen >/dev/null 2>&1
out=$(pf h1 buy --level 1 --seconds 16 --peer fd77::2 --from fd77::1 --account "$PAYER" --yes --json 2>"$DDIR/err")
rc=$?
check "buy over IPv6 from fd77::1 exits 0" test $rc -eq 0
[ $rc -eq 0 ] || { sed 's/^/# /' "$DDIR/err"; tail -5 "$DLOG" | sed 's/^/# /'; finish; }
rid=$(jq -r .reservation_id <<<"$out")
end=$(jq -r .end <<<"$out")
iperf_server h2
in_ns h1 timeout 20 iperf3 -c fd77::2 -u -b 5M -t 8 >/dev/null 2>&1 &
PIDS+=($!)
sleep 1
state >/dev/null # the live rate compares two reads of the counters: make the first
pf h1 watch "$rid" --json --timeout 5 >"$DDIR/watch.out" 2>"$DDIR/err"
rc=$?
dash=$(state | jq -c --arg r "$rid" '.reservations[] | select(.reservation_id == $r)')
grep '^{"reservation_id"' "$DDIR/watch.out" >"$DDIR/watch.jsonl" # then the --timeout error
last=$(tail -1 "$DDIR/watch.jsonl")
echo "# watch: $last"
echo "# dashboard: $(jq -c '{rate_bps, end_unix, seconds_left, bytes, packets, rate_now_bps}' <<<"$dash")"
check "watch on the IPv6 broker runs until --timeout (exit 6), a line a second" test $rc -eq 6 -a "$(wc -l <"$DDIR/watch.jsonl")" -ge 5
check "watch and the dashboard: the same reserved rate" test "$(jq .rate_bps <<<"$last")" = "$(jq .rate_bps <<<"$dash")"
check "the same end" test "$(jq .end <<<"$last")" = "$(jq '.end_unix | floor' <<<"$dash")" -a "$(jq .end <<<"$last")" = "$end"
check "the same time left (within 2 s)" awk -v a="$(jq .remaining <<<"$last")" -v b="$(jq .seconds_left <<<"$dash")" 'BEGIN { d = a - b; exit !(d <= 2 && d >= -2) }'
check "the same live rate: 5 Mbit/s within 20% in both" within "$(jq .measured_bps <<<"$last")" 5000000 20 && within "$(jq .rate_now_bps <<<"$dash")" 5000000 20
check "bytes within a second's worth of each other" awk -v a="$(jq .bytes <<<"$last")" -v b="$(jq .bytes <<<"$dash")" 'BEGIN { d = a - b; exit !(a > 1000000 && d <= 700000 && d >= -700000) }'
n=$(in_ns h1 env PAYFLOW_HOME="$BHOME" PAYFLOW_RPC="$RPC" "$PF" watch "$rid" --json --timeout 2 2>"$DDIR/err" | grep -c '^{"reservation_id"')
check "watch finds the IPv6 broker from the purchase record ([fd77::100]:6113)" test "$n" -ge 2 || sed 's/^/# /' "$DDIR/err"
check "watch --json has packets" test "$(jq .packets <<<"$last")" -gt 1000

sleep 4 # the UDP run has ended; the reservation has not
live=$(pf h1 status "$rid" --json 2>/dev/null)
dash=$(state | jq -c --arg r "$rid" '.reservations[] | select(.reservation_id == $r)')
check "status --json while active: bytes and packets, as the dashboard" test "$(jq -r '[.active, .bytes, .packets] | join(",")' <<<"$live")" = "true,$(jq -r '[.bytes, .packets] | join(",")' <<<"$dash")"
# A reload reprices the MENU at once (payflowctl reload, docs/CONFIG.md "Reload").
sed -i 's/"price_per_s": "1000"/"price_per_s": "1500"/' "$CONF"
ctl reload >/dev/null
check "after a reload the broker's MENU has the new price" test "$(pf h1 menu --json 2>/dev/null | jq -r '.levels[1].price_per_second')" = 1500
while [ "$(date +%s)" -le "$((end + 1))" ]; do sleep 0.5; done
after=$(pf h1 status "$rid" --json 2>/dev/null)
echo "# after the end: $after"
check "status --json after the end: inactive, with the same bytes and packets" test "$(jq -r '[.active, .bytes, .packets] | join(",")' <<<"$after")" = "false,$(jq -r '[.bytes, .packets] | join(",")' <<<"$live")"
check "and payflow status says so in text too" bash -c "in_ns() { ip netns exec \"$PFX\$1\" \"\${@:2}\"; }; in_ns h1 env PAYFLOW_HOME='$BHOME' PAYFLOW_BROKER='$BROKER' PAYFLOW_RPC='$RPC' '$PF' status '$rid' | grep -qx 'packets      $(jq .packets <<<"$live")'"
finish
