#!/usr/bin/env python3
"""Pipelined grants to payflowd over one control-socket connection.

usage: pfd_load.py SOCKET COUNT [--rate BPS] [--seconds S] [--window N] [--first I]
                   [--op grant|hold] [--a-net 10.78] [--b-net 10.79]

Grant (or hold) i (from --first, default 1) is for the pair A.(i/256).(i%256) <->
B.(i/256).(i%256), A and B the two /16 nets (default 10.78 and 10.79). Up to
WINDOW requests are in flight at once. Prints one JSON object: how many were
granted and refused, and the wall time it took.
"""
import json
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    path, count = args[0], int(args[1])
    opts = dict(zip(args[2::2], args[3::2]))
    rate = int(opts.get("--rate", "100000"))
    seconds = int(opts.get("--seconds", "3600"))
    window = int(opts.get("--window", "64"))
    first = int(opts.get("--first", "1"))
    op = opts.get("--op", "grant")
    a_net, b_net = opts.get("--a-net", "10.78"), opts.get("--b-net", "10.79")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rwb", buffering=0)
    sent = done = granted = 0
    errors = {}
    start = time.monotonic()
    rd = s.makefile("rb")
    while done < count:
        batch = []
        while sent < count and sent - done < window:
            hi, lo = divmod(sent + first, 256)
            req = {"op": op, "a": f"{a_net}.{hi}.{lo}", "b": f"{b_net}.{hi}.{lo}",
                   "rate_bps": rate, "seconds": seconds}
            batch.append(json.dumps(req).encode() + b"\n")
            sent += 1
        if batch:
            f.write(b"".join(batch))
        line = rd.readline()
        if not line:
            sys.exit("payflowd closed the connection")
        reply = json.loads(line)
        done += 1
        if reply.get("ok"):
            granted += 1
        else:
            errors[reply.get("error")] = errors.get(reply.get("error"), 0) + 1
    elapsed = time.monotonic() - start
    print(json.dumps({"granted": granted, "refused": errors, "seconds": round(elapsed, 3)}))


if __name__ == "__main__":
    main()
