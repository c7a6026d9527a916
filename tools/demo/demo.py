#!/usr/bin/python3
"""The PayFlow demo (`make demo`): the paper's Mininet experiments, end to end.

Run by tools/demo/run.sh with Debian's system python (/usr/bin/python3, which
has the mininet module). Sets up the topology (topo.py), starts Anvil in
`ctl`, payflowd with a generated config (daemon.py: it enforces on the
host-facing switch ports, its broker and ledger threads live in ctl) and an
iperf3 server on each host, runs the experiments (experiments.py, runner.py;
every purchase is a real `payflow buy` in the buyer's host), writes CSVs,
plots and a summary under RESULTS/<timestamp>/, and removes everything it
made on success, failure and SIGINT/SIGTERM/SIGHUP (teardown.py). With
--plan shell it sets up the same and drops into Mininet's CLI instead.
"""

import argparse
import csv
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

from daemon import DaemonError, Payflowd  # noqa: E402
from experiments import EDGE, PLANS  # noqa: E402
from teardown import Interrupted, Teardown, install_signal_handlers  # noqa: E402
import runner  # noqa: E402
import samples  # noqa: E402

NM = os.path.join(ROOT, 'tools', 'node_modules', '@foundry-rs')
ANVIL = os.path.join(NM, 'anvil-linux-amd64', 'bin', 'anvil')
CAST = os.path.join(NM, 'cast-linux-amd64', 'bin', 'cast')
SUMMARY = os.path.join(HERE, 'summary')
BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables'
BE_MBIT = 50
RPC_PORT = 8545  # inside ctl's namespace: no other run can hold it
IPERF_PORT = 5201
CHAIN_ID = 31337
# Anvil's dev accounts: #0 is the broker's payment address, buyer hN pays from #N.
BUYERS = ('h1', 'h2', 'h3', 'h4')
TOOLS = ['iperf3', 'gnuplot', 'bpftool', 'tc', 'brctl', 'mnexec', 'jq']


class Log:
    """Progress lines on stdout and in RESULTS/demo.log."""

    def __init__(self, path):
        self.file = open(path, 'a')

    def __call__(self, msg):
        self.file.write(msg + '\n')
        self.file.flush()
        try:
            print(msg, flush=True)
        except (OSError, ValueError):  # the terminal is gone (SIGHUP): keep going
            pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--plan', choices=sorted(PLANS) + ['shell'], default='full')
    p.add_argument('--build', default=os.path.join(ROOT, 'build'))
    p.add_argument('--results', default=os.path.join(ROOT, 'results'))
    return p.parse_args()


def check_tools(bins):
    missing = [t for t in TOOLS if not shutil.which(t)]
    missing += [f for f in list(bins.values()) + [ANVIL, CAST] if not os.access(f, os.X_OK)]
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


