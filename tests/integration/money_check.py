#!/usr/bin/env python3
"""The money invariant of docs/MONEY.md, checked against payflowd's database
and the ledger node (read-only). Exit 0 when it holds, 1 when not (each
violation on its own "# " line), 2 on bad usage.

  money_check.py --db PATH [--rpc URL --pay-to ADDR [--strict-chain [--ignore TX]...]]
                 [--cluster-db PATH]...

  1. for every client key: deposits + refunds = debits + withdrawals + balance,
     and no balance is negative;
  2. the sum of all balances equals what the journal says is owed;
  3. every deposit and every refunded payment is a consumed payment of the
     same amount; every consumed payment was granted, deposited or refunded;
     every debit paid exactly its quote, which was granted (broker_orders);
     every quote that records its price per second has amount = price x
     seconds, and a granted upgrade raised a bought reservation from a lower
     level (its price: the levels' difference);
  4. with --rpc: every recorded payment is a successful transaction to the
     payment address (a deposit of exactly its amount, an order payment of at
     least its quote); every withdrawal entry has its signed transaction
     (withdrawals), and with --strict-chain each one mined is exactly its
     amount to its recorded address;
  6. with --cluster-db (the other brokers of a cluster, which share the
     ledger and payment address): over all the databases, the refunds and
     deposits credited for one transaction never sum to more than its value
     (the ledger's with --rpc, else the recorded amount), and no transaction
     both bought a reservation and was credited;
  5. with --strict-chain: the successful transactions to the payment address
     are exactly the recorded payments, and those from it exactly the
     recorded withdrawals (for a test's own Anvil, where nothing else pays;
     --ignore names transactions a test sent invalid on purpose).
"""
import argparse
import json
import sqlite3
import sys
import urllib.request


