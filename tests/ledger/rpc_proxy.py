#!/usr/bin/env python3
"""A fault-injecting JSON-RPC proxy between payflowd and a real node (Anvil).

Usage: rpc_proxy.py PORT UPSTREAM_URL SCRIPT [LOG]

Listens on 127.0.0.1:PORT (PORT 0: the kernel picks; the proxy prints
"listening on 127.0.0.1:N" on stdout). SCRIPT is a JSON file read again
whenever it changes, so a test changes the faults by rewriting it (write a
temporary file and mv it over SCRIPT). Every injected fault is one line
"fault KIND METHOD" in LOG (stderr when absent), so tests can check that the
fault really happened.

SCRIPT: {"rules": [RULE, ...], "random": RANDOM}
  RULE: {"method": "eth_getTransactionReceipt" or "*", "fault": KIND,
         "times": N (optional: only the first N matching calls),
         "prob": P (optional: each matching call with probability P), ...}
  The first rule that matches a call (and has times left) applies.
  KIND:
    delay      "seconds": S, then forwards
    drop       closes the connection without an answer
    cut        sends the headers and half of the real body, then closes
    corrupt    the real body with its last bytes replaced by "}{" (not JSON)
    http       "status": 429 / 500 / ... with a short text body
    stale      the previous answer to this method (its id set to the
               current one), as a caching provider that fell behind would
    rewrite    the real answer with "set": {FIELD: VALUE} applied to its
               result object, or "result": VALUE replacing the result;
               the string "$param0" in VALUE stands for the call's first
               parameter (a lying node fabricating a transaction for any hash)
    endless    headers, then one byte every 0.2 s, never the end
    huge       a body that streams fast and never ends (the size cap)
  RANDOM (the reliability check): {"prob": P, "faults": [RULE, ...],
         "seed": S}: when no rule matched, with probability P one of the
         faults is picked at random (its "method" is ignored).
"""
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, SCRIPT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOG = open(sys.argv[4], "a", buffering=1) if len(sys.argv) > 4 else sys.stderr
ENDLESS_LIMIT_S = 120  # even an endless body ends when no client reads it
HUGE_LIMIT = 64 << 20


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.mtime = None
        self.script = {}
        self.used = {}  # rule index -> calls it applied to
        self.last = {}  # method -> last real answer (for "stale")
        self.rng = random.Random(0)

    def load(self):
        try:
            st = os.stat(SCRIPT)
            mtime = (st.st_mtime_ns, st.st_ino)  # a file moved over it is new
        except OSError:
            return
        if mtime == self.mtime:
            return
        try:
            with open(SCRIPT) as f:
                script = json.load(f)
        except (OSError, ValueError) as e:
            print("bad script: %s" % e, file=LOG)
            return
        self.mtime, self.script, self.used = mtime, script, {}
        self.rng = random.Random(script.get("random", {}).get("seed", 0))

    def pick(self, method):
        """The rule for this call, or None; counts it."""
        with self.lock:
            self.load()
            for i, r in enumerate(self.script.get("rules", [])):
                if r.get("method", "*") not in ("*", method):
                    continue
                if "times" in r and self.used.get(i, 0) >= r["times"]:
                    continue
                if "prob" in r and self.rng.random() >= r["prob"]:
                    continue
                self.used[i] = self.used.get(i, 0) + 1
                return r
            rnd = self.script.get("random")
            if rnd and rnd.get("faults") and self.rng.random() < rnd.get("prob", 0):
                return self.rng.choice(rnd["faults"])
        return None


STATE = State()


def substitute(v, param0):
    if isinstance(v, str):
        return v.replace("$param0", param0)
    if isinstance(v, dict):
        return {k: substitute(x, param0) for k, x in v.items()}
    if isinstance(v, list):
        return [substitute(x, param0) for x in v]
    return v


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self, body):
        req = urllib.request.Request(UPSTREAM, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def send(self, status, out, length=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out) if length is None else length))
        self.end_headers()
        self.wfile.write(out)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            call = json.loads(body)
            method, rid = call.get("method", ""), call.get("id")
            params = call.get("params") or []
        except ValueError:
            method, rid, params = "", None, []
        rule = STATE.pick(method)
        kind = rule.get("fault") if rule else None
        if kind:
            print("fault %s %s" % (kind, method), file=LOG)
        try:
            self.apply(kind, rule or {}, body, method, rid, params)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass

    def apply(self, kind, rule, body, method, rid, params):
        if kind == "delay":
            time.sleep(float(rule.get("seconds", 1)))
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "http":
            self.close_connection = True
            self.send(int(rule.get("status", 500)), b"fault injected\n")
            return
        if kind == "endless":
            return self.endless(b" ", 0.2, ENDLESS_LIMIT_S)
        if kind == "huge":
            return self.endless(b"[" + b"1," * 4096, 0, None)
        out = self.forward(body)
        if kind == "stale":
            out = self.stale(method, rid, out)
        elif kind == "rewrite":
            out = self.rewrite(rule, out, params)
        elif method:
            STATE.last[method] = out
        if kind == "cut":
            self.close_connection = True
            self.send(200, out[: len(out) // 2], len(out))
            return
        if kind == "corrupt":
            out = out[:-2] + b"}{"
        self.send(200, out)

    def stale(self, method, rid, out):
        old = STATE.last.get(method)
        if old is None:
            STATE.last[method] = out
            return out
        msg = json.loads(old)
        msg["id"] = rid
        return json.dumps(msg).encode()

    def rewrite(self, rule, out, params):
        msg = json.loads(out)
        p0 = params[0] if params and isinstance(params[0], str) else ""
        if "result" in rule:
            msg["result"] = substitute(rule["result"], p0)
        elif isinstance(msg.get("result"), dict):
            msg["result"].update(substitute(rule.get("set", {}), p0))
        return json.dumps(msg).encode()

    def endless(self, chunk, pause, limit_s):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"jsonrpc":"2.0","id":1,"result":')
        sent, t0 = 0, time.monotonic()
        while sent < HUGE_LIMIT and (limit_s is None or time.monotonic() - t0 < limit_s):
            self.wfile.write(chunk)
            self.wfile.flush()
            sent += len(chunk)
            if pause:
                time.sleep(pause)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", PORT), Proxy)
print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
