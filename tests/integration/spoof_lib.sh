# Helpers for the spoofed-source tests (source after lib.sh and daemon_lib.sh):
# h1, h2, h3 behind the bridge, payflowd guarding each port with its host's
# addresses (write_config), and a sender that forges any source from h3.
SEND="$ROOT/tests/integration/spoof_send.py"

# spoof_setup [extra top-level JSON members]: topology, config, payflowd, H2MAC.
spoof_setup() {
	topo_bridge 3
	write_config 1gbit 100mbit "${1:-}"
	daemon_start || { cat "$DLOG"; return 1; }
	H2MAC=$(in_ns h2 cat /sys/class/net/eth0/address)
}

# The spoofed counter, and a pair's packets (resv_stats, through payflowctl).
spoofed() { "$CTL" --direct --pin-root "$PIN" --json stats | jq .counters.spoofed; }
pair_pkts() { "$CTL" --direct --pin-root "$PIN" --json stats "$1" "$2" | jq .stats.packets; }
# send HOST SRC DST COUNT [VLAN]: COUNT UDP frames from HOST's eth0 to h2's MAC, any source.
send() { local h=$1; shift; in_ns "$h" python3 "$SEND" eth0 "$H2MAC" "$@" >/dev/null; }
