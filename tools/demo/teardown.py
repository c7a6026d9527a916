"""Undo everything the demo made, in reverse order, whatever happens.

Each setup step pushes the action that undoes it. run() pops and runs them
all, even when one fails, with SIGINT/SIGTERM/SIGHUP ignored so a second
Ctrl-C cannot cut the cleanup short. Processes are ended by the pid we
started them with, never by name.
"""

import signal
import subprocess
import sys


class Interrupted(Exception):
    """A signal asked the demo to stop."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def install_signal_handlers():
    """Turn SIGINT, SIGTERM and SIGHUP into Interrupted, so finally runs."""
    for s in STOP_SIGNALS:
        signal.signal(s, _raise_interrupted)


def stop_process(proc, grace=3.0):
    """SIGTERM the process we started (by its pid), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Teardown:
    def __init__(self, log=None):
        self._undo = []
        self._log = log or (lambda msg: print(msg, file=sys.stderr))

    def push(self, what, action):
        """Remember action (no arguments) that undoes `what`."""
        self._undo.append((what, action))

    def process(self, what, proc):
        """Remember a started process; it is stopped by its pid."""
        self.push('%s (pid %d)' % (what, proc.pid), lambda: stop_process(proc))
        return proc

    def run(self):
        """Undo everything, last first. Returns the number of failed steps."""
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        failed = 0
        while self._undo:
            what, action = self._undo.pop()
            try:
                action()
            except Exception as e:  # keep undoing the rest
                failed += 1
                self._log('cleanup: %s: %s %s' % (what, type(e).__name__, e))
        return failed
