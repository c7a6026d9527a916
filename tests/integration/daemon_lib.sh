# Helpers for payflowd integration tests (source after lib.sh). Each test gets
# its own pin root (from lib.sh), state dir, socket and config in a mktemp
# dir, never the defaults, and stops its daemon by pid.
PFD="$BUILD/payflowd"
DDIR=$(mktemp -d /tmp/pfd-test.XXXXXX)
SOCK="$DDIR/ctl.sock"
STATE="$DDIR/state"
CONF="$DDIR/payflowd.json"
DLOG="$DDIR/payflowd.log"
DPID=

pfd_cleanup() {
	if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; fi
	DPID=
	[ -f "$CONF" ] && "$PFD" --config "$CONF" --detach >/dev/null 2>&1
	pf_cleanup
	rm -rf "$DDIR"
}
trap pfd_cleanup EXIT

ctl() { "$CTL" --socket "$SOCK" --pin-root "$PIN" "$@"; }

# write_config CAPACITY FLOOR [extra top-level JSON members]: ports p1..pN of
# the bridge topology, each with its host's addresses.
write_config() {
	local cap=$1 floor=$2 extra=${3:-} ports="" i
	for i in $(seq 1 "${#HOSTS[@]}"); do
		ports+="${ports:+,}{\"name\": \"${PFX}p$i\", \"capacity\": \"$cap\", \"hosts\": [\"10.77.0.$i\", \"fd77::$i\"]}"
	done
	cat >"$CONF" <<JSON
{
  "ports": [$ports],
  "best_effort": {"rate": "$floor", "floor": "$floor"},
  "levels": [
    {"name": "level0", "rate": "$floor", "price_per_s": "0"},
    {"name": "level1", "rate": "10mbit", "price_per_s": "1000"},
    {"name": "level2", "rate": "50mbit", "price_per_s": "4000"},
    {"name": "level3", "rate": "100mbit", "price_per_s": "7000"}
  ],
  "state_dir": "$STATE",
  "pin_root": "$PIN",
  "socket": "$SOCK"${extra:+,
  $extra}
}
JSON
}

# write_pair_config CAP1 CAP2 BEST_EFFORT LEVEL1_RATE: the two ports of a
# topo_bridge 2; p1 serves 10.77.0.1 and 10.78.0.0/16, p2 10.77.0.2 and
# 10.79.0.0/16, so many pairs 10.78.x.y <-> 10.79.x.y cross both ports. Level 0
# is the free best effort, level 1 the one sold rate.
write_pair_config() {
	cat >"$CONF" <<JSON
{
  "ports": [
    {"name": "${PFX}p1", "capacity": "$1", "hosts": ["10.77.0.1", "10.78.0.0/16"]},
    {"name": "${PFX}p2", "capacity": "$2", "hosts": ["10.77.0.2", "10.79.0.0/16"]}
  ],
  "best_effort": {"rate": "$3", "floor": "$3"},
  "levels": [{"rate": "$3", "price_per_s": "0"}, {"rate": "$4", "price_per_s": "1"}],
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK"
}
JSON
}

# daemon_start: starts payflowd and waits until it answers on its socket.
daemon_start() {
	"$PFD" --config "$CONF" >>"$DLOG" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 1 200); do
		ctl stats >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || { DPID=; return 1; }
		sleep 0.05
	done
	return 1
}

daemon_stop() { # SIGNAL (default TERM)
	[ -n "$DPID" ] || return 0
	kill -"${1:-TERM}" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

# Number of entries in our pinned reservations map.
map_count() { bpftool -j map dump pinned "$PIN/reservations" 2>/dev/null | jq 'length'; }
# Reservation classes on a port: pooled leaves (M:n, M >= 0x10) not parked at 8 bit/s.
class_count() { tc class show dev "$1" | awk '$2 == "htb" && $3 ~ /^[0-9a-f][0-9a-f]+:/ && !/rate 8bit/ { n++ } END { print n + 0 }'; }
db() { sqlite3 "$STATE/payflow.db" "$@"; }
