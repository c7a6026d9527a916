#!/usr/bin/env bash
# The demo's purchase step: one buyer buys one service level for its pair with
# a peer. Source it and call buy_level, or run it as a script with the same
# arguments. The experiment runner (tools/demo/runner.py) calls it in the
# root namespace with this environment:
#   PF_DEMO_CTL        payflowctl binary
#   PF_DEMO_PIN        the run's pin root
#   PF_DEMO_MENU       the demo's service menu (tools/demo/menu.json)
#   PF_DEMO_LOG        log file (appended)
#   PF_DEMO_BUYER      buyer's host name (h1), PF_DEMO_BUYER_IP its address
#   PF_DEMO_BUYER_PID  pid of the buyer host's shell: `mnexec -a PID CMD` runs
#                      CMD in the buyer's namespaces
#   PF_DEMO_BROKER     broker address inside the topology (ctl's IP:6113)
#   PF_DEMO_RPC        Ethereum JSON-RPC URL inside the topology (Anvil in ctl)
# It must return only once the reservation is in the data plane, and exit
# non-zero (with a message) if the purchase failed.

# buy_level LEVEL SECONDS PEER_IP
buy_level() {
	local level=$1 seconds=$2 peer=$3 rate out
	# TODO(lead): replace the operator grant below with the real purchase, run
	# inside the buyer's host, once the buyer CLI and the broker exist:
	#   mnexec -a "$PF_DEMO_BUYER_PID" build/payflow buy --level "$level" \
	#       --seconds "$seconds" --peer "$peer" --yes
	# Until then: an operator grant at the level's rate for the paid seconds.
	rate=$(jq -er --argjson l "$level" '.levels[$l].rate_bps' "$PF_DEMO_MENU") || {
		echo "buy_level: level $level is not in $PF_DEMO_MENU" >&2
		return 1
	}
	echo "$(date -u +%FT%T.%3NZ) purchase (operator grant stand-in): $PF_DEMO_BUYER" \
		"buys level $level ($rate bit/s) for $PF_DEMO_BUYER_IP <-> $peer, $seconds s" \
		>>"$PF_DEMO_LOG"
	if ! out=$("$PF_DEMO_CTL" --pin-root "$PF_DEMO_PIN" grant "$PF_DEMO_BUYER_IP" "$peer" \
		--rate "$rate" --seconds "$seconds" --level "$level" 2>&1); then
		echo "$out" >>"$PF_DEMO_LOG"
		echo "buy_level: $out" >&2
		return 1
	fi
	echo "$out" >>"$PF_DEMO_LOG"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	[ $# -eq 3 ] || {
		echo "usage: $0 LEVEL SECONDS PEER_IP (environment: see the header)" >&2
		exit 2
	}
	buy_level "$@"
fi
