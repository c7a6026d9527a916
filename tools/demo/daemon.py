"""payflowd for the demo: its generated config, start, readiness, metrics, stop.

The daemon runs in the root namespace. Its broker listens inside the `ctl`
host (broker.netns) and its ledger threads run there too (ledger.netns), next
to Anvil, because that is where the buyers reach them. Mininet hosts are not
named namespaces, so both paths are /proc/<ctl shell pid>/ns/net.

What it enforces is the experiment's setup (experiments.Setup):

- trunk=False: the listed host ports (`ports`), each with its host. The s1-s2
  trunk is not modelled; the demo shapes it to 300 Mbit/s with a plain HTB
  (topo.py), a link PayFlow does not know. exp1 and exp2 run so: enforcing the
  trunk would squeeze all best-effort traffic crossing it (both flows of
  experiment 2) into its one 50 Mbit/s best-effort class, which is not what
  the paper shows.
- trunk=True: the bridges s1 and s2 (`bridges`), ctl's port and the unlisted
  host ports excluded. payflowd finds the trunk (a veth between two of its
  bridges) as a link, attaches its ends (capacity 300 Mbit/s each way), and
  admits and shapes a pair's reservation on every egress of its path.

Excluding the trunk's two ends from the bridges instead would cut the link:
h1 <-> h3 would then have no path and be refused (EHOSTUNREACH), hence the
`ports` config for "trunk not enforced".
"""

import json
import os
import socket
import subprocess
import time
import urllib.request

from teardown import stop_process

CAPACITY = '1gbit'
TRUNK_CAPACITY = '300mbit'
BE_RATE = '50mbit'
BE_FLOOR = '50mbit'
BROKER_PORT = 6113
CHAIN_ID = 31337
# The paper's menu, level 2 = 150 Mbit/s; the unreserved default is 50 Mbit/s.
# Level N is levels[N] everywhere (config, MENU, `payflow buy --level N`,
# payflowctl, metrics). PayFlow's level 0 is the free best-effort tier and is
# not sold, so it takes the place of the paper's priced 75 Mbit/s level 0.
# Prices are wei per second.
LEVELS = [
    ('level0', BE_RATE, '0'),
    ('level1', '100mbit', '1000000000000'),
    ('level2', '150mbit', '1500000000000'),
    ('level3', '300mbit', '3000000000000'),
]
READY_TIMEOUT = 20


class DaemonError(Exception):
    pass


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Payflowd:
    """One payflowd of this run: its files live in `tmp`, its log in outdir."""

    def __init__(self, binary, ctl, tmp, pin, outdir):
        self.binary = binary
        self.ctl = ctl
        self.pin = pin
        self.socket = os.path.join(tmp, 'payflowd.sock')
        self.state_dir = os.path.join(tmp, 'state')
        self.config_path = os.path.join(outdir, 'payflowd.json')
        self.log_path = os.path.join(outdir, 'payflowd.log')
        self.metrics = None
        self.broker = None
        self.proc = None
        self.setup = None

    def write_config(self, topo, setup, ctl_netns, rpc, pay_to):
        """The config: what `setup` enforces, levels, broker, ledger."""
        ctl_ip = topo.addrs['ctl']
        self.metrics = '127.0.0.1:%d' % free_port()
        self.broker = '%s:%d' % (ctl_ip, BROKER_PORT)
        conf = {
            'ports': [{'name': topo.host_ports[h], 'capacity': CAPACITY,
                       'hosts': [topo.addrs[h]]} for h in setup.hosts],
            'best_effort': {'rate': BE_RATE, 'floor': BE_FLOOR},
            'levels': [{'name': n, 'rate': r, 'price_per_s': p} for n, r, p in LEVELS],
            'mode': 'shape',
            'state_dir': self.state_dir,
            'pin_root': self.pin,
            'socket': self.socket,
            'metrics': self.metrics,
            'broker': {'listen': self.broker, 'netns': ctl_netns,
                       'min_seconds': 10, 'max_seconds': 3600},
            'ledger': {'rpc_url': rpc, 'netns': ctl_netns, 'chain_id': CHAIN_ID,
                       'payment_address': pay_to, 'confirmations': 0},
        }
        if setup.trunk:
            off = [topo.host_ports[h] for h in topo.all_hosts() if h not in setup.hosts]
            conf['bridges'] = [{'name': topo.switch_name(sw), 'capacity': CAPACITY,
                                'exclude': [p for p in off if topo.port_switch[p] == sw]}
                               for sw in topo.switches()]
            conf['ports'] += [{'name': p, 'capacity': TRUNK_CAPACITY} for p in topo.trunk]
        self.setup = setup
        # payflowd.json is the running one; each setup's is kept next to it.
        for path in (self.config_path, self.config_path[:-len('.json')] + '-%s.json'
                     % setup.name):
            with open(path, 'w') as f:
                json.dump(conf, f, indent=2)
                f.write('\n')
        return conf

    def ctl_cmd(self, *args, json_out=False):
        return [self.ctl] + (['--json'] if json_out else []) + \
            ['--socket', self.socket, '--pin-root', self.pin] + list(args)

    def start(self, ctl_node):
        """Start payflowd; return once its socket answers and the broker
        listens inside ctl."""
        # Its own session: a Ctrl-C at the terminal (or in Mininet's CLI)
        # reaches the demo, which stops payflowd in order, not payflowd itself.
        with open(self.log_path, 'a') as log:
            self.proc = subprocess.Popen([self.binary, '--config', self.config_path],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        port = self.broker.rsplit(':', 1)[1]
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DaemonError('payflowd exited (%d) at start: see %s'
                                  % (self.proc.returncode, self.log_path))
            up = subprocess.run(self.ctl_cmd('stats'), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode == 0
            if up and 'LISTEN' in ctl_node.cmd('ss -Hltn sport = :%s' % port):
                return self.proc.pid
            time.sleep(0.1)
        raise DaemonError('payflowd did not come up within %d s: see %s'
                          % (READY_TIMEOUT, self.log_path))

    def scrape_metrics(self):
        with urllib.request.urlopen('http://%s/metrics' % self.metrics, timeout=5) as r:
            return r.read().decode()

    def stop(self):
        """SIGTERM by pid (enforcement stays), then --detach tears it down."""
        if self.proc is not None:
            stop_process(self.proc, grace=10.0)
        if not os.path.exists(self.config_path):
            return
        with open(self.log_path, 'a') as log:
            log.write('$ payflowd --config %s --detach\n' % self.config_path)
            log.flush()
            r = subprocess.run([self.binary, '--config', self.config_path, '--detach'],
                               stdout=log, stderr=subprocess.STDOUT)
        if r.returncode != 0 and os.path.exists(self.pin):
            # The ports may be gone already (a failed start); drop what is pinned.
            subprocess.run([self.ctl, '--pin-root', self.pin, 'detach', '--all'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.path.exists(self.pin):  # only our own pin directory
            subprocess.run(['rm', '-rf', '--one-file-system', self.pin], check=True)
        if r.returncode != 0:
            raise DaemonError('payflowd --detach failed (%d): see %s'
                              % (r.returncode, self.log_path))
