"""Running a suite: collect its benchmarks in workers, run each benchmark's passes.

A suite is ``native`` (``bench_*`` functions of ``bench_*.py`` files) or ``pytest`` (tests written for
pytest-benchmark or pytest-codspeed, see ``profgate.pytest_plugin``). Benchmarks run one after another (never
concurrently: they would perturb each other's timings); the first pass that fails stops that benchmark and is
recorded, and the suite goes on.
"""

import ast
import hashlib
import os
import re
import time

from profgate.manager import Manager
from profgate.normalise import tail

PASSES = ("timing", "profile", "memory")

_SKIPPED_DIRS = ("__pycache__", "node_modules")


def _walk(cwd, paths, wanted):
    """Files under ``paths`` (files, or directories searched recursively for names ``wanted`` accepts), relative and
    ``/``-separated, in a stable order without duplicates."""
    found = []
    seen = set()
    for path in paths:
        full = os.path.join(cwd, path)
        if os.path.isdir(full):
            candidates = []
            for directory, subdirectories, files in os.walk(full):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRS)
                candidates.extend(os.path.join(directory, f) for f in sorted(files) if wanted(f))
        else:
            candidates = [full]
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real not in seen:
                seen.add(real)
                found.append(os.path.relpath(candidate, cwd).replace(os.sep, "/"))
    return found


def find_files(cwd, paths):
    """Benchmark files (``bench_*.py``) under ``paths``."""
    return _walk(cwd, paths, lambda name: name.startswith("bench_") and name.endswith(".py"))


def detect(cwd, paths):
    """The kind of suite under ``paths``: ``native`` when they hold ``bench_*.py`` files; else ``pytest`` when a
    Python file under them uses the ``benchmark`` fixture (a function parameter named ``benchmark``) or marker
    (``mark.benchmark``); else ``native``, which then finds no benchmarks."""
    if find_files(cwd, paths):
        return "native"
    for file in _walk(cwd, paths, lambda name: name.endswith(".py")):
        try:
            with open(os.path.join(cwd, file), "rb") as handle:
                source = handle.read()
        except OSError:
            continue
        if b"benchmark" in source and _uses_benchmark(source):
            return "pytest"
    return "native"


