#!/usr/bin/python3
"""The PayFlow demo (`make demo`): the paper's Mininet experiments, end to end.

Run by tools/demo/run.sh with Debian's system python (/usr/bin/python3, which
has the mininet module). Sets up the topology (topo.py), attaches PayFlow to
the host-facing switch ports, starts Anvil in `ctl` and an iperf3 server on
each host, runs the experiments (experiments.py, runner.py), writes CSVs,
plots and a summary under RESULTS/<timestamp>/, and removes everything it
made on success, failure and SIGINT/SIGTERM/SIGHUP (teardown.py).
"""

import argparse
import datetime
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

from experiments import PLANS  # noqa: E402
from teardown import Interrupted, Teardown, install_signal_handlers  # noqa: E402
import runner  # noqa: E402
import samples  # noqa: E402

NM = os.path.join(ROOT, 'tools', 'node_modules', '@foundry-rs')
ANVIL = os.path.join(NM, 'anvil-linux-amd64', 'bin', 'anvil')
CAST = os.path.join(NM, 'cast-linux-amd64', 'bin', 'cast')
MENU = os.path.join(HERE, 'menu.json')
SUMMARY = os.path.join(HERE, 'summary')
BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables'
CAPACITY = '1gbit'
BE_RATE = '50mbit'
BE_MBIT = 50
RPC_PORT = 8545
BROKER_PORT = 6113
IPERF_PORT = 5201
TOOLS = ['iperf3', 'gnuplot', 'bpftool', 'tc', 'brctl', 'mnexec', 'jq']


class Log:
    """Progress lines on stdout and in RESULTS/demo.log."""

    def __init__(self, path):
        self.file = open(path, 'a')

    def __call__(self, msg):
        print(msg, flush=True)
        self.file.write(msg + '\n')
        self.file.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--plan', choices=sorted(PLANS), default='full')
    p.add_argument('--build', default=os.path.join(ROOT, 'build'))
    p.add_argument('--results', default=os.path.join(ROOT, 'results'))
    return p.parse_args()


def check_tools(ctl):
    from shutil import which
    missing = [t for t in TOOLS if not which(t)]
    missing += [f for f in (ctl, ANVIL, CAST) if not os.access(f, os.X_OK)]
    if missing:
        raise runner.DemoError('missing: %s (run tools/install-deps.sh and make)'
                               % ', '.join(missing))


def results_dir(base):
    stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    path = os.path.join(base, stamp)
    if os.path.exists(path):  # two runs in the same second
        path += '-%d' % os.getpid()
    os.makedirs(path)
    return path


def run_logged(cmd, logpath):
    with open(logpath, 'a') as log:
        log.write('$ %s\n' % ' '.join(cmd))
        log.flush()
        r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    return r.returncode


def quiet_bridge_netfilter(td, say):
    """Bridged frames must not go through iptables; restore the old value after."""
    if not os.path.exists(BRIDGE_NF):
        return
    with open(BRIDGE_NF) as f:
        old = f.read().strip()
    if old == '0':
        return

    def restore():
        with open(BRIDGE_NF, 'w') as f:
            f.write(old)
    td.push('sysctl net.bridge.bridge-nf-call-iptables=%s' % old, restore)
    with open(BRIDGE_NF, 'w') as f:
        f.write('0')
    say('sysctl net.bridge.bridge-nf-call-iptables: %s -> 0 (restored at the end)' % old)


def build_topology(tag, td, outdir, say):
    from mininet.log import setLogLevel
    from mininet.net import Mininet
    import topo as topology
    setLogLevel('error')
    # Mininet.init() would run fixLimits(), which rewrites machine-wide sysctls
    # (tcp_rmem, tcp_wmem, ...) and never restores them; we are root already.
    Mininet.inited = True
    t = topology.Figure3(tag)
    td.push('Mininet network (net.stop)', t.stop)
    t.add_nodes()
    t.start()
    desc = t.describe()
    with open(os.path.join(outdir, 'topology.txt'), 'w') as f:
        f.write(desc)
    say(desc.rstrip())
    return t


def attach_payflow(t, ctl, pin, td, logpath, say):
    def detach():
        if os.path.exists(pin):
            run_logged([ctl, '--pin-root', pin, 'detach', '--all'], logpath)
        if os.path.exists(pin):  # attach failed half way: only our own pin dir
            subprocess.run(['rm', '-rf', '--one-file-system', pin], check=True)
    td.push('PayFlow on the switch ports (%s)' % pin, detach)
    ports = t.paid_ports()
    rc = run_logged([ctl, '--pin-root', pin, 'attach'] + ports +
                    ['--capacity', CAPACITY, '--be-rate', BE_RATE], logpath)
    if rc != 0:
        raise runner.DemoError('payflowctl attach failed: see %s' % logpath)
    say('PayFlow attached (shape, %s ports, %s best effort) to %s; pins in %s'
        % (CAPACITY, BE_RATE, ' '.join(ports), pin))


