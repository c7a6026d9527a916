#!/usr/bin/env bash
# The broker's server limits: an ORDER completes while 1,000 idle connections
# are open; connections beyond the per-address cap get ERROR rate_limited and
# are closed; a silent connection is closed after the idle timeout while a
# talking one is served.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

for f in "$PROBE" "$PFD"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
broker_topo 3
broker_anvil || { not_ok "anvil starts"; finish; }
broker_config 3 1gbit '"max_connections_per_address": 1100'
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with the broker"; finish; }
broker_pin
jqe() { jq -e "$@" >/dev/null; }

# 1,000 idle connections from h2, held for 30 s in the background.
IDLE="$DDIR/idle.out"
ip netns exec "${PFX}h2" bash -c "ulimit -n 4096; exec '$PROBE' '$BROKER' hold 1000 30" >"$IDLE" &
HOLD_PID=$!
PIDS+=($HOLD_PID)
for _ in $(seq 100); do [ -s "$IDLE" ] && break; sleep 0.1; done
check "1000 idle connections are open ($(cat "$IDLE"))" jqe '.open == 1000 and .refused == 0' "$IDLE"
established() { in_ns ctl ss -Htn state established "( sport = :6113 )" | wc -l; }
check "the broker holds them ($(established) established)" [ "$(established)" -ge 1000 ]

t0=$(date +%s%N)
Q=$(quote h1 10.77.0.1 10.77.0.2 2 60 -)
TX=$(pay "$Q")
t1=$(date +%s%N)
C=$(probe h1 order "$(field "$Q" quote_id)" "$PAYER" "$TX")
t2=$(date +%s%N)
echo "# quote+pay $(((t1 - t0) / 1000000)) ms, ORDER -> CONFIRM $(((t2 - t1) / 1000000)) ms (probe start included) with 1000 idle connections"
check "an ORDER gets its CONFIRM while 1000 connections idle" jqe '.type == "CONFIRM" and .verified' <<<"$C"
check "the idle connections are still open after it" [ "$(established)" -ge 1000 ]
check "HELLO from h3 meanwhile" jqe '.type == "MENU"' <<<"$(probe h3 hello)"
kill "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null

# Per-address cap and idle timeout: a second configuration.
daemon_stop
broker_config 3 1gbit '"max_connections_per_address": 3, "idle_timeout": 2'
daemon_start || { cat "$DLOG"; not_ok "payflowd restarts"; finish; }
OUT=$(probe h3 conns 4)
check "per-address cap 3: the probe's own + 2 more open, 2 refused ($OUT)" jqe '.open == 2 and .refused == 2' <<<"$OUT"
check "another address is not limited by h3's connections" jqe '.type == "MENU"' <<<"$(probe h1 hello)"
OUT=$(probe h1 sleep 3500 closed)
check "a silent connection is closed after the 2 s idle timeout" jqe '.type == "CLOSED"' <<<"$OUT"
OUT=$(probe h1 sleep 1200 hello sleep 1200 hello)
check "a connection that talks within the timeout is served" [ "$(jq -r .type <<<"$OUT" | tr '\n' ' ')" = "MENU MENU " ]
finish
