#!/usr/bin/env bash
# Adversary: a hostile neighbour against paying buyers (PROTOCOL.md section 13,
# "Limits per client"). Runs tests/integration/test_broker_guard.sh with a
# bigger ORDER flood (ADV_CONNS x ADV_EACH, default 30 x 30; the short suite
# 30 x 10) and prints one figure line per attack:
#   holds: 1000 unpaid quotes, victim bought: yes, free capacity back after N s
#   flood: N bogus ORDERs, honest ORDER answered in X ms (Y ms without the flood)
# then tests/reliability/adversary_spoof.sh's "spoof: ..." line if that file exists.
cd "$(dirname "$0")/../.."
REL_OUT=${REL_OUT:-/tmp}
FIG=$(mktemp /tmp/pf-adversary.XXXXXX)
trap 'rm -f "$FIG"' EXIT
ADV_OUT=$FIG FLOOD_CONNS=${ADV_CONNS:-30} FLOOD_EACH=${ADV_EACH:-30} \
	bash tests/integration/test_broker_guard.sh
rc=$?
[ -s "$FIG" ] || { echo "not ok - adversary: no figures (exit $rc)"; exit 1; }
jq -r '"holds: \(.adversary_quotes) unpaid quotes, victim bought: \(if .adversary_victim_bought then "yes" else "no" end), free capacity back after \(.adversary_capacity_back_s) s"' "$FIG"
jq -r '"flood: \(.adversary_bogus_orders) bogus ORDERs, honest ORDER answered in \(.adversary_honest_order_ms) ms (\(.adversary_honest_order_ms_quiet) ms without the flood)"' "$FIG"
RESULT=$(cat "$FIG")
if [ -f tests/reliability/adversary_spoof.sh ]; then
	bash tests/reliability/adversary_spoof.sh
	rc=$((rc | $?))
	[ -s "$REL_OUT/adversary_spoof.json" ] &&
		RESULT=$(jq -cs 'add' <(echo "$RESULT") "$REL_OUT/adversary_spoof.json")
fi
mkdir -p "$REL_OUT" && printf '%s\n' "$RESULT" >"$REL_OUT/adversary.json"
exit $rc
