# Anvil (Foundry's local Ethereum node) for integration tests; source it from
# the repository root.
#   anvil_start CHAIN_ID LOG [HOST ADDR]
#                             starts anvil on 127.0.0.1 (or inside test host
#                             HOST's namespace, on its address ADDR) on a port
#                             the kernel picks (port 0: anvil prints it, so no
#                             race), waits until it listens and sets ANVIL_PID
#                             and RPC. ADDR may be IPv6 (RPC is then
#                             http://[ADDR]:PORT). Returns 1 (see LOG) when it
#                             does not come up.
#   anvil_stop                stops that pid only; call it from the EXIT trap.
FOUNDRY=tools/node_modules/@foundry-rs
ANVIL=$FOUNDRY/anvil-linux-amd64/bin/anvil
CAST=$FOUNDRY/cast-linux-amd64/bin/cast
ANVIL_PID=
RPC=

anvil_start() {
	local chain_id=$1 log=$2 host=${3:-} addr=${4:-127.0.0.1} port= url
	local -a run=()
	url=$addr
	[[ "$addr" == *:* ]] && url="[$addr]" # anvil prints (and curl wants) [V6]:PORT
	[ -n "$host" ] && run=(ip netns exec "$PFX$host") # execs anvil: $! stays its pid
	: >"$log" # exists before the first poll; the child opens it only after fork
	"${run[@]}" "$ANVIL" --host "$addr" --port 0 --chain-id "$chain_id" >"$log" 2>&1 &
	ANVIL_PID=$!
	for _ in $(seq 300); do # at most 30 s
		port=$(grep -oE "^Listening on [^ ]+:[0-9]+" "$log" | grep -F "on $url:" | grep -oE '[0-9]+$')
		[ -n "$port" ] && break
		kill -0 "$ANVIL_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || return 1
	RPC=http://$url:$port
}

anvil_stop() {
	if [ -n "$ANVIL_PID" ]; then
		kill "$ANVIL_PID" 2>/dev/null
		wait "$ANVIL_PID" 2>/dev/null
		ANVIL_PID=
	fi
}
