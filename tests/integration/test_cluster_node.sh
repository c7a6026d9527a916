#!/usr/bin/env bash
# payflowd in cluster mode (docs/CLUSTER.md) against a real three-member etcd:
# the "cluster" section is checked; a started payflowd registers its node
# under a lease and publishes its ports as directed links; a broker elsewhere
# admits on them; SIGTERM removes the node key at once, kill -9 when its lease
# ends; with etcd down payflowd still starts (the data plane needs no etcd)
# and registers once etcd is back.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/daemon_lib.sh
. tests/integration/etcd_lib.sh
EDIR=$(mktemp -d /tmp/pf-cluster-node.XXXXXX)
trap 'pfd_cleanup; etcd_stop_all; rm -rf "$EDIR"' EXIT
PROBE=$BUILD/cluster_probe
NODE=n$ID
P=/pf$ID

topo_bridge 2
etcd_start 3 "$EDIR" || { not_ok "three-member etcd starts"; finish; }
export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS
EPS=$(sed 's/,/", "/g' <<<"\"$ETCD_ENDPOINTS\"")
jqe() { jq -e "$@" >/dev/null; }
cluster_config() { write_config 100mbit 10mbit "\"cluster\": {$1}"; }

# Bad sections are refused with a message naming the key; nothing starts.
bad_config() { # NAME, SECTION, EXPECTED MESSAGE PART
	local out
	cluster_config "$2"
	out=$("$PFD" --config "$CONF" --check 2>&1)
	if [ $? = 1 ] && grep -qF -- "$3" <<<"$out"; then ok "$1"; else not_ok "$1 (got: $out)"; fi
}
bad_config "no endpoints refused" "\"node\": \"$NODE\"" "cluster.endpoints: missing"
bad_config "a non-URL endpoint refused" "\"endpoints\": [\"127.0.0.1:2379\"], \"node\": \"$NODE\"" \
	"cluster.endpoints[0]: expected an http:// or https:// URL (got '127.0.0.1:2379')"
bad_config "a node name with / refused" "\"endpoints\": [$EPS], \"node\": \"a/b\"" \
	"cluster.node \"a/b\": character 2 is not one of"
bad_config "an unknown key refused" "\"endpoints\": [$EPS], \"node\": \"$NODE\", \"lease\": 3" \
	"cluster: unknown key 'lease'"
bad_config "an unreadable TLS file refused" \
	"\"endpoints\": [$EPS], \"node\": \"$NODE\", \"tls\": {\"ca\": \"$EDIR/none.pem\"}" \
	"cluster.tls.ca: cannot read $EDIR/none.pem"
bad_config "a TLS cert without its key refused" \
	"\"endpoints\": [$EPS], \"node\": \"$NODE\", \"tls\": {\"cert\": \"$CONF\"}" \
	"cluster.tls: cert and key go together"

cluster_config "\"endpoints\": [$EPS], \"node\": \"$NODE\", \"prefix\": \"$P\", \"lease_ttl\": 3"
node_key() { etcdctl_ get "$P/nodes/$NODE" --print-value-only; }
wait_for() { # CONDITION (shell text), at most 10 s
	for _ in $(seq 100); do eval "$1" && return 0; sleep 0.1; done
	return 1
}
check "payflowd starts in cluster mode" daemon_start
check "its node key appears in etcd" wait_for '[ -n "$(node_key)" ]'
check "the node key holds its pid" wait_for '[ "$(node_key | jq .pid)" = "$DPID" ]'
LINK="$NODE:${PFX}p1"
lv=$(etcdctl_ get "$P/topo/links/$LINK" --print-value-only)
check "its port p1 is published as link $LINK (capacity, reservable, owner)" \
	jqe --arg n "$NODE" '.capacity_bps == 100000000 and .reservable_bps == 90000000 and .owner == $n' <<<"$lv"
out=$("$PROBE" hammer "$P" b 10 10000000 60 "$LINK,$NODE:${PFX}p2")
check "a broker elsewhere admits on this node's links until full (9 of 10)" \
	jqe '.granted == 9 and .full == 1' <<<"$out"

daemon_stop TERM
check "SIGTERM: the node key is gone at once" '[' -z "$(node_key)" ']'
check "the topology stays after the node stops" '[' -n "$(etcdctl_ get "$P/topo/links/$LINK" --print-value-only)" ']'

daemon_start
wait_for '[ "$(node_key | jq .pid)" = "$DPID" ]'
daemon_stop KILL
check "kill -9: the node key outlives the process until its lease" '[' -n "$(node_key)" ']'
check "kill -9: the node key is gone when its 3 s lease ends" wait_for '[ -z "$(node_key)" ]'

# etcd entirely down: payflowd starts anyway and registers when etcd is back.
etcd_stop_all
check "payflowd starts with etcd down" daemon_start
check "and says why it is not registered" wait_for 'grep -q "not registered in etcd (will retry)" "$DLOG"'
for i in 1 2 3; do etcd_restart "$i"; done
check "etcd back: the node registers without a restart" wait_for '[ "$(node_key | jq .pid)" = "$DPID" ]'
# The thread logs after its writes: the key can be seen first.
check "the log says so" wait_for 'grep -q "registered in etcd again" "$DLOG"'
finish
