#!/usr/bin/env bash
# A neighbour on the broker's port and in its log:
#  - a client that sends an ORDER and shuts down its sending side while the
#    ledger has not answered yet must not make payflowd spin (its CPU time is
#    measured over a window from /proc/PID/stat of the payflowd we started);
#    the ORDER is still answered, then the connection closes;
#  - the ledger's URL carries an API key in its path and query: the log names
#    the ledger by scheme, host and port only.
# The ledger is a local listener that accepts connections and never answers,
# so the ORDER waits for the ledger timeout (2 s a try; the ledger retries twice); no chain is needed.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/broker_lib.sh

for f in "$PROBE" "$PFD"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
broker_topo 2
SILENT=$(free_port) || { not_ok "a free port for the silent ledger"; finish; }
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)  # never accepts: requests wait in the backlog, unanswered
time.sleep(120)
' "$SILENT" &
PIDS+=($!)
for _ in $(seq 50); do ss -Hltn "sport = :$SILENT" | grep -q . && break; sleep 0.1; done
PAY_TO=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc # no chain: any address
SECRET="k3y$ID$RANDOM"
RPC="http://127.0.0.1:$SILENT/v3/$SECRET?apikey=$SECRET"
broker_config 2 1gbit "" '"timeout_ms": 2000'
daemon_start || { cat "$DLOG"; not_ok "payflowd starts with the broker"; finish; }
broker_pin || { not_ok "the broker answers HELLO"; finish; }

LINE=$(grep -m1 "broker: listening" "$DLOG")
check "the log names the ledger by scheme, host and port ($LINE)" \
	grep -q "ledger http://127.0.0.1:$SILENT (chain" <<<"$LINE"
check "the ledger's API key is nowhere in the log" bash -c "! grep -q '$SECRET' '$DLOG'"

Q=$(quote h1 10.77.0.1 10.77.0.2 1 60 -)
QID=$(field "$Q" quote_id)
[ ${#QID} = 32 ] || { not_ok "a QUOTE ($Q)"; finish; }
TX=0x$(printf 'ab%.0s' $(seq 32))
OUT="$DDIR/halfclose.out"
probe h1 order-send "$QID" 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 "$TX" shut-wr \
	closed closed >"$OUT" 2>&1 &
PROBE_PID=$!
PIDS+=($PROBE_PID)
sleep 1 # the ORDER is parked, waiting for the silent ledger; the peer has half-closed

cpu_ticks() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }
HZ=$(getconf CLK_TCK)
WINDOW=3
c0=$(cpu_ticks)
sleep "$WINDOW"
c1=$(cpu_ticks)
PCT=$(((c1 - c0) * 100 / (HZ * WINDOW)))
echo "# payflowd used $((c1 - c0)) ticks of $((HZ * WINDOW)) in ${WINDOW} s with a half-closed peer waiting ($PCT%)"
check "a half-closed peer with an ORDER pending does not spin payflowd ($PCT% CPU < 20%)" \
	[ "$PCT" -lt 20 ]
check "the ORDER is still unanswered inside the window" [ ! -s "$OUT" ]

for _ in $(seq 150); do [ "$(wc -l <"$OUT")" -ge 2 ] && break; sleep 0.1; done
A=$(head -1 "$OUT")
ledger_error() {
	jq -e '.type == "ERROR" and .code == "internal_error" and
		(.message | test("the ledger did not answer"))' >/dev/null <<<"$1"
}
check "after the ledger timeout the ORDER is answered: the ledger did not answer ($A)" \
	ledger_error "$A"
check "then the broker closes the half-closed connection" [ "$(sed -n 2p "$OUT" | jq -r .type)" = CLOSED ]
check "the ledger's API key is not in the answer either" bash -c "! grep -q '$SECRET' '$OUT'"
finish
