"""Running a suite: collect its benchmarks in workers, run each benchmark's passes.

A suite is ``native`` (``bench_*`` functions of ``bench_*.py`` files), ``pytest`` (tests written for
pytest-benchmark or pytest-codspeed, see ``profgate.pytest_plugin``) or ``asv`` (an airspeed velocity suite, see
``profgate.asv``). Every benchmark goes through the passes of its kind (``PASSES_OF``): all of them for a timed one,
the memory pass for asv's ``peakmem_``, the timing pass for asv's ``timeraw_`` (its code timed in a fresh
interpreter), one ``value`` call for asv's ``mem_`` and ``track_``. A benchmark whose
asv ``setup`` raises ``NotImplementedError`` is recorded as skipped (``skipped``: why) and leaves its passes.
Benchmarks run one after another (never concurrently: they would perturb each other's timings); the first pass that
fails stops that benchmark and is recorded, and the suite goes on. When the run is stopped (``profgate.manager.Stop``),
every benchmark that had not been through all its passes is recorded as ``stopped``, its failure naming the pass it
did not finish; what it measured before is kept (its timing, when only later passes are missing; with fewer
processes than asked, when the stop came within the timing pass).
"""

import ast
import hashlib
import os
import random
import re
import time

from profgate import asv, instructions
from profgate.manager import STOPPED, Manager
from profgate.normalise import tail
from profgate.timing import LONG_ITERATION

_SKIPPED_DIRS = ("__pycache__", "node_modules")

# The fixtures and marker names of pytest-benchmark and pytest-codspeed that make a test a benchmark.
_FIXTURES = ("benchmark", "codspeed_benchmark")

# The passes each kind of benchmark goes through: of timing, instructions, profile and memory those the run asks for
# (--passes); ``value``, the only measurement of its kinds, always.
PASSES_OF = {
    "time": ("timing", "instructions", "profile", "memory"),
    "peakmem": ("memory",),
    # Timed in a fresh interpreter, which neither cProfile nor tracemalloc (nor valgrind) of the worker sees.
    "timeraw": ("timing",),
    "mem": ("value",),
    "track": ("value",),
}


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


class AmbiguousSuite(Exception):
    """Auto detection found benchmarks of two kinds under the PATHs; the message names them and the flag that
    decides."""


def detect(cwd, paths):
    """The kind of suite under ``paths``: ``asv`` when the working directory has an asv.conf.json and a Python file
    under ``paths`` defines an asv benchmark (``time_*``, ``peakmem_*``, ...); else ``pytest`` when a Python file
    under them (``bench_*.py`` files included) uses the ``benchmark`` fixture (a function parameter named
    ``benchmark``) or marker (``mark.benchmark``) and no ``bench_*.py`` file holds native benchmarks (module-level
    ``bench_*`` functions); ``native`` when only the latter are there, or nothing is (the run then finds no
    benchmarks). Both kinds at once raise ``AmbiguousSuite``."""
    if os.path.isfile(os.path.join(cwd, asv.CONFIG)) and any(os.path.isdir(os.path.join(cwd, path)) and asv.holds_benchmarks(cwd, path) for path in paths):
        return "asv"
    native = []
    tests = []
    for file in _walk(cwd, paths, lambda name: name.endswith(".py")):
        kind = _kind_of(os.path.join(cwd, file), os.path.basename(file).startswith("bench_"))
        if kind == "pytest":
            tests.append(file)
        elif kind == "native":
            native.append(file)
    if native and tests:
        raise AmbiguousSuite(
            "{} hold{} both native benchmarks (bench_* functions in {}) and pytest benchmarks (tests using the "
            "benchmark fixture or marker in {}); say which to run with --suite native or --suite pytest (or "
            "--suite asv for an asv suite)".format(", ".join(paths), "s" if len(paths) == 1 else "", _some(native), _some(tests))
        )
    return "pytest" if tests else "native"


