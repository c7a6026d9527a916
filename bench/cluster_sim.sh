#!/usr/bin/env bash
# The cluster simulation with etcd alone (issue 15; docs/CLUSTER.md,
# "Figures"), one flat JSON object on stdout. bench/cluster_bench.sh runs it
# with BENCH_FULL=1; alone: bench/cluster_sim.sh.
#
# SIM_SWITCHES (100) switches of 8 hosts, 10 links each (tests/cluster/
# cluster_sim.c: edges SIM_EDGE_BPS, 1 Gbit/s; uplink and core downlink
# SIM_TRUNK_BPS, 10 Gbit/s), on a fresh three-member etcd started with
# --max-txn-ops SIM_MAX_TXN_OPS (2500) and --quota-backend-bytes 8 GiB.
# For each fill F of SIM_STAGES ("1000 10000 SIM_RESV", SIM_RESV 100000):
#   the live reservations are brought to F by the preloader (bulk
#   transactions writing what admission writes, one lease for all, nothing
#   oversold), then real admissions (pf_cl_admit, paid, SIM_RATE_BPS 1 Mbit/s
#   each) are timed: SIM_MEASURE_N (100) by one process, then SIM_MEASURE_N/2
#   by each of 4 processes at once, and SIM_MEASURE_N/2 by one process without
#   their ledger reads (cluster_sim commit: what a broker knowing the sums from
#   a watch would pay); then etcd's RSS (3 members summed), its db
#   size (largest member), every link's ledger against its capacity, and 50
#   reads of one uplink's ledger (the range admission reads per link).
# Figures: cluster_sim_reservations (live at the end), cluster_sim_preload_per_s,
# cluster_sim_admission_per_s (4 processes) and _1proc, cluster_sim_p50_ms /
# p99_ms (4 processes) and _1proc, cluster_sim_etcd_rss_mb, cluster_sim_db_mb,
# cluster_sim_oversold_links (must be 0: the script fails otherwise), and per
# fill F cluster_sim_atF_{admission_per_s,admission_per_s_1proc,p50_ms_1proc,
# uplink_read_p50_ms,commit_only_p50_ms,entries_per_trunk}; every fill's full
# line goes to stderr.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. tests/integration/etcd_lib.sh
SIM=${BUILD:-build}/cluster_sim
SWITCHES=${SIM_SWITCHES:-100}
RESV=${SIM_RESV:-100000}
STAGES=${SIM_STAGES:-1000 10000 $RESV}
RATE=${SIM_RATE_BPS:-1000000}
MEASURE=${SIM_MEASURE_N:-100}
OPS=${SIM_MAX_TXN_OPS:-2500}
TTL=7200
DIR=$(mktemp -d /tmp/pf-cluster-sim.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; etcd_stop_all; rm -rf "$DIR"' EXIT
exec 3>&1 1>&2
ETCD_FLAGS="--max-txn-ops $OPS --quota-backend-bytes 8589934592"
etcd_start 3 "$DIR/etcd" || { echo "cluster_sim: etcd did not start" >&2; exit 1; }
export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS

etcd_rss_kb() {
	local pid rss=0
	for pid in "${ETCD_PID[@]}"; do
		rss=$((rss + $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")))
	done
	echo "$rss"
}

# measure F: 1 then 4 admitting processes at fill F; one JSON line.
measure() {
	local f=$1 k
	"$SIM" admit /sim "a1x$f" "$MEASURE" "$RATE" "$TTL" "$SWITCHES" >"$DIR/m1" || return 1
	for k in 1 2 3 4; do
		"$SIM" admit /sim "a4x$f-$k" $((MEASURE / 2)) "$RATE" "$TTL" "$SWITCHES" >"$DIR/m4.$k" &
		PIDS+=($!)
	done
	wait "${PIDS[@]}" || return 1
	PIDS=()
	"$SIM" commit /sim "c1x$f" $((MEASURE / 2)) "$RATE" "$TTL" "$SWITCHES" >"$DIR/c1" || return 1
	"$SIM" check /sim >"$DIR/check" || return 1
	"$SIM" read /sim 50 "$SWITCHES" >"$DIR/read" || return 1
	jq -s '.' "$DIR"/m4.[1-4] >"$DIR/m4"
	jq -cn --argjson f "$f" --slurpfile pre "$DIR/pre" --slurpfile one "$DIR/m1" \
		--slurpfile four "$DIR/m4" --slurpfile chk "$DIR/check" --slurpfile rd "$DIR/read" \
		--slurpfile c1 "$DIR/c1" \
		--argjson rss "$(etcd_rss_kb)" \
		--argjson db "$(etcdctl_ endpoint status -w json | jq '[.[].Status.dbSize] | max')" '
		$four[0] as $m | {fill: $f, live: ($chk[0].entries / 3 | floor),
		 preload_per_s: $pre[0].per_s, preload_full: $pre[0].full,
		 admission_per_s_1proc: $one[0].per_s, p50_ms_1proc: $one[0].p50_ms,
		 p99_ms_1proc: $one[0].p99_ms,
		 admission_per_s: (($m | map(.granted) | add) / ($m | map(.seconds) | max)),
		 p50_ms: ($m | map(.p50_ms) | max), p99_ms: ($m | map(.p99_ms) | max),
		 retries: ($m | map(.retries) | add),
		 errors: ($one[0].errors + ($m | map(.errors) | add)),
		 full: ($one[0].full + ($m | map(.full) | add)),
		 commit_only_p50_ms: $c1[0].p50_ms, commit_only_p99_ms: $c1[0].p99_ms,
		 commit_only_per_s: $c1[0].per_s, commit_only_errors: $c1[0].errors,
		 uplink_read_p50_ms: $rd[0].p50_ms, uplink_read_p99_ms: $rd[0].p99_ms,
		 uplink_read_entries: $rd[0].entries_avg, entries_per_link_max: $chk[0].max_entries,
		 entries_per_trunk_avg: ($chk[0].entries / 3 / ($chk[0].links / 10) | floor),
		 etcd_rss_mb: ($rss / 1024 | floor), db_mb: ($db / 1048576 | floor),
		 oversold_links: $chk[0].oversold_links, orphans: $chk[0].orphans}'
}

echo "cluster_sim: $SWITCHES switches, fills $STAGES" >&2
"$SIM" topo /sim "$SWITCHES" "${SIM_EDGE_BPS:-1000000000}" "${SIM_TRUNK_BPS:-10000000000}" >/dev/null ||
	exit 1
live=0
: >"$DIR/stages"
for f in $STAGES; do
	echo "cluster_sim: preload to $f live" >&2
	"$SIM" preload /sim "p$f" $((f > live ? f - live : 0)) "$RATE" "$TTL" "$SWITCHES" "$OPS" \
		>"$DIR/pre" || exit 1
	echo "cluster_sim: $(cat "$DIR/pre"); measuring" >&2
	measure "$f" >>"$DIR/stages" || exit 1
	tail -1 "$DIR/stages" >&2
	live=$(jq ".entries / 3 | floor" "$DIR/check")
done
jq -s '.[-1] as $l | {cluster_sim_reservations: $l.live,
	cluster_sim_preload_per_s: (map(.preload_per_s) | max),
	cluster_sim_admission_per_s: $l.admission_per_s, cluster_sim_p50_ms: $l.p50_ms,
	cluster_sim_p99_ms: $l.p99_ms, cluster_sim_admission_per_s_1proc: $l.admission_per_s_1proc,
	cluster_sim_p50_ms_1proc: $l.p50_ms_1proc, cluster_sim_p99_ms_1proc: $l.p99_ms_1proc,
	cluster_sim_etcd_rss_mb: $l.etcd_rss_mb, cluster_sim_db_mb: $l.db_mb,
	cluster_sim_oversold_links: (map(.oversold_links) | max)}
	+ ([.[] | .fill as $f | {"cluster_sim_at\($f)_admission_per_s_1proc": .admission_per_s_1proc,
	   "cluster_sim_at\($f)_p50_ms_1proc": .p50_ms_1proc,
	   "cluster_sim_at\($f)_admission_per_s": .admission_per_s,
	   "cluster_sim_at\($f)_uplink_read_p50_ms": .uplink_read_p50_ms,
	   "cluster_sim_at\($f)_commit_only_p50_ms": .commit_only_p50_ms,
	   "cluster_sim_at\($f)_entries_per_trunk": .entries_per_trunk_avg}] | add)' \
	"$DIR/stages" >&3
[ "$(jq -s 'map(.oversold_links + .orphans) | max' "$DIR/stages")" = 0 ] ||
	{ echo "cluster_sim: a link is oversold" >&2; exit 1; }
