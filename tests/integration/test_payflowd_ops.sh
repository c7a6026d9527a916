#!/usr/bin/env bash
# payflowd's lifecycle (hold -> active -> expired | revoked, extend never
# shortens), its control protocol's errors, and its Prometheus metrics.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon_lib.sh"

topo_bridge 3
P1="${PFX}p1"
MPORT=$((20000 + RANDOM % 20000))
write_config 100mbit 20mbit "\"hold_ttl\": 2, \"metrics\": \"127.0.0.1:$MPORT\""
daemon_start || { cat "$DLOG"; not_ok "payflowd starts"; finish; }

# Lifecycle.
id=$(ctl --json grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 2 | jq .id)
check "a grant is in the map and has a class" [ "$(map_count)" -eq 1 ] && [ "$(class_count "$P1")" -eq 1 ]
sleep 3
check "an ended grant is reaped: no map entry, no class" [ "$(map_count)" -eq 0 ] && [ "$(class_count "$P1")" -eq 0 ]
check "and is expired in the database" [ "$(db "SELECT state FROM reservations WHERE id = $id")" -eq 2 ]
ctl grant 10.77.0.1 10.77.0.3 --rate 20mbit --seconds 100 >/dev/null
ctl grant 10.77.0.1 10.77.0.3 --rate 5mbit --seconds 10 >/dev/null
r=$(ctl --json show 10.77.0.1 10.77.0.3)
check "a smaller, shorter grant neither lowers nor shortens" [ "$(jq .rate_bps <<<"$r")" -eq 20000000 ] && awk -v s="$(jq .seconds_left <<<"$r")" 'BEGIN { exit !(s > 90) }'
ctl grant 10.77.0.1 10.77.0.3 --rate 30mbit --seconds 200 >/dev/null
r=$(ctl --json show 10.77.0.1 10.77.0.3)
check "a larger, longer grant raises and extends" [ "$(jq .rate_bps <<<"$r")" -eq 30000000 ] && awk -v s="$(jq .seconds_left <<<"$r")" 'BEGIN { exit !(s > 190) }'
check "one reservation for the pair" [ "$(db "SELECT count(*) FROM reservations WHERE state = 1")" -eq 1 ]
hold=$(ctl --json hold 10.77.0.2 10.77.0.3 --level 2 --seconds 60 | jq .id)
check "a hold reserves capacity without a map entry" [ "$(ctl --json ports | jq '.ports[1].reserved_bps')" -eq 50000000 ] && [ "$(map_count)" -eq 1 ]
g=$(ctl --json grant --hold "$hold")
check "grant --hold turns the hold into an active reservation" [ "$(jq -r .state <<<"$g")" = active ] && [ "$(jq .rate_bps <<<"$g")" -eq 50000000 ] && [ "$(map_count)" -eq 2 ]
check "the hold's capacity is not counted twice" [ "$(ctl --json ports | jq '.ports[1].reserved_bps')" -eq 50000000 ]
hold=$(ctl --json hold 10.77.0.2 10.77.0.1 --rate 10mbit --seconds 60 | jq .id)
sleep 3
check "an unused hold lapses after hold_ttl and frees its capacity" [ "$(db "SELECT state FROM reservations WHERE id = $hold")" -eq 2 ] && [ "$(ctl --json ports | jq '.ports[0].reserved_bps')" -eq 30000000 ]
ctl grant --hold "$hold" 2>"$DDIR/err"
check "a lapsed hold cannot be granted" grep -qx "payflowctl: not_found: no live hold with id $hold" "$DDIR/err"
ctl revoke 10.77.0.1 10.77.0.3 >/dev/null
check "revoke removes entry and class and marks the row" [ "$(map_count)" -eq 1 ] && [ "$(db "SELECT count(*) FROM reservations WHERE state = 3")" -eq 1 ]
ctl revoke 10.77.0.1 10.77.0.3 2>"$DDIR/err"
check "revoking again is not_found" grep -qx "payflowctl: not_found: no active reservation for 10.77.0.1 <-> 10.77.0.3" "$DDIR/err"

# Protocol and permission errors.
raw() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()); print(s.makefile().readline().strip())' "$SOCK" "$1"; }
check "not JSON is bad_request" [ "$(raw $'hello\n' | jq -r .error)" = bad_request ]
check "an unknown op is unknown_op" [ "$(raw $'{"op":"fly"}\n' | jq -r .error)" = unknown_op ]
check "a missing field names it" [ "$(raw $'{"op":"grant","a":"10.77.0.1","b":"10.77.0.2"}\n' | jq -r .message)" = '"seconds" is required' ]
check "an oversized line is too_large" [ "$(raw "$(head -c 70000 /dev/zero | tr '\0' 'x')" | jq -r .error)" = too_large ]
out=$("$CTL" --socket "$DDIR/none.sock" list 2>&1)
check "payflowctl says when payflowd is not running" [ "$out" = "payflowctl: payflowd is not running (no socket at $DDIR/none.sock)" ]
chmod 755 "$DDIR"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" --socket "$SOCK" list 2>&1)
check "payflowctl says when it lacks permission" [ "$out" = "payflowctl: permission denied on $SOCK: the socket is mode 0660; run as root or as a member of its group" ]
check "the socket is mode 0660" [ "$(stat -c %a "$SOCK")" = 660 ]

# Metrics.
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$DDIR/metrics.txt"
check "metrics pass promtool check metrics" promtool check metrics <"$DDIR/metrics.txt"
check "grants are counted" grep -qx 'payflow_grants_total 3' "$DDIR/metrics.txt"
check "expiries are counted" grep -qx 'payflow_expiries_total 1' "$DDIR/metrics.txt"
check "reserved bit/s per port" grep -qx "payflow_port_reserved_bps{port=\"${PFX}p2\"} 50000000" "$DDIR/metrics.txt"
check "per-flow bytes are exported" grep -q '^payflow_flow_bytes_total{id="[0-9]*",a="10.77.0.2",b="10.77.0.3"} ' "$DDIR/metrics.txt"
check "revenue per level is a counter at 0 until the broker feeds it" grep -qx 'payflow_revenue_wei_total{level="3",name="level3"} 0' "$DDIR/metrics.txt"
check "other paths are 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/nope")" = 404 ]
check "the listener is read-only: POST is 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/api/state")" = 405 ]
grep -vE '^[0-9T:.-]+ payflowd: (error|warning|info|debug): ' "$DLOG" | head -3 | sed 's/^/# no level: /'
check "every log line has its level" bash -c "! grep -vE '^[0-9T:.-]+ payflowd: (error|warning|info|debug): ' '$DLOG'"
check "one audit line per grant, with its outcome and pair" grep -qE 'info: audit: source=control outcome=grant rid=[0-9]+ pair=10.77.0.2 <-> 10.77.0.3 level=2 rate_bps=50000000 ' "$DLOG"
finish
