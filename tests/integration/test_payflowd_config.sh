#!/usr/bin/env bash
# Bad configs: each gets its own message and exit 1, and nothing is attached
# (no pins, no qdisc on any port), including when the second port fails.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 2
P1="${PFX}p1" P2="${PFX}p2"
LEVELS='"levels": [{"rate": "20mbit", "price_per_s": "0"}, {"rate": "50mbit", "price_per_s": "9"}]'
COMMON="\"state_dir\": \"$STATE\", \"pin_root\": \"$PIN\", \"socket\": \"$SOCK\""
BE='"best_effort": {"rate": "20mbit", "floor": "20mbit"}'

nothing_attached() {
	[ ! -e "$PIN" ] && ! tc qdisc show dev "$P1" | grep -q htb && ! tc qdisc show dev "$P2" | grep -q htb
}
expect_error() { # name, config text, expected message
	printf '%s\n' "$2" >"$CONF"
	local out rc
	out=$("$PFD" --config "$CONF" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$out" = "payflowd: $3" ] && nothing_attached; then ok "$1"; else
		not_ok "$1"
		echo "#   exit $rc: $out"
		echo "#   want: payflowd: $3"
	fi
}

expect_error "unknown port" \
	"{\"ports\": [{\"name\": \"${PFX}nope\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON}" \
	"unknown port ${PFX}nope: no such interface"
expect_error "capacity 0" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"0\"}], $BE, $LEVELS, $COMMON}" \
	"$CONF: ports[0] ($P1).capacity: bad rate '0': a rate above 0 such as \"150mbit\" or 150000000"
expect_error "level rate above capacity" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"40mbit\"}], $BE, $LEVELS, $COMMON}" \
	"$CONF: levels[1] (level1).rate: 50 Mbit/s is above the capacity of port $P1 (40 Mbit/s)"
expect_error "floor not below capacity" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"60mbit\"}], \"best_effort\": {\"rate\": \"20mbit\", \"floor\": \"60mbit\"}, $LEVELS, $COMMON}" \
	"$CONF: best_effort.floor: 60 Mbit/s is not below the capacity of port $P1 (60 Mbit/s)"
expect_error "bad JSON" "{\"ports\": [" \
	"$CONF: not valid JSON (unexpected end of data at byte 12)"
expect_error "unknown key" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON, \"mod\": \"shape\"}" \
	"$CONF: top level: unknown key 'mod'"
expect_error "bad mode" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON, \"mode\": \"drop\"}" \
	"$CONF: mode: bad value 'drop': \"shape\" or \"police\""
expect_error "a bridge listed as a port" \
	"{\"ports\": [{\"name\": \"$BR\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON}" \
	"port $BR is a bridge: list it under \"bridges\" to enforce on its host-facing ports"
expect_error "bad host address" \
	"{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"1gbit\", \"hosts\": [\"10.1.1\"]}], $BE, $LEVELS, $COMMON}" \
	"$CONF: ports[0] ($P1).hosts: bad address or prefix '10.1.1'"

out=$("$PFD" --config "$DDIR/missing.json" 2>&1)
check "unreadable config file" [ "$out" = "payflowd: cannot read config $DDIR/missing.json: No such file or directory" ]

# The second port already has a root qdisc of its own: the first port's
# attach is undone, nothing stays behind.
tc qdisc add dev "$P2" root tbf rate 1gbit burst 64k latency 10ms
printf '%s\n' "{\"ports\": [{\"name\": \"$P1\", \"capacity\": \"1gbit\"}, {\"name\": \"$P2\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON}" >"$CONF"
out=$("$PFD" --config "$CONF" 2>&1)
rc=$?
check "a port that cannot be attached fails the start ($out)" [ "$rc" -eq 1 ] && grep -q "already has a root qdisc" <<<"$out"
check "and leaves no partial attach" [ ! -e "$PIN" ] && ! tc qdisc show dev "$P1" | grep -q htb
tc qdisc del dev "$P2" root

# Bridges: every member port is enforced.
printf '%s\n' "{\"bridges\": [{\"name\": \"$BR\", \"capacity\": \"1gbit\"}], $BE, $LEVELS, $COMMON}" >"$CONF"
check "--check accepts a bridge config" "$PFD" --config "$CONF" --check
daemon_start || { cat "$DLOG"; not_ok "payflowd starts on a bridge"; finish; }
check "both bridge ports are enforced" [ "$(ctl --json ports | jq '.ports | length')" -eq 2 ] && tc qdisc show dev "$P1" | grep -q htb && tc qdisc show dev "$P2" | grep -q htb
daemon_stop TERM
check "SIGTERM leaves enforcement in place" [ -e "$PIN/reservations" ] && tc qdisc show dev "$P1" | grep -q htb
"$PFD" --config "$CONF" --detach >/dev/null 2>&1
check "--detach tears it all down" [ ! -e "$PIN" ] && ! tc qdisc show dev "$P1" | grep -q htb && ! tc qdisc show dev "$P2" | grep -q htb
finish
