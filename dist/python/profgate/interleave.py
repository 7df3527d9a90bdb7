"""Interleaved rounds (``python -m profgate ab``): a base and a head tree timed alternately on one machine.

Timings of two versions taken minutes apart, let alone on two machines, differ by the machine's drift as much as by
the code. Randomised multiple interleaved trials (Abedi & Brecht, "Conducting repeatable experiments in highly
variable cloud computing environments", ICPE 2017) cancel the drift: each round runs one timing process
per side, back to back, the side that goes first drawn at random, and both time every benchmark once in the same
order, drawn at random per round (``--isolate``: one pair of processes per benchmark), so whatever the machine does
affects both sides alike.
Each side keeps its own ``Suite`` (and so its own worker manager whose working directory is that side's tree); the
loop count is calibrated once and shared, so both sides time the same number of iterations per value.
A stopped run (``profgate.manager.Stop``) starts no further round; each side's benchmarks are then ``stopped``,
keeping the processes of the rounds they finished.
"""

import random
import time

from profgate.manager import STOPPED, Stop
from profgate.suite import Suite, fail

SIDES = ("base", "head")


def _for_side(emit, side):
    """``emit`` for one side's suite: its pass and progress events say which side they are of."""
    return lambda event: emit(dict(event, side=side))


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
    """One ``ab`` run: collect in both trees, calibrate, then ``plan.rounds`` interleaved rounds."""

    def __init__(self, settings, plan, emit, stop=None):
        self.settings = settings
        self.plan = plan
        self.emit = emit
        self.stop = stop if stop is not None else Stop()
        # Each side's suite sees its own tree; no pass but timing runs, so nothing is written under their out.
        self.suites = {side: Suite(settings, plan.trees[side], _for_side(emit, side), self.stop) for side in SIDES}

    def run(self):
        """Runs every round and returns a ``Run``."""
        started = time.perf_counter()
        entries = {side: self._collect(side) for side in SIDES}
        ids = list(entries["head"]) + [i for i in entries["base"] if i not in entries["head"]]
        self.emit({"event": "collected", "count": len(ids)})
        self.emit({"event": "plan", "passes": ["timing"] if self.settings.loops is not None else ["calibrate", "timing"], "isolate": self.settings.isolate})
        loops = self._loops(ids, entries)
        processes = {side: {benchmark_id: [] for benchmark_id in entries[side]} for side in SIDES}
        rng = random.Random(self.plan.seed)
        order = []
        runnable = [benchmark_id for benchmark_id in ids if benchmark_id in loops]
        groups = [[benchmark_id] for benchmark_id in runnable] if self.settings.isolate else [runnable]
        for round_number in range(1, self.plan.rounds + 1):
            if self.stop.signal is not None:
                break
            self.emit({"event": "round", "round": round_number, "rounds": self.plan.rounds})
            for group in groups:
                alive = [i for i in group if all(entries[side][i]["failure"] is None and "skipped" not in entries[side][i] for side in SIDES if i in entries[side])]
                if not alive:
                    continue
                rng.shuffle(alive)
                sides = list(SIDES)
                rng.shuffle(sides)
                order.extend([round_number, benchmark_id, sides[0]] for benchmark_id in alive)
                for side in sides:
                    # Both sides time the benchmarks in the same order, so that order is no difference between them.
                    mine = [entries[side][i] for i in alive if i in entries[side] and entries[side][i]["failure"] is None and "skipped" not in entries[side][i]]
                    if not mine:
                        continue
                    for entry, data in self.suites[side].time_processes(mine, loops, round_number, self.plan.rounds):
                        processes[side][entry["id"]].append({"cpu": data["cpu"], "wall": data["wall"]})
        for side in SIDES:
            for benchmark_id, entry in entries[side].items():
                done = processes[side][benchmark_id]
                if self.stop.signal is not None and entry["failure"] is None:
                    fail(entry, "timing", STOPPED, "not run (stopped by {})".format(self.stop.signal), "")
                if entry["status"] == STOPPED and done:
                    entry["failure"]["message"] = "stopped by {} after {} of {} rounds".format(self.stop.signal, len(done), self.plan.rounds)
                if (entry["failure"] is None or entry["status"] == STOPPED) and "skipped" not in entry and benchmark_id in loops and done:
                    entry["timing"] = {"loops": loops[benchmark_id], "warmups": self.settings.warmups, "processes": done}
        self.emit({"event": "finished", "elapsed": time.perf_counter() - started})
        return Run({side: list(entries[side].values()) for side in SIDES}, self.plan.seed, self.plan.rounds, loops, order)

    def _collect(self, side):
        wanted = self.plan.ids
        collected = self.suites[side].collect()
        # Only timed benchmarks are interleaved: asv's peakmem_, mem_ and track_ have no timing to compare.
        return {entry["id"]: entry for entry in collected if (wanted is None or entry["id"] in wanted) and entry.get("kind", "time") == "time" and "skipped" not in entry}

    def _loops(self, ids, entries):
        """The loop count both sides use, ``{id: loops}``: --loops, the one given for a benchmark, or calibrated on
        the head tree (on base for a benchmark only there). A failed calibration is recorded, and the benchmark
        stops there."""
        if self.settings.loops is not None:
            return {benchmark_id: self.settings.loops for benchmark_id in ids}
        loops = {i: self.plan.loops[i] for i in ids if i in self.plan.loops}
        for side in ("head", "base"):
            wanted = [entries[side][i] for i in ids if i not in loops and i in entries[side] and entries[side][i]["failure"] is None and (side == "head" or i not in entries["head"])]
            if wanted:
                loops.update(self.suites[side].calibrate(wanted))
        return loops
