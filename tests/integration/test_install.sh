#!/usr/bin/env bash
# `make install`: DESTDIR and PREFIX honoured; programs, man pages, example
# config and systemd unit where they belong; the man pages render cleanly
# and hold every line of their program's --help; the unit passes
# `systemd-analyze verify` against a real PREFIX install.
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/payflow-install-test.XXXXXX)
trap 'rm -rf "$T"; pf_cleanup' EXIT
inst() { make --no-print-directory BUILD="$BUILD" install "$@" >"$T/make.log" 2>&1; }

check "make install DESTDIR=... PREFIX=/usr succeeds" inst DESTDIR="$T/dest" PREFIX=/usr
D=$T/dest
want="etc/payflow/payflowd.json.example 0644
usr/bin/payflow 0755
usr/lib/systemd/system/payflowd.service 0644
usr/sbin/payflowctl 0755
usr/sbin/payflowd 0755
usr/share/man/man1/payflow.1 0644
usr/share/man/man5/payflowd.json.5 0644
usr/share/man/man8/payflowctl.8 0644
usr/share/man/man8/payflowd.8 0644"
got=$(cd "$D" && find . -type f -printf '%P %m\n' | sed 's/ \([0-7]\{3\}\)$/ 0\1/' | sort)
check "the tree holds exactly the programs, man pages, example config and unit" [ "$got" = "$want" ]
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
check "the unit names the installed paths (PREFIX=/usr: /usr/sbin, /etc)" grep -qx 'ExecStart=/usr/sbin/payflowd --config /etc/payflow/payflowd.json' "$D/usr/lib/systemd/system/payflowd.service"
check "the installed binary is the built one" cmp -s "$BUILD/payflowd" "$D/usr/sbin/payflowd"

for page in man1/payflow.1 man5/payflowd.json.5 man8/payflowctl.8 man8/payflowd.8; do
	check "$page renders without a groff warning" bash -c "[ -z \"\$(groff -man -ww -z '$D/usr/share/man/$page' 2>&1)\" ]"
done
# help_in_man PROGRAM PAGE [COMMAND]: every non-empty line of its --help is in the rendered page.
help_in_man() {
	local miss
	LC_ALL=C MANWIDTH=200 man -l "$D/usr/share/man/$2" 2>/dev/null | col -bx | sed 's/^ *//' >"$T/page.txt"
	miss=$("$BUILD/$1" ${3:+"$3"} --help | sed 's/^ *//' | grep -v '^$' | grep -vxFf "$T/page.txt" | head -3)
	[ -z "$miss" ] || { echo "# not in $2: $miss"; return 1; }
}
check "payflowd(8) holds payflowd --help, line for line" help_in_man payflowd man8/payflowd.8
check "payflowctl(8) holds payflowctl --help" help_in_man payflowctl man8/payflowctl.8
check "payflow(1) holds payflow --help" help_in_man payflow man1/payflow.1
check "and every command's manual (payflow watch --help)" help_in_man payflow man1/payflow.1 watch
check "payflowd.json(5) documents reload and metrics_token" bash -c "LC_ALL=C man -l '$D/usr/share/man/man5/payflowd.json.5' 2>/dev/null | col -bx | grep -q 'Reload: SIGHUP and payflowctl reload' && LC_ALL=C man -l '$D/usr/share/man/man5/payflowd.json.5' | col -bx | grep -q metrics_token"

# A real PREFIX install, so that verify finds the programs and man pages.
check "make install PREFIX=... SYSCONFDIR=... succeeds" inst PREFIX="$T/usr" SYSCONFDIR="$T/etc"
cp tools/payflowd.example.json "$T/etc/payflow/payflowd.json"
out=$(MANPATH="$T/usr/share/man" systemd-analyze verify "$T/usr/lib/systemd/system/payflowd.service" 2>&1)
rc=$?
[ -z "$out" ] || echo "$out" | sed 's/^/# /'
check "systemd-analyze verify passes the unit, with no warning" [ $rc -eq 0 ] && [ -z "$out" ]
u="$T/usr/lib/systemd/system/payflowd.service"
check "the unit: notify readiness, restart on failure, state and runtime directories, reload by SIGHUP" bash -c "grep -qx 'Type=notify' '$u' && grep -qx 'Restart=on-failure' '$u' && grep -qx 'StateDirectory=payflow' '$u' && grep -qx 'RuntimeDirectory=payflow' '$u' && grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' '$u'"
check "payflowd links libsystemd for sd_notify" bash -c "ldd '$BUILD/payflowd' | grep -q libsystemd"
finish
