#!/usr/bin/env bash
# `DEMO=quick` end to end (tools/demo/run.sh, Mininet, about 35 s): payflowd
# runs, h1 buys level 2 with `payflow buy` and pays on Anvil; the best-effort
# and the paid rate are within 15 % of the expected goodput (median of the 1-s
# samples inside each window, 2 s after each change skipped), the payment has a
# successful receipt to the broker's address and payflowd counted it (one
# CONFIRM, its amount as level2 revenue), the plot is a PNG, and the run leaves
# no interface, pin, node shell or process behind.
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

# run_demo N: one DEMO=quick run into $OUT/runN; sets RUN, DIR, TAG and PIN.
run_demo() {
	RUN=$OUT/run$1
	mkdir -p "$RUN"
	DEMO=quick BUILD="$BUILD" RESULTS="$RUN" timeout 180 tools/demo/run.sh >"$RUN/run.log" 2>&1
	rc=$?
	sed 's/^/# /' "$RUN/run.log"
	DIR=$(find "$RUN" -mindepth 1 -maxdepth 1 -type d | head -1)
	TAG=$(sed -n 's/.*names prefixed "\([^"]*\)".*/\1/p' "$RUN/run.log" | head -1)
	PIN=$(sed -n 's/.*pins in \(\/sys\/fs\/bpf\/payflow-demo-[0-9]*\).*/\1/p' "$RUN/run.log" | head -1)
	return "$rc"
}

# windows_off STATE: the summary rows in that state that have fewer than 3
# samples or a ratio off by more than 15 %, one "from-to s: ratio (n samples)"
# each; "none" when the summary has no row in that state.
windows_off() {
	awk -F'\t' -v state="$1" '
		NR > 1 && $5 ~ "^" state {
			n++
			if ($9 < 3 || $10 == "n/a" || $10 < 0.85 || $10 > 1.15)
				printf "%s-%s s: %s (%s samples) ", $3, $4, $10, $9
		}
		END { if (!n) printf "none" }' "$DIR/summary.tsv" 2>/dev/null || echo "no summary.tsv"
}
# rates_over: some window ran above its 15 % (a rate not enforced: never
# measured again).
rates_over() {
	awk -F'\t' 'NR > 1 && $10 != "n/a" && $10 > 1.15 { bad = 1 } END { exit !bad }' "$DIR/summary.tsv"
}

# left_behind: what the run in $RUN left on the machine, one word each.
left_behind() {
	local left="" pfd anvil
	[ -n "$TAG" ] || left="no tag in run.log"
	[ -n "$PIN" ] || left="$left no pin root in run.log"
	# whole outputs first: under pipefail a producer cut off by grep -q fails the test
	grep -q "^$TAG" <<<"$(ip -o link show | awk -F': ' '{print $2}')" && left="$left interfaces"
	[ -n "$PIN" ] && [ -e "$PIN" ] && left="$left $PIN"
	grep -q "^bash --norc --noediting -is mininet:$TAG" <<<"$(ps -eo args)" && left="$left node-shells"
	pfd=$(sed -n 's/.*payflowd (pid \([0-9]*\)).*/\1/p' "$RUN/run.log" | head -1)
	[ -n "$pfd" ] && [ -e "/proc/$pfd" ] && grep -qa payflowd "/proc/$pfd/cmdline" && left="$left payflowd"
	anvil=$(sed -n 's/.*Anvil (pid \([0-9]*\)).*/\1/p' "$RUN/run.log" | head -1)
	[ -n "$anvil" ] && [ -e "/proc/$anvil" ] && grep -qa anvil "/proc/$anvil/cmdline" && left="$left anvil"
	ls -d /tmp/payflow-demo-"${PIN##*-}".* >/dev/null 2>&1 && left="$left tmpdir"
	echo "$left"
}

run_demo 1
rc=$?
# A window short of its rate (the VM runs every flow slow for seconds at
# times) is measured once more with a second run; a fault stays in both.
if [ "$rc" = 0 ] && [ -s "$DIR/summary.tsv" ] && ! rates_over &&
	[ -n "$(windows_off "best effort")$(windows_off "paid")" ]; then
	echo "# run 1: windows short: best effort $(windows_off "best effort")paid $(windows_off "paid")-- running the demo once more"
	sed 's/^/# run 1 summary: /' "$DIR/summary.tsv"
	LEFT1=$(left_behind)
	run_demo 2
	rc=$?
