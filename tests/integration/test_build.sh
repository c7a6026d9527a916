#!/usr/bin/env bash
# Build properties: the buyer's CLI builds and links on a machine without
# clang and bpftool (`make build/payflow` with both hidden from PATH, into a
# fresh build directory), and a user's CFLAGS keeps warnings as errors and
# the include paths.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
work=$(mktemp -d /tmp/pf-buyer-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
FAILED=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }

# A PATH of links to every program on ours, less clang's and bpftool's.
mkdir "$work/bin"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		n=${f##*/}
		case $n in clang* | bpftool* | llc* | llvm-*) continue ;; esac
		[ -x "$f" ] && [ ! -e "$work/bin/$n" ] && ln -s "$f" "$work/bin/$n"
	done
done

if PATH="$work/bin" command -v clang >/dev/null || PATH="$work/bin" command -v bpftool >/dev/null; then
	not_ok "clang and bpftool are hidden from the build's PATH"
else
	ok "clang and bpftool are hidden from the build's PATH"
fi

if PATH="$work/bin" make --no-print-directory BUILD="$work/build" "$work/build/payflow" \
	>"$work/make.log" 2>&1; then
	ok "payflow builds without clang and bpftool"
else
	not_ok "payflow builds without clang and bpftool"
	tail -20 "$work/make.log"
fi
if [ -e "$work/build/payflow.bpf.o" ] || [ -e "$work/build/payflow.skel.h" ]; then
	not_ok "building payflow made no BPF object or skeleton"
else
	ok "building payflow made no BPF object or skeleton"
fi
if [ -x "$work/build/payflow" ] && ! ldd "$work/build/payflow" | grep -Eq 'libbpf|libxdp|libsqlite'; then
	ok "payflow links neither libbpf, libxdp nor SQLite"
else
	not_ok "payflow links neither libbpf, libxdp nor SQLite"
fi
if grep -q 'payflow - buy guaranteed bandwidth' <<<"$("$work/build/payflow" --help 2>&1)"; then
	ok "the built payflow runs (--help)"
else
	not_ok "the built payflow runs (--help)"
fi
# make CFLAGS=-O0: the compile line still has -Werror and the include paths.
line=$(make --no-print-directory -n BUILD="$work/b2" CFLAGS=-O0 "$work/b2/obj/userspace/common/addr.o" | grep -- ' -c ')
case $line in
*-iquote*-O0*-Werror*) ok "make CFLAGS=-O0 keeps -Werror and the include paths" ;;
*) not_ok "make CFLAGS=-O0 keeps -Werror and the include paths: $line" ;;
esac
exit "$FAILED"
