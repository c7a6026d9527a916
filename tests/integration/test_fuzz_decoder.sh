#!/usr/bin/env bash
# Fuzzes the REQUEST-channel decoder (frame reader + strict JSON + messages +
# signatures) with libFuzzer for FUZZ_SECONDS (default 60). The seed corpus
# tests/fuzz/corpus/ holds valid frames and every input that once crashed.
# New inputs go to a scratch copy, so the committed corpus stays small.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
seconds=${FUZZ_SECONDS:-60}
name=fuzz_decoder

if ! make --no-print-directory BUILD="$BUILD" "$BUILD/fuzz_decoder" >/tmp/pf-fuzz-build.$$ 2>&1; then
	cat /tmp/pf-fuzz-build.$$
	rm -f /tmp/pf-fuzz-build.$$
	echo "not ok - $name (build)"
	exit 1
fi
rm -f /tmp/pf-fuzz-build.$$

work=$(mktemp -d /tmp/pf-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/* "$work/"
mkdir -p "$work/artifacts"

# Every committed input (regressions included) must pass on its own first.
if "$BUILD/fuzz_decoder" -runs=0 tests/fuzz/corpus/ >"$work/replay.log" 2>&1; then
	echo "ok - $name corpus replay"
else
	tail -30 "$work/replay.log"
	echo "not ok - $name corpus replay"
	exit 1
fi

"$BUILD/fuzz_decoder" -max_total_time="$seconds" -max_len=70000 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work" >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/fuzz.log"
if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$work/artifacts")" ]; then
	echo "ok - $name ${seconds}s without a crash"
else
	tail -40 "$work/fuzz.log"
	mkdir -p /tmp/pf-fuzz-crashes
	cp "$work"/artifacts/* /tmp/pf-fuzz-crashes/ 2>/dev/null
	echo "crashing inputs copied to /tmp/pf-fuzz-crashes (add them to tests/fuzz/corpus/)"
	echo "not ok - $name ${seconds}s without a crash"
	exit 1
fi
