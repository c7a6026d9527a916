"""The demo's Mininet topology: the paper's Figure 3, as we read it.

Figure 3 of Chen et al. shows four hosts on two switches. Our reading: h1
and h2 on s1, h3 and h4 on s2, and s1 linked to s2, so that both of the
paper's flows (h1 -> h3, h2 -> h4) cross the s1-s2 trunk. To it we add
`ctl`, a host on s1 where the buyers reach the broker and the Ethereum node,
so no demo traffic ever uses an address of the root namespace.

Switches are Linux bridges (Mininet's LinuxBridge, bridge-utils), there is no
OpenFlow controller, and links are plain veth pairs: TCLink(bw=...) would put
its own HTB root on the ports, where PayFlow puts its own. The s1-s2 trunk is
a 300 Mbit/s link: shaped by PayFlow when it enforces the trunk, otherwise by
a plain HTB of the demo's (shape_trunk), the link's rate PayFlow does not know.

Every node name starts with a per-run tag, so interface names (<node>-ethN,
at most 15 characters) never collide with another demo or test running on
the same machine.
"""

import time

from mininet.net import Mininet
from mininet.nodelib import LinuxBridge

SUBNET_BITS = 24
# host -> (address, switch)
HOSTS = {
    'h1': ('10.0.0.1', 's1'),
    'h2': ('10.0.0.2', 's1'),
    'h3': ('10.0.0.3', 's2'),
    'h4': ('10.0.0.4', 's2'),
}
CTL = 'ctl'
CTL_ADDR = '10.0.0.100'
CTL_SWITCH = 's1'
SWITCHES = ('s1', 's2')
TRUNK_RATE = '300mbit'
MAX_IFNAME = 15


class Figure3:
    """Builds the topology with names prefixed by `tag`; net.stop() undoes it."""

    def __init__(self, tag):
        longest = tag + CTL + '-eth0'
        if len(longest) > MAX_IFNAME:
            raise ValueError('tag %r makes interface names longer than %d characters'
                             % (tag, MAX_IFNAME))
        self.tag = tag
        self.net = Mininet(switch=LinuxBridge, controller=None, build=False,
                           autoSetMacs=True)
        self.nodes = {}
        self.addrs = {}
        self.host_ports = {}   # host -> its switch port (root namespace)
        self.port_switch = {}  # switch port -> its switch (short name)
        self.trunk = None      # (s1 port, s2 port)

    def _name(self, short):
        return self.tag + short

    def add_nodes(self):
        """Create hosts, switches and links (Mininet has nothing running yet)."""
        net = self.net
        for i, sw in enumerate(SWITCHES, start=1):
            self.nodes[sw] = net.addSwitch(self._name(sw), dpid='%x' % i)
        hosts = dict(HOSTS)
        hosts[CTL] = (CTL_ADDR, CTL_SWITCH)
        for h, (addr, sw) in hosts.items():
            self.addrs[h] = addr
            self.nodes[h] = net.addHost(self._name(h), ip='%s/%d' % (addr, SUBNET_BITS))
            link = net.addLink(self.nodes[h], self.nodes[sw])
            self.host_ports[h] = link.intf2.name
            self.port_switch[link.intf2.name] = sw
        link = net.addLink(self.nodes['s1'], self.nodes['s2'])
        self.trunk = (link.intf1.name, link.intf2.name)
        self.port_switch.update({link.intf1.name: 's1', link.intf2.name: 's2'})

    def start(self):
        self.net.start()

    def stop(self):
        """Mininet's own teardown: deletes links and bridges, hangs up the
        node shells by pid (2.3.0 ends nothing by name and runs no global cleanup)."""
        for node in self.net.hosts + self.net.switches:
            if node.waiting:  # a CLI command cut short by SIGTERM/SIGHUP
                self._interrupt(node)
        self.net.stop()

    @staticmethod
    def _interrupt(node, grace=5.0):
        """Ctrl-C the command running in a node's shell and read up to its
        end: node.cmd() (which net.stop() uses) refuses a busy shell."""
        node.sendInt()
        deadline = time.monotonic() + grace
        while node.waiting and time.monotonic() < deadline:
            node.monitor(timeoutms=200)
        node.waiting = False

    def host(self, short):
        return self.nodes[short]

    def paid_hosts(self):
        """The hosts that buy: h1..h4 (not ctl, the broker's and Anvil's host)."""
        return sorted(HOSTS)

    def all_hosts(self):
        return sorted(HOSTS) + [CTL]

    def switches(self):
        return SWITCHES

    def switch_name(self, short):
        return self._name(short)

    def shape_trunk(self, run):
        """Both trunk ends at TRUNK_RATE with a plain HTB (one class, all
        traffic), for when PayFlow does not enforce the trunk; `run` runs a
        command and raises on failure."""
        for port in self.trunk:
            run(['tc', 'qdisc', 'replace', 'dev', port, 'root', 'handle', '1:', 'htb',
                 'default', '1'])
            run(['tc', 'class', 'replace', 'dev', port, 'parent', '1:', 'classid', '1:1',
                 'htb', 'rate', TRUNK_RATE, 'ceil', TRUNK_RATE])

    def unshape_trunk(self, run):
        """Remove the plain HTB (payflowd will not replace a root qdisc it did
        not create)."""
        for port in self.trunk:
            run(['tc', 'qdisc', 'del', 'dev', port, 'root'])

    def add_short_names(self):
        """Let Mininet's CLI take h1, ctl, s1 for the tagged node names (only
        its name lookup: net.stop() walks the node lists, not these)."""
        for short, node in self.nodes.items():
            self.net.nameToNode.setdefault(short, node)

    def describe(self):
        lines = ['Topology: the paper\'s Figure 3 as we read it (names prefixed "%s")'
                 % self.tag,
                 '  h1, h2, ctl on s1; h3, h4 on s2; s1 -- s2 trunk; Linux bridges, no controller',
                 '']
        for h in sorted(self.addrs):
            lines.append('  %-4s %-11s %-15s port %s' % (
                h, self.addrs[h], self._name(h), self.host_ports[h]))
        lines.append('  trunk %s <-> %s, %s each way (enforced in exp3 only; ctl\'s port never)'
                     % (self.trunk + (TRUNK_RATE,)))
        return '\n'.join(lines) + '\n'
