#!/usr/bin/env bash
# Fuzzing: the protocol decoder target (frame reader + strict JSON + messages
# + signatures; tests/fuzz/fuzz_decoder.c, built with clang under ASan and
# UBSan, -fno-sanitize-recover) replays its committed corpus, every input
# that once crashed included, then runs FUZZ_SECONDS (default 600). New
# inputs go to a scratch copy; a crashing input is copied to
# /tmp/pf-fuzz-crashes to be fixed and added to tests/fuzz/corpus/.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
REL_OUT=${REL_OUT:-/tmp}
SECONDS_WANTED=${FUZZ_SECONDS:-600}
FUZZ="$BUILD/fuzz_decoder"

if ! make --no-print-directory BUILD="$BUILD" "$FUZZ" >/tmp/pf-fuzz-build.$$ 2>&1; then
	cat /tmp/pf-fuzz-build.$$
	rm -f /tmp/pf-fuzz-build.$$
	not_ok "fuzz: the decoder target builds"
	finish
fi
rm -f /tmp/pf-fuzz-build.$$
work=$(mktemp -d /tmp/pf-fuzz.XXXXXX)
trap 'rm -rf "$work"; pf_cleanup' EXIT
cp tests/fuzz/corpus/* "$work/"
mkdir -p "$work/artifacts"
replay() { "$FUZZ" -runs=0 tests/fuzz/corpus/ >"$work/replay.log" 2>&1; }
check "fuzz: the committed corpus ($(ls tests/fuzz/corpus | wc -l) inputs) replays without a crash" replay

t0=$(date +%s)
"$FUZZ" -max_total_time="$SECONDS_WANTED" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work" >"$work/fuzz.log" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
CRASHES=$(ls "$work/artifacts" | wc -l)
if [ "$rc" != 0 ] || [ "$CRASHES" != 0 ]; then
	tail -40 "$work/fuzz.log"
	mkdir -p /tmp/pf-fuzz-crashes
	cp "$work"/artifacts/* /tmp/pf-fuzz-crashes/ 2>/dev/null
	echo "# crashing inputs copied to /tmp/pf-fuzz-crashes (fix, then add them to tests/fuzz/corpus/)"
fi
check "fuzz: ${secs}s under ASan+UBSan without a crash (exit $rc)" [ "$rc/$CRASHES" = 0/0 ]
echo "fuzz: decoder ${secs}s, ${EXECS:-0} execs, $CRASHES crashes, corpus $(ls "$work" | grep -vc artifacts)"
mkdir -p "$REL_OUT"
jq -cn --argjson s "$secs" --argjson e "${EXECS:-0}" --argjson c "$CRASHES" \
	--argjson n "$(ls "$work" | grep -vc artifacts)" \
	'{fuzz_seconds: $s, fuzz_execs: $e, fuzz_crashes: $c, fuzz_corpus: $n,
	  fuzz_sanitizers: "address,undefined"}' >"$REL_OUT/fuzz.json"
finish
