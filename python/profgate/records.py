"""What a worker reports: JSON lines in the file its job names, and markers in its output between benchmarks.

Shared by the native worker (``profgate.worker``) and the pytest side (``profgate.pytest_plugin``). Records are
never written to stdout, where the benchmark may print: one per benchmark as soon as it is done (``{"id", "status",
"message", "data"}``), ``{"importing": MODULE}`` as a worker imports a module before its first benchmark,
``{"id", "iteration": SECONDS}`` when a pass has timed one plain iteration of it (so that a
timeout can say how long one iteration takes), a record with ``"id": null`` for a failure of the whole job, and
``{"finished": true}`` at the end.
"""

import json
import os
import sys
import traceback

from profgate.normalise import clip, is_harness_file, one_line

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True


def _flush_streams():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a benchmark may have replaced or closed them; the result matters more
            pass


class Records:
    """The job's result file (JSON lines, each flushed as written) and the output markers between benchmarks."""

    def __init__(self, path, marker):
        self.file = open(path, "a", encoding="utf-8")
        self.marker = marker

    def begin(self, index, phase=None):
        """Marks in the output that the job's benchmark number ``index`` starts its own run, or with ``phase``
        (``setup_cache``) a part of its work that its timeout does not cover, which the manager limits on its own."""
        _flush_streams()
        label = "{}:{}".format(self.marker, index) + (":" + phase if phase else "")
        try:
            os.write(1, "\x1e{}\x1e".format(label).encode("ascii"))
        except OSError:
            # The benchmark closed its stdout: its output is then no longer told apart, its results still are.
            pass

    def write(self, benchmark_id, status, message="", data=None):
        """Records how a benchmark (or, with ``benchmark_id`` None, the whole job) ended."""
        self._line({"id": benchmark_id, "status": status, "message": message, "data": data})

    def importing(self, name):
        """Records that the worker starts importing the module ``name`` before its first benchmark, so that a
        start-up that runs out of time names the import it was in."""
        self._line({"importing": name})

    def iteration(self, benchmark_id, seconds):
        """Records how long one plain iteration of a benchmark took, before the rest of its pass."""
        self._line({"id": benchmark_id, "iteration": seconds})

    def finish(self):
        """Records that the job ran to its end."""
        self._line({"finished": True})
        self.file.close()

    def _line(self, value):
        _flush_streams()
        self.file.write(json.dumps(value) + "\n")
        self.file.flush()


class Reported(Exception):
    """A failure whose account (a failing test's report) is already in the output: recorded with ``status`` and a
    one-line ``message``, without a traceback of the harness."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def failure(exc):
    """``(status, message)`` of an exception a benchmark raised, its traceback printed to the worker's output."""
    if isinstance(exc, Reported):
        return exc.status, exc.message
    _print_exception(exc)
    if isinstance(exc, SystemExit):
        return "exit", "SystemExit: exit code {!r}".format(exc.code)
    return "error", describe(exc)


def _print_exception(exc):
    """Prints the traceback from the benchmark's first frame on: the harness's frames only add noise to a user's
    failure. An error of the harness itself keeps all of them."""
    frames = exc.__traceback__
    while frames is not None and _is_machinery(frames.tb_frame.f_code.co_filename):
        frames = frames.tb_next
    traceback.print_exception(type(exc), exc, frames or exc.__traceback__)


def _is_machinery(filename):
    return is_harness_file(filename) or filename.startswith("<frozen importlib")


def describe(exc):
    """``Type: message`` on one line, the type qualified by its module unless builtin."""
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = module + "." + name
    message = one_line(str(exc))
    return clip("{}: {}".format(name, message) if message else name)
