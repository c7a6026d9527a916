"""1-second throughput samples: from iperf3's JSON to the experiment CSVs.

The samples are the receiver's (iperf3 --get-server-output), so they show
what got through the switch, not what the sender wrote into its socket.
Times are seconds since the experiment's clients were started.

<exp>.csv          t_start,t_end,flow,mbit_s,paid,entitled_mbit
                   paid=1 if the sample's midpoint lies in a paid window of
                   its flow; entitled_mbit is the rate the flow had then, or
                   n/a when unpaid and sharing its bottleneck with others.
<exp>-windows.csv  flow,buyer,peer,level,rate_mbit,start,end,confirm_start,
                   confirm_end,reservation_id,tx_hash,amount_wei
                   start/end: the data plane's window; confirm_*: the CONFIRM's
                   (whole seconds of the broker's clock), on the same time axis.
"""

import csv
import json

MIN_INTERVAL = 0.5  # drop iperf3's last, partial interval


class IperfError(Exception):
    pass


def receiver_samples(path):
    """[(t_start, t_end, bit/s)] of the receiver's intervals in an iperf3
    client's JSON output (run with -J --get-server-output)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise IperfError('%s: no iperf3 JSON (%s)' % (path, e))
    if doc.get('error'):
        raise IperfError('%s: iperf3: %s' % (path, doc['error']))
    server = doc.get('server_output_json')
    if not server or not server.get('intervals'):
        raise IperfError('%s: iperf3 returned no receiver intervals' % path)
    out = []
    for iv in server['intervals']:
        s = iv['sum']
        if s['end'] - s['start'] >= MIN_INTERVAL:
            out.append((s['start'], s['end'], s['bits_per_second']))
    return out


def write_samples(path, per_flow, windows, unpaid):
    """per_flow: {flow: [(t_start, t_end, bit/s)]}; windows: list of dicts;
    unpaid: {flow: its rate in Mbit/s without a reservation, or None}."""
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['t_start', 't_end', 'flow', 'mbit_s', 'paid', 'entitled_mbit'])
        for flow in per_flow:  # grouped by flow: gnuplot draws each as one line
            for start, end, bps in per_flow[flow]:
                mid = (start + end) / 2
                paid = [x for x in windows
                        if x['flow'] == flow and x['start'] <= mid < x['end']]
                entitled = max(x['rate_mbit'] for x in paid) if paid else unpaid[flow]
                w.writerow(['%.3f' % start, '%.3f' % end, flow, '%.2f' % (bps / 1e6),
                            1 if paid else 0,
                            'n/a' if entitled is None else '%g' % entitled])


WINDOW_FIELDS = ['flow', 'buyer', 'peer', 'level', 'rate_mbit', 'start', 'end',
                 'confirm_start', 'confirm_end', 'reservation_id', 'tx_hash', 'amount_wei']


def write_windows(path, windows):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=WINDOW_FIELDS)
        w.writeheader()
        for x in windows:
            row = dict(x)
            for k in ('start', 'end', 'confirm_start', 'confirm_end'):
                row[k] = '%.3f' % x[k]
            row['rate_mbit'] = '%g' % x['rate_mbit']
            w.writerow(row)
