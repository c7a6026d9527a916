# A line of three bridges for path tests (source after lib.sh and daemon_lib.sh):
#   h1, h2 -- s1 == s2 == s3 -- h3, h4
# Bridge sI is ${PFX}sI; the trunk sI-sJ is the veth pair ${PFX}tIJa (in sI) <->
# ${PFX}tIJb (in sJ). hI's port is ${PFX}pI; hI has 10.77.0.I/24 and fd77::I/64.
SW=() TRUNKS=()

path_cleanup() {
	local x
	pfd_cleanup
	for x in "${TRUNKS[@]}"; do ip link del "$PFX$x" 2>/dev/null; done
	for x in "${SW[@]}"; do ip link del "$PFX$x" 2>/dev/null; done
	return 0
}
trap path_cleanup EXIT

topo_line() {
	local i
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for i in 1 2 3; do
		SW+=("s$i")
		ip link add "${PFX}s$i" type bridge && ip link set "${PFX}s$i" up
	done
	for i in 12 23; do
		TRUNKS+=("t${i}a")
		ip link add "${PFX}t${i}a" type veth peer name "${PFX}t${i}b"
		ip link set "${PFX}t${i}a" master "${PFX}s${i:0:1}" up
		ip link set "${PFX}t${i}b" master "${PFX}s${i:1:1}" up
	done
	for i in 1 2 3 4; do add_host "$i" "${PFX}s$((i <= 2 ? 1 : 3))"; done
}

# write_line_config EDGE_CAP TRUNK_CAP FLOOR [extra members]: the three bridges;
# p1 serves h1 and 10.78.0.0/16, p3 h3 and 10.79.0.0/16; trunk ends at TRUNK_CAP.
write_line_config() {
	local hosts=("" '"10.77.0.1", "fd77::1", "10.88.0.1", "10.78.0.0/16"'
		'"10.77.0.2", "fd77::2", "10.88.0.2"'
		'"10.77.0.3", "fd77::3", "10.88.0.3", "10.79.0.0/16"'
		'"10.77.0.4", "fd77::4", "10.88.0.4"') ports="" i t
	for i in 1 2 3 4; do
		ports+="${ports:+, }{\"name\": \"${PFX}p$i\", \"capacity\": \"$1\", \"hosts\": [${hosts[$i]}]}"
	done
	for t in t12a t12b t23a t23b; do
		ports+=", {\"name\": \"$PFX$t\", \"capacity\": \"$2\"}"
	done
	cat >"$CONF" <<JSON
{
  "bridges": [{"name": "${PFX}s1", "capacity": "$1"}, {"name": "${PFX}s2", "capacity": "$1"},
              {"name": "${PFX}s3", "capacity": "$1"}],
  "ports": [$ports],
  "best_effort": {"rate": "$3", "floor": "$3"},
  "levels": [{"rate": "$3", "price_per_s": "0"}, {"rate": "50mbit", "price_per_s": "1"}],
  "state_dir": "$STATE", "pin_root": "$PIN", "socket": "$SOCK"${4:+,
  $4}
}
JSON
}

# line_daemon EDGE_CAP TRUNK_CAP FLOOR: the line, its config, payflowd up (or
# the test ends with its log).
line_daemon() {
	topo_line
	write_line_config "$@"
	daemon_start || { cat "$DLOG"; not_ok "payflowd starts on three bridges"; finish; }
}

# expect_refusal NAME MESSAGE: payflowd --check refuses $CONF, saying MESSAGE.
expect_refusal() {
	"$PFD" --config "$CONF" --check >"$DDIR/out" 2>&1
	if grep -qF "$2" "$DDIR/out"; then ok "$1"; else not_ok "$1"; cat "$DDIR/out"; fi
}

# The reservation classes on a port, one per line: pooled leaves (M:n, M >= 0x10)
# not parked at 8 bit/s (userspace/dataplane/pool.h).
live_classes() { tc class show dev "$1" | awk '$2 == "htb" && $3 ~ /^[0-9a-f][0-9a-f]+:/ && !/rate 8bit/ { print $3 }' | sort; }
# has_class PORT CLASS: the port has CLASS (as `show` prints it) at a rate.
has_class() { grep -qx "$2" <<<"$(live_classes "$PFX$1")"; } # whole output first (pipefail)
