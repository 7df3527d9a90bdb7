"""Interleaved rounds (``python -m profgate ab``): a base and a head tree timed alternately on one machine.

Timings of two versions taken minutes apart, let alone on two machines, differ by the machine's drift as much as by
the code. Randomised multiple interleaved trials (Abedi & Brecht, "Conducting repeatable experiments in highly
variable cloud computing environments", ICPE 2017) cancel the drift: in each round every benchmark runs one timing
process per side, back to back, in an order drawn at random, so whatever the machine does affects both sides alike.
Each side keeps its own ``Suite`` (and so its own worker manager whose working directory is that side's tree); the
loop count is calibrated once and shared, so both sides time the same number of iterations per value.
"""

import random
import time

from profgate.normalise import tail
from profgate.suite import Suite, fail

SIDES = ("base", "head")


class Run:
    """What ``Interleaved.run`` produced: each side's result entries and the record of how they were taken."""

    def __init__(self, benchmarks, seed, rounds, loops, order):
        self.benchmarks = benchmarks
        self.seed = seed
        self.rounds = rounds
        self.loops = loops
        self.order = order

    def record(self):
        """The ``interleave.json`` document: enough to reproduce the order and to reuse the loop counts."""
        return {"seed": self.seed, "rounds": self.rounds, "loops": self.loops, "order": self.order}


class Interleaved:
    """One ``ab`` run: collect in both trees, calibrate, then ``options.rounds`` interleaved rounds."""

    def __init__(self, options, emit):
        self.options = options
        self.emit = emit
        # Each side's suite sees its own tree; no pass but timing runs, so nothing is written under their out.
        self.suites = {side: Suite(options, options.trees[side], options.out, emit) for side in SIDES}

    def run(self):
        """Runs every round and returns a ``Run``."""
        started = time.perf_counter()
        entries = {side: self._collect(side) for side in SIDES}
        ids = list(entries["head"]) + [i for i in entries["base"] if i not in entries["head"]]
        self.emit({"event": "collected", "count": len(ids)})
        loops = {}
        for benchmark_id in ids:
            count = self._loops(benchmark_id, entries)
            if count is not None:
                loops[benchmark_id] = count
        processes = {side: {benchmark_id: [] for benchmark_id in entries[side]} for side in SIDES}
        rng = random.Random(self.options.seed)
        order = []
        for round_number in range(1, self.options.rounds + 1):
            self.emit({"event": "round", "round": round_number, "rounds": self.options.rounds})
            for benchmark_id in ids:
                sides = [side for side in SIDES if benchmark_id in entries[side]]
                if benchmark_id not in loops or any(entries[side][benchmark_id]["failure"] is not None for side in sides):
                    continue
                rng.shuffle(sides)
                order.append([round_number, benchmark_id, sides[0]])
                for side in sides:
                    entry = entries[side][benchmark_id]
                    outcome = self.suites[side].time_process(self.suites[side].job(entry), loops[benchmark_id])
                    entry["output"] = tail(entry["output"] + outcome.output)
                    if not outcome.ok:
                        fail(entry, "timing", outcome.status, outcome.message, outcome.output)
                        break
                    processes[side][benchmark_id].append({"cpu": outcome.data["cpu"], "wall": outcome.data["wall"]})
        for side in SIDES:
            for benchmark_id, entry in entries[side].items():
                if entry["failure"] is None:
                    entry["timing"] = {"loops": loops[benchmark_id], "warmups": self.options.warmups, "processes": processes[side][benchmark_id]}
        self.emit({"event": "finished", "elapsed": time.perf_counter() - started})
        return Run({side: list(entries[side].values()) for side in SIDES}, self.options.seed, self.options.rounds, loops, order)

    def _collect(self, side):
        wanted = self.options.id_list
        collected = self.suites[side].collect()
        return {entry["id"]: entry for entry in collected if wanted is None or entry["id"] in wanted}

    def _loops(self, benchmark_id, entries):
        """The loop count both sides use: --loops, the one given for this benchmark, or calibrated on the head tree
        (on base for a benchmark only there). A failed calibration is recorded, and the benchmark stops there."""
        if self.options.loops is not None:
            return self.options.loops
        given = self.options.loops_given.get(benchmark_id)
        if given is not None:
            return given
        side = "head" if benchmark_id in entries["head"] else "base"
        entry = entries[side][benchmark_id]
        if entry["failure"] is not None:
            return None
        outcome = self.suites[side].calibrate(self.suites[side].job(entry))
        entry["output"] = tail(entry["output"] + outcome.output)
        if not outcome.ok:
            fail(entry, "timing", outcome.status, outcome.message, outcome.output)
            return None
        return outcome.data["loops"]
