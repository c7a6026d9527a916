#!/usr/bin/env bash
# Enforcement nodes in cluster mode (docs/CLUSTER.md, "Enforcement nodes"):
# two payflowd on one kernel, each with its own bridge, joined by a trunk,
# and a real three-member etcd. A granted record for h1 (node 1) <-> h3
# (node 2) is installed on both nodes' hops (map entries, HTB classes) and
# shapes h1 -> h3 to its rate while an unreserved flow crosses the trunk;
# its lease ends -> both remove it. kill -9 of node 2 during a stream of
# grants (and revokes while it is down) -> after its restart its maps match
# etcd exactly, its local reservation is untouched, and no pooled class
# serves two reservations (local or cluster). etcd stopped ->
# the reservation keeps its rate and ends on time; etcd back -> the nodes
# follow it again; a record changed in place -> both update it. A node
# started without its cluster section removes what it had installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/cluster_enforce_lib.sh
RATE=150000000

cenf_up 1gbit 200mbit 50mbit
jqe() { jq -e "$@" >/dev/null; }
# node I has the cluster entry of rate RATE (and no other cluster entry)
has_entry() { [ "$(cenf_entries "$1")" = "$2 0" ]; }
no_entry() { [ -z "$(cenf_entries "$1")" ]; }
has_rate_class() { grep -qx "$2" <<<"$(class_rates "$PFX$1")"; } # whole output first (pipefail)

# 40 s: the checks below and a rate run measured up to three times (about
# 20 s) fit inside it on a busy machine; a record that ends mid-run measured
# 0.87 of the rate.
out=$("$GRANT" grant "$CP" r1 10.77.0.1 10.77.0.3 $RATE 40 "$HOPS13")
check "a broker's granted record for h1 <-> h3 across both nodes is admitted" jqe '.result == "granted"' <<<"$out"
check "node 1 installs its map entry (150 Mbit/s, both ways)" wait_for "has_entry 1 $RATE"
check "node 2 installs its map entry" wait_for "has_entry 2 $RATE"
check "node 1 has the class on its hops t12a and p1" eval 'has_rate_class t12a 150Mbit && has_rate_class p1 150Mbit'
check "node 2 has the class on its hops p3 and t12b" eval 'has_rate_class p3 150Mbit && has_rate_class t12b 150Mbit'
check "and on no other port" eval '[ -z "$(class_rates ${PFX}p2)$(class_rates ${PFX}p4)" ]'
for i in 1 2; do
	check "node $i: etcd and its maps agree" jqe '.etcd == 1 and .maps == 1 and .missing == 0 and .stale == 0' <<<"$(cenf_check $i)"
done

# Cluster hops count in the node's local link ledger: p1 (950 Mbit/s
# reservable) has 800 left for local sales while r1 holds 150 of it.
check "a local sale of 900 Mbit/s through p1 is refused while r1 holds 150 of it" \
	eval "! cenf_ctl 1 grant 10.77.0.1 10.77.0.2 --rate 900mbit --seconds 5 2>$DDIR/err && grep -q capacity $DDIR/err"

# h1 -> h3 at its rate while h2 -> h3 (unreserved) competes on the trunk.
iperf_server h3
ip netns exec "${PFX}h3" iperf3 -s -p 5202 --logfile /dev/null &
PIDS+=($!)
sleep 0.3
ip netns exec "${PFX}h2" iperf3 -c 10.77.0.3 -p 5202 -t 26 >/dev/null 2>&1 &
PIDS+=($!)
sleep 1
want=$(expected_goodput $RATE 4)
got=$(iperf_rate h1 10.77.0.3 5 "$want" 10 | goodput_bps)
check "h1 -> h3 gets its 150 Mbit/s within 10% with a competing flow on the trunk ($(ratio "$got" "$want"))" within "$got" "$want" 10

wait_until_gone() { local _; for _ in $(seq 400); do no_entry 1 && no_entry 2 && return 0; sleep 0.1; done; return 1; }
check "the lease ends: both nodes remove the entry" wait_until_gone
check "and etcd deletes the record (and its link debits) with the lease" \
	wait_for '[ -z "$(etcdctl_ get "$CP/resv/r1" --print-value-only)$(etcdctl_ get --prefix "$CP/ledger/" --keys-only)" ]'
check "and the classes" eval '[ -z "$(class_rates ${PFX}t12a)$(class_rates ${PFX}p1)$(class_rates ${PFX}p3)$(class_rates ${PFX}t12b)" ]'
check "r1 gone, the same local sale fits" cenf_ctl 1 grant 10.77.0.1 10.77.0.2 --rate 900mbit --seconds 5
cenf_ctl 1 revoke 10.77.0.1 10.77.0.2 >/dev/null
check "node 2 logs why" grep -qE "cluster: removed r1 \((deleted in etcd|its end passed)\)" "$(cenf_log 2)"

