"""The worker: one fresh process per job, started by ``profgate.manager``.

A job (JSON on the command line) says what to do: ``collect`` a module's benchmarks, ``calibrate`` a loop count, or
run one ``timing``, ``profile`` or ``memory`` pass of one benchmark. A job of a pytest suite (``"suite": "pytest"``)
goes to ``profgate.pytest_plugin``, which runs pytest in this process and measures with the same routines. The
result is JSON written to the file the job names, never to stdout: the benchmark may print. A benchmark that raises
is reported as ``error`` (its traceback goes to stderr, which the manager keeps), ``SystemExit`` as ``exit``; a
worker that dies without writing its result is a ``crash``, and one that hangs is killed by the manager.
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


def main(job_json):
    """Runs one job, writes its result and exits without running the benchmark's exit handlers or threads."""
    job = json.loads(job_json)
    faulthandler.enable()
    _isolate(job)
    try:
        result = _JOBS[job["kind"]](job) if job.get("suite") != "pytest" else _pytest_job(job)
        result["status"] = "ok"
    except Reported as exc:
        result = {"status": exc.status, "message": exc.message}
    except SystemExit as exc:
        _print_exception(exc)
        result = {"status": "exit", "message": "SystemExit: exit code {!r}".format(exc.code)}
    except BaseException as exc:
        _print_exception(exc)
        result = {"status": "error", "message": _describe(exc)}
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a benchmark may have replaced or closed them; the result matters more
            pass
    with open(job["result"], "w", encoding="utf-8") as file:
        json.dump(result, file)
    # A leftover non-daemon thread or atexit handler would otherwise hold the worker until its timeout.
    os._exit(0)


def _isolate(job):
    """The working directory first on sys.path, then --pythonpath: what the benchmark sees, not the harness."""
    cwd = job["cwd"]
    harness_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = [entry for entry in sys.path if entry not in ("", harness_parent)]
    sys.path[:] = [cwd] + [os.path.join(cwd, entry) for entry in job["pythonpath"]] + path
    # What the benchmark would see run directly: its file, or pytest's (pytest.main leaves sys.argv alone).
    sys.argv[:] = [os.path.join(cwd, job["file"])] if job.get("suite") != "pytest" else ["pytest"]


class Reported(Exception):
    """A failure whose account (a failing test's report) is already in the output: recorded with ``status`` and a
    one-line ``message``, without a traceback of the harness."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


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
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = module + "." + name
    message = one_line(str(exc))
    return clip("{}: {}".format(name, message) if message else name)


def _pytest_job(job):
    # Imported here: pytest is the project's dependency, needed only by pytest suites.
    from profgate import pytest_plugin

    return pytest_plugin.run_job(job)


def _benchmark(job):
    module = benchmarks.import_file(os.path.join(job["cwd"], job["file"]))
    return module, benchmarks.find(module, job["file"], job["id"])


def _once_per_process(module, name):
    hook = getattr(module, name, None)
    if callable(hook):
        hook()


def _collect(job):
    module = benchmarks.import_file(os.path.join(job["cwd"], job["file"]))
    found = []
    for item in benchmarks.expand(module, job["file"]):
        if isinstance(item, benchmarks.InvalidBenchmark):
            found.append({"id": item.id, "name": item.name, "error": clip(str(item))})
        else:
            found.append(item.describe())
    return {"benchmarks": found}


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


def calibrate(call, job):
    """The loop count that makes one timed value last at least ``job["min_time"]``."""
    # The first call pays for imports and caches; calibrating on it could fix loops too low for the rest.
    call()
    loops = 1
    while time_value(call, loops, job["gc"])[1] < job["min_time"]:
        loops *= 2
    return loops


def measure(job, call, prepare=None):
    """The result of ``job``'s pass (``timing``, ``profile`` or ``memory``) on a benchmark whose iteration is
    ``call()``, or with ``prepare`` the callable ``prepare()`` returns, prepared outside the measurement. The
    memory pass expects tracing to have been started (``memory.start()``) before the benchmark's code was imported.
    """
    kind = job["kind"]
    if kind == "timing":
        loops = job["loops"]
        cpu, wall = [], []
        for index in range(job["warmups"] + job["values"]):
            cpu_time, wall_time = time_value(call, loops, job["gc"], prepare)
            if index >= job["warmups"]:
                cpu.append(cpu_time / loops)
                wall.append(wall_time / loops)
        return {"cpu": cpu, "wall": wall}
    if kind == "profile":
        from profgate import profiling

        normaliser = Normaliser(job["cwd"])
        return {"profile": profiling.profile(call, job["iterations"], job["warmups"], job["pstats"], normaliser, prepare)}
    from profgate import memory

    return {"memory": memory.measure(call, job["warmups"], Normaliser(job["cwd"]), job["timeout"], prepare)}


def _calibrate(job):
    module, benchmark = _benchmark(job)
    _once_per_process(module, "setup")
    loops = calibrate(benchmark.call(), job)
    _once_per_process(module, "teardown")
    return {"loops": loops}


def _measured(job):
    module, benchmark = _benchmark(job)
    _once_per_process(module, "setup")
    result = measure(job, benchmark.call())
    _once_per_process(module, "teardown")
    return result


def _memory(job):
    from profgate import memory

    # Started before the import, so module-level state the benchmark touches has tracebacks too.
    memory.start()
    return _measured(job)


_JOBS = {
    "collect": _collect,
    "calibrate": _calibrate,
    "timing": _measured,
    "profile": _measured,
    "memory": _memory,
}
