#!/usr/bin/env bash
# `DEMO=quick` end to end (tools/demo/run.sh, Mininet, about 35 s): the
# best-effort and the paid rate are within 15 % of the expected goodput (median
# of the 1-s samples inside each window, 2 s after each change skipped), the
# plot is a PNG, and the run leaves no interface, pin or node shell behind.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
FAILED=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	FAILED=1
}

OUT=$(mktemp -d /tmp/payflow-demo-test.XXXXXX)
cleanup() {
	if [ "$FAILED" = 0 ]; then rm -rf "$OUT"; else echo "# results kept in $OUT"; fi
}
trap cleanup EXIT

DEMO=quick BUILD="$BUILD" RESULTS="$OUT" timeout 180 tools/demo/run.sh >"$OUT/run.log" 2>&1
rc=$?
sed 's/^/# /' "$OUT/run.log"
if [ "$rc" -ne 0 ]; then
	not_ok "DEMO=quick run exits 0 (exit $rc)"
	exit 1
fi
ok "DEMO=quick run exits 0"
DIR=$(find "$OUT" -mindepth 1 -maxdepth 1 -type d | head -1)
TAG=$(sed -n 's/.*names prefixed "\([^"]*\)".*/\1/p' "$OUT/run.log" | head -1)
PIN=$(sed -n 's/.*pins in \(\/sys\/fs\/bpf\/payflow-demo-[0-9]*\).*/\1/p' "$OUT/run.log" | head -1)

# within_15 STATE: every summary row in that state has samples and |ratio-1| <= 0.15.
within_15() {
	awk -F'\t' -v state="$1" '
		NR > 1 && $5 ~ "^" state { n++; if ($9 < 3 || $10 == "n/a" || $10 < 0.85 || $10 > 1.15) bad++ }
		END { exit !(n > 0 && bad == 0) }' "$DIR/summary.tsv"
}
sed 's/^/# /' "$DIR/summary.tsv"
if within_15 "best effort"; then
	ok "best-effort windows within 15% of 50 Mbit/s x 1448/1514"
else
	not_ok "best-effort windows within 15% of 50 Mbit/s x 1448/1514"
fi
if within_15 "paid"; then
	ok "paid window within 15% of 150 Mbit/s x 1448/1514"
else
	not_ok "paid window within 15% of 150 Mbit/s x 1448/1514"
fi
if [ "$(awk -F'\t' 'NR > 1' "$DIR/summary.tsv" | wc -l)" = 3 ]; then
	ok "summary has before, paid and after windows"
else
	not_ok "summary has before, paid and after windows"
fi

PNG="$DIR/exp1.png"
if [ -s "$PNG" ] && [ "$(head -c 8 "$PNG" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	ok "plot is a non-empty PNG"
else
	not_ok "plot is a non-empty PNG ($PNG)"
fi
if grep -q '"rate_bps": 150000000' "$DIR/reservations-exp1.txt"; then
	ok "reservations map dump taken during the paid window"
else
	not_ok "reservations map dump taken during the paid window"
fi

left=""
[ -n "$TAG" ] || left="no tag in run.log"
[ -n "$PIN" ] || left="$left no pin root in run.log"
ip -o link show | awk -F': ' '{print $2}' | grep -q "^$TAG" && left="$left interfaces"
[ -n "$PIN" ] && [ -e "$PIN" ] && left="$left $PIN"
ps -eo args | grep -q "^bash --norc --noediting -is mininet:$TAG" && left="$left node-shells"
if [ -z "$left" ]; then
	ok "demo leaves no interface, pin or node shell behind"
else
	not_ok "demo leaves no interface, pin or node shell behind:$left"
fi
exit "$FAILED"
