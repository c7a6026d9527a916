#!/usr/bin/env bash
# The operator's dashboard in a real browser (headless Debian chromium driven
# by playwright-core): a grant shows with the pair, rate and end that
# `payflowctl --json list` gives, its time left counts down, it goes at its
# end; /api/state keeps its documented shape; the bearer token is asked for
# and appears neither in the page nor in the log. Saves a screenshot.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

[ -x /usr/bin/chromium ] && [ -d "$ROOT/tools/node_modules/playwright-core" ] || {
	not_ok "chromium and playwright-core are installed (make deps)"
	finish
}
topo_bridge 2
MPORT=$((20000 + RANDOM % 20000))
TOKEN="tok-$RANDOM$RANDOM-$RANDOM$RANDOM"
SHOT=${PF_DASHBOARD_SHOT:-$DDIR/dashboard.png}
write_config 100mbit 20mbit "\"metrics\": \"127.0.0.1:$MPORT\", \"metrics_token\": \"$TOKEN\""
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }
URL="http://127.0.0.1:$MPORT"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

check "the page is served from the binary" [ "$(code "$URL/")" = 200 ] && [ "$(code "$URL/dashboard.js")" = 200 ]
check "/api/state without the token is 401" [ "$(code "$URL/api/state")" = 401 ]
check "/api/state with a wrong token is 401" [ "$(code -H "Authorization: Bearer x$TOKEN" "$URL/api/state")" = 401 ]
check "/metrics asks for the token too" [ "$(code "$URL/metrics")" = 401 ]
state() { curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/state"; }

ctl --json grant 10.77.0.1 10.77.0.2 --level 1 --seconds 15 >"$DDIR/grant.json"
iperf_server h2
in_ns h1 timeout 20 iperf3 -c 10.77.0.2 -u -b 5M -t 14 >/dev/null 2>&1 &
PIDS+=($!)
id=$(jq .id "$DDIR/grant.json")
ctl --json list | jq ".reservations[] | select(.id == $id)" >"$DDIR/list.json"
check "the state has the documented shape" bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' '$URL/api/state' | jq -e '
  .version == 1 and (.time_unix | type) == \"number\" and
  (.links | length) == 2 and (.links[0] | has(\"port\", \"kind\", \"capacity_bps\", \"reservable_bps\", \"reserved_bps\", \"free_bps\")) and
  (.reservations[0] | has(\"id\", \"pair\", \"a\", \"b\", \"state\", \"level\", \"level_name\", \"rate_bps\", \"end_unix\", \"seconds_left\", \"bytes\", \"packets\", \"rate_now_bps\")) and
  (.revenue.levels | length) == 4 and (.counters.grants == 1) and
  .events[0].outcome == \"grant\" and .events[0].source == \"control\"' >/dev/null"
sleep 3.5
live=$(state | jq ".reservations[] | select(.id == $id)")
echo "# live: $(jq -c '{bytes, packets, rate_now_bps}' <<<"$live")"
check "the live rate is the flow's: 5 Mbit/s of UDP within 20%" within "$(jq .rate_now_bps <<<"$live")" 5000000 20
check "bytes and packets so far" [ "$(jq .bytes <<<"$live")" -gt 1000000 ] && [ "$(jq .packets <<<"$live")" -gt 1000 ]
check "a port's reserved rate is the grant's" [ "$(state | jq '.links[0].reserved_bps')" -eq 10000000 ]

node "$ROOT/tests/browser/dashboard_check.js" "$URL/#token=$TOKEN" "$id" "$SHOT" 30 >"$DDIR/browser.out" 2>"$DDIR/browser.err"
sed 's/^/# /' "$DDIR/browser.out" "$DDIR/browser.err" | head -20
seen=$(jq -c 'select(.phase == "seen")' "$DDIR/browser.out")
gone=$(jq -c 'select(.phase == "gone")' "$DDIR/browser.out")
check "the page shows the grant with the pair of payflowctl list" [ -n "$seen" ] && [ "$(jq -r .pair <<<"$seen")" = "$(jq -r .pair "$DDIR/list.json")" ]
check "with its rate" [ "$(jq .rate_bps <<<"$seen")" = "$(jq .rate_bps "$DDIR/list.json")" ] && [ "$(jq -r .rate_text <<<"$seen")" = "$(jq -r .rate_text_expected <<<"$seen")" ] && [ "$(jq -r .rate_text <<<"$seen")" = "10 Mbit/s" ]
check "with its end" awk -v a="$(jq .end_unix <<<"$seen")" -v b="$(jq .end_unix "$DDIR/list.json")" 'BEGIN { exit !(a == b) }' && [ "$(jq -r .end_text <<<"$seen")" = "$(jq -r .end_text_expected <<<"$seen")" ] && [ "$(jq -r .end_text <<<"$seen")" = "$(date -u -d @"$(jq .end_unix "$DDIR/list.json" | cut -d. -f1)" +%T)" ]
check "time left counts down" [ -n "$seen" ] && [ "$(jq -r .left_text <<<"$seen")" != "$(jq -r .left_text_later <<<"$seen")" ]
check "the token leaves the address bar and is not in the page" [ "$(jq -r .address_bar <<<"$seen")" = "$URL/" ] && [ "$(jq .html_has_token <<<"$seen")" = false ]
check "the row goes at the reservation's end (within 3 s)" [ -n "$gone" ] && awk -v t="$(jq .at_unix <<<"$gone")" -v e="$(jq .end_unix "$DDIR/list.json")" 'BEGIN { exit !(t >= e - 0.5 && t <= e + 3) }'
check "the page asked nothing but payflowd" [ "$(jq -c .hosts <<<"$gone")" = "[\"127.0.0.1:$MPORT\"]" ]
check "a screenshot was saved" [ -s "$SHOT" ] && [ "$(head -c 8 "$SHOT" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
check "the token is nowhere in the log" bash -c "! grep -qF '$TOKEN' '$DLOG'"
check "the expiry was counted" [ "$(state | jq '.counters.expiries')" -eq 1 ]
finish
