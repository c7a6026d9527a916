# A real etcd cluster on loopback for tests (source it). Every member has its
# own data directory under the caller's directory, its own client and peer
# ports, and is started and stopped by its pid only.
#   etcd_start N DIR     starts members 1..N, waits for a leader; sets
#                        ETCD_ENDPOINTS (comma-separated client URLs),
#                        ETCD_URL[i] and ETCD_PID[i]. Returns 1 (see
#                        DIR/mI.log) when the cluster does not come up.
#   etcd_kill I [SIG]    stops member I (KILL by default) and waits for it.
#   etcd_restart I       starts member I again on its data directory.
#   etcd_healthy I       member I answers a linearizable read (quorum).
#   etcd_stop_all        stops every member we started; for the EXIT trap.
#   etcdctl_ ARGS...     etcdctl (v3 API) against our endpoints.
# ETCD_FLAGS (words, may be empty) are added to every member's command line
# (the simulation's --max-txn-ops and --quota-backend-bytes).
ETCD_PID=()
ETCD_URL=()
ETCD_PEER=()
ETCD_DIR=
ETCD_CLUSTER=
ETCD_ENDPOINTS=

. "$(dirname "${BASH_SOURCE[0]}")/port_lib.sh"

etcd_member() { # I NEW|existing
	local i=$1
	etcd --name "m$i" --data-dir "$ETCD_DIR/m$i" \
		--listen-client-urls "${ETCD_URL[$i]}" --advertise-client-urls "${ETCD_URL[$i]}" \
		--listen-peer-urls "${ETCD_PEER[$i]}" --initial-advertise-peer-urls "${ETCD_PEER[$i]}" \
		--initial-cluster "$ETCD_CLUSTER" --initial-cluster-token "pf-etcd-$$" \
		--initial-cluster-state "$2" --heartbeat-interval 100 --election-timeout 1000 \
		--logger zap --log-level warn ${ETCD_FLAGS:-} >>"$ETCD_DIR/m$i.log" 2>&1 &
	ETCD_PID[$i]=$!
}

etcdctl_() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" --command-timeout 3s "$@"; }

etcd_healthy() { # I
	ETCDCTL_API=3 etcdctl --endpoints "${ETCD_URL[$1]}" --command-timeout 2s \
		endpoint health >/dev/null 2>&1
}

# A member that dies at start (its port was taken between free_port and its
# bind, by another test's connection) makes etcd_start try again on new ports,
# up to three times, instead of waiting for a leader that cannot come.
etcd_start() { # N DIR
	local try
	for try in 1 2 3; do
		etcd_start_once "$@" && return 0
		[ "$?" = 2 ] || return 1
		etcd_stop_all
		echo "# etcd: a member died at start (try $try): $(grep -ho '"error":"[^"]*"' "$2"/m*.log | head -1)"
		rm -rf "$2"/m[0-9]*
	done
	return 1
}

etcd_start_once() { # N DIR; 2 when a member died at start
	local n=$1 i cp pp urls=()
	ETCD_DIR=$2
	ETCD_CLUSTER=
	mkdir -p "$ETCD_DIR"
	for i in $(seq 1 "$n"); do
		cp=$(free_port) && pp=$(free_port) || return 1
		ETCD_URL[$i]=http://127.0.0.1:$cp
		ETCD_PEER[$i]=http://127.0.0.1:$pp
		ETCD_CLUSTER+="${ETCD_CLUSTER:+,}m$i=${ETCD_PEER[$i]}"
		urls+=("${ETCD_URL[$i]}")
	done
	ETCD_ENDPOINTS=$(IFS=,; echo "${urls[*]}")
	for i in $(seq 1 "$n"); do etcd_member "$i" new; done
	for _ in $(seq 150); do # at most ~30 s
		etcd_healthy 1 && return 0
		for i in $(seq 1 "$n"); do kill -0 "${ETCD_PID[$i]}" 2>/dev/null || return 2; done
		sleep 0.2
	done
	return 1
}

etcd_kill() { # I [SIGNAL]
	local i=$1 pid=${ETCD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"${2:-KILL}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ETCD_PID[$i]=
}

etcd_restart() { etcd_member "$1" existing; }

etcd_stop_all() {
	local i
	for i in "${!ETCD_PID[@]}"; do etcd_kill "$i" TERM; done
	return 0
}

# etcd_lost_answers PREFIX NAME JSONL: how many admissions of a hammer run
# (cluster_probe hammer NAME ... PACE, its lines in JSONL) are in etcd
# (PREFIX/resv/NAME-I) although the probe saw an error: a member killed
# after the commit and before its answer. -1 if a granted one is missing.
etcd_lost_answers() {
	local in_etcd granted
	in_etcd=$(etcdctl_ get --prefix "$1/resv/$2-" --keys-only | sed -n "s|^$1/resv/$2-||p" | sort -n)
	granted=$(jq -r "select(.result == \"granted\") | .i" "$3" | sort -n)
	if [ -n "$(comm -13 <(echo "$in_etcd") <(echo "$granted") | grep .)" ]; then
		echo -1
	else
		comm -23 <(echo "$in_etcd") <(echo "$granted") | grep -c .
	fi
}

