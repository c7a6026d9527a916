#!/usr/bin/env bash
# Chaos: CHAOS_ORDERS paid orders (default 1000) spread over CHAOS_SECONDS
# (default 60) from CHAOS_CLIENTS concurrent clients (default 4, each its own
# Anvil account), while payflowd is killed with kill -9 every CHAOS_KILL_EVERY
# seconds (default 0.5-2.5, uniform) and restarted at once. Reservations last
# 6 s or 600 s (alternating), so some end during the run and some are still
# running at the end. One more client (CHAOS_BALANCE_ORDERS, default N / 10)
# deposits once and then buys from its balance, cancelling every 3rd
# reservation at once and withdrawing 1000 after every 4th order (the broker
# signs with broker.payment_key_file). Invariants (tests/reliability/chaos_check.py says
# exactly what each verifies): the data plane is sampled right after every
# restart and at the end; the database, Anvil and the clients' logs are
# compared at the end; the money invariant (docs/MONEY.md, money_check.py)
# over the database and the whole chain.
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
NB=${CHAOS_BALANCE_ORDERS:-$((N / 10 > 10 ? N / 10 : 10))}

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "chaos: Anvil starts"; finish; }
PAYKEY="$DDIR/payment.key" # Anvil's dev account 1, the payment address
printf '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n' >"$PAYKEY"
chmod 600 "$PAYKEY"
rel_config 1000gbit "\"payment_key_file\": \"$PAYKEY\""
daemon_start || { cat "$DLOG"; not_ok "chaos: payflowd starts"; finish; }
rel_pin || { not_ok "chaos: MENU pinned"; finish; }

# The balance client's deposit: enough for every order at 600 s (600000 wei).
DEPOSIT_FROM=${ACCOUNTS[$((CLIENTS + 2))]}
DTX=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$DEPOSIT_FROM" "$PAY_TO" \
	--value $((NB * 600000)) "0x$DEPOSIT_MARKER$CLIENT_KEY" --json | jq -r .transactionHash)
check "chaos: the balance client's deposit is credited" \
	jqe '.type == "BALANCE_REPLY"' <<<"$(rprobe deposit "$DEPOSIT_FROM" "$DTX")"

t0=$(date +%s)
rel_buyers "$N" "$SECS" "$CLIENTS" 6,600
BLOG="$DDIR/balance_client.log"
rprobe --pace $((SECS * 1000 / NB)) --from-balance --cancel-every 3 --withdraw-every 4 buy "$NB" "$RPC" "$DEPOSIT_FROM" \
	10.77.0.1 "10.78.$((4 * CLIENTS)).1" 1 6,600 >"$BLOG" 2>"$DDIR/balance_client.err" &
CPIDS+=($!)
PIDS+=($!)
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

# The balance client: every order granted from the balance is recorded with its debit,
# every CANCEL answered credited exactly the refund recorded (once).
BAL_BAD=0
while read -r line; do
	q=$(jq -r .quote_id <<<"$line")
	case $(jq -r .outcome <<<"$line") in
	CONFIRM)
		[ "$(db "SELECT count(*) FROM broker_orders o JOIN balance_entries b ON b.ref = o.quote_id AND b.kind = 'debit' WHERE o.quote_id = '$q' AND o.tx = 'balance:$q' AND o.rid = '$(jq -r .rid <<<"$line")'")" = 1 ] ||
			{ echo "# balance order $q: no granted order with its debit"; BAL_BAD=$((BAL_BAD + 1)); } ;;
	insufficient_balance) ;;
	*) echo "# balance order $q: $line"; BAL_BAD=$((BAL_BAD + 1)) ;;
	esac
	c=$(jq -r '.cancel // empty' <<<"$line")
	[ -z "$c" ] && continue
	r=$(db "SELECT coalesce(sum(amount), -1), count(*) FROM balance_entries WHERE kind = 'refund' AND ref LIKE 'end:$(jq -r .rid <<<"$line"):%'")
	if [ "$c" = BALANCE_REPLY ] && [ "$r" = "$(jq -r .credited <<<"$line")|1" ]; then :
	elif [ "$c" = reservation_ended ] && [ "${r#*|}" = 1 ]; then : # the first answer was lost
	else echo "# cancel of $(jq -r .rid <<<"$line"): $c, refunds $r, line $line"; BAL_BAD=$((BAL_BAD + 1)); fi
done <"$BLOG"
# Withdrawals: each answered, with its one transaction, mined once (the sender may need
# a round or two after the last restart).
NW=$(jq -s '[.[] | select(.withdraw == "BALANCE_REPLY")] | length' "$BLOG")
for _ in $(seq 50); do
	[ "$(db "SELECT count(*) FROM withdrawals WHERE state = 'signed'")" = 0 ] && break
	sleep 0.2
done
check "chaos: $NW withdrawals answered, each with its transaction mined once (no withdrawal paid twice)" \
	all '[ "$NW" = $(((NB + 3) / 4)) ] && [ "$(db "SELECT count(*) FROM withdrawals WHERE state = '"'mined'"'")" = "$NW" ] &&
	[ "$("$CAST" nonce --rpc-url "$RPC" "$PAY_TO")" = "$NW" ]'
NBC=$(jq -s '[.[] | select(.outcome == "CONFIRM")] | length' "$BLOG")
NCAN=$(jq -s '[.[] | select(.cancel == "BALANCE_REPLY" or .cancel == "reservation_ended")] | length' "$BLOG")
check "chaos: $NB balance orders ($NBC granted, $NCAN cancelled): each debited once with its grant, each cancel refunded once" \
	all '[ "$(wc -l <"$BLOG")" = "$NB" ] && [ "$BAL_BAD" = 0 ] && [ "$NCAN" -gt 0 ]'
check "chaos: the money invariant (deposits + refunds = debits + withdrawals + balance; chain = records)" money

echo "chaos: $(g orders) orders, $KILLS kills, $(g lost) lost, $(g double) double, $(g unaccounted) unaccounted, $(g amount_mismatch_wei) wei mismatch, $((RMISS + $(g enforce_misses))) enforcement misses, ${secs}s"
rel_result chaos "$(jq -c --argjson k "$KILLS" --argjson s "$secs" --argjson rm "$RMISS" \
	--argjson rc "$RCHECKED" --argjson cl "$CLIENTS" '{chaos_orders: .orders,
	chaos_clients: $cl, chaos_kills: $k, chaos_seconds: $s, chaos_confirmed: .confirmed,
	chaos_refused: .refused, chaos_timeouts: .timeouts, chaos_lost: .lost, chaos_double: .double,
	chaos_unaccounted: .unaccounted, chaos_consumed_unconfirmed: .consumed_unconfirmed,
	chaos_amount_mismatch_wei: .amount_mismatch_wei, chaos_amount_wei: .amount_db_wei,
	chaos_chain_bad: .chain_bad, chaos_restart_samples: $rc, chaos_restart_misses: $rm,
	chaos_final_active_checked: .enforce_active_checked,
	chaos_final_ended_checked: .enforce_ended_checked, chaos_final_misses: .enforce_misses,
	chaos_balance_orders: '"$NB"', chaos_balance_granted: '"$NBC"', chaos_balance_cancels: '"$NCAN"',
	chaos_balance_bad: '"$BAL_BAD"', chaos_withdrawals: '"$NW"'}' <<<"$FINAL")"
finish
