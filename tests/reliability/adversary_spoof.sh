#!/usr/bin/env bash
# Adversary, spoofed sources at scale: in police mode h1<->h2 holds a 10
# Mbit/s reservation; h3 sends SPOOF_N (default 10000) UDP frames forging
# h1's address toward h2, as fast as it can. The source guard of h3's port
# must drop every one and count it, and the victims' pair must count none
# (so none was charged to their bucket). Prints one figure line.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
source tests/integration/daemon_lib.sh
source tests/integration/spoof_lib.sh
source tests/reliability/common.sh
N=${SPOOF_N:-10000}

for f in "$PFD" "$CTL"; do [ -x "$f" ] || { not_ok "missing $f (make)"; finish; }; done
spoof_setup '"mode": "police"' || { not_ok "spoof: payflowd starts"; finish; }
ctl grant 10.77.0.1 10.77.0.2 --rate 10mbit --seconds 300 >/dev/null || not_ok "spoof: grant"

S0=$(spoofed)
P0=$(pair_pkts 10.77.0.1 10.77.0.2)
send h3 10.77.0.1 10.77.0.2 "$N"
sleep 1
DROPPED=$(($(spoofed) - S0))
COUNTED=$(($(pair_pkts 10.77.0.1 10.77.0.2) - P0))
echo "spoof: $N spoofed packets, $COUNTED counted in the victim's pair, $DROPPED dropped"
check "spoof: all $N forged frames dropped and counted ($DROPPED)" [ "$DROPPED" -eq "$N" ]
check "spoof: none counted in (or charged to) the victims' pair ($COUNTED)" [ "$COUNTED" -eq 0 ]
rel_result spoof "{\"spoof_sent\": $N, \"spoof_dropped\": $DROPPED, \"spoof_counted_in_pair\": $COUNTED}"
finish
