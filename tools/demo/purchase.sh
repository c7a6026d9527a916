#!/usr/bin/env bash
# The demo's purchase step: one buyer buys one service level for its pair with
# a peer, for real: `payflow buy` runs inside the buyer's Mininet host, asks
# payflowd's broker (in ctl) for a quote, pays it on Anvil (in ctl) from the
# buyer's node-managed dev account, and waits for the signed CONFIRM. Source
# it and call buy_level, or run it as a script with the same arguments. The
# experiment runner (tools/demo/runner.py) calls it in the root namespace with:
#   PF_DEMO_PAYFLOW    the payflow binary (absolute path)
#   PF_DEMO_HOME       the buyer's PAYFLOW_HOME (identity, pinned broker key,
#                      proofs of purchase)
#   PF_DEMO_ACCOUNT    the buyer's Anvil dev account (node-managed wallet)
#   PF_DEMO_LOG        purchase log (appended: keygen, the CLI's stderr, a line
#                      per purchase with the price paid)
#   PF_DEMO_BUYER      buyer's host name (h1)
#   PF_DEMO_BUYER_PID  pid of the buyer host's shell: `mnexec -a PID CMD` runs
#                      CMD in the buyer's namespaces
#   PF_DEMO_BROKER     broker address inside the topology (ctl's IP:6113)
#   PF_DEMO_RPC        Ethereum JSON-RPC URL inside the topology (Anvil in ctl)
# On success it prints the CLI's JSON (reservation_id, ip1, ip2, level,
# rate_bps, start, end, tx_hash, payer, amount, ...) on stdout; the
# reservation is then in the data plane (payflowd writes it before CONFIRM).
# On failure it exits with payflow's status and says why on stderr.

# in_buyer CMD...: CMD inside the buyer's host, with the buyer's payflow setup.
in_buyer() {
	mnexec -a "$PF_DEMO_BUYER_PID" env PAYFLOW_HOME="$PF_DEMO_HOME" \
		PAYFLOW_BROKER="$PF_DEMO_BROKER" PAYFLOW_RPC="$PF_DEMO_RPC" "$@"
}

# buy_level LEVEL SECONDS PEER_IP
buy_level() {
	local level=$1 seconds=$2 peer=$3 out rc line
	if [ ! -s "$PF_DEMO_HOME/identity" ]; then
		echo "$(date -u +%FT%T.%3NZ) $PF_DEMO_BUYER: payflow keygen" >>"$PF_DEMO_LOG"
		in_buyer "$PF_DEMO_PAYFLOW" keygen --json >>"$PF_DEMO_LOG" 2>&1 || {
			echo "buy_level: payflow keygen failed in $PF_DEMO_BUYER: see $PF_DEMO_LOG" >&2
			return 1
		}
	fi
	echo "$(date -u +%FT%T.%3NZ) $PF_DEMO_BUYER: payflow buy --level $level" \
		"--seconds $seconds --peer $peer --account $PF_DEMO_ACCOUNT --yes --json" \
		>>"$PF_DEMO_LOG"
	out=$(in_buyer "$PF_DEMO_PAYFLOW" buy --level "$level" --seconds "$seconds" \
		--peer "$peer" --account "$PF_DEMO_ACCOUNT" --yes --json 2>>"$PF_DEMO_LOG")
	rc=$?
	echo "$out" >>"$PF_DEMO_LOG"
	if [ "$rc" -ne 0 ]; then
		line=$(jq -r '.error.message // empty' <<<"$out" 2>/dev/null)
		echo "buy_level: payflow buy failed (exit $rc): ${line:-see $PF_DEMO_LOG}" >&2
		return "$rc"
	fi
	line=$(jq -r '"\(.reservation_id) \(.ip1) <-> \(.ip2) level \(.level)" +
		" \(.rate_bps) bit/s, \(.end - .start) s (\(.start)-\(.end)):" +
		" paid \(.amount) wei (\(.currency)), tx \(.tx_hash)"' \
		<<<"$out") || {
		echo "buy_level: payflow buy printed no JSON: $out" >&2
		return 1
	}
	echo "$(date -u +%FT%T.%3NZ) purchase: $PF_DEMO_BUYER ($PF_DEMO_ACCOUNT) $line" \
		>>"$PF_DEMO_LOG"
	printf '%s\n' "$out"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	[ $# -eq 3 ] || {
		echo "usage: $0 LEVEL SECONDS PEER_IP (environment: see the header)" >&2
		exit 2
	}
	buy_level "$@"
fi
