#!/usr/bin/env bash
# payflowctl's errors: each bad input gets its own message and exit code, and
# changes nothing.
source "$(dirname "$0")/lib.sh"

topo_bridge 2
P1="${PFX}p1"

# expect NAME EXIT-CODE MESSAGE-REGEX -- payflowctl args...
expect() {
	local name=$1 code=$2 re=$3 out rc
	shift 4
	out=$("$CTL" --direct --pin-root "$PIN" "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$code" ] && grep -qE -- "$re" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name (exit $rc: $out)"
	fi
}

expect "grant before attach says payflow is not attached" 1 "payflow is not attached" -- \
	grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 5
expect "unknown interface" 1 "unknown interface ${PFX}nope" -- attach "${PFX}nope"
check "a failed first attach leaves no pins" [ ! -e "$PIN" ]
expect "XDP needs police mode" 1 "XDP can only police" -- attach "$P1" --xdp
expect "bad mode" 2 "bad mode 'fast'" -- attach "$P1" --mode fast
expect "bad capacity" 2 "bad capacity 'lots'" -- attach "$P1" --capacity lots
expect "best effort above capacity" 1 "best-effort rate must be above 0 and at most the capacity" -- \
	attach "$P1" --capacity 10mbit --be-rate 50mbit
expect "attach" 0 "attached $P1" -- attach "$P1"
expect "already attached" 1 "$P1 is already attached" -- attach "$P1"
expect "mode is shared by all ports" 1 "mode \\(shape\\) is set by the ports already attached" -- \
	attach "${PFX}p2" --mode police
expect "bad address" 2 "bad address '10.77.0.300'" -- grant 10.77.0.300 10.77.0.2 --rate 1mbit --seconds 5
expect "rate 0" 2 "bad value '0' for --rate" -- grant 10.77.0.1 10.77.0.2 --rate 0 --seconds 5
expect "missing seconds" 2 "--seconds is required" -- grant 10.77.0.1 10.77.0.2 --rate 1mbit
expect "one address only" 2 "give exactly two addresses" -- grant 10.77.0.1 --rate 1mbit --seconds 5
expect "revoke of nothing" 1 "no reservation for 10.77.0.1 <-> 10.77.0.2" -- revoke 10.77.0.1 10.77.0.2
check "bad input left the map empty" \
	bash -c "[ \"\$('$CTL' --direct --pin-root '$PIN' --json list | jq length)\" = 0 ]"
expect "grant" 0 "granted 10.77.0.1 <-> 10.77.0.2 at 10 Mbit/s" -- \
	grant 10.77.0.2 10.77.0.1 --rate 10mbit --seconds 30
expect "a lower, shorter grant never lowers or shortens" 0 "at 10 Mbit/s until \\+(29|30)s" -- \
	grant 10.77.0.1 10.77.0.2 --rate 5mbit --seconds 5
expect "a higher grant raises the rate in place" 0 "at 20 Mbit/s until \\+(29|30)s" -- \
	grant 10.77.0.1 10.77.0.2 --rate 20mbit --seconds 5
check "the class rate followed the raise" \
	bash -c "tc class show dev '$P1' | grep -q 'rate 20Mbit ceil 20Mbit'"
expect "a later attach reuses the pins" 0 "attached ${PFX}p2" -- attach "${PFX}p2"
check "... keeps the reservation and gives the new port its class" \
	bash -c "'$CTL' --direct --pin-root '$PIN' --json list | jq -e '.[0].rate_bps == 20000000' >/dev/null &&
		tc class show dev '${PFX}p2' | grep -q 'rate 20Mbit ceil 20Mbit'"
expect "--json list" 0 '"rate_bps":20000000' -- --json list
expect "stats of a pair" 0 "reserved" -- stats 10.77.0.1 10.77.0.2
expect "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
expect "--help" 0 "EXIT STATUS" -- --help
expect "revoke" 0 "revoked 10.77.0.1 <-> 10.77.0.2" -- revoke 10.77.0.1 10.77.0.2
check "revoke parked its pooled class" bash -c "tc class show dev '$P1' classid 10:1 | grep -q 'rate 8bit ceil 8bit'"
expect "detach" 0 "detached ${PFX}p2" -- detach "${PFX}p2"
expect "detach of a port not attached" 1 "${PFX}p2 is not attached" -- detach "${PFX}p2"
expect "detach" 0 "detached $P1" -- detach "$P1"
check "last detach removed the pins" [ ! -e "$PIN" ]
finish
