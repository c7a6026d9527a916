"""Runs one experiment on a started topology: the iperf3 clients, the
purchases at their times (real ones: purchase.sh runs `payflow buy` in the
buyer's host against payflowd's broker and Anvil), then the CSVs and the plot.

A paid window is read back from the data plane right after the CONFIRM
(payflowctl --direct list: the reservation's time left, from its expires_at),
so the shaded window is when the reservation really held. The CONFIRM's own
start and end (whole seconds) are kept next to it in <exp>-windows.csv.
"""

import json
import os
import subprocess
import time

from experiments import flow_name
import samples

HERE = os.path.dirname(os.path.abspath(__file__))
PURCHASE = os.path.join(HERE, 'purchase.sh')
PLOT = os.path.join(HERE, 'plot.gp')
SCREENSHOT = os.path.join(HERE, '..', 'browser', 'screenshot.js')
GOODPUT = 1448 / 1514
CLIENT_GRACE = 20  # s past the planned end before a client counts as hung


class DemoError(Exception):
    pass


class Context:
    """What an experiment needs from the set-up demo."""

    def __init__(self, topo, teardown, daemon, payflow, outdir, say, rpc, accounts,
                 cast, be_mbit, errlog):
        self.topo = topo
        self.teardown = teardown
        self.daemon = daemon      # daemon.Payflowd: ctl_cmd(), pin, broker
        self.payflow = payflow    # the buyer's CLI
        self.outdir = outdir
        self.say = say
        self.rpc = rpc
        self.accounts = accounts  # host -> its Anvil dev account
        self.cast = cast
        self.be_mbit = be_mbit    # best effort: the plot's reference line
        self.errlog = errlog  # open file for child processes' stderr
        self.payflow_log = os.path.join(outdir, 'payflow.log')
        self.purchase_log = os.path.join(outdir, 'purchases.log')

    def path(self, name):
        return os.path.join(self.outdir, name)

    def buyer_home(self, host):
        """The buyer's PAYFLOW_HOME: identity, pinned key, proofs of purchase."""
        home = self.path(os.path.join('buyers', host))
        os.makedirs(home, mode=0o700, exist_ok=True)
        return home


def start_clients(exp, ctx):
    clients = {}
    for flow in exp.flows:
        name = flow_name(flow)
        raw = ctx.path('%s-%s.iperf.json' % (exp.name, name))
        with open(raw, 'w') as out:
            proc = ctx.topo.host(flow.src).popen(
                ['iperf3', '-c', ctx.topo.addrs[flow.dst], '-t', str(exp.duration),
                 '-P', str(flow.streams), '-i', '1', '-J', '--get-server-output'],
                stdout=out, stderr=ctx.errlog)
        ctx.teardown.process('iperf3 client %s' % name, proc)
        clients[name] = (proc, raw)
    return clients


def sleep_until(deadline, clients):
    """Sleep until the monotonic deadline; fail if a client ends early."""
    while True:
        for name, (proc, raw) in clients.items():
            if proc.poll() is not None:
                raise DemoError('iperf3 client %s ended early (exit %d): see %s'
                                % (name, proc.returncode, raw))
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.2))


def reservation_left(ctx, ip1, ip2):
    """Seconds left of the live reservation for ip1<->ip2, read straight from
    the pinned maps (expires_at, ns): what the data plane enforces."""
    r = subprocess.run([ctx.daemon.ctl, '--json', '--pin-root', ctx.daemon.pin,
                        '--direct', 'list'], capture_output=True, text=True)
    if r.returncode != 0:
        raise DemoError('payflowctl --direct list: %s' % r.stderr.strip())
    for row in json.loads(r.stdout):
        if set(row['pair'].split(' <-> ')) == {ip1, ip2} and row['state'] == 'active':
            return row['seconds_left'], row['rate_bps']
    raise DemoError('no live reservation for %s <-> %s after the purchase' % (ip1, ip2))


def receipt(ctx, tx):
    """The payment's receipt, asked from Anvil inside ctl (where it listens)."""
    p = ctx.topo.host('ctl').popen([ctx.cast, 'receipt', tx, '--rpc-url', ctx.rpc, '--json'],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=20)
    if p.returncode != 0:
        raise DemoError('cast receipt %s: %s' % (tx, err.decode().strip()))
    doc = json.loads(out)
    with open(ctx.path('receipts.jsonl'), 'a') as f:
        f.write(json.dumps(doc, sort_keys=True) + '\n')
    return doc


