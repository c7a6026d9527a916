#!/usr/bin/env bash
# Config changes without ending reservations: a restart brings the HTB root
# and best-effort classes to the configured rates in place; SIGHUP and
# `payflowctl reload` apply prices, levels added, capacities (a lower one
# refuses new reservations, ends none) and refuse, naming the key, what
# cannot change live or a bad file, keeping the old config.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 3
P1="${PFX}p1"
# class_rate DEV MINOR: the rate tc reports for class 1:MINOR ("80Mbit").
class_rate() { tc class show dev "$1" classid "1:$2" | grep -oE 'rate [0-9.]+[KMG]?bit' | cut -d' ' -f2; }
level4() { sed -i 's|{"name": "level3", "rate": "100mbit", "price_per_s": "7000"}|&, {"name": "level4", "rate": "5mbit", "price_per_s": "500"}|' "$CONF"; }

# A stand-in for systemd's notify socket: each datagram payflowd sends, one per line.
NOTES="$DDIR/notify.log"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(1)
end = time.time() + 120
while time.time() < end:
    try:
        m = s.recv(4096)
    except socket.timeout:
        continue
    open(sys.argv[2], "a").write(m.decode().replace("\n", " ") + "\n")
' "$DDIR/notify.sock" "$NOTES" &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$DDIR/notify.sock" ] && break; sleep 0.05; done

write_config 200mbit 20mbit
NOTIFY_SOCKET="$DDIR/notify.sock" daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }
for _ in $(seq 1 50); do grep -q READY=1 "$NOTES" 2>/dev/null && break; sleep 0.05; done
check "payflowd tells systemd it is ready once it serves (sd_notify READY=1)" grep -qx 'READY=1 STATUS=3 ports, 0 reservations' "$NOTES"
id=$(ctl --json grant 10.77.0.1 10.77.0.2 --level 3 --seconds 300 | jq .id)
check "the HTB tree starts at the config's rates" [ "$(class_rate "$P1" 1)" = 200Mbit ] && [ "$(class_rate "$P1" 2)" = 20Mbit ]

# A restart after a capacity and best-effort change.
daemon_stop
write_config 150mbit 30mbit
# As under systemd, stderr "is" the journal: lines carry the syslog priority journald reads.
JOURNAL_STREAM=8:1 NOTIFY_SOCKET="$DDIR/notify.sock" daemon_start || { cat "$DLOG"; not_ok "payflowd restarts"; finish; }
check "under journald each line starts with its syslog priority" grep -q '^<6>info: ready: 3 ports' "$DLOG"
check "after a restart the HTB root has the new capacity" [ "$(class_rate "$P1" 1)" = 150Mbit ]
check "and the best-effort class the new rate" [ "$(class_rate "$P1" 2)" = 30Mbit ]
check "in place: the reservation and its class stay" [ "$(ctl --json list | jq '.reservations | length')" -eq 1 ] && [ "$(class_count "$P1")" -eq 1 ] && [ "$(map_count)" -eq 1 ]
check "the change is logged" grep -q "info: $P1: HTB root 200 Mbit/s -> 150 Mbit/s, best effort 20 Mbit/s -> 30 Mbit/s (in place)" "$DLOG"

# SIGHUP: a capacity below what is reserved.
write_config 120mbit 30mbit
kill -HUP "$DPID"
for _ in $(seq 1 50); do grep -q "reload: .* applied" "$DLOG" && break; sleep 0.1; done
check "a reload is announced: RELOADING=1, then READY=1" bash -c "grep -q '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' '$NOTES' && [ \"\$(tail -1 '$NOTES')\" = 'READY=1 STATUS=3 ports, 1 reservations' ]"
check "SIGHUP applies a lower capacity to the HTB root" [ "$(class_rate "$P1" 1)" = 120Mbit ]
p=$(ctl --json ports | jq '.ports[0]')
check "the paid reservation stays; the port reads 100 Mbit/s reserved, 0 free" [ "$(jq .reserved_bps <<<"$p")" -eq 100000000 ] && [ "$(jq .free_bps <<<"$p")" -eq 0 ] && [ "$(jq .capacity_bps <<<"$p")" -eq 120000000 ] && [ "$(ctl --json show "$id" | jq -r .state)" = active ]
ctl grant 10.77.0.1 10.77.0.3 --level 1 --seconds 30 2>"$DDIR/err" >/dev/null
check "a new reservation over that port is refused for capacity" grep -q "^payflowctl: capacity: " "$DDIR/err"

