"""The worker: a fresh process started by ``profgate.manager`` for one job.

A job (a JSON file named on the command line) says what to do: ``collect`` a module's (or a pytest suite's)
benchmarks, or run one pass (``calibrate``, ``timing``, ``profile`` or ``memory``) of each benchmark in its
``benchmarks`` list, in that order. A job of a pytest suite (``"suite": "pytest"``) goes to
``profgate.pytest_plugin``, which runs pytest in this process and measures with the same routines.

Results are JSON lines appended to the file the job names, never stdout (the benchmark may print): one record per
benchmark as soon as it is done (``{"id", "status", "message", "data"}``), a record with ``"id": null`` for a
failure of the whole job, and ``{"finished": true}`` at the end. A benchmark that raises is recorded as ``error``
(its traceback goes to stderr, which the manager keeps), ``SystemExit`` as ``exit``, and the next one runs. Before
each benchmark the worker writes a marker to its output (``profgate.manager.segment_marker``), so that the manager
can tell each benchmark's output apart and time out each benchmark on its own; a worker that dies or hangs loses
only the benchmark it was running, which the manager records as ``crash`` or ``timeout`` before starting a new
worker for the rest.
"""

import faulthandler
import gc
import itertools
import json
import os
import sys
import time
import traceback

from profgate import benchmarks
from profgate.normalise import Normaliser, clip, is_harness_file, one_line

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

_CALIBRATION_MARGIN = 1.1


def main(job_path):
    """Runs one job, writes its records and exits without running the benchmark's exit handlers or threads."""
    with open(job_path, encoding="utf-8") as file:
        job = json.load(file)
    faulthandler.enable()
    _isolate(job)
    records = Records(job["result"], job["marker"])
    try:
        if job.get("suite") == "pytest":
            # Imported here: pytest is the project's dependency, needed only by pytest suites.
            from profgate import pytest_plugin

            pytest_plugin.run_job(job, records)
        elif job["kind"] == "collect":
            records.write(None, "ok", data=_collect(job))
        else:
            _run_native(job, records)
    except BaseException as exc:
        records.write(None, *failure(exc))
    records.finish()
    # A leftover non-daemon thread or atexit handler would otherwise hold the worker until its timeout.
    os._exit(0)


def _isolate(job):
    """The working directory first on sys.path, then --pythonpath: what the benchmark sees, not the harness."""
    cwd = job["cwd"]
    harness_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = [entry for entry in sys.path if entry not in ("", harness_parent)]
    sys.path[:] = [cwd] + [os.path.join(cwd, entry) for entry in job["pythonpath"]] + path
    # What the benchmark would see run directly: its file, or pytest's (pytest.main leaves sys.argv alone).
    first = job["benchmarks"][0]["file"] if job.get("benchmarks") else job.get("file", "")
    sys.argv[:] = [os.path.join(cwd, first)] if job.get("suite") != "pytest" else ["pytest"]


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

    def begin(self, index):
        """Marks in the output that the job's benchmark number ``index`` starts."""
        _flush_streams()
        try:
            os.write(1, "\x1e{}:{}\x1e".format(self.marker, index).encode("ascii"))
        except OSError:
            # The benchmark closed its stdout: its output is then no longer told apart, its results still are.
            pass

    def write(self, benchmark_id, status, message="", data=None):
        """Records how a benchmark (or, with ``benchmark_id`` None, the whole job) ended."""
        self._line({"id": benchmark_id, "status": status, "message": message, "data": data})

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
    return "error", _describe(exc)


def _print_exception(exc):
    """Prints the traceback from the benchmark's first frame on: the harness's frames only add noise to a user's
    failure. An error of the harness itself keeps all of them."""
    frames = exc.__traceback__
    while frames is not None and _is_machinery(frames.tb_frame.f_code.co_filename):
        frames = frames.tb_next
    traceback.print_exception(type(exc), exc, frames or exc.__traceback__)


def _is_machinery(filename):
    return is_harness_file(filename) or filename.startswith("<frozen importlib")


def _describe(exc):
    """``Type: message`` on one line, the type qualified by its module unless builtin."""
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = module + "." + name
    message = one_line(str(exc))
    return clip("{}: {}".format(name, message) if message else name)


def _collect(job):
    module = benchmarks.import_file(os.path.join(job["cwd"], job["file"]))
    found = []
    for item in benchmarks.expand(module, job["file"]):
        if isinstance(item, benchmarks.InvalidBenchmark):
            found.append({"id": item.id, "name": item.name, "error": clip(str(item))})
        else:
            found.append(item.describe())
    return {"benchmarks": found}


