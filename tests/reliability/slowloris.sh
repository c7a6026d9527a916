#!/usr/bin/env bash
# Slowloris: SLOW_CONNS connections (default 1000; half idle, half sending one
# byte of a never-finished frame per second) stay open while SLOW_ORDERS paid
# orders (default 200) proceed; ORDER -> CONFIRM p99 is measured by the
# client before and with them, and the growth reported. idle_timeout is 600
# and the per-address cap 4000 here, so the broker keeps them all (with the
# default 30 s the idle half would be closed after 30 s: by design).
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh
source tests/reliability/common.sh
CONNS=${SLOW_CONNS:-1000}
ORDERS=${SLOW_ORDERS:-200}
HOLD_S=$((60 + ORDERS / 5))

for f in "$PROBE" "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
rel_setup || { not_ok "slowloris: Anvil starts"; finish; }
rel_config 1000gbit '"idle_timeout": 600'
daemon_start || { cat "$DLOG"; not_ok "slowloris: payflowd starts"; finish; }
rel_pin || { not_ok "slowloris: MENU pinned"; finish; }
established() { ss -Htn state established "( sport = :${BROKER##*:} )" | wc -l; }

BASE=$(rprobe bench-order "$ORDERS" "$RPC" "${ACCOUNTS[2]}" 10.77.0.1 10.78.7.1 1 600 | tail -1)
check "slowloris: $ORDERS orders without extra connections ($BASE)" jqe '.type == "BENCH_ORDER"' <<<"$BASE"

bash -c "ulimit -n 8192; exec '$PROBE' '$BROKER' hold $((CONNS / 2)) $HOLD_S" >"$DDIR/idle" &
PIDS+=($!)
bash -c "ulimit -n 8192; exec '$PROBE' '$BROKER' drip $((CONNS - CONNS / 2)) $HOLD_S" >"$DDIR/drip" &
PIDS+=($!)
for _ in $(seq 300); do [ -s "$DDIR/idle" ] && [ -s "$DDIR/drip" ] && break; sleep 0.1; done
sleep 2 # a few bytes from each dripping connection
OPEN=$(($(jq -r .open "$DDIR/idle") + $(jq -r .open "$DDIR/drip")))
check "slowloris: $CONNS connections open ($OPEN)" [ "$OPEN" = "$CONNS" ]
LOADED=$(rprobe bench-order "$ORDERS" "$RPC" "${ACCOUNTS[2]}" 10.77.0.1 10.78.8.1 1 600 | tail -1)
check "slowloris: $ORDERS orders confirmed while they are open ($LOADED)" jqe '.type == "BENCH_ORDER"' <<<"$LOADED"
EST=$(established)
# The broker side of each connection is one established socket on its port (plus the probe's).
check "slowloris: the broker still holds them afterwards ($EST established)" [ "$EST" -ge "$CONNS" ]

B=$(jq -r .p99_ms <<<"$BASE")
L=$(jq -r .p99_ms <<<"$LOADED")
G=$(awk -v b="$B" -v l="$L" 'BEGIN { printf "%.2f", l / b }')
echo "slowloris: $CONNS connections ($((CONNS / 2)) idle, $((CONNS - CONNS / 2)) byte-at-a-time), ORDER->CONFIRM p99 ${B} ms -> ${L} ms (x$G)"
rel_result slowloris "$(jq -cn --argjson c "$CONNS" --argjson o "$ORDERS" --argjson b "$BASE" \
	--argjson l "$LOADED" --argjson g "$G" --argjson e "$EST" '{slowloris_connections: $c,
	slowloris_orders: $o, slowloris_p50_ms_base: $b.p50_ms, slowloris_p99_ms_base: $b.p99_ms,
	slowloris_p50_ms_1k: $l.p50_ms, slowloris_p99_ms_1k: $l.p99_ms, slowloris_growth_ratio: $g,
	slowloris_established_after: $e}')"
finish