def start_anvil(t, td, outdir, say):
    ctl_node, ip = t.host('ctl'), t.addrs['ctl']
    url = 'http://%s:%d' % (ip, RPC_PORT)
    with open(os.path.join(outdir, 'anvil.log'), 'w') as log:
        proc = ctl_node.popen([ANVIL, '--host', ip, '--port', str(RPC_PORT)],
                              stdout=log, stderr=subprocess.STDOUT)
    td.process('anvil', proc)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise runner.DemoError('anvil exited (%d): see anvil.log' % proc.returncode)
        probe = ctl_node.popen([CAST, 'chain-id', '--rpc-url', url])
        out, _ = probe.communicate()
        if probe.returncode == 0:
            say('Anvil (pid %d) in ctl at %s, chain id %s'
                % (proc.pid, url, out.decode().strip()))
            return url
        time.sleep(0.3)
    raise runner.DemoError('anvil did not answer at %s within 20 s' % url)


def start_iperf_servers(t, td, errlog):
    for h in ('h1', 'h2', 'h3', 'h4'):
        node = t.host(h)
        proc = node.popen(['iperf3', '-s', '-J', '-p', str(IPERF_PORT),
                           '--logfile', '/dev/null'], stdout=errlog, stderr=errlog)
        td.process('iperf3 server on %s' % h, proc)
        deadline = time.monotonic() + 5
        while 'LISTEN' not in node.cmd('ss -Hltn sport = :%d' % IPERF_PORT):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise runner.DemoError('iperf3 server on %s did not start' % h)
            time.sleep(0.1)


def summarize(outdir, say):
    for args, name in (([], 'summary.md'), (['--tsv'], 'summary.tsv')):
        r = subprocess.run([SUMMARY] + args + [outdir], capture_output=True, text=True)
        if r.returncode != 0:
            raise runner.DemoError('summary: %s' % r.stderr.strip())
        with open(os.path.join(outdir, name), 'w') as f:
            f.write(r.stdout)
    with open(os.path.join(outdir, 'summary.md')) as f:
        say(f.read().rstrip())


def leftovers(tag, pin):
    """What of ours is still there after the teardown (should be nothing)."""
    links = subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True, text=True)
    left = [l.split(':')[1].strip().split('@')[0] for l in links.stdout.splitlines()
            if l.split(':')[1].strip().startswith(tag)]
    if os.path.exists(pin):
        left.append(pin)
    return left


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print('demo: needs root (Mininet, tc, BPF)', file=sys.stderr)
        return 1
    started = time.monotonic()
    tag = 'd%x' % os.getpid()  # unique among live runs: node, interface names
    pin = '/sys/fs/bpf/payflow-demo-%d' % os.getpid()
    outdir = results_dir(args.results)
    say = Log(os.path.join(outdir, 'demo.log'))
    ctl = os.path.join(os.path.abspath(args.build), 'payflowctl')
    td = Teardown(say)
    install_signal_handlers()
    status, ok = 1, False
    say('PayFlow demo (%s); results in %s; names prefixed "%s"' % (args.plan, outdir, tag))
    errlog = open(os.path.join(outdir, 'errors.log'), 'a')
    try:
        check_tools(ctl)
        quiet_bridge_netfilter(td, say)
        t = build_topology(tag, td, outdir, say)
        logpath = os.path.join(outdir, 'payflow.log')
        attach_payflow(t, ctl, pin, td, logpath, say)
        rpc = start_anvil(t, td, outdir, say)
        start_iperf_servers(t, td, errlog)
        ctx = runner.Context(t, td, ctl, pin, outdir, MENU, say,
                             '%s:%d' % (t.addrs['ctl'], BROKER_PORT), rpc, BE_MBIT, errlog)
        for exp in PLANS[args.plan]:
            say('  plot: %s' % runner.run_experiment(exp, ctx))
        summarize(outdir, say)
        ok = True
    except Interrupted as e:
        say('demo: interrupted (%s), cleaning up' % e)
        status = 130
    except (runner.DemoError, samples.IperfError) as e:
        say('demo: error: %s' % e)
    except Exception as e:
        say('demo: unexpected %s: %s' % (type(e).__name__, e))
        raise
    finally:
        failed = td.run()
        left = leftovers(tag, pin)
        if left:
            say('demo: cleanup left behind: %s' % ' '.join(left))
        if failed or left:
            ok = False
        errlog.close()
    if ok:
        status = 0
    say('demo: %s in %.0f s; results in %s'
        % ('done' if ok else 'FAILED', time.monotonic() - started, outdir))
    return status


if __name__ == '__main__':
    sys.exit(main())
