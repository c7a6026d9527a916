#!/usr/bin/env bash
# Chaos: CHAOS_ORDERS paid orders (default 1000) spread over CHAOS_SECONDS
# (default 60) from CHAOS_CLIENTS concurrent clients (default 4, each its own
# Anvil account), while payflowd is killed with kill -9 every CHAOS_KILL_EVERY
# seconds (default 0.5-2.5, uniform) and restarted at once. Reservations last
# 6 s or 600 s (alternating), so some end during the run and some are still
# running at the end. Invariants (tests/reliability/chaos_check.py says
# exactly what each verifies): the data plane is sampled right after every
# restart and at the end; the database, Anvil and the clients' logs are
# compared at the end.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/reliability/common.sh
N=${CHAOS_ORDERS:-1000}
SECS=${CHAOS_SECONDS:-60} # the clients spread their orders over about this long
CLIENTS=${CHAOS_CLIENTS:-4}
CHECK=tests/reliability/chaos_check.py
KILL_EVERY=${CHAOS_KILL_EVERY:-0.5-2.5} # seconds between kills: uniform in MIN-MAX

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "chaos: Anvil starts"; finish; }
rel_config 1000gbit
daemon_start || { cat "$DLOG"; not_ok "chaos: payflowd starts"; finish; }
rel_pin || { not_ok "chaos: MENU pinned"; finish; }

t0=$(date +%s)
rel_buyers "$N" "$SECS" "$CLIENTS" 6,600
alive() { local p; for p in "${CPIDS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

KILLS=0
RESTART_FAIL=0
SAMPLES="$DDIR/samples.jsonl"
: >"$SAMPLES"
while alive; do
	sleep "$(awk -v r=$RANDOM -v k="$KILL_EVERY" 'BEGIN { split(k, m, "-"); printf "%.2f", m[1] + (m[2] - m[1]) * r / 32768 }')"
	alive || break
	daemon_stop KILL
	KILLS=$((KILLS + 1))
	daemon_start || { RESTART_FAIL=$((RESTART_FAIL + 1)); tail -5 "$DLOG"; break; }
	"$CHECK" sample --ctl "$CTL" --pin "$PIN" "${LOGS[@]}" >>"$SAMPLES"
done
for p in "${CPIDS[@]}"; do wait "$p"; done
secs=$(($(date +%s) - t0))
sleep 8 # the last 6 s reservations end
FINAL=$("$CHECK" final --ctl "$CTL" --pin "$PIN" --db "$STATE/payflow.db" --rpc "$RPC" \
	--pay-to "$PAY_TO" "${LOGS[@]}")
echo "# final: $FINAL"
RMISS=$(jq -s 'map(.misses) | add // 0' "$SAMPLES")
RCHECKED=$(jq -s 'map(.active_checked) | add // 0' "$SAMPLES")
g() { jq -r ".$1" <<<"$FINAL"; }

check "chaos: payflowd restarted after each of $KILLS kill -9" [ "$RESTART_FAIL" = 0 ]
check "chaos: at least 3 kills" [ "$KILLS" -ge 3 ]
check "chaos: $(g orders) of $N orders reported by the clients" [ "$(g orders)" = "$N" ]
check "chaos: no CONFIRM lost (DB has each with its tx, id, start, end)" [ "$(g lost)" = 0 ]
check "chaos: no transaction granted twice" [ "$(g double)" = 0 ]
check "chaos: every paid transaction consumed or refused with a code" [ "$(g unaccounted)" = 0 ]
check "chaos: consumed amounts = on-chain values = quoted amounts" [ "$(g amount_mismatch_wei)" = 0 ]
check "chaos: every consumed payment is a successful transfer to pay_to" [ "$(g chain_bad)" = 0 ]
check "chaos: after each restart every running CONFIRM is in the map with its end ($RCHECKED checks)" [ "$RMISS" = 0 ]
check "chaos: at the end: running ones in the map, ended ones expired on time" [ "$(g enforce_misses)" = 0 ]
check "chaos: every order was confirmed (refusals: $(g refusal_codes))" [ "$(g confirmed)" = "$N" ]

echo "chaos: $(g orders) orders, $KILLS kills, $(g lost) lost, $(g double) double, $(g unaccounted) unaccounted, $(g amount_mismatch_wei) wei mismatch, $((RMISS + $(g enforce_misses))) enforcement misses, ${secs}s"
rel_result chaos "$(jq -c --argjson k "$KILLS" --argjson s "$secs" --argjson rm "$RMISS" \
	--argjson rc "$RCHECKED" --argjson cl "$CLIENTS" '{chaos_orders: .orders,
	chaos_clients: $cl, chaos_kills: $k, chaos_seconds: $s, chaos_confirmed: .confirmed,
	chaos_refused: .refused, chaos_timeouts: .timeouts, chaos_lost: .lost, chaos_double: .double,
	chaos_unaccounted: .unaccounted, chaos_consumed_unconfirmed: .consumed_unconfirmed,
	chaos_amount_mismatch_wei: .amount_mismatch_wei, chaos_amount_wei: .amount_db_wei,
	chaos_chain_bad: .chain_bad, chaos_restart_samples: $rc, chaos_restart_misses: $rm,
	chaos_final_active_checked: .enforce_active_checked,
	chaos_final_ended_checked: .enforce_ended_checked, chaos_final_misses: .enforce_misses}' <<<"$FINAL")"
finish
