#!/usr/bin/env bash
# docs/PROTOCOL.md's example frames: (1) they are exactly what the codec
# produces today (build/proto_examples), and (2) an independent Python
# implementation, using only the document's rules, verifies them.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
name=protocol_doc
fail=0

if ! make --no-print-directory BUILD="$BUILD" "$BUILD/proto_examples" >/dev/null 2>&1; then
	echo "not ok - $name (build proto_examples)"
	exit 1
fi
want=$(mktemp)
trap 'rm -f "$want"' EXIT
"$BUILD/proto_examples" | grep -E '^(C|B): ' | sort -u >"$want"
if diff -q "$want" <(grep -E '^(C|B): \{' docs/PROTOCOL.md | sort -u) >/dev/null; then
	echo "ok - $name examples match the codec"
else
	echo "not ok - $name examples match the codec (regenerate them from $BUILD/proto_examples)"
	fail=1
fi
if python3 -c 'import cryptography' 2>/dev/null; then
	python3 tests/integration/verify_protocol_doc.py docs/PROTOCOL.md || fail=1
else
	echo "ok - $name independent check # SKIP python3-cryptography is not installed"
fi
exit $fail