fi
if [ "$rc" -ne 0 ]; then
	not_ok "DEMO=quick run exits 0 (exit $rc)"
	exit 1
fi
ok "DEMO=quick run exits 0"

sed 's/^/# /' "$DIR/summary.tsv"
off=$(windows_off "best effort")
if [ -z "$off" ]; then
	ok "best-effort windows within 15% of 50 Mbit/s x 1448/1514"
else
	not_ok "best-effort windows within 15% of 50 Mbit/s x 1448/1514: $off"
fi
off=$(windows_off "paid")
if [ -z "$off" ]; then
	ok "paid window within 15% of 150 Mbit/s x 1448/1514"
else
	not_ok "paid window within 15% of 150 Mbit/s x 1448/1514: $off"
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

# The real payment: purchases.tsv (from payflow buy --json), the receipt the
# demo asked Anvil for inside ctl, payflowd's metrics at the end of the run.
P=$(awk -F'\t' 'NR == 2' "$DIR/purchases.tsv")
TX=$(cut -f11 <<<"$P")
AMOUNT=$(cut -f12 <<<"$P")
PAY_TO=$(jq -r .ledger.payment_address "$DIR/payflowd.json")
if [ "$(awk -F'\t' 'NR > 1' "$DIR/purchases.tsv" | wc -l)" = 1 ] &&
	[ "$(cut -f3,5,6,7 <<<"$P")" = "$(printf 'h1\t2\t150000000\t12')" ] &&
	[[ "$TX" =~ ^0x[0-9a-f]{64}$ ]] && [ "$AMOUNT" = 18000000000000 ]; then
	ok "one purchase: h1, level 2, 150 Mbit/s, 12 s, 1.5e12 wei/s x 12 s, a tx hash"
else
	not_ok "one purchase: h1, level 2, 150 Mbit/s, 12 s, 1.5e12 wei/s x 12 s, a tx hash ($P)"
fi
if [ -n "$TX" ] && jq -e --arg tx "$TX" --arg to "${PAY_TO,,}" --arg from "$(cut -f4 <<<"$P")" \
	'select(.transactionHash == $tx) | (.status == "0x1" or .status == 1) and
	 (.to | ascii_downcase) == $to and (.from | ascii_downcase) == ($from | ascii_downcase)' \
	"$DIR/receipts.jsonl" >/dev/null; then
	ok "the payment's receipt: status 1, from h1's account to the broker's address"
else
	not_ok "the payment's receipt: status 1, from h1's account to the broker's address"
fi
if grep -qx 'payflow_broker_orders_total{outcome="confirm"} 1' "$DIR/metrics.txt" &&
	awk -v want="$AMOUNT" '$1 == "payflow_revenue_wei_total{level=\"2\",name=\"level2\"}" { found = ($2 + 0 == want + 0) && want > 0 }
		END { exit !found }' "$DIR/metrics.txt"; then
	ok "payflowd confirmed one order and counted its amount as level2 revenue"
else
	not_ok "payflowd confirmed one order and counted its amount as level2 revenue"
fi
if grep -q 'payflowd: info: ready' "$DIR/payflowd.log" && grep -q 'payflowd: info: detached' "$DIR/payflowd.log"; then
	ok "payflowd log: started, then detached"
else
	not_ok "payflowd log: started, then detached"
fi
if jq -e '.reservations | any(.pair == "10.0.0.1 <-> 10.0.0.3" and .state == "active")' \
	"$DIR/payflowctl-list-exp1.json" >/dev/null; then
	ok "payflowctl list during the paid window shows the reservation"
else
	not_ok "payflowctl list during the paid window shows the reservation"
fi
if grep -q 'dashboard: open http://127.0.0.1:[0-9]*/ while the demo runs' "$RUN/run.log" &&
	[ "$(head -c 4 "$DIR/dashboard-exp1.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e47 ]; then
	ok "the demo prints the dashboard's URL and saves a screenshot of it in the paid window"
else
	not_ok "the demo prints the dashboard's URL and saves a screenshot of it in the paid window"
fi

LEFT="${LEFT1:+run 1:$LEFT1 }$(left_behind)"
LEFT=${LEFT% }
if [ -z "$LEFT" ]; then
	ok "demo leaves no interface, pin, node shell, process or temporary directory behind"
else
	not_ok "demo leaves no interface, pin, node shell, process or temporary directory behind:$LEFT"
fi
exit "$FAILED"