def pytest_bench_files(cwd, paths):
    """The ``bench_*.py`` files under the directories among ``paths`` that use the ``benchmark`` fixture or marker:
    a pytest suite collects them beside what the project's pytest configuration collects there."""
    directories = [path for path in paths if os.path.isdir(os.path.join(cwd, path))]
    return [file for file in find_files(cwd, directories) if _kind_of(os.path.join(cwd, file), True) == "pytest"]


def _some(files, shown=3):
    more = len(files) - shown
    return ", ".join(files[:shown]) + (" and {} more".format(more) if more > 0 else "")


def _kind_of(path, bench_file):
    """``pytest`` when the file at ``path`` uses the ``benchmark`` fixture or marker, else ``native`` for a
    ``bench_file`` with module-level ``bench_*`` functions, else None."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return None
    if not bench_file and b"benchmark" not in source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    if _uses_benchmark(tree):
        return "pytest"
    if bench_file and any(isinstance(node, ast.FunctionDef) and node.name.startswith("bench_") for node in tree.body):
        return "native"
    return None


def _uses_benchmark(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            if any(argument.arg in _FIXTURES for argument in node.posonlyargs + node.args + node.kwonlyargs):
                return True
        elif isinstance(node, ast.Attribute) and node.attr in _FIXTURES:
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


def _plain_seconds(timing):
    """The best wall seconds per iteration a timing pass recorded, or None without one."""
    values = [value for process in (timing or {}).get("processes", []) for value in process["wall"]]
    return min(values) if values else None


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
    """One run of the harness over a working directory with fixed settings.

    Each pass runs all the benchmarks in one worker process (``--isolate``: each benchmark in its own); the timing
    pass runs ``processes`` such workers, each timing every benchmark once, in an order drawn at random per worker,
    so that no benchmark always follows the same one. The profile and memory passes keep the collection order.
    """

    def __init__(self, settings, cwd, emit, stop=None, timings=None):
        self.settings = settings
        # A --deep-only run's timings, from the run it completes: one plain iteration sizes the memory pass's budget.
        self.timings = timings or {}
        self.cwd = cwd
        self.emit = emit
        self.manager = Manager(cwd, settings.pythonpath, settings.hash_seed, settings.timeout, stop)
        self.random = random.Random(settings.hash_seed)
        self._done = []
        self._elapsed = {}
        self._pass_elapsed = {}
        self._passes = {"value": self._value, "timing": self._timing, "instructions": self._instructions, "profile": self._profile, "memory": self._memory}
        # Per benchmark id, what only the workers need: an asv benchmark's module and its own settings.
        self._specs = {}

    def run(self):
        """Runs everything and returns the ``benchmarks`` list of the results."""
        started = time.perf_counter()
        wanted = self.settings.ids
        entries = [entry for entry in self.collect() if wanted is None or entry["id"] in wanted]
        self.emit({"event": "collected", "count": len(entries)})
        self._finish([entry for entry in entries if entry["failure"] is not None], len(entries))
        self._finish([entry for entry in entries if "skipped" in entry], len(entries))
        runnable = [entry for entry in entries if _runnable(entry)]
        planned = [name for name in ("value",) + tuple(self.settings.passes) if any(name in PASSES_OF[entry.get("kind", "time")] for entry in runnable)]
        self.emit({"event": "plan", "passes": planned, "isolate": self.settings.isolate})
        for group in ([entry] for entry in runnable) if self.settings.isolate else [runnable]:
            for pass_name in ("value",) + tuple(self.settings.passes):
                members = [entry for entry in group if _runnable(entry) and pass_name in PASSES_OF[entry.get("kind", "time")]]
                if not members:
                    continue
                self._passes[pass_name](members)
                self._finish([entry for entry in members if not _runnable(entry)], len(entries))
            self._finish([entry for entry in group if _runnable(entry)], len(entries))
        if self.settings.depth == "exact":
            for entry in entries:
                if entry["profile"] is not None or entry["memory"] is not None:
                    entry["depth"] = "exact"
        self.emit({"event": "finished", "elapsed": time.perf_counter() - started})
        return entries

    def _finish(self, entries, count):
        for entry in entries:
            self._done.append(entry["id"])
            self.emit({
                "event": "done",
                "index": len(self._done),
                "count": count,
                "id": entry["id"],
                "status": "skipped" if "skipped" in entry else entry["status"],
                "elapsed": self._elapsed.get(entry["id"], 0.0),
                "passes": self._pass_elapsed.get(entry["id"], {}),
            })

    def _selected(self, benchmark_id, module_failed=False):
        wanted = self.settings.filter
        if wanted is None or wanted in benchmark_id:
            return True
        # A module that failed to import may hold the wanted benchmarks: keep it when the filter names its file.
        return module_failed and benchmark_id in wanted

    def collect(self):
        """The result entries of the selected benchmarks, those that failed to collect already recorded as failed."""
        if self.settings.suite == "pytest":
            return self._collect_pytest()
        if self.settings.suite == "asv":
            return self._collect_asv()
        entries = []
        for file in find_files(self.cwd, self.settings.paths):
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
        job = {"kind": "collect", "suite": "pytest", "paths": self.settings.paths, "select": self.settings.select, "bench_files": pytest_bench_files(self.cwd, self.settings.paths)}
        outcome = self.manager.run(job)
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

    def _collect_asv(self):
        outcome = self.manager.run({"kind": "collect", "suite": "asv", "root": self.settings.paths[0]})
        if not outcome.ok:
            raise SuiteError("the asv suite in {} could not be collected: {}".format(self.settings.paths[0], outcome.message), outcome.output)
        entries = []
        for found in outcome.data["benchmarks"]:
            if not self._selected(found["id"], module_failed="error" in found):
                continue
            self._specs[found["id"]] = {"module": found["module"], "overrides": found.get("overrides", {}), "setup_cache": found.get("setup_cache")}
            if "error" in found:
                entry = _entry(found["id"], found["file"], found["name"], {}, "cpu")
                fail(entry, "collect", "error", found["error"], found.get("output", ""))
                entry["output"] = found.get("output", "")
            else:
                entry = _entry(found["id"], found["file"], found["name"], found["params"], found["clock"])
                # "time", the default kind, is left out as in native suites.
                if found["kind"] in PASSES_OF and found["kind"] != "time":
                    entry["kind"] = found["kind"]
                for key in ("unit", "pretty_name", "skipped"):
                    if key in found:
                        entry[key] = found[key]
                if entry.get("kind") in ("mem", "track"):
                    entry["value"] = None
            entries.append(entry)
        return entries

    def _batch(self, pass_name, job, entries, specs=None, step=1, steps=1, wrapper=None):
        """Runs one pass's job on ``entries`` (in that order) and returns the entries that came through it with
        their data; the others are recorded as failed in ``pass_name`` (as stopped, once the run is stopped)."""
        if self.manager.stop.signal is None:
            self.emit({"event": "pass", "pass": pass_name, "step": step, "steps": steps, "count": len(entries)})
        specs = specs or [self._spec(entry) for entry in entries]
        job = dict(job, suite=self.settings.suite)
        if self.settings.suite == "asv":
            job["root"] = self.settings.paths[0]
        started = time.perf_counter()
        over = []

        def on_done(benchmark_id):
            over.append(benchmark_id)
            self.emit({
                "event": "progress",
                "pass": pass_name,
                "step": step,
                "steps": steps,
                "done": len(over),
                "count": len(entries),
                "id": benchmark_id,
                "elapsed": time.perf_counter() - started,
            })

        outcomes = self.manager.run_batch(job, specs, wrapper, on_done)
        passed = []
        for entry in entries:
            outcome = outcomes[entry["id"]]
            entry["output"] = tail(entry["output"] + outcome.output)
            self._elapsed[entry["id"]] = self._elapsed.get(entry["id"], 0.0) + outcome.elapsed
            spent = self._pass_elapsed.setdefault(entry["id"], {})
            measured_in = "timing" if pass_name == "calibrate" else pass_name
            spent[measured_in] = spent.get(measured_in, 0.0) + outcome.elapsed
            if outcome.ok and outcome.data is not None and "skipped" in outcome.data:
                entry["skipped"] = outcome.data["skipped"]
            elif outcome.ok:
                passed.append((entry, outcome.data))
            else:
                fail(entry, "timing" if pass_name == "calibrate" else pass_name, outcome.status, outcome.message, outcome.output)
        return passed

    def _spec(self, entry, **extra):
        """What a worker needs to know of one benchmark: where it is, its id, its timeout, and for an asv benchmark
        its module, its own settings (``overrides``: ``min_time``, ``values``) and its ``setup_cache`` with that
        one's timeout: its own ``timeout`` attribute, else the longest of the benchmarks using it, as asv's."""
        spec = {"file": entry["file"], "id": entry["id"]}
        known = self._specs.get(entry["id"])
        own = None
        if known is not None:
            overrides = dict(known["overrides"])
            own = overrides.pop("timeout", None)
            overrides.pop("loops", None)
            spec.update(module=known["module"], overrides=overrides)
            cache = known.get("setup_cache")
            if cache is not None:
                users = [key for key, other in self._specs.items() if (other.get("setup_cache") or {}).get("key") == cache["key"]]
                longest = max(self.settings.timeout_of(key, self._specs[key]["overrides"].get("timeout")) for key in users)
                spec.update(setup_cache=cache["key"], setup_cache_timeout=cache["timeout"] or longest)
        spec["timeout"] = self.settings.timeout_of(entry["id"], own)
        spec.update(extra)
        return spec

    def _fixed_loops(self, entries):
        """The loop counts fixed before calibration: --loops for every benchmark, else an asv benchmark's ``number``."""
        if self.settings.loops is not None:
            return {entry["id"]: self.settings.loops for entry in entries}
        fixed = {}
        for entry in entries:
            number = self._specs.get(entry["id"], {}).get("overrides", {}).get("loops")
            if number is not None:
                fixed[entry["id"]] = number
        return fixed

    def calibrate(self, entries):
        """The loop count of each entry that calibrates, ``{id: loops}``; the others are recorded as failed."""
        job = {"kind": "calibrate", "gc": self.settings.gc, "min_time": self.settings.min_time}
        fixed = self._fixed_loops(entries)
        specs = [self._spec(entry, loops=fixed.get(entry["id"])) for entry in entries]
        return {entry["id"]: data["loops"] for entry, data in self._batch("calibrate", job, entries, specs)}

    def time_processes(self, entries, loops, step=1, steps=1):
        """One timing worker over ``entries`` in that order, with the loop counts ``loops`` gives (the worker
        calibrates those it lacks): ``[(entry, {"loops", "cpu", "wall"})]`` for those that came through it; the
        others are recorded as failed."""
        settings = self.settings
        job = {
            "kind": "timing",
            "gc": settings.gc,
            "min_time": settings.min_time,
            "warmups": settings.warmups,
            "values": settings.values,
            # Each process's share of a benchmark's measurement budget.
            "budget": settings.max_time / settings.processes,
        }
        specs = [self._spec(entry, loops=loops.get(entry["id"])) for entry in entries]
        return self._batch("timing", job, entries, specs, step, steps)

    def _timing(self, entries):
        settings = self.settings
        # Without a fixed count, the first timing worker calibrates each benchmark before timing it.
        loops = self._fixed_loops(entries)
        processes = {entry["id"]: [] for entry in entries}
        warmups = {}
        wanted = list(entries)
        for step in range(1, settings.processes + 1):
            if not wanted:
                break
            order = list(wanted)
            self.random.shuffle(order)
            for entry, data in self.time_processes(order, loops, step, settings.processes):
                loops.setdefault(entry["id"], data["loops"])
                warmups[entry["id"]] = min(warmups.get(entry["id"], settings.warmups), data.get("warmups", settings.warmups))
                processes[entry["id"]].append({"cpu": data["cpu"], "wall": data["wall"]})
            wanted = [entry for entry in wanted if _runnable(entry) and not enough_processes(settings, entry["clock"], loops[entry["id"]], processes[entry["id"]])]
        for entry in entries:
            done = processes[entry["id"]]
            # What a stopped run measured is kept too, marked by the status as short of the processes asked for.
            stopped = entry["status"] == STOPPED and done
            if _runnable(entry) or stopped:
                entry["timing"] = {"loops": loops[entry["id"]], "warmups": warmups.get(entry["id"], settings.warmups), "processes": done}
            if stopped:
                entry["failure"]["message"] = "stopped by {} after {} of {} timing processes".format(self.manager.stop.signal, len(done), settings.processes)

    def _instructions(self, entries):
        # Sleeps and waits execute next to no instructions: a wall-clock benchmark stays on timing.
        counted = [entry for entry in entries if entry["clock"] == "cpu"]
        if not counted:
            return
        settings = self.settings
        job = {"kind": "instructions", "iterations": settings.instruction_iterations, "warmups": settings.instruction_warmups, "gc": settings.gc}
        for entry, data in self._batch("instructions", job, counted, wrapper=instructions.command):
            entry["instructions"] = data["instructions"]

    def _profile(self, entries):
        settings = self.settings
        relative = {entry["id"]: "profiles/{}.pstats".format(profile_slug(entry["id"])) for entry in entries}
        specs = [self._spec(entry, pstats=os.path.join(settings.out, *relative[entry["id"]].split("/"))) for entry in entries]
        # At depth exact one profiled iteration: its calls are exact; its times are no more than a sample.
        iterations = 1 if settings.depth == "exact" else settings.profile_iterations
        job = {"kind": "profile", "iterations": iterations, "warmups": settings.profile_warmups, "max_time": settings.max_time}
        for entry, data in self._batch("profile", job, entries, specs):
            profile = {"warmups": settings.profile_warmups}
            profile.update(data["profile"])
            profile["pstats"] = relative[entry["id"]]
            entry["profile"] = profile
        for entry, spec in zip(entries, specs):
            if entry["profile"] is None:
                # A worker killed while writing a profile (a timeout, a stop) may have left part of one.
                try:
                    os.remove(spec["pstats"])
                except OSError:
                    pass

    def _value(self, entries):
        for entry, data in self._batch("value", {"kind": "value"}, entries):
            entry["value"] = data["value"]

    def _memory(self, entries):
        job = {"kind": "memory", "warmups": self.settings.memory_warmups, "cost": self.settings.memory_cost, "depth": self.settings.depth}
        # One plain iteration's seconds, as the timing pass measured it, sizes the memory pass's budget.
        specs = [self._spec(entry, plain=_plain_seconds(entry["timing"] or self.timings.get(entry["id"]))) for entry in entries]
        for entry, data in self._batch("memory", job, entries, specs):
            entry["memory"] = data["memory"]


def enough_processes(settings, clock, loops, processes):
    """Whether a benchmark timed in ``processes`` (``[{"cpu", "wall"}]``, one per process so far) needs no more:

    - its values already agree: it has ``min_processes`` processes whose best values on its ``clock`` (what the
      comparison works on) lie within ``settle`` of each other. A spread that small decides a comparison against
      another run as well as more processes would (the default 5% is a third of the 15% noise margin of separate
      runs, and five processes a side are the fewest with which the default 99% interval has bounds at all); a
      benchmark whose processes disagree keeps getting values, up to ``processes``;
    - or its iterations are long (one lasts ``LONG_ITERATION`` or more, and is its process's only value) and its
      values add up to ``long_time`` seconds: a benchmark of a minute an iteration gets one process, not ten.
    """
    walls = [value for process in processes for value in process["wall"]]
    if loops == 1 and walls and min(walls) >= LONG_ITERATION and sum(walls) >= settings.long_time:
        return True
    bests = [min(process[clock]) for process in processes if process[clock]]
    if len(bests) < settings.min_processes or min(bests) <= 0:
        return False
    return max(bests) <= min(bests) * (1 + settings.settle)


def _runnable(entry):
    return entry["failure"] is None and "skipped" not in entry
