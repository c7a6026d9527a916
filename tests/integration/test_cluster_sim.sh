#!/usr/bin/env bash
# The simulation's preloader (build/cluster_sim, bench/cluster_sim.sh) on a
# real three-member etcd with its default --max-txn-ops (128): it writes what
# admission writes (a granted record, its tx key, one ledger entry per link,
# all leased but the tx), never more than a link's reservable rate (edges of
# room for 5 reservations here), also when started again on a filled store;
# admissions on top of it see the links full; and the check finds a link
# made oversold behind its back. Sums are recomputed with etcdctl, not with
# our client.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/etcd_lib.sh
SIM=$BUILD/cluster_sim
DIR=$(mktemp -d /tmp/pf-cluster-sim.XXXXXX)
trap 'etcd_stop_all; rm -rf "$DIR"; pf_cleanup' EXIT

[ -x "$SIM" ] || { not_ok "build/cluster_sim is built"; exit 1; }
etcd_start 3 "$DIR/etcd" || { not_ok "three-member etcd starts"; tail -3 "$DIR"/etcd/m*.log; exit 1; }
export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS
P=/pfsim$$
# over LIMIT_BPS: the ledger sums (etcdctl) of the links matching RE above it.
over() {
	etcdctl_ get --prefix "$P/ledger/" -w json |
		jq -r '.kvs[] | "\(.key | @base64d) \(.value | @base64d)"' |
		awk -v re="$1" -v lim="$2" '{ split($1, k, "/"); if (k[4] ~ re) s[k[4]] += $2 }
			END { n = 0; for (l in s) if (s[l] > lim) n++; print n }'
}
count() { etcdctl_ get --prefix "$P/$1/" --keys-only -w json | jq '.count // 0'; }
# The lease of KEY as etcdctl prints it (jq would round a 64-bit id).
lease_of() { etcdctl_ get "$1" -w json | grep -o '"lease":[0-9]*' | cut -d: -f2; }

"$SIM" topo "$P" 2 5000000 1000000000 >/dev/null
check "the topology: 20 links" eval '[ "$(count topo/links)" = 20 ]'
"$SIM" preload "$P" pre 100 1000000 300 2 128 >"$DIR/pre.json"
rc=$?
check "preload of 100 in transactions of 25 (128 ops) exits 0" eval '[ "$rc" = 0 ]'
written=$(jq .written "$DIR/pre.json")
full=$(jq .full "$DIR/pre.json")
echo "# preload: $(cat "$DIR/pre.json")"
check "16 edges of room for 5: at most 80 written, the rest full ($written + $full)" \
	eval '[ "$written" -le 80 ] && [ "$written" -ge 50 ] && [ $((written + full)) = 100 ]'
check "no edge above 5 Mbit/s in etcd" eval '[ "$(over ":h" 5000000)" = 0 ]'
check "one record, one tx and 3 ledger entries per written reservation" \
	eval '[ "$(count resv)" = "$written" ] && [ "$(count tx)" = "$written" ] && [ "$(count ledger)" = $((3 * written)) ]'

first=$(etcdctl_ get --prefix "$P/resv/" --limit 1 -w json | jq -r '.kvs[0]')
rec=$(jq -r '.value | @base64d' <<<"$first")
rname=$(jq -r '.key | @base64d | split("/") | last' <<<"$first")
tx=$(jq -r .tx <<<"$rec")
lease=$(lease_of "$P/resv/$rname")
check "the record is a granted one with its 3 hops and a tx" \
	eval '[ "$(jq -r .state <<<"$rec")" = granted ] && [ "$(jq ".hops | length" <<<"$rec")" = 3 ] && [[ $tx == 0x* ]]'
check "its tx key holds the record, without a lease" \
	eval '[ "$(etcdctl_ get "$P/tx/$tx" --print-value-only)" = "$rec" ] && [ -z "$(lease_of "$P/tx/$tx")" ]'
hop=$(jq -r '.hops[1]' <<<"$rec")
check "its ledger entry on $hop is its rate, under its lease ($lease)" \
	eval '[ -n "$lease" ] && [ "$(etcdctl_ get "$P/ledger/$hop/$rname" --print-value-only)" = 1000000 ] && [ "$(lease_of "$P/ledger/$hop/$rname")" = "$lease" ]'

"$SIM" preload "$P" again 50 1000000 300 2 128 >"$DIR/again.json"
echo "# preload again: $(cat "$DIR/again.json")"
check "a second preload starts from etcd's sums: still no edge above 5 Mbit/s" \
	eval '[ "$(over ":h" 5000000)" = 0 ] && [ "$(jq .written "$DIR/again.json")" -le $((80 - written)) ]'
"$SIM" admit "$P" adm 20 1000000 300 2 >"$DIR/admit.json"
echo "# admissions on top: $(cat "$DIR/admit.json")"
check "admissions (pf_cl_admit) on top: no error, the full edges refused" \
	eval '[ "$(jq .errors "$DIR/admit.json")" = 0 ] && [ "$(jq .full "$DIR/admit.json")" -gt 0 ] && [ "$(over ":h" 5000000)" = 0 ]'
"$SIM" check "$P" >"$DIR/check.json"
check "the check: 20 links, no orphan, none oversold" \
	eval '[ "$(jq -c "[.links, .orphans, .oversold_links]" "$DIR/check.json")" = "[20,0,0]" ]'
etcdctl_ put "$P/ledger/s1:h1/intruder" 6000000 >/dev/null
"$SIM" check "$P" >"$DIR/check2.json"
check "an entry of 6 Mbit/s written behind its back: the check counts s1:h1 oversold" \
	eval '[ "$(jq .oversold_links "$DIR/check2.json")" = 1 ]'
finish
