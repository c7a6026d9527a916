#!/usr/bin/env bash
# etcd_run.sh CMD ARGS...: runs CMD with PF_ETCD_ENDPOINTS set to a fresh
# three-member etcd cluster on loopback (and PF_ETCD_PIDS to its members'
# pids, in the same order), then stops the cluster and removes
# its data. The C tests of userspace/cluster re-exec themselves through it.
set -uo pipefail
. "$(dirname "$0")/etcd_lib.sh"
dir=$(mktemp -d /tmp/pf-etcd.XXXXXX)
trap 'etcd_stop_all; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
if ! etcd_start 3 "$dir"; then
	echo "not ok - etcd cluster did not start"
	tail -5 "$dir"/m*.log
	exit 1
fi
PF_ETCD_ENDPOINTS=$ETCD_ENDPOINTS PF_ETCD_PIDS=$(IFS=,; echo "${ETCD_PID[*]}") "$@"