def _uses_benchmark(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            if any(argument.arg == "benchmark" for argument in node.posonlyargs + node.args + node.kwonlyargs):
                return True
        elif isinstance(node, ast.Attribute) and node.attr == "benchmark":
            if isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
                return True
    return False


def profile_slug(benchmark_id):
    """A file name for a benchmark's profile: readable, and unique through a hash of the id."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", benchmark_id).strip("_.")[:80]
    return "{}-{}".format(readable, hashlib.sha1(benchmark_id.encode("utf-8", "surrogatepass")).hexdigest()[:10])


def _entry(benchmark_id, file, name, params, clock):
    return {
        "id": benchmark_id,
        "file": file,
        "name": name,
        "params": params,
        "clock": clock,
        "status": "ok",
        "failure": None,
        "output": "",
        "timing": None,
        "profile": None,
        "memory": None,
    }


def fail(entry, pass_name, status, message, output):
    """Records on a result entry that ``pass_name`` ended with ``status``."""
    entry["status"] = status
    entry["failure"] = {"pass": pass_name, "message": message, "output": output}


class SuiteError(Exception):
    """The suite cannot be collected at all (pytest rejected its configuration or arguments): a usage error, with
    the ``output`` that explains it."""

    def __init__(self, message, output):
        super().__init__(message)
        self.output = output


class Suite:
    """One run of the harness over a working directory with fixed settings."""

    def __init__(self, options, cwd, out, emit):
        self.options = options
        self.cwd = cwd
        self.out = out
        self.emit = emit
        self.manager = Manager(cwd, options.pythonpath, options.hash_seed, options.timeout)
        self._passes = {"timing": self._timing, "profile": self._profile, "memory": self._memory}

    def run(self):
        """Runs everything and returns the ``benchmarks`` list of the results."""
        started = time.perf_counter()
        entries = self.collect()
        self.emit({"event": "collected", "count": len(entries)})
        for index, entry in enumerate(entries, 1):
            benchmark_started = time.perf_counter()
            if entry["failure"] is None:
                self._run_benchmark(entry, index, len(entries))
            self.emit({
                "event": "done",
                "index": index,
                "count": len(entries),
                "id": entry["id"],
                "status": entry["status"],
                "elapsed": time.perf_counter() - benchmark_started,
            })
        self.emit({"event": "finished", "elapsed": time.perf_counter() - started})
        return entries

    def _selected(self, benchmark_id, module_failed=False):
        wanted = self.options.filter
        if wanted is None or wanted in benchmark_id:
            return True
        # A module that failed to import may hold the wanted benchmarks: keep it when the filter names its file.
        return module_failed and benchmark_id in wanted

    def collect(self):
        """The result entries of the selected benchmarks, those that failed to collect already recorded as failed."""
        if self.options.suite == "pytest":
            return self._collect_pytest()
        entries = []
        for file in find_files(self.cwd, self.options.paths):
            outcome = self.manager.run({"kind": "collect", "file": file})
            if not outcome.ok:
                if self._selected(file, module_failed=True):
                    entry = _entry(file, file, "", {}, "cpu")
                    fail(entry, "collect", outcome.status, outcome.message, outcome.output)
                    entry["output"] = outcome.output
                    entries.append(entry)
                continue
            for found in outcome.data["benchmarks"]:
                if not self._selected(found["id"]):
                    continue
                if "error" in found:
                    entry = _entry(found["id"], file, found["name"], {}, "cpu")
                    fail(entry, "collect", "error", found["error"], "")
                else:
                    entry = _entry(found["id"], file, found["name"], found["params"], found["clock"])
                entries.append(entry)
        return entries

    def _collect_pytest(self):
        outcome = self.manager.run({"kind": "collect", "suite": "pytest", "paths": self.options.paths, "select": self.options.select})
        if not outcome.ok:
            raise SuiteError(outcome.message, outcome.output)
        entries = []
        for found in outcome.data["benchmarks"]:
            if not self._selected(found["id"], module_failed="error" in found):
                continue
            if "error" in found:
                entry = _entry(found["id"], found["file"], found["name"], {}, "cpu")
                fail(entry, "collect", "error", found["error"], found["output"])
                entry["output"] = found["output"]
            else:
                entry = _entry(found["id"], found["file"], found["name"], found["params"], found["clock"])
            entries.append(entry)
        return entries

    def _run_benchmark(self, entry, index, count):
        output = ""
        for pass_name in self.options.passes:
            self.emit({"event": "pass", "index": index, "count": count, "id": entry["id"], "pass": pass_name})
            outcomes, value = self._passes[pass_name](self.job(entry))
            for outcome in outcomes:
                output = tail(output + outcome.output)
            last = outcomes[-1]
            if not last.ok:
                fail(entry, pass_name, last.status, last.message, last.output)
                break
            entry[pass_name] = value
        entry["output"] = output

    def job(self, entry):
        """The part of every worker job that names the benchmark of a result entry."""
        return {"suite": self.options.suite, "file": entry["file"], "id": entry["id"]}

    def calibrate(self, job):
        """Runs a calibration worker: its outcome's data holds ``loops``."""
        return self.manager.run(dict(job, kind="calibrate", gc=self.options.gc, min_time=self.options.min_time))

    def time_process(self, job, loops):
        """Runs one timing worker with a fixed loop count: its outcome's data holds ``cpu`` and ``wall`` values."""
        options = self.options
        return self.manager.run(dict(job, kind="timing", gc=options.gc, loops=loops, warmups=options.warmups, values=options.values))

    def _timing(self, job):
        options = self.options
        outcomes = []
        loops = options.loops
        if loops is None:
            outcomes.append(self.calibrate(job))
            if not outcomes[-1].ok:
                return outcomes, None
            loops = outcomes[-1].data["loops"]
        processes = []
        for _ in range(options.processes):
            outcomes.append(self.time_process(job, loops))
            if not outcomes[-1].ok:
                return outcomes, None
            processes.append({"cpu": outcomes[-1].data["cpu"], "wall": outcomes[-1].data["wall"]})
        return outcomes, {"loops": loops, "warmups": options.warmups, "processes": processes}

    def _profile(self, job):
        options = self.options
        relative = "profiles/{}.pstats".format(profile_slug(job["id"]))
        outcome = self.manager.run(dict(
            job,
            kind="profile",
            iterations=options.profile_iterations,
            warmups=options.profile_warmups,
            pstats=os.path.join(self.out, *relative.split("/")),
        ))
        if not outcome.ok:
            return [outcome], None
        profile = {"iterations": options.profile_iterations, "warmups": options.profile_warmups}
        profile.update(outcome.data["profile"])
        profile["pstats"] = relative
        return [outcome], profile

    def _memory(self, job):
        outcome = self.manager.run(dict(job, kind="memory", warmups=self.options.memory_warmups, timeout=self.options.timeout))
        return [outcome], outcome.data["memory"] if outcome.ok else None