# payflowctl reload: a price change, a level added, the capacity back up.
write_config 200mbit 30mbit
sed -i 's/"price_per_s": "1000"/"price_per_s": "1500"/' "$CONF"
level4
out=$(ctl --json reload)
check "reload lists what changed" [ "$(jq -c .changed <<<"$out")" = "[\"ports[${PFX}p1].capacity\",\"ports[${PFX}p2].capacity\",\"ports[${PFX}p3].capacity\",\"levels[1].price_per_s\",\"levels[4] added\"]" ]
g=$(ctl --json grant 10.77.0.1 10.77.0.3 --level 4 --seconds 30)
check "the added level is sold at once, at its rate" [ "$(jq .rate_bps <<<"$g")" -eq 5000000 ] && [ "$(jq .level <<<"$g")" -eq 4 ]
check "the raised capacity is on the HTB root" [ "$(class_rate "$P1" 1)" = 200Mbit ]

# Refusals: nothing changes.
cp "$CONF" "$DDIR/good.json"
refused() { # CONFIG-EDIT EXPECTED-MESSAGE-PART
	cp "$DDIR/good.json" "$CONF"
	eval "$1"
	ctl reload >/dev/null 2>"$DDIR/err"
	local rc=$?
	[ $rc -eq 1 ] && grep -qF "payflowctl: reload_refused: reload refused, still on the old config: $2" "$DDIR/err" ||
		{ sed 's/^/# /' "$DDIR/err"; return 1; }
}
check "a mode change is refused naming the key" refused 'sed -i "s/\"socket\"/\"mode\": \"police\", \"socket\"/" "$CONF"' "mode cannot change while payflowd runs"
check "a level's rate change is refused naming it" refused 'sed -i "s/\"rate\": \"10mbit\"/\"rate\": \"20mbit\"/" "$CONF"' "levels[1].rate cannot change while payflowd runs"
check "removing a level is refused" refused 'write_config 200mbit 30mbit' "levels: 5 levels were configured, 4 now"
check "a bad file is refused with the parser's message" refused 'echo "{" >"$CONF"' "$CONF: not valid JSON"
check "a bad value is refused naming the key" refused 'sed -i "s/\"capacity\": \"200mbit\"/\"capacity\": \"lots\"/" "$CONF"' "$CONF: ports[0] (${PFX}p1).capacity: bad rate '"'lots'"'"
p=$(ctl --json ports | jq '.ports[0]')
check "after the refusals the old config still holds" [ "$(jq .capacity_bps <<<"$p")" -eq 200000000 ] && [ "$(class_rate "$P1" 1)" = 200Mbit ] && [ "$(ctl --json list | jq '.reservations | length')" -eq 2 ]
echo "{" >"$CONF"
kill -HUP "$DPID"
for _ in $(seq 1 50); do grep -q "warning: SIGHUP: reload refused" "$DLOG" && break; sleep 0.1; done
check "SIGHUP with a bad file logs a warning and payflowd runs on" grep -q "warning: SIGHUP: reload refused, still on the old config: $CONF: not valid JSON" "$DLOG" && ctl stats >/dev/null
cp "$DDIR/good.json" "$CONF"
out=$(ctl reload)
check "reloading the same file changes nothing" [ "$out" = "reloaded $CONF: no change" ]
check "no reservation ended through all this" [ "$(db "SELECT count(*) FROM reservations WHERE state IN (2, 3)")" -eq 0 ]
finish