PURCHASE_FIELDS = ['experiment', 't_s', 'buyer', 'account', 'level', 'rate_bps', 'seconds',
                   'ip1', 'ip2', 'reservation_id', 'tx_hash', 'amount_wei', 'amount_eth',
                   'start', 'end', 'receipt_status']


def record_purchase(ctx, exp, asked, b, bought, status):
    """One line per purchase, with the price paid, in purchases.tsv."""
    path = ctx.path('purchases.tsv')
    new = not os.path.exists(path)
    row = {'experiment': exp.name, 't_s': '%.1f' % asked, 'buyer': b.buyer,
           'account': ctx.accounts[b.buyer], 'seconds': b.seconds,
           'amount_wei': bought['amount'],
           'amount_eth': '%.9f' % (int(bought['amount']) / 10 ** bought['decimals']),
           'receipt_status': status}
    for k in ('level', 'rate_bps', 'ip1', 'ip2', 'reservation_id', 'tx_hash', 'start', 'end'):
        row[k] = bought[k]
    with open(path, 'a') as f:
        if new:
            f.write('\t'.join(PURCHASE_FIELDS) + '\n')
        f.write('\t'.join(str(row[k]) for k in PURCHASE_FIELDS) + '\n')


def buy(b, exp, ctx, t0, wall0):
    """Buy for real (purchase.sh); return the paid window it produced."""
    topo = ctx.topo
    buyer_ip, peer_ip = topo.addrs[b.buyer], topo.addrs[b.peer]
    env = dict(os.environ,
               PF_DEMO_PAYFLOW=ctx.payflow, PF_DEMO_HOME=ctx.buyer_home(b.buyer),
               PF_DEMO_ACCOUNT=ctx.accounts[b.buyer], PF_DEMO_LOG=ctx.purchase_log,
               PF_DEMO_BUYER=b.buyer, PF_DEMO_BUYER_PID=str(topo.host(b.buyer).pid),
               PF_DEMO_BROKER=ctx.daemon.broker, PF_DEMO_RPC=ctx.rpc)
    asked = time.monotonic() - t0
    r = subprocess.run(['bash', PURCHASE, str(b.level), str(b.seconds), peer_ip],
                       env=env, capture_output=True, text=True)
    ctx.errlog.write(r.stderr)
    ctx.errlog.flush()
    if r.returncode != 0:
        why = r.stderr.strip().splitlines()
        raise DemoError('purchase by %s failed (exit %d): %s; see %s'
                        % (b.buyer, r.returncode, why[-1] if why else 'no message',
                           ctx.purchase_log))
    bought = json.loads(r.stdout)
    rc = receipt(ctx, bought['tx_hash'])
    status = int(rc['status'], 16) if isinstance(rc['status'], str) else rc['status']
    record_purchase(ctx, exp, asked, b, bought, status)
    if status != 1:
        raise DemoError('payment %s of %s has receipt status %s'
                        % (bought['tx_hash'], b.buyer, rc['status']))
    # The window as the data plane holds it (ns); the CONFIRM's start/end are
    # whole seconds of the broker's clock, logged next to it.
    left, rate_bps = reservation_left(ctx, buyer_ip, peer_ip)
    end = time.monotonic() - t0 + left
    window = {'flow': '%s-%s' % (b.buyer, b.peer), 'buyer': b.buyer, 'peer': b.peer,
              'level': b.level, 'rate_mbit': rate_bps / 1e6,
              'start': end - b.seconds, 'end': end,
              'confirm_start': bought['start'] - wall0, 'confirm_end': bought['end'] - wall0,
              'reservation_id': bought['reservation_id'], 'tx_hash': bought['tx_hash'],
              'amount_wei': bought['amount']}
    ctx.say('  t=%5.1fs  %s buys level %d (%g Mbit/s) for %s <-> %s, %d s, pays %s wei '
            '(tx %s...): paid %.1f-%.1f s (CONFIRM %d-%d)'
            % (asked, b.buyer, b.level, bought['rate_bps'] / 1e6, b.buyer, b.peer,
               b.seconds, bought['amount'], bought['tx_hash'][:12], window['start'],
               window['end'], window['confirm_start'], window['confirm_end']))
    if bought['rate_bps'] != rate_bps:
        raise DemoError('CONFIRM says %d bit/s, the data plane %d'
                        % (bought['rate_bps'], rate_bps))
    return window


