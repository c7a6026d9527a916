#!/usr/bin/env python3
"""Round trips of {"op":"ping"} on payflowd's control socket, one at a time.

usage: ctl_rtt.py SOCKET SECONDS

Pings for SECONDS (at most 100,000 times) and prints one JSON object with the
count and the p50, p99 and max round trip in microseconds: how long a request
waits for the event loop, e.g. while metrics are scraped.
"""
import json
import socket
import sys
import time


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    f = s.makefile("rwb", buffering=0)
    end = time.monotonic() + float(sys.argv[2])
    lat = []
    while time.monotonic() < end and len(lat) < 100000:
        t = time.perf_counter()
        f.write(b'{"op":"ping"}\n')
        if not f.readline():
            sys.exit("payflowd closed the connection")
        lat.append((time.perf_counter() - t) * 1e6)
    lat.sort()
    print(json.dumps({"count": len(lat), "p50_us": int(lat[len(lat) // 2]),
                      "p99_us": int(lat[int(len(lat) * 0.99)]), "max_us": int(lat[-1])}))


main()
