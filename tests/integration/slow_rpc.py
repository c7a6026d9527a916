#!/usr/bin/env python3
"""A JSON-RPC relay that answers DELAY seconds late: a slow ledger for the
broker's fairness tests. Usage: slow_rpc.py PORT UPSTREAM_URL DELAY
(listens on 127.0.0.1:PORT; one thread per request, like a remote node)."""
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, DELAY = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])


class Relay(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(DELAY)
        req = urllib.request.Request(UPSTREAM, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            out = r.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Relay).serve_forever()