def dump_reservations(exp, ctx, flow_dst):
    """Keep the daemon's and the data plane's view during a paid window."""
    d = ctx.daemon
    dump = subprocess.run(['bpftool', 'map', 'dump', 'pinned',
                           os.path.join(d.pin, 'reservations')],
                          capture_output=True, text=True)
    with open(ctx.path('reservations-%s.txt' % exp.name), 'w') as f:
        f.write('# bpftool map dump pinned %s/reservations, during a paid window of %s\n'
                '# (expires_at is CLOCK_BOOTTIME ns; now: %d)\n'
                % (d.pin, exp.name, time.clock_gettime_ns(time.CLOCK_BOOTTIME)))
        f.write(dump.stdout + dump.stderr)
    with open(ctx.path('payflowctl-list-%s.json' % exp.name), 'w') as f:
        subprocess.run(d.ctl_cmd('list', json_out=True), stdout=f, stderr=ctx.errlog)
    # The dashboard as an operator sees it now (headless chromium, docs/DASHBOARD.md).
    try:
        shot = subprocess.run(['node', SCREENSHOT, 'http://%s/' % d.metrics,
                               ctx.path('dashboard-%s.png' % exp.name)],
                              stdout=ctx.errlog, stderr=ctx.errlog, timeout=60).returncode
    except subprocess.TimeoutExpired:
        shot = 'timeout'
    if shot:
        ctx.say('  dashboard screenshot failed (%s; see errors.log)' % shot)
    ports = [ctx.topo.host_ports[flow_dst]] + (list(ctx.topo.trunk) if exp.setup.trunk else [])
    with open(ctx.payflow_log, 'a') as log:
        for cmd in [d.ctl_cmd('list'), d.ctl_cmd('ports')] + \
                [['tc', '-s', 'class', 'show', 'dev', p] for p in ports]:
            log.write('--- %s, during a paid window: $ %s\n' % (exp.name, ' '.join(cmd)))
            log.flush()
            subprocess.run(cmd, stdout=log, stderr=log)


def wait_clients(clients, deadline):
    for name, (proc, raw) in clients.items():
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            raise DemoError('iperf3 client %s did not finish in time' % name)
        if proc.returncode != 0:
            raise DemoError('iperf3 client %s failed (exit %d): see %s'
                            % (name, proc.returncode, raw))


def plot(exp, ctx, windows, top_mbit):
    def q(s):  # a gnuplot single-quoted string
        return "'" + s.replace("'", "''") + "'"
    rates = [ctx.be_mbit] + [w['rate_mbit'] for w in windows]
    refs = ' '.join('%.2f' % (r * GOODPUT) for r in sorted(set(rates)))
    out = ctx.path(exp.name + '.png')
    setvars = '; '.join([
        'samples=' + q(ctx.path(exp.name + '.csv')),
        'windows=' + q(ctx.path(exp.name + '-windows.csv')),
        'out=' + q(out), 'ttl=' + q(exp.title),
        'flows=' + q(' '.join(flow_name(f) for f in exp.flows)),
        'duration=%d' % exp.duration, 'ymax=%g' % (max(rates + [top_mbit]) * 1.3), 'refs=' + q(refs)])
    r = subprocess.run(['gnuplot', '-e', setvars, PLOT], capture_output=True, text=True)
    if r.returncode != 0:
        raise DemoError('gnuplot: %s' % r.stderr.strip())
    return out


def run_experiment(exp, ctx):
    ctx.say('%s: %s (%d s)' % (exp.name, exp.title, exp.duration))
    wall0, t0 = time.time(), time.monotonic()
    clients = start_clients(exp, ctx)
    windows = []
    for b in sorted(exp.buys, key=lambda b: b.at):
        sleep_until(t0 + b.at, clients)
        windows.append(buy(b, exp, ctx, t0, wall0))
        if len(windows) == 1:
            dump_reservations(exp, ctx, b.peer)
    wait_clients(clients, t0 + exp.duration + CLIENT_GRACE)

    per_flow = {name: samples.receiver_samples(raw) for name, (_, raw) in clients.items()}
    unpaid = {flow_name(f): f.unpaid_mbit for f in exp.flows}
    samples.write_samples(ctx.path(exp.name + '.csv'), per_flow, windows, unpaid)
    samples.write_windows(ctx.path(exp.name + '-windows.csv'), windows)
    top = max(bps for rows in per_flow.values() for _, _, bps in rows) / 1e6
    return plot(exp, ctx, windows, top)
