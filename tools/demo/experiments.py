"""The demo's experiments: which flows run, and when who buys what.

exp1 follows the paper's Figure 4 and exp2 its Figure 5. In the paper, exp2's
second reservation (h2, 45 s + 15 s) ends exactly when the 60 s run does; we
run exp2 for 70 s so the fall back to best effort is visible too. DEMO=quick
is a shortened exp1 (about 30 s) for the test suite.
"""

from collections import namedtuple

# src sends to dst (TCP, iperf3) for the whole experiment.
Flow = namedtuple('Flow', 'src dst')
# At `at` seconds, `buyer` buys `level` for the pair buyer<->peer for `seconds`.
Buy = namedtuple('Buy', 'at buyer peer level seconds')
Experiment = namedtuple('Experiment', 'name title duration flows buys')

EXP1 = Experiment(
    name='exp1',
    title='Experiment 1 (paper Fig. 4): h1 -> h3, h1 buys level 2 at 10 s for 15 s',
    duration=60,
    flows=[Flow('h1', 'h3')],
    buys=[Buy(10, 'h1', 'h3', 2, 15)])

EXP2 = Experiment(
    name='exp2',
    title='Experiment 2 (paper Fig. 5): h1 -> h3 and h2 -> h4; '
          'h1 buys level 2 at 20 s for 30 s, h2 at 45 s for 15 s',
    duration=70,
    flows=[Flow('h1', 'h3'), Flow('h2', 'h4')],
    buys=[Buy(20, 'h1', 'h3', 2, 30), Buy(45, 'h2', 'h4', 2, 15)])

QUICK = Experiment(
    name='exp1',
    title='Experiment 1, quick: h1 -> h3, h1 buys level 2 at 8 s for 12 s',
    duration=30,
    flows=[Flow('h1', 'h3')],
    buys=[Buy(8, 'h1', 'h3', 2, 12)])

PLANS = {
    'full': [EXP1, EXP2],
    'quick': [QUICK],
}


def flow_name(flow):
    return '%s-%s' % (flow.src, flow.dst)
