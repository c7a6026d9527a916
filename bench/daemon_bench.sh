#!/usr/bin/env bash
# payflowd benchmark: prints one flat JSON object on stdout with
#   grant_to_enforced_p50_us, grant_to_enforced_p99_us  measured inside payflowd
#       from the moment a request line is taken off the socket to the return of
#       the map update that makes the entry visible (its classes are created
#       before it), over the sustained run below; read from `payflowctl stats`
#   grants_per_s          new grants per second, pipelined over one connection
#                         (bench/pfd_load.py, 64 in flight), 2,000 grants on
#                         two shaped ports, with the class pool made ahead
#                         (pool_classes 2,048): each grant is a rate change
#   restart_reconcile_s   payflowd's logged reconcile time after a SIGTERM
#                         restart at bench_reservations (the 60,000 figure is
#                         bench/pool_bench.sh's restart_reconcile_s_60k)
#   bytes_per_reservation (map memory from bpftool's bytes_memlock of the
#                         reservations and resv_stats maps + payflowd's RSS
#                         growth) / reservations, at 60,000
#   bench_reservations    how many reservations the last two were measured at
#   scrape_ms             one GET /metrics at bench_reservations (wall time)
#   ctl_rtt_scraping_p99_us, ctl_rtt_scraping_max_us  round trips of a control
#                         request (bench/ctl_rtt.py, 2 s of pings) while
#                         /metrics is scraped back to back: how long a
#                         scrape holds up the event loop (grants, ORDERs)
# Targets, not assertions. Runs in its own namespaces, pin root and state dir.
# Needs root. By default it fills 10,000 (BENCH_RESV sets another count).
set -uo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/../tests/integration/daemon_lib.sh"
N=${BENCH_RESV:-10000}
exec 3>&1 1>&2 # progress on stderr, the JSON on the original stdout

topo_bridge 2
write_pair_config 100gbit 100gbit 100mbit 1mbit
MPORT=$((20000 + RANDOM % 20000))
sed -i "s|\"state_dir\"|\"metrics\": \"127.0.0.1:$MPORT\", \"pool_classes\": 2048, \"state_dir\"|" "$CONF"
daemon_start || { cat "$DLOG"; exit 1; }
for _ in $(seq 1 600); do [ "$(ctl --json stats | jq .pool.free)" -ge 2048 ] && break; sleep 0.2; done
echo "pool made ahead: $(ctl --json stats | jq -c .pool)"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$DPID/status"; }
rss0=$(rss_kb)

load=$("$ROOT/bench/pfd_load.py" "$SOCK" 2000 --rate 100000 --seconds 3600)
echo "sustained: $load"
grants_per_s=$(jq '.granted / .seconds | floor' <<<"$load")
lat=$(ctl --json stats | jq .grant_to_enforced)

echo "filling to $N reservations"
"$ROOT/bench/pfd_load.py" "$SOCK" $((N - 2000)) --first 2001 --rate 100000 --seconds 3600 >/dev/null
active=$(ctl --json stats | jq .active)
rss1=$(rss_kb)
mem=$(bpftool -j map show pinned "$PIN/reservations" | jq .bytes_memlock)
mem_stats=$(bpftool -j map show pinned "$PIN/resv_stats" | jq .bytes_memlock)

daemon_stop TERM
: >"$DLOG"
daemon_start || { cat "$DLOG"; exit 1; }
reconcile=$(grep -oE 'reconciled [0-9]+ active reservations .* in [0-9.]+ s' "$DLOG" | sed -E 's/.* in ([0-9.]+) s$/\1/')
echo "reconcile after restart with $active: $reconcile s"

# Requests while /metrics is scraped back to back (2 s, at most 2,000 scrapes).
scrape() { curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$MPORT/metrics"; }
scrape >/dev/null # the first scrape starts the per-flow reader
scrape_ms=$(scrape | awk '{ printf "%d", $1 * 1000 }')
(
	end=$((SECONDS + 3))
	for _ in $(seq 2000); do [ $SECONDS -lt $end ] || break; scrape >/dev/null; done
) &
scraper=$!
PIDS+=($scraper)
rtt=$("$ROOT/bench/ctl_rtt.py" "$SOCK" 2)
wait "$scraper"
echo "one scrape at $active reservations: $scrape_ms ms; control round trips meanwhile: $rtt"

# Map memory is preallocated for PF_MAX_RESERVATIONS entries, so it is
# charged per used entry as memlock / max_entries.
max=$(bpftool -j map show pinned "$PIN/reservations" | jq .max_entries)
jq -cn --argjson p50 "$(jq '.p50_us // null' <<<"$lat")" --argjson p99 "$(jq '.p99_us // null' <<<"$lat")" \
	--argjson gps "$grants_per_s" \
	--argjson recn "${reconcile:-null}" \
	--argjson bpr "$(awk -v m="$mem" -v s="$mem_stats" -v max="$max" -v r0="$rss0" -v r1="$rss1" -v n="$active" \
		'BEGIN { printf "%d", (m + s) / max + (r1 - r0) * 1024 / n }')" \
	--argjson n "$active" --argjson sms "${scrape_ms:-null}" \
	--argjson rp99 "$(jq '.p99_us // null' <<<"$rtt")" --argjson rmax "$(jq '.max_us // null' <<<"$rtt")" \
	'{grant_to_enforced_p50_us: $p50, grant_to_enforced_p99_us: $p99, grants_per_s: $gps,
	  restart_reconcile_s: $recn, bytes_per_reservation: $bpr, bench_reservations: $n,
	  scrape_ms: $sms, ctl_rtt_scraping_p99_us: $rp99, ctl_rtt_scraping_max_us: $rmax}' >&3