# A local sale on node 2 (h3 <-> h4) must survive its restarts untouched.
cenf_ctl 2 grant 10.77.0.3 10.77.0.4 --rate 5mbit --seconds 120 >/dev/null
local_id() { bpftool -j map dump pinned "${CN_PIN[2]}/reservations" | jq -r '.[].formatted.value | select(.resv_id < 1000000) | .resv_id'; }
lid=$(local_id)
check "node 2 sells h3 <-> h4 locally" '[' -n "$lid" ']'
out=$("$GRANT" grant "$CP" c34 10.77.0.3 10.77.0.4 1000000 60 "b$ID:${PFX}p4,b$ID:${PFX}p3")
check "a cluster record for that pair is not installed over the local one" wait_for "grep -q 'c34 not installed: its pair already has a reservation' $(cenf_log 2)"
"$GRANT" revoke "$CP" c34 >/dev/null
# ... and a local grant for a pair a cluster record holds is refused.
"$GRANT" grant "$CP" c12 10.77.0.1 10.77.0.2 1000000 60 "a$ID:${PFX}p2,a$ID:${PFX}p1" >/dev/null
wait_for '[ "$(cenf_entries 1)" = "1000000 0" ]'
check "a local grant over a cluster reservation's pair is refused" eval "! cenf_ctl 1 grant 10.77.0.1 10.77.0.2 --rate 1mbit --seconds 5 2>$DDIR/err && grep -q 'has a cluster reservation on this node' $DDIR/err"
"$GRANT" revoke "$CP" c12 >/dev/null
wait_for 'no_entry 1'

# kill -9 of node 2 during a stream of grants; two grants revoked while it is down.
"$GRANT" stream "$CP" s 30 1000000 60 "$HOPS13" 40 >"$DDIR/stream" &
SPID=$!
PIDS+=($SPID)
wait_for '[ "$(grep -c granted "$DDIR/stream")" -ge 8 ]'
cenf_stop 2 KILL
wait_for '[ "$(grep -c granted "$DDIR/stream")" -ge 14 ]'
"$GRANT" revoke "$CP" s-2 >/dev/null && "$GRANT" revoke "$CP" s-5 >/dev/null
# s-5's pair sold again under another name while node 2 is down: at its
# restart the pair is still held by s-5's entry until the list's sweep.
"$GRANT" grant "$CP" n5 10.201.0.6 10.202.0.6 1000000 60 "$HOPS13" >/dev/null
wait "$SPID"
grep -v granted "$DDIR/stream" | sed "s/^/# /"
check "the stream granted 30 of 30" jqe '.granted == 30' <<<"$(tail -1 "$DDIR/stream")"
check "node 2 restarts" cenf_start 2
check "node 2 reconciles with etcd" wait_for "grep -q 'reconciled with etcd: 29 reservations' $(cenf_log 2)"
c=$(cenf_check 2)
check "node 2 has every hop it owns and no stale one (29 of 29, n5 included: $c)" jqe '.etcd == 29 and .maps == 29 and .missing == 0 and .stale == 0' <<<"$c"
check "with one class per hop on its ports" eval '[ "$(class_rates ${PFX}p3 | grep -c 1Mbit)" = 29 ] && [ "$(class_rates ${PFX}t12b | grep -c 1Mbit)" = 29 ]'
check "node 1 (never stopped) agrees with etcd too" jqe '.etcd == 29 and .maps == 29 and .missing == 0 and .stale == 0' <<<"$(cenf_check 1)"
check "node 2's metrics count them" '[' "$(cenf_metric 2 payflow_cluster_reservations)" = 29 ']'
check "node 2's local reservation is untouched" '[' "$(local_id)" = "$lid" ']'
# One pool serves both: reconcile took the adopted cluster entries' leaves, so
# n5 (installed after the restart) and a new local grant get free ones.
classes() { bpftool -j map dump pinned "${CN_PIN[2]}/reservations" | jq -c '[.[].formatted.value.classid] | [length, (unique | length)]'; }
check "node 2's 30 entries (29 cluster, one local) hold 30 different classes ($(classes))" '[' "$(classes)" = "[30,30]" ']'
cenf_ctl 2 revoke 10.77.0.3 10.77.0.4 >/dev/null
cenf_ctl 2 grant 10.77.0.3 10.77.0.4 --rate 5mbit --seconds 120 >/dev/null
check "a local grant after the restart takes a class no cluster entry holds ($(classes))" '[' "$(classes)" = "[30,30]" ']'
for i in $(seq 0 29); do "$GRANT" revoke "$CP" "s-$i" >/dev/null; done
"$GRANT" revoke "$CP" n5 >/dev/null
check "the stream's records revoked: both nodes remove them" wait_for '[ "$(cenf_entries 1 | wc -l)" = 0 ] && [ "$(cenf_entries 2 | wc -l)" = 0 ]'

