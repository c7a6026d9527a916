"""The demo's experiments: which flows run, and when who buys what.

exp1 follows the paper's Figure 4 and exp2 its Figure 5. In the paper, exp2's
second reservation (h2, 45 s + 15 s) ends exactly when the 60 s run does; we
run exp2 for 70 s so the fall back to best effort is visible too. DEMO=quick
is a shortened exp1 (about 30 s) for the test suite.

exp3 is ours: the guarantee across the s1-s2 trunk (300 Mbit/s), which three
unreserved flows h2 -> h4 fill while h1 holds level 2 toward h3. exp3-off is
the same run with the trunk outside PayFlow (still 300 Mbit/s, shaped by a
plain HTB), so the difference is visible next to it.
"""

from collections import namedtuple

# src sends to dst (TCP, iperf3, `streams` parallel connections) for the whole
# experiment; `unpaid_mbit` is the flow's expected rate while it holds no
# reservation, None when it shares its bottleneck with other flows (no
# per-flow figure to expect).
Flow = namedtuple('Flow', 'src dst streams unpaid_mbit', defaults=(1, 50))
# At `at` seconds, `buyer` buys `level` for the pair buyer<->peer for `seconds`.
Buy = namedtuple('Buy', 'at buyer peer level seconds')
# What payflowd enforces during an experiment (daemon.py writes its config):
#   trunk: True  - bridges s1 and s2, the trunk is a link of 300 Mbit/s per
#                  direction shaped by PayFlow's HTB and charged by admission;
#          False - the host ports only (`ports`): the trunk is not modelled,
#                  the demo shapes it to 300 Mbit/s with its own plain HTB.
#   hosts: the hosts whose switch ports are enforced (ctl's never is).
# Its config is kept as payflowd-<name>.json in the results.
Setup = namedtuple('Setup', 'name trunk hosts')
Experiment = namedtuple('Experiment', 'name title duration flows buys setup')

EDGE = Setup(name='edge', trunk=False, hosts=('h1', 'h2', 'h3', 'h4'))
# h4's port is left alone in exp3: its best-effort class (50 Mbit/s) would
# otherwise cap the unreserved flows toward it at the edge, and they could
# never fill the trunk.
TRUNK_ON = Setup(name='trunk', trunk=True, hosts=('h1', 'h2', 'h3'))
TRUNK_OFF = Setup(name='trunk-off', trunk=False, hosts=('h1', 'h2', 'h3'))

EXP1 = Experiment(
    name='exp1',
    title='Experiment 1 (paper Fig. 4): h1 -> h3, h1 buys level 2 at 10 s for 15 s',
    duration=60,
    flows=[Flow('h1', 'h3')],
    buys=[Buy(10, 'h1', 'h3', 2, 15)],
    setup=EDGE)

EXP2 = Experiment(
    name='exp2',
    title='Experiment 2 (paper Fig. 5): h1 -> h3 and h2 -> h4; '
          'h1 buys level 2 at 20 s for 30 s, h2 at 45 s for 15 s',
    duration=70,
    flows=[Flow('h1', 'h3'), Flow('h2', 'h4')],
    buys=[Buy(20, 'h1', 'h3', 2, 30), Buy(45, 'h2', 'h4', 2, 15)],
    setup=EDGE)


def trunk_experiment(name, setup, how):
    # Unpaid, h1 -> h3 shares a bottleneck with h2 -> h4 (the trunk's
    # best-effort class, or the plain trunk): no per-flow figure to expect.
    return Experiment(
        name=name,
        title='Experiment 3 (trunk %s): h2 -> h4 x3 unreserved fill the 300 Mbit/s '
              's1-s2 trunk; h1 -> h3 buys level 2 at 10 s for 20 s' % how,
        duration=40,
        flows=[Flow('h1', 'h3', 1, None), Flow('h2', 'h4', 3, None)],
        buys=[Buy(10, 'h1', 'h3', 2, 20)],
        setup=setup)


EXP3 = trunk_experiment('exp3', TRUNK_ON, 'enforced by PayFlow')
EXP3_OFF = trunk_experiment('exp3-off', TRUNK_OFF, 'not enforced')

QUICK = Experiment(
    name='exp1',
    title='Experiment 1, quick: h1 -> h3, h1 buys level 2 at 8 s for 12 s',
    duration=30,
    flows=[Flow('h1', 'h3')],
    buys=[Buy(8, 'h1', 'h3', 2, 12)],
    setup=EDGE)

# payflowd is restarted with a new config when the setup changes (runner.py).
PLANS = {
    'full': [EXP1, EXP2, EXP3_OFF, EXP3],
    'quick': [QUICK],
    'trunk': [EXP3_OFF, EXP3],
}


def flow_name(flow):
    return '%s-%s' % (flow.src, flow.dst)