def start_anvil(t, td, outdir, say):
    ctl_node, ip = t.host('ctl'), t.addrs['ctl']
    url = 'http://%s:%d' % (ip, RPC_PORT)
    with open(os.path.join(outdir, 'anvil.log'), 'w') as log:
        proc = ctl_node.popen([ANVIL, '--host', ip, '--port', str(RPC_PORT),
                               '--chain-id', str(CHAIN_ID)],
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
            return url, dev_accounts(ctl_node, url)
        time.sleep(0.3)
    raise runner.DemoError('anvil did not answer at %s within 20 s' % url)


def dev_accounts(ctl_node, url):
    """Anvil's unlocked dev accounts: [pay_to, h1's, h2's, ...]."""
    p = ctl_node.popen([CAST, 'rpc', '--rpc-url', url, 'eth_accounts'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=20)
    if p.returncode != 0:
        raise runner.DemoError('cast rpc eth_accounts: %s' % err.decode().strip())
    accounts = json.loads(out)
    if len(accounts) < 1 + len(BUYERS):
        raise runner.DemoError('anvil has %d dev accounts, the demo needs %d'
                               % (len(accounts), 1 + len(BUYERS)))
    return accounts


def run_checked(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise runner.DemoError('%s: %s' % (' '.join(cmd), r.stderr.strip()))


def describe_setup(t, setup):
    ports = [t.host_ports[h] for h in setup.hosts]
    if setup.trunk:
        return ('bridges %s and %s: host ports %s and the trunk %s (300mbit each way)'
                % (t.switch_name('s1'), t.switch_name('s2'), ' '.join(ports),
                   ' <-> '.join(t.trunk)))
    return 'host ports %s; trunk not enforced (plain HTB, 300mbit)' % ' '.join(ports)


class Daemons:
    """payflowd with the config of the running experiment's setup: restarted
    (and the trunk's plain shaper swapped for PayFlow's or back) when the
    setup changes."""

    def __init__(self, t, bins, tmp, pin, rpc, pay_to, outdir, say):
        self.t, self.rpc, self.pay_to, self.say = t, rpc, pay_to, say
        self.ctl_netns = '/proc/%d/ns/net' % t.host('ctl').pid
        self.d = Payflowd(bins['payflowd'], bins['payflowctl'], tmp, pin, outdir)
        self.outdir = outdir

    def start(self, setup, td):
        if not setup.trunk:
            self.t.shape_trunk(run_checked)
        self.d.write_config(self.t, setup, self.ctl_netns, self.rpc, self.pay_to)
        td.push('payflowd and its enforcement (%s)' % self.d.pin, self.d.stop)
        self._ready(self.d.start(self.t.host('ctl')), setup)
        return self.d

    def use(self, setup):
        if self.d.setup == setup:
            return
        keep_daemon_view(self.d, self.outdir, 'before its restart')
        self.d.stop()
        if setup.trunk != self.d.setup.trunk:
            (self.t.unshape_trunk if setup.trunk else self.t.shape_trunk)(run_checked)
        self.d.write_config(self.t, setup, self.ctl_netns, self.rpc, self.pay_to)
        self._ready(self.d.start(self.t.host('ctl')), setup)

    def _ready(self, pid, setup):
        d = self.d
        self.say('payflowd (pid %d): shape, 1gbit host ports, 50mbit best effort; %s; '
                 'pins in %s; broker %s and ledger threads in ctl (%s); metrics %s; config %s'
                 % (pid, describe_setup(self.t, setup), d.pin, d.broker, self.ctl_netns,
                    d.metrics, d.config_path))
        self.say('dashboard: open http://%s/ while the demo runs' % d.metrics)


def keep_daemon_view(d, outdir, when='at the end'):
    """payflowd's counters and metrics (since its start) into the results:
    at the end of the run, and before each restart (a new setup)."""
    with open(os.path.join(outdir, 'payflow.log'), 'a') as log:
        log.write('--- %s: $ %s\n' % (when, ' '.join(d.ctl_cmd('stats'))))
        log.flush()
        subprocess.run(d.ctl_cmd('stats'), stdout=log, stderr=log)
    with open(os.path.join(outdir, 'metrics.txt'), 'a') as f:
        f.write('# payflowd %s (setup %s, config payflowd-%s.json)\n'
                % (when, d.setup.name, d.setup.name))
        f.write(d.scrape_metrics())


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


def buyer_shells(t, payflow, d, rpc, accounts, outdir):
    """Each buyer's shell gets its payflow settings (PAYFLOW_*) and identity."""
    for i, h in enumerate(BUYERS, start=1):
        home = os.path.join(outdir, 'buyers', h)
        os.makedirs(home, mode=0o700, exist_ok=True)
        node = t.host(h)
        node.cmd('export PAYFLOW_HOME=%s PAYFLOW_BROKER=%s PAYFLOW_RPC=%s PAYFLOW_ACCOUNT=%s'
                 % (home, d.broker, rpc, accounts[i]))
        out = node.cmd('%s keygen' % payflow)
        if not os.path.exists(os.path.join(home, 'identity')):
            raise runner.DemoError('payflow keygen in %s: %s' % (h, out.strip()))


def shell_guide(t, d, build, rpc, accounts):
    ctlc = '%s --socket %s' % (os.path.join(build, 'payflowctl'), d.socket)
    pf = os.path.join(build, 'payflow')
    cast = os.path.relpath(CAST, ROOT)
    lines = [
        '',
        'PayFlow in Mininet: h1, h2, ctl on s1; h3, h4 on s2 (Mininet names %s...; the short'
        % t.tag,
        'names work here). payflowd enforces on the ports toward h1..h4 (1 Gbit/s, best effort',
        '50 Mbit/s); its broker is %s (in ctl), Anvil %s. Each host\'s shell has'
        % (d.broker, rpc),
        'PAYFLOW_HOME, PAYFLOW_BROKER, PAYFLOW_RPC and PAYFLOW_ACCOUNT (hN pays from Anvil dev',
        'account #N) set, and an iperf3 server runs on every host. Try:',
        '',
        '  h1 %s menu' % pf,
        '  h1 iperf3 -c 10.0.0.3 -t 5                  # best effort: about 48 Mbit/s',
        '  h1 %s buy --level 2 --seconds 30 --peer 10.0.0.3' % pf,
        '  h1 iperf3 -c 10.0.0.3 -t 5                  # level 2: about 143 Mbit/s',
        '  h1 %s status' % pf,
        '  sh %s list' % ctlc,
        '  sh %s ports' % ctlc,
        '  sh bpftool map dump pinned %s/reservations' % d.pin,
        '  sh tc -s class show dev %s' % t.host_ports['h3'],
        '  ctl %s balance %s --rpc-url %s --ether' % (cast, accounts[0], rpc),
    ]
    if shutil.which('curl'):
        lines.append('  sh curl -s http://%s/metrics | grep -E "revenue|orders"' % d.metrics)
    lines += ['',
              'The buy asks [y/N] before paying (add --yes to skip). `exit` or Ctrl-D leaves;',
              'the demo then stops payflowd, Anvil and iperf3 and removes the network.', '']
    return '\n'.join(lines)


def run_shell(t, d, build, rpc, accounts, say):
    """Mininet's CLI on the set-up demo, until exit or Ctrl-D."""
    from mininet.cli import CLI
    from mininet.log import setLogLevel
    setLogLevel('output')  # the CLI prints the hosts' output at this level
    t.add_short_names()
    say(shell_guide(t, d, build, rpc, accounts))
    # Ctrl-C belongs to the CLI (it interrupts the command running in a host);
    # SIGTERM and SIGHUP still end the demo and clean up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        CLI(t.net)
    finally:
        install_signal_handlers()


def say_purchases(outdir, say):
    say('Purchases (purchases.tsv, receipts.jsonl):')
    with open(os.path.join(outdir, 'purchases.tsv')) as f:
        for p in csv.DictReader(f, delimiter='\t'):
            say('  %s %s: level %s, %s s, paid %s wei (%s ETH) from %s, tx %s, receipt status %s'
                % (p['experiment'], p['buyer'], p['level'], p['seconds'], p['amount_wei'],
                   p['amount_eth'].rstrip('0'), p['account'], p['tx_hash'],
                   p['receipt_status']))


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
    outdir = os.path.abspath(results_dir(args.results))
    say = Log(os.path.join(outdir, 'demo.log'))
    build = os.path.abspath(args.build)
    bins = {b: os.path.join(build, b) for b in ('payflowd', 'payflowctl', 'payflow')}
    td = Teardown(say)
    install_signal_handlers()
    status, ok, d = 1, False, None
    say('PayFlow demo (%s); results in %s; names prefixed "%s"' % (args.plan, outdir, tag))
    errlog = open(os.path.join(outdir, 'errors.log'), 'a')
    try:
        check_tools(bins)
        # Socket, database and broker key of this run's payflowd; removed last.
        tmp = tempfile.mkdtemp(prefix='payflow-demo-%d.' % os.getpid())
        td.push('temporary directory %s' % tmp, lambda: shutil.rmtree(tmp))
        quiet_bridge_netfilter(td, say)
        t = build_topology(tag, td, outdir, say)
        rpc, accounts = start_anvil(t, td, outdir, say)
        plan = PLANS.get(args.plan, [])
        daemons = Daemons(t, bins, tmp, pin, rpc, accounts[0], outdir, say)
        d = daemons.start(plan[0].setup if plan else EDGE, td)
        start_iperf_servers(t, td, errlog)
        buyers = {h: accounts[i] for i, h in enumerate(BUYERS, start=1)}
        if args.plan == 'shell':
            buyer_shells(t, bins['payflow'], d, rpc, accounts, outdir)
            run_shell(t, d, args.build, rpc, accounts, say)
        else:
            ctx = runner.Context(t, td, d, bins['payflow'], outdir, say, rpc, buyers, CAST,
                                 BE_MBIT, errlog)
            for exp in plan:
                daemons.use(exp.setup)
                say('  plot: %s' % runner.run_experiment(exp, ctx))
            keep_daemon_view(d, outdir)
            summarize(outdir, say)
            say_purchases(outdir, say)
        ok = True
    except Interrupted as e:
        say('demo: interrupted (%s), cleaning up' % e)
        status = 130
    except (runner.DemoError, samples.IperfError, DaemonError) as e:
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
        % ('done' if ok else 'interrupted' if status == 130 else 'FAILED',
           time.monotonic() - started, outdir))
    return status


if __name__ == '__main__':
    sys.exit(main())
