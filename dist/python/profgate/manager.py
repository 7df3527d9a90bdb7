"""Starting workers, as psf/pyperf's ``_manager.py`` does: one fresh process per job, run one at a time.

Each worker gets a fixed ``PYTHONHASHSEED``, its own session (so a timeout kills everything it started), its output
captured (only the tail is kept) and a temporary file for its result: the result never travels on stdout, where the
benchmark may print.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading

from profgate.normalise import HARNESS_DIR, MAX_OUTPUT, tail

# Enough bytes for MAX_OUTPUT characters of UTF-8 output.
_TAIL_BYTES = 4 * MAX_OUTPUT

_READER_GRACE = 5.0

_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from profgate.worker import main; main(sys.argv[2])"


class Outcome:
    """How a worker ended: ``status`` (``ok``, ``error``, ``exit``, ``crash``, ``timeout``), a one-line
    ``message`` unless ok, the tail of its output, and its result data when it reported one."""

    def __init__(self, status, message, output, data):
        self.status = status
        self.message = message
        self.output = output
        self.data = data

    @property
    def ok(self):
        return self.status == "ok"


class Manager:
    """Runs worker jobs for one suite: the working directory, sys.path additions, hash seed and timeout."""

    def __init__(self, cwd, pythonpath, hash_seed, timeout):
        self.cwd = cwd
        self.pythonpath = list(pythonpath)
        self.timeout = timeout
        self.env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))

    def run(self, job):
        """Runs one job (a dict for ``profgate.worker``) in a fresh process and says how it ended."""
        with tempfile.TemporaryDirectory(prefix="profgate-") as scratch:
            result_path = os.path.join(scratch, "result.json")
            job = dict(job, cwd=self.cwd, pythonpath=self.pythonpath, result=result_path)
            command = [sys.executable, "-c", _BOOTSTRAP, os.path.dirname(HARNESS_DIR), json.dumps(job)]
            process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            reader = _TailReader(process.stdout)
            reader.start()
            timed_out = False
            try:
                process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                # Also reaps whatever the benchmark left running in the worker's session, which would hold the
                # output pipe open (and the CPU busy) after the worker itself is gone.
                _kill_group(process.pid)
                process.wait()
            # A process that left the session (setsid) could keep the pipe open for ever.
            reader.join(_READER_GRACE)
            output = reader.text()
            if timed_out:
                return Outcome("timeout", "timed out after {:g} s; the worker and its children were killed".format(self.timeout), output, None)
            data = _read_result(result_path)
            if data is None:
                return Outcome("crash", _death(process.returncode), output, None)
            status = data.pop("status")
            return Outcome(status, data.pop("message", ""), output, data)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_result(path):
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("status") in ("ok", "error", "exit") else None


def _death(returncode):
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "signal"
        return "the worker was killed by {} ({}) before reporting a result".format(name, -returncode)
    return "the worker exited with code {} before reporting a result (os._exit or an interpreter fault)".format(returncode)


class _TailReader(threading.Thread):
    """Drains a pipe, keeping only its end, so a benchmark printing without end cannot fill memory or block."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.buffer = bytearray()

    def run(self):
        with self.stream:
            while True:
                chunk = self.stream.read1(65536)
                if not chunk:
                    break
                self.buffer += chunk
                if len(self.buffer) > 2 * _TAIL_BYTES:
                    del self.buffer[:-_TAIL_BYTES]

    def text(self):
        return tail(bytes(self.buffer[-_TAIL_BYTES:]).decode("utf-8", errors="replace"))

