"""What a run measures with: one frozen object, built and checked once by the command line (``profgate.__main__``).

``Settings`` holds everything ``run`` and ``ab`` share; ``AbPlan`` what only ``ab`` has (the two trees, the rounds,
the loop counts and ids it was given, its seed). Nothing below the command line reads argparse's namespace.
"""

import dataclasses
import fnmatch
import re
from typing import FrozenSet, Mapping, Optional, Tuple

DEFAULT_PATHS = ("benchmarks",)
DEFAULT_PROCESSES = 10
# The timing processes every benchmark gets; past them, one whose per-process best values lie within DEFAULT_SETTLE
# of each other gets no more (profgate.suite.enough_processes).
DEFAULT_MIN_PROCESSES = 5
DEFAULT_SETTLE = 0.05
# Seconds of timing a benchmark whose iteration lasts a second or more gets across processes (at least one process).
DEFAULT_LONG_TIME = 30.0
DEFAULT_VALUES = 5
DEFAULT_WARMUPS = 1
DEFAULT_MIN_TIME = 0.01
# Seconds of timed values (warm-ups included) per benchmark across all timing processes; a benchmark whose
# values are long gets fewer per process, never fewer than its warm-ups and one.
DEFAULT_MAX_TIME = 0.6
# Seconds one benchmark may spend in one pass, by kind of suite: asv's own default for asv suites; pytest-benchmark
# and pytest-codspeed set no limit, and a pytest suite may hold a test of a minute an iteration that they measure, so
# pytest suites get ten minutes (enough for the two iterations of a cProfile or tracemalloc pass of such a test).
DEFAULT_TIMEOUT = 60.0
DEFAULT_TIMEOUTS = {"native": DEFAULT_TIMEOUT, "asv": DEFAULT_TIMEOUT, "pytest": 600.0}
DEFAULT_HASH_SEED = 0
DEFAULT_PROFILE_ITERATIONS = 5
DEFAULT_PROFILE_WARMUPS = 1
DEFAULT_MEMORY_WARMUPS = 1
# The tracemalloc pass's hooked iterations may take this many plain iterations' time (profgate.memory).
DEFAULT_MEMORY_COST = 14.0
DEFAULT_ROUNDS = 15
# Exact counts need no repetition, and valgrind makes each iteration about 15 times slower: one counted iteration.
# Two warm-ups, as the second iteration of a process still pays one-time costs (on the example suite, a count after
# one warm-up was up to 2.6% above the mean of the five iterations after it; after two, within 0.6% on four of five).
DEFAULT_INSTRUCTION_ITERATIONS = 1
DEFAULT_INSTRUCTION_WARMUPS = 2

# In the order they run: timing is never measured after a profiler has warmed things up.
PASSES = ("timing", "instructions", "profile", "memory")
DEFAULT_PASSES = ("timing", "profile", "memory")
INSTRUMENTS = ("instructions",)
SUITES = ("native", "pytest", "asv", "auto")
# How much each benchmark gets beyond its timing: ``full``, the whole picture (cProfile over profile-iterations, the
# tracemalloc pass's line breakdown); ``exact``, only the figures that are exact and cheap (the calls of one profiled
# iteration, peak and retained traced with one frame), the deep passes left for a later --deep-only run.
DEPTHS = ("exact", "full")
DEFAULT_DEPTH = "full"


@dataclasses.dataclass(frozen=True)
class Settings:
    """How every benchmark of one run is measured. ``suite`` is ``native``, ``pytest`` or ``asv`` (``auto`` is
    resolved by then, except in a command line parsed and not yet prepared; an asv suite's one path is its benchmark directory); ``timeouts`` holds per-benchmark timeouts as ``(pattern, seconds)`` pairs, an exact id or a glob.
    ``instrument`` is ``instructions`` when the instructions pass runs (it is then in ``passes``), with
    ``valgrind`` the version of the valgrind that counts."""

    paths: Tuple[str, ...]
    out: str
    suite: str
    pythonpath: Tuple[str, ...] = ()
    filter: Optional[str] = None
    select: Optional[str] = None
    processes: int = DEFAULT_PROCESSES
    min_processes: int = DEFAULT_MIN_PROCESSES
    settle: float = DEFAULT_SETTLE
    long_time: float = DEFAULT_LONG_TIME
    values: int = DEFAULT_VALUES
    warmups: int = DEFAULT_WARMUPS
    min_time: float = DEFAULT_MIN_TIME
    max_time: float = DEFAULT_MAX_TIME
    loops: Optional[int] = None
    timeout: float = DEFAULT_TIMEOUT
    timeouts: Tuple[Tuple[str, float], ...] = ()
    gc: bool = False
    isolate: bool = False
    hash_seed: int = DEFAULT_HASH_SEED
    events_fd: Optional[int] = None
    profile_iterations: int = DEFAULT_PROFILE_ITERATIONS
    profile_warmups: int = DEFAULT_PROFILE_WARMUPS
    memory_warmups: int = DEFAULT_MEMORY_WARMUPS
    memory_cost: float = DEFAULT_MEMORY_COST
    passes: Tuple[str, ...] = DEFAULT_PASSES
    instrument: Optional[str] = None
    instruction_iterations: int = DEFAULT_INSTRUCTION_ITERATIONS
    instruction_warmups: int = DEFAULT_INSTRUCTION_WARMUPS
    valgrind: Optional[str] = None
    depth: str = DEFAULT_DEPTH
    # run --deep-only: the results.json in ``out`` that the deep passes of ``ids`` complete; None, a new run.
    deep_only: bool = False
    # run --ids: only these benchmarks (one shard's share); None, every one collected. ab's ids are its plan's.
    ids: Optional[FrozenSet[str]] = None

    def timeout_of(self, benchmark_id, own=None):
        """The timeout of one benchmark: its exact id's, else the last matching glob's, else its ``own`` (an asv
        benchmark's ``timeout`` attribute), else ``timeout``.

        Globs read like the configuration's overrides: ``*`` and ``?`` stay within a path segment (they match no
        ``/``), ``**`` crosses segments, ``[...]`` is a character class and a backslash makes the next character literal.
        """
        exact = [seconds for pattern, seconds in self.timeouts if pattern == benchmark_id]
        if exact:
            return exact[-1]
        matched = [seconds for pattern, seconds in self.timeouts if _glob(pattern).fullmatch(benchmark_id)]
        if matched:
            return matched[-1]
        return own if own is not None else self.timeout


@dataclasses.dataclass(frozen=True)
class AbPlan:
    """What only ``ab`` has: the two trees (absolute), the rounds, loop counts and ids it was given, and its seed."""

    trees: Mapping[str, str]
    rounds: int
    seed: int
    loops: Mapping[str, int]
    ids: Optional[Tuple[str, ...]] = None


_GLOBS = {}


def _glob(pattern):
    compiled = _GLOBS.get(pattern)
    if compiled is None:
        parts = []
        for token in re.split(r"(\\.|\*\*/|\*\*|\*|\?|\[[^\]]*\])", pattern):
            if token.startswith("\\") and len(token) == 2:
                parts.append(re.escape(token[1]))
            elif token == "**/":
                parts.append("(?:.*/)?")
            elif token == "**":
                parts.append(".*")
            elif token == "*":
                parts.append("[^/]*")
            elif token == "?":
                parts.append("[^/]")
            elif token.startswith("[") and token.endswith("]") and len(token) > 2:
                parts.append(fnmatch.translate(token)[4:-3])
            else:
                parts.append(re.escape(token))
        compiled = _GLOBS[pattern] = re.compile("".join(parts), re.DOTALL)
    return compiled
