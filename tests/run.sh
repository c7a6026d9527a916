#!/usr/bin/env bash
# Runs the unit tests (build/tests/*) and the integration tests
# (tests/integration/*.sh), counts "ok - " and "not ok - " lines, and ends
# with the line "N passed, N failed". Usage: tests/run.sh [unit|integration] [NAME-FILTER]
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
filter=${2:-}
log=$(mktemp -d /tmp/payflow-tests.XXXXXX)
passed=0
failed=0
failures=()

run_one() { # name, command...
	local name=$1 out="$log/$1.log" rc
	shift
	echo "== $name"
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(ok|not ok) - ' "$out"
	local p f
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name (exit $rc)"
	fi
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		sed 's/^/    | /' "$out" | tail -40
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "${BUILD:-build}"/tests/test_*; do
		[ -x "$t" ] || continue
		[[ -n "$filter" && "$t" != *"$filter"* ]] && continue
		run_one "$(basename "$t")" "$t"
	done
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		[[ -n "$filter" && "$t" != *"$filter"* ]] && continue
		run_one "$(basename "$t" .sh)" bash "$t"
	done
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $log)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
