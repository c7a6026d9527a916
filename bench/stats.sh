# shellcheck shell=bash
# Bench helpers (source it): summarise repeated samples as flat JSON.

# stat_json KEY V1 V2 ...: {"KEY": median, "KEY_min": min, "KEY_max": max},
# rounded to 4 decimals. The median of an even count is the mean of the
# middle two.
stat_json() {
	local key=$1
	shift
	printf '%s\n' "$@" | jq -cs --arg k "$key" '
		def r: (. * 10000 | round) / 10000;
		sort as $s | ($s | length) as $n
		| {($k): (if $n % 2 == 1 then $s[($n - 1) / 2]
			 else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end | r),
		   ($k + "_min"): ($s[0] | r), ($k + "_max"): ($s[-1] | r)}'
}

# div A B: A / B to 4 decimals (awk: the inputs may be floats).
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) exit 1; printf "%.4f\n", a / b }'; }

# positive V: true when V is a number above zero.
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

# die MSG: the reason on stderr, then exit 1 (lib.sh's trap cleans up).
die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# say MSG: progress on stderr; stdout carries only the JSON result.
say() { echo "[$(date +%H:%M:%S)] $(basename "$0" .sh): $*" >&2; }
