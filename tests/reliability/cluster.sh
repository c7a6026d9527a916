#!/usr/bin/env bash
# Cluster admission under etcd failures (docs/CLUSTER.md), on a real
# three-member etcd, with build/cluster_probe as the broker:
#   p99 admission (lease + one read txn + one commit txn) before and while one
#   member of three is killed: every order still granted;
#   quorum lost (two members killed) during a stream of one order per 100 ms:
#   orders refused with etcd's reason, nothing written for them; quorum back:
#   the same process sells again, with the time from the restart to its
#   first grant; etcd then holds exactly the granted debits;
#   an enforcement node killed with kill -9 during a stream of grants
#   (cluster_enforce.sh): after its restart it has every hop it owns;
#   ORDER -> CONFIRM through two payflowd brokers with every member up and
#   with one killed (cluster_sell.sh).
# Writes $REL_OUT/cluster.json and one "cluster: ..." figure line.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/etcd_lib.sh
PROBE=${BUILD:-build}/cluster_probe
DIR=$(mktemp -d /tmp/pf-rel-cluster.XXXXXX)
QP=
trap '[ -n "$QP" ] && kill "$QP" 2>/dev/null; etcd_stop_all; rm -rf "$DIR"' EXIT
FAILED=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }

[ -x "$PROBE" ] || { not_ok "cluster: $PROBE is built"; exit 1; }
etcd_start 3 "$DIR/etcd" || { not_ok "cluster: three-member etcd starts"; exit 1; }
export PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS
for l in e1 tr e2; do "$PROBE" link-put /rel "$l" n1 100000000000 0; done

"$PROBE" hammer /rel before 100 1000 600 e1,tr,e2 >"$DIR/before"
etcd_kill 3
# The two left elect a leader if the killed one led: sales go on once they have.
for _ in $(seq 50); do etcd_healthy 1 && etcd_healthy 2 && break; sleep 0.2; done
"$PROBE" hammer /rel onedown 100 1000 600 e1,tr,e2 >"$DIR/onedown"
g=$(jq .granted "$DIR/onedown")
[ "$g" = 100 ] && ok "cluster: one of three members killed, 100 of 100 orders granted" ||
	not_ok "cluster: one of three members killed, $g of 100 orders granted (first error: $(jq -r .first_error "$DIR/onedown"))"
etcd_restart 3

"$PROBE" hammer /rel q 100 1000 600 e1,tr,e2 100 >"$DIR/q" &
QP=$!
sleep 2
etcd_kill 2
etcd_kill 3
sleep 3
etcd_restart 2
etcd_restart 3
wait "$QP"
QP=
refused=$(jq -s '[.[] | select(.result == "error")] | length' "$DIR/q")
granted=$(jq -s '[.[] | select(.result == "granted")] | length' "$DIR/q")
msg=$(jq -rs '[.[] | select(.result == "error")][0].error // ""' "$DIR/q")
seq_=$(jq -r 'select(.i != null) | .result' "$DIR/q" | uniq | tr '\n' ' ')
[ "$refused" -gt 0 ] && grep -Eq '^granted (error )+granted' <<<"$seq_" &&
	ok "cluster: quorum lost, $refused orders refused; back, the same process sells again" ||
	not_ok "cluster: quorum lost and back: $seq_"
grep -q "^no etcd member of 3 answered (quorum lost or cluster down); last: etcd " <<<"$msg" && ok "cluster: the refusal names etcd and its reason" ||
	not_ok "cluster: refusal message: $msg"
# The stream's clock: its last refusal and first grant after it, against the restart.
last_err=$(jq -s '[.[] | select(.result == "error")] | last | .t_ms' "$DIR/q")
first_ok=$(jq -s --argjson e "$last_err" '[.[] | select(.result == "granted" and .t_ms > $e)] | first | .t_ms' "$DIR/q")
n_etcd=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" get --prefix /rel/ledger/tr/ --keys-only | grep -c .)
# An admission in flight when quorum went may have committed with its answer
# lost (etcd_lost_answers): at most that one.
lost=$(etcd_lost_answers /rel q "$DIR/q")
total=$(($(jq .granted "$DIR/before") + $(jq .granted "$DIR/onedown") + granted + lost))
[ "$lost" -ge 0 ] && [ "$lost" -le 1 ] && [ "$n_etcd" = "$total" ] &&
	ok "cluster: etcd holds exactly the $total granted debits ($lost with the answer lost)" ||
	not_ok "cluster: etcd holds $n_etcd debits, $total were granted ($lost with the answer lost)"
jq -n --slurpfile b "$DIR/before" --slurpfile o "$DIR/onedown" --argjson refused "$refused" \
	--argjson gap "$((first_ok - last_err))" '
	{cluster_admission_p99_ms_before: $b[0].p99_ms, cluster_admission_p99_ms_one_down: $o[0].p99_ms,
	 cluster_quorum_lost_refused: $refused, cluster_resume_after_last_refusal_ms: $gap}' \
	>"${REL_OUT:-$DIR}/cluster.json"
# The enforcement side: an enforcement node killed with kill -9 during a
# stream of grants (its own script, its own etcd and nodes).
etcd_stop_all
REL_OUT=$DIR bash tests/reliability/cluster_enforce.sh >"$DIR/enforce.log" 2>&1 || FAILED=1
grep -E '^(ok|not ok) - |^cluster: ' "$DIR/enforce.log"
# Sales through payflowd brokers with one member killed (its own etcd and brokers).
REL_OUT=$DIR bash tests/reliability/cluster_sell.sh >"$DIR/sell.log" 2>&1 || FAILED=1
grep -E '^(ok|not ok) - |^cluster: ' "$DIR/sell.log"
jq -s add "${REL_OUT:-$DIR}/cluster.json" "$DIR/cluster_enforce.json" "$DIR/cluster_sell.json" >"$DIR/merged" 2>/dev/null &&
	mv "$DIR/merged" "${REL_OUT:-$DIR}/cluster.json" || { FAILED=1; not_ok "cluster: enforcement figures"; }
echo "cluster: p99 admission $(jq .p99_ms "$DIR/before") ms with 3 members, $(jq .p99_ms "$DIR/onedown") ms with 2; quorum lost: $refused orders refused (\"${msg:0:80}\"), the next grant $((first_ok - last_err)) ms after the last refusal"
exit "$FAILED"
