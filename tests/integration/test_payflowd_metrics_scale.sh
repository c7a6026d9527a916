#!/usr/bin/env bash
# A metrics scrape must not cost payflowd's event loop one syscall per
# reservation (100k reservations would stall grants and ORDERs): the per-flow
# counters are read in batches off the loop. strace, attached to the loop's
# thread only (the pid we started, no -f), counts the bpf() calls a scrape
# makes there, with 1,500 active reservations.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

N=1500
command -v strace >/dev/null || { not_ok "strace is installed (apt-get install strace)"; finish; }
topo_bridge 2
MPORT=$((20000 + RANDOM % 20000))
write_pair_config 100gbit 100gbit 100mbit 1mbit
sed -i "s|\"state_dir\"|\"metrics\": \"127.0.0.1:$MPORT\", \"state_dir\"|" "$CONF"
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }
load=$("$ROOT/bench/pfd_load.py" "$SOCK" "$N" --rate 100000 --seconds 600)
check "$N reservations granted ($load)" [ "$(jq .granted <<<"$load")" = "$N" ]

# After the grants, payflowd makes pooled classes ahead in the background
# (pool_classes), on the loop: let it finish, so that the trace counts what a
# scrape costs, not what the pool's making does.
prev=-1
for _ in $(seq 120); do
	cur=$(ctl --json stats | jq .pool.classes)
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done

TRACE="$DDIR/strace.out"
strace -p "$DPID" -e trace=bpf -o "$TRACE" 2>"$DDIR/strace.err" &
ST_PID=$!
PIDS+=($ST_PID)
for _ in $(seq 50); do grep -q attached "$DDIR/strace.err" && break; sleep 0.1; done
t0=$(date +%s%N)
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$DDIR/metrics.txt"
t1=$(date +%s%N)
sleep 0.3
kill "$ST_PID"
wait "$ST_PID" 2>/dev/null
calls=$(grep -c '^bpf(' "$TRACE")
echo "# one scrape with $N reservations: $calls bpf() calls on the loop, $(((t1 - t0) / 1000000)) ms (traced)"
check "strace watched the loop's thread" grep -q attached "$DDIR/strace.err"
check "a scrape makes a few bpf() calls on the loop, not one per reservation ($calls < 20)" \
	[ "$calls" -lt 20 ]
check "the scrape lists the top 100 reservations and the rest as other" \
	[ "$(grep -c '^payflow_flow_bytes_total{' "$DDIR/metrics.txt")" = 101 ]
check "every listed flow is a granted pair" \
	bash -c "grep '^payflow_flow_bytes_total{id=\"[0-9]' '$DDIR/metrics.txt' | grep -vc 'a=\"10.78.[0-9]*.[0-9]*\",b=\"10.79.' | grep -qx 0"
check "the active reservations are all counted on the port" \
	grep -qx "payflow_port_active_reservations{port=\"${PFX}p1\"} $N" "$DDIR/metrics.txt"
finish
