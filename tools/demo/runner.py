"""Runs one experiment on a started topology: the iperf3 clients, the
purchases at their times, then the CSVs and the plot.

A paid window is read back from the data plane (payflowctl list: the
reservation's time left right after the purchase), so the shaded window is
when the reservation really held, not when we asked for it.
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
GOODPUT = 1448 / 1514
CLIENT_GRACE = 20  # s past the planned end before a client counts as hung


class DemoError(Exception):
    pass


class Context:
    """What an experiment needs from the set-up demo."""

    def __init__(self, topo, teardown, ctl, pin, outdir, menu_path, say,
                 broker, rpc, be_mbit, errlog):
        self.topo = topo
        self.teardown = teardown
        self.ctl = ctl
        self.pin = pin
        self.outdir = outdir
        self.menu_path = menu_path
        with open(menu_path) as f:
            self.menu = json.load(f)
        self.say = say
        self.broker = broker
        self.rpc = rpc
        self.be_mbit = be_mbit
        self.errlog = errlog  # open file for child processes' stderr
        self.payflow_log = os.path.join(outdir, 'payflow.log')

    def path(self, name):
        return os.path.join(self.outdir, name)

    def level_mbit(self, level):
        return self.menu['levels'][level]['rate_bps'] / 1e6


def start_clients(exp, ctx):
    clients = {}
    for flow in exp.flows:
        name = flow_name(flow)
        raw = ctx.path('%s-%s.iperf.json' % (exp.name, name))
        with open(raw, 'w') as out:
            proc = ctx.topo.host(flow.src).popen(
                ['iperf3', '-c', ctx.topo.addrs[flow.dst], '-t', str(exp.duration),
                 '-i', '1', '-J', '--get-server-output'],
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
    """Seconds left of the live reservation for ip1<->ip2, from the maps."""
    r = subprocess.run([ctx.ctl, '--json', '--pin-root', ctx.pin, 'list'],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise DemoError('payflowctl list: %s' % r.stderr.strip())
    for row in json.loads(r.stdout):
        if set(row['pair'].split(' <-> ')) == {ip1, ip2} and row['state'] == 'active':
            return row['seconds_left'], row['rate_bps']
    raise DemoError('no live reservation for %s <-> %s after the purchase' % (ip1, ip2))


def buy(b, ctx, t0):
    """Run the purchase step; return the paid window it produced."""
    topo = ctx.topo
    buyer_ip, peer_ip = topo.addrs[b.buyer], topo.addrs[b.peer]
    env = dict(os.environ,
               PF_DEMO_CTL=ctx.ctl, PF_DEMO_PIN=ctx.pin, PF_DEMO_MENU=ctx.menu_path,
               PF_DEMO_LOG=ctx.payflow_log, PF_DEMO_BUYER=b.buyer,
               PF_DEMO_BUYER_IP=buyer_ip, PF_DEMO_BUYER_PID=str(topo.host(b.buyer).pid),
               PF_DEMO_BROKER=ctx.broker, PF_DEMO_RPC=ctx.rpc)
    asked = time.monotonic() - t0
    r = subprocess.run(['bash', PURCHASE, str(b.level), str(b.seconds), peer_ip],
                       env=env, capture_output=True, text=True)
    ctx.errlog.write(r.stdout + r.stderr)
    ctx.errlog.flush()
    if r.returncode != 0:
        why = (r.stdout + r.stderr).strip().splitlines()
        raise DemoError('purchase by %s failed (exit %d): %s; see %s'
                        % (b.buyer, r.returncode, why[-1] if why else 'no message',
                           ctx.payflow_log))
    left, rate_bps = reservation_left(ctx, buyer_ip, peer_ip)
    end = time.monotonic() - t0 + left
    window = {'flow': '%s-%s' % (b.buyer, b.peer), 'buyer': b.buyer, 'peer': b.peer,
              'level': b.level, 'rate_mbit': rate_bps / 1e6,
              'start': end - b.seconds, 'end': end}
    ctx.say('  t=%5.1fs  %s buys level %d (%g Mbit/s) for %s <-> %s, %d s: paid %.1f-%.1f s'
            % (asked, b.buyer, b.level, window['rate_mbit'], b.buyer, b.peer, b.seconds,
               window['start'], window['end']))
    return window


def dump_reservations(exp, ctx, flow_dst):
    """Keep the data plane's view during a paid window (map dump, classes)."""
    dump = subprocess.run(['bpftool', 'map', 'dump', 'pinned',
                           os.path.join(ctx.pin, 'reservations')],
                          capture_output=True, text=True)
    with open(ctx.path('reservations-%s.txt' % exp.name), 'w') as f:
        f.write('# bpftool map dump pinned %s/reservations, during a paid window of %s\n'
                '# (expires_at is CLOCK_MONOTONIC ns; now: %d)\n'
                % (ctx.pin, exp.name, time.clock_gettime_ns(time.CLOCK_MONOTONIC)))
        f.write(dump.stdout + dump.stderr)
    with open(ctx.payflow_log, 'a') as log:
        log.write('--- %s, during a paid window: payflowctl list; tc -s class show dev %s\n'
                  % (exp.name, ctx.topo.host_ports[flow_dst]))
        log.flush()
        subprocess.run([ctx.ctl, '--pin-root', ctx.pin, 'list'], stdout=log, stderr=log)
        subprocess.run(['tc', '-s', 'class', 'show', 'dev', ctx.topo.host_ports[flow_dst]],
                       stdout=log, stderr=log)


def wait_clients(clients, deadline):
    for name, (proc, raw) in clients.items():
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            raise DemoError('iperf3 client %s did not finish in time' % name)
        if proc.returncode != 0:
            raise DemoError('iperf3 client %s failed (exit %d): see %s'
                            % (name, proc.returncode, raw))


def plot(exp, ctx, windows):
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
        'duration=%d' % exp.duration, 'ymax=%g' % (max(rates) * 1.3), 'refs=' + q(refs)])
    r = subprocess.run(['gnuplot', '-e', setvars, PLOT], capture_output=True, text=True)
    if r.returncode != 0:
        raise DemoError('gnuplot: %s' % r.stderr.strip())
    return out


def run_experiment(exp, ctx):
    ctx.say('%s: %s (%d s)' % (exp.name, exp.title, exp.duration))
    t0 = time.monotonic()
    clients = start_clients(exp, ctx)
    windows = []
    for b in sorted(exp.buys, key=lambda b: b.at):
        sleep_until(t0 + b.at, clients)
        windows.append(buy(b, ctx, t0))
        if len(windows) == 1:
            dump_reservations(exp, ctx, b.peer)
    wait_clients(clients, t0 + exp.duration + CLIENT_GRACE)

    per_flow = {name: samples.receiver_samples(raw) for name, (_, raw) in clients.items()}
    samples.write_samples(ctx.path(exp.name + '.csv'), per_flow, windows, ctx.be_mbit)
    samples.write_windows(ctx.path(exp.name + '-windows.csv'), windows)
    return plot(exp, ctx, windows)
