#!/usr/bin/env python3
"""Checks the example frames of docs/PROTOCOL.md with an independent
implementation (Python json + the cryptography package's ed25519), using
only the rules the document states: one JSON object per line, `data` is a
string holding JSON, signature = ed25519 over
"payflow/v1/" + type + "\n" + data + "\n" + verification, hex encoded."""
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

UNSIGNED = {"HELLO", "STATUS"}
CLIENT_TYPES = {"HELLO", "QUOTE_REQUEST", "ORDER", "STATUS", "DEPOSIT", "BALANCE", "CANCEL", "WITHDRAW"}


def main(path):
    frames = []
    for line in open(path, encoding="utf-8"):
        if line.startswith(("C: {", "B: {")):
            frames.append((line[0], line[3:].rstrip("\n")))
    if len(frames) < 12:
        print(f"not ok - protocol doc: only {len(frames)} example frames found")
        return 1
    broker_key = None
    failures = 0
    for who, text in frames:
        env = json.loads(text)
        assert sorted(env) == ["data", "message_type", "signature", "verification"], env
        mtype, data = env["message_type"], env["data"]
        payload = json.loads(data)
        assert (who == "C") == (mtype in CLIENT_TYPES), (who, mtype)
        if mtype == "MENU":
            broker_key = bytes.fromhex(payload["broker_key"])
        if mtype in UNSIGNED:
            ok = env["signature"] == "" and env["verification"] == ""
        else:
            key = bytes.fromhex(payload["client_key"]) if who == "C" else broker_key
            signed = ("payflow/v1/" + mtype + "\n" + data + "\n" + env["verification"]).encode()
            try:
                Ed25519PublicKey.from_public_bytes(key).verify(bytes.fromhex(env["signature"]), signed)
                ok = True
            except InvalidSignature:
                ok = False
        if mtype == "QUOTE":
            which = "price_per_second_one_way" if payload.get("one_way") else "price_per_second"
            price = int(menu_levels[payload["level"]][which])
            ok = ok and int(payload["amount"]) == price * payload["seconds"]
        if mtype == "MENU":
            menu_levels = payload["levels"]
        print(f"{'ok' if ok else 'not ok'} - protocol doc example {who}: {mtype}")
        failures += not ok
    # Tampering must break a signature: flip one digit of the ORDER's tx hash.
    order = next(json.loads(t) for w, t in frames if '"ORDER"' in t)
    payload = json.loads(order["data"])
    bad_tx = order["verification"][:-1] + ("0" if order["verification"][-1] != "0" else "1")
    signed = ("payflow/v1/ORDER\n" + order["data"] + "\n" + bad_tx).encode()
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(payload["client_key"])).verify(
            bytes.fromhex(order["signature"]), signed)
        print("not ok - protocol doc: a changed tx hash still verifies")
        failures += 1
    except InvalidSignature:
        print("ok - protocol doc: a changed tx hash breaks the ORDER signature")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
