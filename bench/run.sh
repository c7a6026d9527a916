#!/usr/bin/env bash
# make bench: runs every benchmark once and writes bench/results/latest.json
# (flat keys), latest.md (each figure next to its same-run baseline) and a
# dated copy of both. Needs root (namespaces, tc, BPF). About 8 minutes on
# 2 cores. BUILD selects the build directory (default build/).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
RESULTS=$HERE/results
STAMP=$(date +%Y-%m-%d-%H%M)
FAILED=0

[ "$(id -u)" = 0 ] || { echo "bench: run as root (namespaces, tc, BPF)" >&2; exit 1; }
for tool in jq iperf3 tc; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
for prog in payflowctl dp_ns load_resv pool_fill; do
	[ -x "$BUILD/$prog" ] || { echo "bench: $BUILD/$prog is missing: make first" >&2; exit 1; }
done

PARTS=$(mktemp -d)
trap 'rm -rf "$PARTS"' EXIT

machine_facts() {
	local commit dirty=""
	commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!bench/results' 2>/dev/null)" ] || dirty=+dirty
	jq -cn --arg kernel "$(uname -r)" \
		--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		--argjson cores "$(nproc)" --arg date "$(date -Iseconds)" \
		--arg commit "$commit$dirty" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
		'{machine_kernel: $kernel, machine_cpu: $cpu, machine_cores: $cores,
		  bench_date: $date, git_commit: $commit, machine_loadavg_start: $load}'
}

# part NAME CMD...: runs one benchmark; its stdout must be one flat JSON
# object. A failure is recorded as NAME_error and the others still run.
part() {
	local name=$1 rc
	shift
	echo "bench: == $name ==" >&2
	# stdout to the part's JSON; stderr both shown and kept for the error line.
	"$@" 2>&1 >"$PARTS/$name.json" | tee "$PARTS/$name.err" >&2
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 0 ] && jq -e 'type == "object" and all(.[]; type != "object" and type != "array")' \
		"$PARTS/$name.json" >/dev/null 2>&1; then
		return 0
	fi
	FAILED=1
	jq -cn --arg k "${name}_error" \
		--arg v "exit $rc: $(grep -v '^\[' "$PARTS/$name.err" | tail -n 1)" \
		'{($k): $v}' >"$PARTS/$name.json"
	echo "bench: $name failed (exit $rc); see ${name}_error" >&2
}

start=$(date +%s)
machine_facts >"$PARTS/00-machine.json"
part dp_ns "$BUILD/dp_ns"
part dp_tcp "$HERE/dp_tcp.sh"
part dp_pps "$HERE/dp_pps.sh"
part rate_accuracy "$HERE/rate_accuracy.sh"
# Figures other parts of PayFlow add later, when their scripts exist.
for extra in daemon broker path pool cluster; do
	[ -x "$HERE/${extra}_bench.sh" ] && part "$extra" "$HERE/${extra}_bench.sh"
done
jq -cn --argjson s $(($(date +%s) - start)) --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	'{bench_seconds: $s, machine_loadavg_end: $load}' >"$PARTS/zz-end.json"

mkdir -p "$RESULTS"
jq -s 'add' "$PARTS"/*.json >"$RESULTS/latest.json" || exit 1
"$HERE/report.sh" "$RESULTS/latest.json" >"$RESULTS/latest.md" || exit 1
cp "$RESULTS/latest.json" "$RESULTS/$STAMP.json"
cp "$RESULTS/latest.md" "$RESULTS/$STAMP.md"
echo "bench: wrote $RESULTS/latest.{json,md} and $STAMP.{json,md}" >&2
cat "$RESULTS/latest.md"
exit $FAILED
