#!/usr/bin/env bash
# An enforcement node killed with kill -9 during a stream of grants
# (docs/CLUSTER.md, "Enforcement nodes"), run by cluster.sh: two payflowd
# nodes on one kernel and a real three-member etcd
# (tests/integration/cluster_enforce_lib.sh). cluster_grant streams 100
# grants whose hops are on both nodes; node 2 is killed with kill -9 twice
# during it (restarted in between), and 10 of the granted records are
# revoked while it is down. After its last restart its maps must match etcd
# exactly (every hop it owns, no stale one), and so must node 1's. Writes
# $REL_OUT/cluster_enforce.json and one "cluster: ..." figure line.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_enforce_lib.sh
N=100

cenf_up 10gbit 10gbit 50mbit
granted() { grep -c '"result":"granted"' "$DDIR/stream"; }
"$GRANT" stream "$CP" k $N 1000000 120 "$HOPS13" 20 >"$DDIR/stream" &
SPID=$!
PIDS+=($SPID)
wait_for '[ "$(granted)" -ge 20 ]'
cenf_stop 2 KILL
wait_for '[ "$(granted)" -ge 35 ]'
cenf_start 2 || not_ok "cluster: node 2 restarts after kill -9"
wait_for '[ "$(granted)" -ge 55 ]'
cenf_stop 2 KILL
for i in 0 3 6 9 12 15 18 40 45 50; do "$GRANT" revoke "$CP" "k-$i" >/dev/null; done
wait "$SPID"
n=$(grep -c 'reconciled with etcd' "$(cenf_log 2)")
t0=$(date +%s%N)
cenf_start 2 || not_ok "cluster: node 2 restarts after the second kill -9"
wait_for "[ \"\$(grep -c 'reconciled with etcd' $(cenf_log 2))\" -gt $n ]" || true
ms=$((($(date +%s%N) - t0) / 1000000))
c2=$(cenf_check 2)
c1=$(cenf_check 1)
want=$(($(granted) - 10))
for c in "$c2" "$c1"; do
	jq -e --argjson w "$want" '.etcd == $w and .maps == $w and .missing == 0 and .stale == 0' <<<"$c" >/dev/null ||
		not_ok "cluster: etcd and the maps differ: $c (want $want)"
done
[ "$FAILED" = 0 ] && ok "cluster: enforcement node killed twice with kill -9 during $N grants: after its restart it has all $want hops it owns, none stale"
jq -n --argjson c "$c2" --argjson ms "$ms" --argjson g "$(granted)" \
	'{cluster_enforce_kill9_granted: $g, cluster_enforce_kill9_resv: $c.etcd,
	  cluster_enforce_kill9_missing: $c.missing, cluster_enforce_kill9_stale: $c.stale,
	  cluster_enforce_restart_to_reconciled_ms: $ms}' >"${REL_OUT:-$DDIR}/cluster_enforce.json"
echo "cluster: enforcement node kill -9 (twice) during $N grants: after restart $(jq .maps <<<"$c2") of $(jq .etcd <<<"$c2") reservations installed, $(jq .missing <<<"$c2") missing, $(jq .stale <<<"$c2") stale; restart to reconciled $ms ms"
finish