def rpc(url, method, *params):
    req = urllib.request.Request(url, json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode(),
        {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        out = json.load(r)
    if "error" in out:
        raise RuntimeError(f"{method}: {out['error']}")
    return out["result"]


def journal(db):
    per_key = {}
    for key, kind, amount in db.execute(
            "SELECT client_key, kind, amount FROM balance_entries"):
        per_key.setdefault(key, {"deposit": 0, "debit": 0, "refund": 0, "withdrawal": 0})
        per_key[key][kind] += int(amount)
    return per_key


def check_balances(db, bad):
    per_key = journal(db)
    balances = {k: int(b) for k, b in db.execute("SELECT client_key, balance FROM balances")}
    for key in sorted(set(per_key) | set(balances)):
        j = per_key.get(key, {"deposit": 0, "debit": 0, "refund": 0, "withdrawal": 0})
        bal = balances.get(key)
        if bal is None:
            bad(f"key {key[:16]}.. has movements but no balance row")
            continue
        if bal < 0:
            bad(f"key {key[:16]}.. has a negative balance {bal}")
        if j["deposit"] + j["refund"] != j["debit"] + j["withdrawal"] + bal:
            bad(f"key {key[:16]}..: deposits {j['deposit']} + refunds {j['refund']} != "
                f"debits {j['debit']} + withdrawals {j['withdrawal']} + balance {bal}")
    owed = sum(j["deposit"] + j["refund"] - j["debit"] - j["withdrawal"] for j in per_key.values())
    if sum(balances.values()) != owed:
        bad(f"the balances sum to {sum(balances.values())}, the journal owes {owed}")
    return per_key, balances


def check_records(db, bad):
    for kind, tx, amount in db.execute(
            "SELECT kind, ref, amount FROM balance_entries WHERE kind = 'deposit' OR "
            "(kind = 'refund' AND ref LIKE '0x%')"):
        row = db.execute("SELECT amount FROM payments WHERE tx = ?", (tx,)).fetchone()
        if not row or row[0] != amount:
            bad(f"{kind} {tx} of {amount} has payments row {row}")
    # No valid payment is left neither granted nor refunded (nor deposited).
    for tx, in db.execute("SELECT tx FROM payments WHERE tx NOT IN (SELECT tx FROM broker_orders) "
                          "AND tx NOT IN (SELECT ref FROM balance_entries WHERE kind IN "
                          "('deposit', 'refund'))"):
        bad(f"payment {tx} is used but neither granted, deposited nor refunded")
    for qid, amount in db.execute("SELECT ref, amount FROM balance_entries WHERE kind = 'debit'"):
        q = db.execute("SELECT amount FROM broker_quotes WHERE quote_id = ?", (qid,)).fetchone()
        o = db.execute("SELECT tx FROM broker_orders WHERE quote_id = ?", (qid,)).fetchone()
        if not q or q[0] != amount:
            bad(f"debit for quote {qid} of {amount}: the quote says {q}")
        if not o or o[0] != "balance:" + qid:
            bad(f"debit for quote {qid} was not granted from the balance (order {o})")
    for qid, in db.execute("SELECT quote_id FROM broker_orders WHERE tx LIKE 'balance:%'"):
        if not db.execute("SELECT 1 FROM balance_entries WHERE kind = 'debit' AND ref = ?",
                          (qid,)).fetchone():
            bad(f"quote {qid} was granted from the balance without a debit")


def has_column(db, table, column):
    return any(r[1] == column for r in db.execute(f"PRAGMA table_info({table})"))


def check_quotes(db, bad):
    """Each quote that records its price per second charged price x seconds; a
    granted upgrade raised a granted reservation from a lower level, and its
    order names the reservation it upgraded."""
    if not has_column(db, "broker_quotes", "price_per_second"):
        return  # schema before version 4: no prices, no upgrades
    for qid, amount, pps, secs in db.execute(
            "SELECT quote_id, amount, price_per_second, seconds FROM broker_quotes "
            "WHERE price_per_second != ''"):
        if int(amount) != int(pps) * int(secs):
            bad(f"quote {qid}: amount {amount} != price_per_second {pps} x seconds {secs}")
    for qid, rid, level, frm, pps, rid_o in db.execute(
            "SELECT q.quote_id, q.upgrades, q.level, q.from_level, q.price_per_second, o.rid "
            "FROM broker_quotes q JOIN broker_orders o ON o.quote_id = q.quote_id "
            "WHERE q.upgrades != ''"):
        if not 1 <= frm < level:
            bad(f"upgrade {qid} of {rid} goes from level {frm} to {level}")
        if not pps or int(pps) <= 0:
            bad(f"upgrade {qid} of {rid} charged {pps!r} a second")
        if rid_o != rid:
            bad(f"upgrade {qid} of {rid} was granted to reservation {rid_o}")
        if not db.execute("SELECT 1 FROM broker_orders o JOIN broker_quotes q ON "
                          "q.quote_id = o.quote_id WHERE o.rid = ? AND q.upgrades = ''",
                          (rid,)).fetchone():
            bad(f"upgrade {qid}: reservation {rid} was never bought")


def check_chain(db, url, pay_to, strict, ignore, bad):
    pay_to = pay_to.lower()
    # Deposits and refunded payments are credited with exactly the value sent.
    deposits = {r[0]: int(r[1]) for r in db.execute(
        "SELECT ref, amount FROM balance_entries WHERE kind = 'deposit' OR "
        "(kind = 'refund' AND ref LIKE '0x%')")}
    payments = {r[0]: int(r[1]) for r in db.execute(
        "SELECT tx, amount FROM payments WHERE tx LIKE '0x%'")}
    # A withdrawal entry's ref is its id; the withdrawals row has the transaction.
    withdrawals = {}
    for ref, amount, key in db.execute(
            "SELECT ref, amount, client_key FROM balance_entries WHERE kind = 'withdrawal'"):
        row = db.execute("SELECT lower(tx_hash), amount, client_key, lower(to_address) "
                         "FROM withdrawals WHERE id = ?", (ref,)).fetchone()
        if not row or int(row[1]) != int(amount) or row[2] != key:
            bad(f"withdrawal {ref} of {amount} has the withdrawals row {row}")
            continue
        withdrawals[row[0]] = (int(amount), row[3])
    for tx, amount in payments.items():
        t = rpc(url, "eth_getTransactionByHash", tx)
        r = rpc(url, "eth_getTransactionReceipt", tx)
        if not t or not r or int(r["status"], 16) != 1 or (t.get("to") or "").lower() != pay_to:
            bad(f"recorded payment {tx} is not a successful transfer to {pay_to}")
            continue
        value = int(t["value"], 16)
        if tx in deposits and value != amount:
            bad(f"deposit {tx} recorded {amount}, the chain says {value}")
        if tx not in deposits and value < amount:
            bad(f"order payment {tx} recorded {amount}, the chain says {value}")
    if not strict:
        return
    seen_in, seen_out = set(), set()
    head = int(rpc(url, "eth_blockNumber"), 16)
    for n in range(head + 1):
        block = rpc(url, "eth_getBlockByNumber", hex(n), True)
        for t in block["transactions"]:
            r = rpc(url, "eth_getTransactionReceipt", t["hash"])
            if int(r["status"], 16) != 1:
                continue
            if (t.get("to") or "").lower() == pay_to:
                seen_in.add(t["hash"].lower())
            if t["from"].lower() == pay_to:
                h = t["hash"].lower()
                seen_out.add(h)
                if h in withdrawals and (int(t["value"], 16), (t.get("to") or "").lower()) \
                        != withdrawals[h]:
                    bad(f"withdrawal {h} sent {int(t['value'], 16)} to {t.get('to')}, "
                        f"recorded {withdrawals[h]}")
    seen_in -= ignore
    if seen_in != set(payments):
        bad(f"on-chain payments to {pay_to} not recorded: {sorted(seen_in - set(payments))}; "
            f"recorded but not on-chain: {sorted(set(payments) - seen_in)}")
    if seen_out != set(withdrawals):
        bad(f"on-chain transfers from {pay_to} not recorded as withdrawals: "
            f"{sorted(seen_out - set(withdrawals))}; recorded withdrawals not on-chain: "
            f"{sorted(set(withdrawals) - seen_out)}")


def check_cluster(paths, url, bad):
    credited, amounts, granted = {}, {}, set()
    for path in paths:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for tx, amount in db.execute(
                "SELECT ref, amount FROM balance_entries WHERE kind = 'deposit' OR "
                "(kind = 'refund' AND ref LIKE '0x%')"):
            credited[tx] = credited.get(tx, 0) + int(amount)
            amounts[tx] = max(amounts.get(tx, 0), int(amount))
        granted.update(r[0] for r in db.execute(
            "SELECT tx FROM broker_orders WHERE tx LIKE '0x%'"))
        db.close()
    for tx, total in credited.items():
        value = int(rpc(url, "eth_getTransactionByHash", tx)["value"], 16) if url else amounts[tx]
        if total > value:
            bad(f"transaction {tx} of {value} was credited {total} across the cluster")
        if tx in granted:
            bad(f"transaction {tx} bought a reservation and was credited ({total})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--rpc")
    ap.add_argument("--pay-to")
    ap.add_argument("--strict-chain", action="store_true")
    ap.add_argument("--ignore", action="append", default=[],
                    help="a transaction the test sent invalid on purpose (refused, not owed)")
    ap.add_argument("--cluster-db", action="append", default=[],
                    help="another broker's database of the same cluster")
    a = ap.parse_args()
    if bool(a.rpc) != bool(a.pay_to):
        ap.error("--rpc and --pay-to go together")
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    failures = []

    def bad(msg):
        failures.append(msg)
        print(f"# money: {msg}")

    per_key, balances = check_balances(db, bad)
    check_records(db, bad)
    check_quotes(db, bad)
    if a.rpc:
        check_chain(db, a.rpc, a.pay_to, a.strict_chain, {t.lower() for t in a.ignore}, bad)
    if a.cluster_db:
        check_cluster([a.db] + a.cluster_db, a.rpc, bad)
    total = sum(balances.values())
    print(f"# money: {len(per_key)} keys, balances sum {total}, "
          f"{'violations: ' + str(len(failures)) if failures else 'invariant holds'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