# etcd stopped: the reservation keeps its rate and ends on its own, on time.
# 40 s: the rate run (measured up to three times when short, 5 s apart: about
# 22 s) ends before the record does.
out=$("$GRANT" grant "$CP" r2 10.77.0.1 10.77.0.3 $RATE 40 "$HOPS13")
end=$(($(date +%s) + 40))
wait_for "has_entry 1 $RATE && has_entry 2 $RATE"
etcd_stop_all
sleep 1 # the members' exit and the nodes' first failed calls settle
got=$(iperf_rate h1 10.77.0.3 4 "$want" 10 | goodput_bps)
check "etcd down: h1 -> h3 keeps its rate ($(ratio "$got" "$want"))" within "$got" "$want" 10
while [ "$(date +%s)" -lt $((end - 1)) ]; do sleep 0.2; done
check "etcd down: still installed 1 s before its end" eval "has_entry 1 $RATE && has_entry 2 $RATE" ||
	{ echo "# now $(date +%s), end $end"; grep -h "r2" "$(cenf_log 1)" "$(cenf_log 2)" | sed 's/^/# /'; }
check "etcd down: both nodes remove it at its end (within 2 s)" wait_for '[ "$(date +%s)" -le $((end + 2)) ] && no_entry 1 && no_entry 2'
# The line follows the entry's removal (after its leaf is parked on every port).
check "node 1 says its end passed" wait_for "grep -q 'cluster: removed r2 (its end passed)' '$(cenf_log 1)'" ||
	grep -h "r2" "$(cenf_log 1)" | sed 's/^/# node 1: /'

# etcd back: the nodes follow it again without a restart (they listed again).
for i in 1 2 3; do etcd_restart "$i"; done
wait_for 'etcd_healthy 1'
# etcd renews every lease when a leader is elected: r2's record is back in the
# list for a while, ended, and is not installed again.
sleep 2
check "etcd back: the ended r2 is not installed again" eval \
	'[ "$(grep -c "installed r2:" "$(cenf_log 1)")" = 1 ] && [ "$(grep -c "installed r2:" "$(cenf_log 2)")" = 1 ] && no_entry 1 && no_entry 2'
"$GRANT" revoke "$CP" r2 >/dev/null # its debit on the trunk, as its broker would
out=$("$GRANT" grant "$CP" r3 10.77.0.1 10.77.0.3 $RATE 30 "$HOPS13")
wait_for "has_entry 1 $RATE && has_entry 2 $RATE" && ok "etcd back: a new grant is installed on both nodes" ||
	{ not_ok "etcd back: a new grant is installed on both nodes";
		echo "# grant: $out"; tail -n 5 "$(cenf_log 1)" "$(cenf_log 2)" | sed 's/^/# /'; }
# A record changed in place (its rate): both nodes update entry and classes.
etcdctl_ put --ignore-lease "$CP/resv/r3" \
	"$(etcdctl_ get "$CP/resv/r3" --print-value-only | jq -c '.rate_bps = 100000000')" >/dev/null
check "a changed rate is applied on both nodes" wait_for "has_entry 1 100000000 && has_entry 2 100000000"
check "to the classes too (none left at 150 Mbit/s)" eval 'has_rate_class t12a 100Mbit && has_rate_class p3 100Mbit && ! grep -q 150Mbit <<<"$(class_rates ${PFX}t12a; class_rates ${PFX}p3)"'
"$GRANT" revoke "$CP" r3 >/dev/null
check "revoked: both nodes remove it" wait_for 'no_entry 1 && no_entry 2'

# A node started without its cluster section removes what it had installed.
"$GRANT" grant "$CP" r4 10.77.0.1 10.77.0.3 1000000 30 "$HOPS13" >/dev/null
wait_for 'has_entry 1 1000000'
cenf_stop 1
jq 'del(.cluster)' "$DDIR/n1/conf.json" >"$DDIR/n1/plain.json" && mv "$DDIR/n1/plain.json" "$DDIR/n1/conf.json"
cenf_start 1
check "node 1 out of cluster mode: its cluster entry and classes are removed at start" \
	eval 'no_entry 1 && [ -z "$(class_rates ${PFX}t12a)$(class_rates ${PFX}p1)" ]'
finish