class _Module:
    """A benchmark module as this worker loaded it: imported and set up once, torn down after its last benchmark."""

    def __init__(self, path):
        self.module = None
        self.error = None
        try:
            self.module = benchmarks.import_file(path)
            hook = getattr(self.module, "setup", None)
            if callable(hook):
                hook()
        except BaseException as exc:  # every benchmark of the module fails with it, the others still run
            self.error = exc

    def teardown(self):
        hook = getattr(self.module, "teardown", None)
        if callable(hook):
            hook()


def _run_native(job, records):
    """Runs the job's pass on each of its benchmarks in order, each recorded as it ends."""
    if job["kind"] == "memory":
        from profgate import memory

        # Started before any import, so module-level state the benchmarks touch has tracebacks too.
        memory.start()
    modules = {}
    last = {spec["file"]: index for index, spec in enumerate(job["benchmarks"])}
    for index, spec in enumerate(job["benchmarks"]):
        records.begin(index)
        file = spec["file"]
        loaded = modules.get(file)
        try:
            if loaded is None:
                loaded = modules[file] = _Module(os.path.join(job["cwd"], file))
            if loaded.error is not None:
                raise loaded.error
            try:
                benchmark = benchmarks.find(loaded.module, file, spec["id"])
                data = run_pass(job, spec, benchmark.call())
            finally:
                if last[file] == index:
                    loaded.teardown()
        except BaseException as exc:
            status, message = failure(exc)
            records.write(spec["id"], status, message)
        else:
            records.write(spec["id"], "ok", data=data)


def time_value(call, loops, keep_gc, prepare=None):
    """CPU and wall seconds of ``loops`` iterations, with the garbage collector off unless ``keep_gc``.

    With ``prepare``, an iteration is the callable ``prepare()`` returns (pytest-benchmark's pedantic ``setup``):
    each is timed on its own and the preparation, which may collect garbage, stays outside the sum.
    """
    enabled = gc.isenabled()
    if prepare is None:
        iterations = itertools.repeat(None, loops)
        if not keep_gc:
            gc.disable()
        try:
            wall_start = time.perf_counter()
            cpu_start = time.process_time()
            for _ in iterations:
                call()
            cpu = time.process_time() - cpu_start
            wall = time.perf_counter() - wall_start
        finally:
            if enabled:
                gc.enable()
        return cpu, wall
    cpu = wall = 0.0
    try:
        for _ in range(loops):
            run = prepare()
            if not keep_gc:
                gc.disable()
            wall_start = time.perf_counter()
            cpu_start = time.process_time()
            run()
            cpu += time.process_time() - cpu_start
            wall += time.perf_counter() - wall_start
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return cpu, wall


def calibrate(call, min_time, keep_gc):
    """The loop count that makes one timed value last about ``min_time`` seconds, and not less.

    Doubling finds the first count that lasts long enough; that count may overshoot by up to twice, so it is then
    scaled down to what the last measurement says lasts ``min_time`` (with a 10% margin), as every later value
    would otherwise spend the overshoot again.
    """
    # The first call pays for imports and caches; calibrating on it could fix loops too low for the rest.
    call()
    loops = 1
    while True:
        elapsed = time_value(call, loops, keep_gc)[1]
        if elapsed >= min_time:
            break
        loops *= 2
    if loops > 1 and elapsed > 0:
        loops = max(loops // 2 + 1, min(loops, int(loops * _CALIBRATION_MARGIN * min_time / elapsed) + 1))
    return loops


def run_pass(job, spec, call, prepare=None):
    """The result of ``job``'s pass (``calibrate``, ``timing``, ``profile`` or ``memory``) on the benchmark ``spec``
    of its list (its ``loops``: the loop count, if fixed), whose iteration is ``call()``, or with ``prepare`` the callable ``prepare()`` returns, prepared
    outside the measurement. The memory pass expects tracing to have been started (``memory.start()``).
    """
    kind = job["kind"]
    loops = spec.get("loops")
    if kind == "calibrate":
        return {"loops": loops if loops is not None else calibrate(call, job["min_time"], job["gc"])}
    if kind == "timing":
        # Without a loop count, this process calibrates first (and reports the count), its calibration then serving
        # as the warm-up of its first timed value.
        if loops is None:
            loops = calibrate(call, job["min_time"], job["gc"])
        cpu, wall = [], []
        for index in range(job["warmups"] + job["values"]):
            cpu_time, wall_time = time_value(call, loops, job["gc"], prepare)
            if index >= job["warmups"]:
                cpu.append(cpu_time / loops)
                wall.append(wall_time / loops)
        return {"loops": loops, "cpu": cpu, "wall": wall}
    if kind == "profile":
        from profgate import profiling

        normaliser = Normaliser(job["cwd"])
        return {"profile": profiling.profile(call, job["iterations"], job["warmups"], spec["pstats"], normaliser, prepare)}
    from profgate import memory

    return {"memory": memory.measure(call, job["warmups"], Normaliser(job["cwd"]), job["timeout"], prepare)}
