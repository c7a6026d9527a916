#!/usr/bin/python3
"""Invariants of the chaos run, each from independent sources.

  chaos_check.py sample --ctl CTL --pin PIN LOG...
  chaos_check.py final  --ctl CTL --pin PIN --db DB --rpc URL --pay-to ADDR LOG...

LOG: the BUY lines of broker_probe (the clients' own record of what they
paid and which CONFIRMs they got). Prints one JSON object.

sample (the data plane, read once, now): every CONFIRMed reservation whose
end is more than 2 s ahead has a live entry in the pinned map that expires
within 2 s of its CONFIRMed end; every one that ended more than 2 s ago has
no live entry (the BPF program stops enforcing at expires_at by itself).

final, in addition:
  lost        a CONFIRM without its broker_orders row (same tx, rid, start,
              end) or without its reservation row (same end) in the database
  double      a transaction consumed twice (payments rows per tx, broker_orders
              rows per tx, client CONFIRMs per tx or per reservation id)
  unaccounted a paid transaction that is neither consumed (payments) nor
              refused with an error code the client received
  amount_mismatch_wei  |sum of consumed amounts (DB) - sum of on-chain values
              of those transactions (Anvil)| + |DB - the quoted amounts|
  chain_bad   a consumed payment whose receipt is not status 1 to pay_to
(deposits to balances are left to money_check.py)
"""
import argparse, collections, json, sqlite3, subprocess, sys, time, urllib.request

SLACK = 2


def buys(logs):
    out = []
    for path in logs:
        with open(path) as f:
            for line in f:
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if o.get("type") == "BUY":
                    out.append(o)
    return out


def pair_keys(o):
    return ("%s <-> %s" % (o["ip1"], o["ip2"]), "%s <-> %s" % (o["ip2"], o["ip1"]))


def sample(args, orders):
    rows = json.loads(subprocess.check_output(
        [args.ctl, "--pin-root", args.pin, "--direct", "--json", "list"]))
    now = time.time()
    live = {r["pair"]: now + r["seconds_left"] for r in rows if r["state"] == "active"}
    res = dict(active_checked=0, ended_checked=0, missing=0, wrong_end=0, late=0)
    for o in orders:
        if o["outcome"] != "CONFIRM":
            continue
        exp = next((live[k] for k in pair_keys(o) if k in live), None)
        if o["end"] > now + SLACK:
            res["active_checked"] += 1
            if exp is None:
                res["missing"] += 1
            elif abs(exp - o["end"]) > SLACK:
                res["wrong_end"] += 1
        elif o["end"] < now - SLACK:
            res["ended_checked"] += 1
            if exp is not None:
                res["late"] += 1
    res["misses"] = res["missing"] + res["wrong_end"] + res["late"]
    return res


def rpc_batch(url, method, hashes):
    out = {}
    for i in range(0, len(hashes), 200):
        chunk = hashes[i:i + 200]
        body = json.dumps([{"jsonrpc": "2.0", "id": j, "method": method, "params": [h]}
                           for j, h in enumerate(chunk)]).encode()
        req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        for r in json.load(urllib.request.urlopen(req, timeout=60)):
            out[chunk[r["id"]]] = r.get("result")
    return out


def final(args, orders):
    db = sqlite3.connect(args.db)
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    # Deposits to balances are payments too, but no client ORDERed them: money_check.py
    # accounts for them (docs/MONEY.md).
    payments = q("SELECT lower(tx), resv_id, amount FROM payments WHERE tx NOT IN "
                 "(SELECT ref FROM balance_entries WHERE kind = 'deposit')")
    paid_db = {tx: (rid, int(amount)) for tx, rid, amount in payments}
    border = {qid: (tx.lower(), rid, s, e) for qid, tx, rid, s, e in
              q("SELECT quote_id, tx, rid, start_unix, end_unix FROM broker_orders")}
    resv_end = {rid: e // 10**9 for rid, e in q(
        "SELECT b.rid, r.end_wall_ns FROM broker_reservations b JOIN reservations r ON r.id = b.resv_id")}
    res = collections.OrderedDict()
    confirmed = [o for o in orders if o["outcome"] == "CONFIRM"]
    res["orders"] = len(orders)
    res["confirmed"] = len(confirmed)
    res["paid"] = sum(1 for o in orders if o.get("tx"))
    res["refused"] = sum(1 for o in orders if o["outcome"] not in ("CONFIRM", "timeout", "pay_failed"))
    res["timeouts"] = sum(1 for o in orders if o["outcome"] == "timeout")
    res["pay_failed"] = sum(1 for o in orders if o["outcome"] == "pay_failed")
    res["refusal_codes"] = ",".join(sorted({o["outcome"] for o in orders
                                            if o["outcome"] not in ("CONFIRM",)})) or "none"

    lost = 0
    for o in confirmed:
        row = border.get(o["quote_id"])
        if row != (o["tx"].lower(), o["rid"], o["start"], o["end"]) or resv_end.get(o["rid"]) != o["end"]:
            lost += 1
    res["lost"] = lost

    per_tx = collections.Counter(o["tx"].lower() for o in confirmed)
    per_rid = collections.Counter(o["rid"] for o in confirmed)
    per_resv = collections.Counter(rid for rid, _ in paid_db.values())
    double = q("SELECT count(*) - count(DISTINCT lower(tx)) FROM payments")[0][0]
    double += q("SELECT count(*) - count(DISTINCT lower(tx)) FROM broker_orders")[0][0]
    double += sum(n - 1 for n in per_tx.values()) + sum(n - 1 for n in per_rid.values())
    double += sum(n - 1 for n in per_resv.values())
    res["double"] = double

    unaccounted = 0
    for o in orders:
        tx = (o.get("tx") or "").lower()
        if tx and tx not in paid_db and o["outcome"] in ("CONFIRM", "timeout", "pay_failed"):
            unaccounted += 1
    res["unaccounted"] = unaccounted
    # Consumed although its client never saw the CONFIRM (it gave up): the grant exists.
    res["consumed_unconfirmed"] = sum(1 for tx in paid_db if tx not in per_tx)

    hashes = sorted(paid_db)
    txs = rpc_batch(args.rpc, "eth_getTransactionByHash", hashes)
    rcpts = rpc_batch(args.rpc, "eth_getTransactionReceipt", hashes)
    chain_sum = 0
    chain_bad = 0
    for h in hashes:
        t, r = txs.get(h), rcpts.get(h)
        if not t or not r or r.get("status") != "0x1" or (t.get("to") or "").lower() != args.pay_to.lower():
            chain_bad += 1
            continue
        chain_sum += int(t["value"], 16)
    db_sum = sum(a for _, a in paid_db.values())
    quoted = sum(int(o["amount"]) for o in confirmed)
    quoted += sum(int(o["amount"]) for o in orders
                  if o["outcome"] != "CONFIRM" and (o.get("tx") or "").lower() in paid_db)
    res["chain_bad"] = chain_bad
    res["amount_db_wei"] = str(db_sum)
    res["amount_chain_wei"] = str(chain_sum)
    res["amount_mismatch_wei"] = abs(db_sum - chain_sum) + abs(db_sum - quoted)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["sample", "final"])
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--pin", required=True)
    ap.add_argument("--db")
    ap.add_argument("--rpc")
    ap.add_argument("--pay-to")
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()
    orders = buys(args.logs)
    res = sample(args, orders)
    if args.mode == "final":
        res = dict(final(args, orders), **{"enforce_" + k: v for k, v in res.items()})
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
