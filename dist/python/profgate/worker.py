"""The worker: a fresh process started by ``profgate.manager`` for one job.

A job (a JSON file named on the command line) says what to do: ``collect`` a module's (or a pytest suite's)
benchmarks, or run one pass (``calibrate``, ``timing``, ``profile`` or ``memory``) of each benchmark in its
``benchmarks`` list, in that order. A job of a pytest suite (``"suite": "pytest"``) goes to
``profgate.pytest_plugin``, which runs pytest in this process and measures with the same routines; one of an asv
suite (``"suite": "asv"``) to ``profgate.asv``.

Results are JSON lines appended to the file the job names, never stdout (the benchmark may print; see
``profgate.records``). A benchmark that raises is recorded as ``error`` (its traceback goes to stderr, which the
manager keeps), ``SystemExit`` as ``exit``, and the next one runs. Before each benchmark the worker writes a marker to its output (``profgate.manager.segment_marker``), so that the manager
can tell each benchmark's output apart and time out each benchmark on its own; a worker that dies or hangs loses
only the benchmark it was running, which the manager records as ``crash`` or ``timeout`` before starting a new
worker for the rest.
"""

import faulthandler
import json
import os
import sys

from profgate import asv, benchmarks
from profgate.normalise import clip
from profgate.passes import run_pass
from profgate.records import Records, failure

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True


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
        elif job.get("suite") == "asv":
            asv.run_job(job, records)
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
    """What the benchmark sees on sys.path, not the harness: for a native suite the folders of its benchmark files
    first (as ``python benchmarks/bench_x.py`` would have its own folder), then the working directory, then
    --pythonpath. pytest puts a test's folder on sys.path itself, as its import mode says; an asv suite's directory
    is imported as a package (``profgate.asv``), never put on sys.path, where its modules could shadow others."""
    cwd = job["cwd"]
    harness_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = [entry for entry in sys.path if entry not in ("", harness_parent)]
    files = [spec["file"] for spec in job.get("benchmarks", [])] or ([job["file"]] if "file" in job else [])
    folders = [] if job.get("suite") in ("pytest", "asv") else [os.path.dirname(os.path.join(cwd, file)) for file in files]
    front = list(dict.fromkeys(folders + [cwd] + [os.path.join(cwd, entry) for entry in job["pythonpath"]]))
    sys.path[:] = front + [entry for entry in path if entry not in front]
    # What the benchmark would see run directly: its file, or pytest's (pytest.main leaves sys.argv alone).
    first = job["benchmarks"][0]["file"] if job.get("benchmarks") else job.get("file", "")
    sys.argv[:] = ["pytest"] if job.get("suite") == "pytest" else [os.path.join(cwd, first)]


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
                data = run_pass(job, spec, benchmark.call(), records)
            finally:
                if last[file] == index:
                    loaded.teardown()
        except BaseException as exc:
            status, message = failure(exc)
            records.write(spec["id"], status, message)
        else:
            records.write(spec["id"], "ok", data=data)
