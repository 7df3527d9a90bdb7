"""Running a suite: find ``bench_*.py`` files, collect their benchmarks in workers, run each benchmark's passes.

Benchmarks run one after another (never concurrently: they would perturb each other's timings); the first pass
that fails stops that benchmark and is recorded, and the suite goes on.
"""

import hashlib
import os
import re
import time

from profgate.manager import Manager
from profgate.normalise import tail

PASSES = ("timing", "profile", "memory")

_SKIPPED_DIRS = ("__pycache__", "node_modules")


def find_files(cwd, paths):
    """Benchmark files under ``paths`` (files, or directories searched recursively), relative and ``/``-separated,
    in a stable order without duplicates."""
    found = []
    seen = set()
    for path in paths:
        full = os.path.join(cwd, path)
        if os.path.isdir(full):
            candidates = []
            for directory, subdirectories, files in os.walk(full):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRS)
                candidates.extend(os.path.join(directory, f) for f in sorted(files) if f.startswith("bench_") and f.endswith(".py"))
        else:
            candidates = [full]
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real not in seen:
                seen.add(real)
                found.append(os.path.relpath(candidate, cwd).replace(os.sep, "/"))
    return found


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


def _fail(entry, pass_name, status, message, output):
    entry["status"] = status
    entry["failure"] = {"pass": pass_name, "message": message, "output": output}


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
        entries = self._collect()
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

    def _collect(self):
        entries = []
        for file in find_files(self.cwd, self.options.paths):
            outcome = self.manager.run({"kind": "collect", "file": file})
            if not outcome.ok:
                if self._selected(file, module_failed=True):
                    entry = _entry(file, file, "", {}, "cpu")
                    _fail(entry, "collect", outcome.status, outcome.message, outcome.output)
                    entry["output"] = outcome.output
                    entries.append(entry)
                continue
            for found in outcome.data["benchmarks"]:
                if not self._selected(found["id"]):
                    continue
                if "error" in found:
                    entry = _entry(found["id"], file, found["name"], {}, "cpu")
                    _fail(entry, "collect", "error", found["error"], "")
                else:
                    entry = _entry(found["id"], file, found["name"], found["params"], found["clock"])
                entries.append(entry)
        return entries

    def _run_benchmark(self, entry, index, count):
        output = ""
        for pass_name in self.options.passes:
            self.emit({"event": "pass", "index": index, "count": count, "id": entry["id"], "pass": pass_name})
            job = {"file": entry["file"], "id": entry["id"]}
            outcomes, value = self._passes[pass_name](job)
            for outcome in outcomes:
                output = tail(output + outcome.output)
            last = outcomes[-1]
            if not last.ok:
                _fail(entry, pass_name, last.status, last.message, last.output)
                break
            entry[pass_name] = value
        entry["output"] = output

    def _timing(self, job):
        options = self.options
        outcomes = []
        loops = options.loops
        if loops is None:
            outcomes.append(self.manager.run(dict(job, kind="calibrate", gc=options.gc, min_time=options.min_time)))
            if not outcomes[-1].ok:
                return outcomes, None
            loops = outcomes[-1].data["loops"]
        processes = []
        for _ in range(options.processes):
            outcomes.append(self.manager.run(dict(
                job, kind="timing", gc=options.gc, loops=loops, warmups=options.warmups, values=options.values,
            )))
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
