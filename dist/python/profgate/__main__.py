"""profgate's benchmark harness: measure a repository's Python benchmarks in fresh worker processes.

Usage:
    python -m profgate run [PATH ...] --out DIR [options]
    python -m profgate ab [PATH ...] --base DIR --head DIR --out DIR [options]

PATHs (default: benchmarks) are directories searched recursively for bench_*.py files, or single files, relative to
the working directory, which is the repository root and is importable by the benchmarks, as is each benchmark file's
own folder (first, as for python benchmarks/bench_x.py).

Benchmarks are the module-level functions named bench_* of those files; one call is one iteration.
  bench_sort.params = {"n": [100, 10_000]}   one benchmark per combination: benchmarks/bench_sort.py::bench_sort[n=100]
  bench_sort.clock = "wall"                  compare wall time instead of CPU time (I/O-bound or threaded code)
  def setup(): / def teardown():             module-level, run once per worker process, outside every measurement

A suite written for pytest-benchmark or pytest-codspeed runs unchanged with --suite pytest: the PATHs go to the
project's own pytest (run in the working directory, with its conftest.py and configuration), and its benchmarks are
the tests that use the benchmark fixture or carry the benchmark marker, with pytest's node ids as ids
(tests/test_sort.py::test_sort[100]). A directory PATH collects what the project's pytest collects from it (its
python_files patterns, from pytest.ini, pyproject.toml, tox.ini or setup.cfg), and also the bench_*.py files under it
that use the benchmark fixture or marker; a file PATH is collected whatever its name, as pytest does. profgate's
plugin stands in for pytest-benchmark and pytest-codspeed, which are disabled when installed, and registers
pytest-benchmark's hooks, so a conftest.py implementing them loads (profgate never calls them); see
profgate/pytest_plugin.py. --suite auto (the default) picks pytest when a Python file under the PATHs (bench_*.py
files included) uses the benchmark fixture (a function parameter named benchmark or codspeed_benchmark) or marker
(mark.benchmark), and native when bench_*.py files hold module-level bench_* functions instead; PATHs holding both
are an error that asks for --suite native or --suite pytest.

A suite written for asv (airspeed velocity) runs unchanged, without asv, with --suite asv: its benchmark directory
(benchmark_dir of asv.conf.json in the working directory, or of --asv-config FILE; a PATH given instead of the
default names it) is imported as a package, and its benchmarks are asv's time_*, timeraw_*, peakmem_*, mem_* and
track_* functions and methods, with asv's names as ids (version.TimeVersionSuite.time_hash, parameters as
module.Class.time_x(10, 'a')), asv's setup/teardown/setup_cache order, NotImplementedError from setup recorded as
skipped, and number, sample_time, repeat and timeout applied per benchmark; see profgate/asv.py. --suite auto picks
asv first when the working directory has an asv.conf.json and a Python file under the PATHs (or, by default, under
benchmark_dir) defines such a benchmark.

Benchmarks run in fresh worker processes, never two at once, in three passes: a timing pass (gc off while timing,
loops calibrated once, PROCESSES processes of WARMUPS discarded and up to VALUES recorded values, as many as fit in
the process's share of MAX-TIME), a cProfile pass and a tracemalloc pass (whose line breakdown has a budget of
MEMORY-COST plain iterations' time; past it, it is cut short with a note). A pass runs every benchmark in one worker
process, one after another; the timing pass runs PROCESSES such workers, each in a new random order (drawn from
--hash-seed), so every benchmark gets values from independent processes while the start-up of Python (and pytest, or
an asv benchmark's setup) is paid once per process, not once per benchmark. Processes stop early for a benchmark
that needs no more: once it has MIN-PROCESSES, when their best values (what a comparison works on) lie within SETTLE
of each other; and when its iteration lasts a second or more, once its values add up to LONG-TIME seconds (such an
iteration is its process's only value, with no warm-up). The others get PROCESSES. --isolate gives each benchmark
its own processes instead.
With --instrument instructions a fourth pass, after the timing pass, counts each benchmark's instructions per
iteration under valgrind: one worker for all benchmarks, which forks counted children (profgate/instructions.py).
A benchmark that raises, exits, crashes, hangs past the timeout or fails to import is recorded as failed, and the
rest still run: a worker that dies or hangs is replaced by a new one for the benchmarks it had not reached.

Options:
  --out DIR                 write DIR/results.json (docs/results-schema.md) and DIR/profiles/*.pstats (required)
  --pythonpath DIR          also importable by the benchmarks, after the working directory (repeatable)
  --filter SUBSTRING        only benchmarks whose id contains SUBSTRING
  --suite KIND              native, pytest, asv or auto (default: auto)
  --asv-config FILE         asv suites: the asv.conf.json to read benchmark_dir from (default: asv.conf.json);
                            with it, --suite auto means asv
  -k EXPRESSION, --select EXPRESSION
                            pytest suites: only tests matching pytest's -k EXPRESSION
  --processes N             timing worker processes per benchmark, at most (default: 10)
  --values N                most timed values per process (default: 5)
  --warmups N               values discarded at the start of each process (default: 1)
  --min-time SECONDS        calibration: one value lasts at least this long, and not much longer (default: 0.01)
  --max-time SECONDS        seconds of timed values (warm-ups included) per benchmark across all timing processes:
                            each process takes as many as fit in its share, at least WARMUPS + 1; it also caps the
                            cProfile pass's iterations, at least one (default: 0.6)
  --loops N                 iterations per value, skipping calibration
  --timeout SECONDS         seconds one benchmark may spend in one pass before its worker is killed and it is
                            recorded as timeout, with how long one iteration took; a worker's start-up before its
                            first benchmark (its imports) may take five times this (default: 60, asv's own default,
                            for native and asv suites, or an asv suite's default_benchmark_timeout; 600 for pytest
                            suites, as pytest-benchmark and pytest-codspeed set no limit and measure tests of a
                            minute an iteration)
  --timeout-for ID=SECONDS  the timeout of the benchmarks matching ID, an exact id or a glob (* and ? stay within a
                            /-separated segment, ** crosses them); the last matching glob wins, an exact id beats
                            any glob (repeatable)
  --gc                      keep the garbage collector enabled while timing
  --hash-seed N             PYTHONHASHSEED of every worker, 0 to 4294967295, and the seed of the timing pass's
                            random orders (default: 0)
  --isolate                 run each benchmark in worker processes of its own (slower: one start-up of Python, and
                            of pytest, per benchmark and process) rather than all benchmarks of a pass in one
  --min-processes N         run: timing processes every benchmark gets before SETTLE can stop it (default: 5, the
                            fewest a side with which a comparison's default 99% interval has bounds; PROCESSES or
                            more: every benchmark gets PROCESSES)
  --settle FRACTION         run: a benchmark with MIN-PROCESSES timing processes whose best values lie within this
                            fraction of each other (max / min - 1) gets no more (default: 0.05, a third of the
                            15% noise margin of comparisons between runs; 0: only identical values stop it)
  --long-time SECONDS       run: seconds of timing values after which a benchmark whose iteration lasts a second or
                            more gets no more timing processes, at least one (default: 30)
  --profile-iterations N    iterations measured by the cProfile pass (default: 5)
  --profile-warmups N       iterations run before the cProfile pass measures (default: 1)
  --memory-warmups N        iterations run before the tracemalloc pass measures (default: 1)
  --memory-cost N           plain iterations' time the tracemalloc pass's line breakdown may take, an iteration
                            counting as at least 0.1 s (default: 14)
  --instrument instructions also count the instructions each benchmark executes per iteration, under valgrind
                            (Linux; see profgate/instructions.py): exact and repeatable, so a comparison can
                            judge CPU cost without timing noise. Benchmarks with clock = "wall" are not counted
  --instruction-iterations N
                            iterations counted per benchmark (default: 1)
  --instruction-warmups N   iterations run before counting (default: 2)
  --passes LIST             comma-separated passes to run: timing, instructions, profile, memory (default:
                            timing, profile, memory; --instrument instructions adds instructions)
  --collect-only            run no pass: results.json lists the benchmarks found, unmeasured (timing, profile and
                            memory null), and those that failed to collect
  --ids FILE                only the benchmarks whose ids the JSON list in FILE holds (e.g. one shard's share)
  --depth DEPTH             full (default): the whole picture of every benchmark; exact: the timing pass and the
                            figures that are exact and cheap, the deep work left out: the cProfile pass profiles one
                            iteration (its calls per iteration are exact, its times a sample of one) and the
                            tracemalloc pass measures peak and retained, traced with one frame, without the
                            live-at-peak lines (their note says so; retained lines are charged to the innermost
                            frame). Each such benchmark carries "depth": "exact" in results.json
  --deep-only FILE          complete an earlier run in --out: run the cProfile and tracemalloc passes at depth full
                            on the benchmarks whose ids the JSON list in FILE holds, and write them into
                            DIR/results.json in place of their exact figures (their "depth" mark goes); the rest
                            of that document, timings included, stays as it was. A run at depth exact, a
                            comparison, then --deep-only with the benchmarks whose verdict needs the whole picture
                            gives those the same figures a full run would
  --events-fd FD            write progress as JSON lines to file descriptor FD instead of text on stderr
  -h, --help                show this help

The ab command times two versions of the project in interleaved rounds on this machine, so that both sides see the
same machine state (RMIT, Abedi & Brecht). --base and --head are two trees (e.g. git worktrees); every worker of a
side runs with that tree as its working directory, so each side imports its own source first, and PATHs and
--pythonpath are relative to each tree. The loop count is calibrated once per benchmark (on the head tree) and fixed
for both sides; then each round runs one base and one head timing process, the side that goes first drawn at random,
both timing every benchmark once in the same order, drawn at random per round (with --isolate, one such pair per
benchmark and round). The random draws come from a seeded generator. It writes DIR/base/results.json and
DIR/head/results.json (timing only: each round is one process of each side; profile and memory are null) and
DIR/interleave.json ({"seed", "rounds", "loops": {ID: N}, "order": [[ROUND, ID, FIRST_SIDE], ...]}). A benchmark
that fails on either side stops there on both.

Options of ab (besides --pythonpath, --filter, --suite, -k, --processes, --values, --warmups, --min-time,
--max-time, --loops, --timeout, --timeout-for, --gc, --hash-seed, --isolate, --ids and --events-fd as above; a round's
process of each side takes the share MAX-TIME / PROCESSES of a benchmark's timing, like a run's timing process):
  --base DIR, --head DIR    the two trees (required)
  --out DIR                 where to write the two results (required)
  --rounds N                rounds to run (default: 15)
  --loops-json FILE         loop counts to reuse, {ID: N} as in interleave.json of an earlier batch; benchmarks it
                            lacks are calibrated
  --seed N                  seed of the random order, 0 to 4294967295 (default: drawn at random, and recorded)

Results are never written to stdout: the benchmarks may print there. With --events-fd, progress is one JSON object
per line ("index" counts from 1):
  {"event": "collected", "count": N}                                   benchmarks found (after --filter)
  {"event": "plan", "passes": [PASS, ...], "isolate": BOOL}            the passes that will run, in order; with
                                                                       --isolate each benchmark goes through them in
                                                                       turn
  {"event": "pass", "pass": PASS, "step": I, "steps": N, "count": K}
                                                                       a worker of a pass (value, calibrate, timing,
                                                                       profile, memory) starts on K benchmarks; the
                                                                       timing pass has N workers (value: the call of
                                                                       asv's mem_ and track_ benchmarks)
  {"event": "progress", "pass": PASS, "step": I, "steps": N, "done": D, "count": K, "id": ID,
   "elapsed": SECONDS}                                                 the worker of the last pass event is past D of
                                                                       its K benchmarks, ID the latest, SECONDS after
                                                                       it started; each benchmark once, D reaching K
  {"event": "done", "index": I, "count": N, "id": ID, "status": STATUS, "elapsed": SECONDS,
   "passes": {PASS: SECONDS}}                                          a benchmark finished (I counts them): ok,
                                                                       error, exit, crash or timeout, skipped
                                                                       (asv) or stopped (the run was stopped),
                                                                       after SECONDS of work on it, by pass
  {"event": "round", "round": R, "rounds": N}                          ab: a round starts; ab's pass and progress
                                                                       events carry "side": "base" or "head", and
                                                                       their step is the round
  {"event": "finished", "elapsed": SECONDS}                            results.json is about to be written

SIGINT or SIGTERM (Ctrl-C, a cancelled workflow, a job's time limit) stops the run: no new worker starts, the
running one is killed with everything it started, and results.json (and the profiles measured so far) is written
within a fraction of a second: every benchmark measured so far as usual, every other one with status "stopped"
("not run (stopped by SIGTERM)", its failure naming the pass it did not finish; a benchmark whose timing pass had
finished keeps its timing), and a top-level "stopped": {"signal": "SIGTERM"}. Stopped while collecting, benchmarks
is empty. No temporary folder is left behind: each worker's TMPDIR lies in a scratch folder the harness removes. ab
stops the same way, writing both sides with the rounds they finished.

Exit status: 0 every benchmark ran, 1 some failed (results.json is still complete), 2 usage error (pytest missing
for a pytest suite, or pytest rejecting the suite's configuration or -k expression, among them), 3 stopped by SIGINT
or SIGTERM (results.json holds what was measured).
"""

import argparse
import dataclasses
import datetime
import importlib.util
import json
import math
import os
import random
import sys
import time
from typing import Optional

from profgate import asv, environment, instructions, interleave
from profgate.manager import Stop, Stopped
from profgate.normalise import clip
from profgate.settings import (
    DEFAULT_HASH_SEED,
    DEFAULT_LONG_TIME,
    DEFAULT_MIN_PROCESSES,
    DEFAULT_SETTLE,
    DEFAULT_TIMEOUTS,
    DEFAULT_INSTRUCTION_ITERATIONS,
    DEFAULT_INSTRUCTION_WARMUPS,
    DEFAULT_MAX_TIME,
    DEFAULT_MEMORY_COST,
    DEFAULT_MEMORY_WARMUPS,
    DEFAULT_MIN_TIME,
    DEFAULT_PASSES,
    DEFAULT_PATHS,
    DEFAULT_PROCESSES,
    DEFAULT_PROFILE_ITERATIONS,
    DEFAULT_PROFILE_WARMUPS,
    DEFAULT_ROUNDS,
    DEFAULT_VALUES,
    DEFAULT_WARMUPS,
    DEPTHS,
    INSTRUMENTS,
    PASSES,
    SUITES,
    AbPlan,
    Settings,
)
from profgate.suite import AmbiguousSuite, Suite, SuiteError, detect

MAX_HASH_SEED = 4294967295

RESULTS_SCHEMA = "profgate/results"
RESULTS_SCHEMA_VERSION = 2

# The exit status of a run stopped by SIGINT or SIGTERM, whose results.json holds what was measured.
EXIT_STOPPED = 3


class UsageError(Exception):
    """A bad command line; the message names the flag or value and what is allowed."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _whole(minimum, maximum=None):
    allowed = "a whole number from {} to {}".format(minimum, maximum) if maximum is not None else "a whole number of {} or more".format(minimum)

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError("{!r} is not allowed; give {}".format(text, allowed))
        return value

    return parse


def _seconds(positive):
    allowed = "a number of seconds above 0" if positive else "a number of seconds, 0 or more"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError("{!r} is not allowed; give {}".format(text, allowed))
        return value

    return parse


def _number():
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError("{!r} is not allowed; give a number, 0 or more".format(text))
        return value

    return parse


def _timeout_for(text):
    pattern, separator, seconds = text.rpartition("=")
    try:
        value = float(seconds)
    except ValueError:
        value = None
    if not separator or not pattern or value is None or not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("{!r} is not allowed; give ID=SECONDS (an exact benchmark id or a glob, and a number of seconds above 0)".format(text))
    return pattern, value


def _passes(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PASSES]
    if unknown or not names:
        raise argparse.ArgumentTypeError("{!r} is not allowed; give a comma-separated list of {}".format(text, ", ".join(PASSES)))
    # Passes always run in the same order: timing is never measured after a profiler has warmed things up.
    return [name for name in PASSES if name in names]


def _parser(command):
    parser = _Parser(prog="python -m profgate " + command, add_help=False)
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.add_argument("--out", required=True)
    parser.add_argument("--pythonpath", action="append", default=[])
    parser.add_argument("--filter", default=None)
    parser.add_argument("--suite", choices=SUITES, default="auto")
    parser.add_argument("-k", "--select", default=None)
    parser.add_argument("--asv-config", default=None)
    parser.add_argument("--values", type=_whole(1), default=DEFAULT_VALUES)
    parser.add_argument("--warmups", type=_whole(0), default=DEFAULT_WARMUPS)
    parser.add_argument("--min-time", type=_seconds(positive=False), default=DEFAULT_MIN_TIME)
    parser.add_argument("--max-time", type=_seconds(positive=False), default=DEFAULT_MAX_TIME)
    parser.add_argument("--loops", type=_whole(1), default=None)
    parser.add_argument("--timeout", type=_seconds(positive=True), default=None)
    parser.add_argument("--timeout-for", type=_timeout_for, action="append", default=[])
    parser.add_argument("--gc", action="store_true")
    parser.add_argument("--isolate", action="store_true")
    parser.add_argument("--hash-seed", type=_whole(0, MAX_HASH_SEED), default=DEFAULT_HASH_SEED)
    parser.add_argument("--events-fd", type=_whole(0), default=None)
    parser.add_argument("--processes", type=_whole(1), default=DEFAULT_PROCESSES)
    parser.add_argument("--ids", default=None)
    if command == "run":
        parser.add_argument("--min-processes", type=_whole(1), default=DEFAULT_MIN_PROCESSES)
        parser.add_argument("--settle", type=_number(), default=DEFAULT_SETTLE)
        parser.add_argument("--long-time", type=_seconds(positive=False), default=DEFAULT_LONG_TIME)
        parser.add_argument("--profile-iterations", type=_whole(1), default=DEFAULT_PROFILE_ITERATIONS)
        parser.add_argument("--profile-warmups", type=_whole(0), default=DEFAULT_PROFILE_WARMUPS)
        parser.add_argument("--memory-warmups", type=_whole(0), default=DEFAULT_MEMORY_WARMUPS)
        parser.add_argument("--memory-cost", type=_number(), default=DEFAULT_MEMORY_COST)
        parser.add_argument("--passes", type=_passes, default=list(DEFAULT_PASSES))
        parser.add_argument("--instrument", choices=INSTRUMENTS, default=None)
        parser.add_argument("--instruction-iterations", type=_whole(1), default=DEFAULT_INSTRUCTION_ITERATIONS)
        parser.add_argument("--instruction-warmups", type=_whole(0), default=DEFAULT_INSTRUCTION_WARMUPS)
        parser.add_argument("--collect-only", action="store_true")
        parser.add_argument("--depth", choices=DEPTHS, default="full")
        parser.add_argument("--deep-only", default=None)
    else:
        parser.add_argument("--base", required=True)
        parser.add_argument("--head", required=True)
        parser.add_argument("--rounds", type=_whole(1), default=DEFAULT_ROUNDS)
        parser.add_argument("--loops-json", default=None)
        parser.add_argument("--seed", type=_whole(0, MAX_HASH_SEED), default=None)
    return parser


def _relative(cwd, path):
    return os.path.relpath(os.path.join(cwd, path), cwd).replace(os.sep, "/")


@dataclasses.dataclass(frozen=True)
class Request:
    """A command line as parsed, before anything is checked against the file system: ``name`` (``run`` or ``ab``),
    its ``settings`` with ``suite`` as given (possibly ``auto``) and nothing read from disk yet (``ids`` and
    ``valgrind`` unset), and the options that name files or trees, still to be read (``asv_config``, ``ids_file``,
    ab's ``base``, ``head``, ``loops_json``, ``rounds`` and ``seed``, None when not drawn yet)."""

    name: str
    settings: Settings
    asv_config: Optional[str] = None
    ids_file: Optional[str] = None
    base: Optional[str] = None
    head: Optional[str] = None
    rounds: int = DEFAULT_ROUNDS
    loops_json: Optional[str] = None
    seed: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Command:
    """A prepared command line: ``name`` (``run`` or ``ab``), its ``settings``, for ``ab`` its ``plan``, and for
    ``run --deep-only`` the results document it completes (``prior``)."""

    name: str
    settings: Settings
    plan: Optional[AbPlan] = None
    prior: Optional[dict] = None


def parse_arguments(argv, cwd):
    """The ``Request`` of a ``run`` or ``ab`` command line, with paths taken relative to ``cwd``; reads nothing from
    the file system (``prepare`` does); raises UsageError."""
    if not argv or argv[0] not in ("run", "ab"):
        given = "no command" if not argv else "unknown command {!r}".format(argv[0])
        raise UsageError("{}; the harness has two: python -m profgate run [PATH ...] --out DIR, and python -m profgate ab [PATH ...] --base DIR --head DIR --out DIR".format(given))
    name = argv[0]
    options = _parser(name).parse_args(argv[1:])
    if options.asv_config is not None and options.suite not in ("asv", "auto"):
        raise UsageError("--asv-config {!r} applies to asv suites, and --suite is {}".format(options.asv_config, options.suite))
    run_only = {}
    if name == "run":
        passes = [] if options.collect_only else list(options.passes)
        if not options.collect_only and options.instrument == "instructions" and "instructions" not in passes:
            passes = [name for name in PASSES if name in passes or name == "instructions"]
        run_only = {
            "min_processes": options.min_processes,
            "settle": options.settle,
            "long_time": options.long_time,
            "profile_iterations": options.profile_iterations,
            "profile_warmups": options.profile_warmups,
            "memory_warmups": options.memory_warmups,
            "memory_cost": options.memory_cost,
            "passes": tuple(passes),
            "instrument": "instructions" if "instructions" in passes else None,
            "instruction_iterations": options.instruction_iterations,
            "instruction_warmups": options.instruction_warmups,
            "depth": options.depth,
        }
        if options.deep_only is not None:
            if options.ids is not None or options.collect_only:
                raise UsageError("--deep-only {!r} names the benchmarks itself; leave out {}".format(options.deep_only, "--ids" if options.ids is not None else "--collect-only"))
            if options.depth != "full":
                raise UsageError("--deep-only {!r} runs the deep passes, at depth full; leave out --depth {}".format(options.deep_only, options.depth))
            # The deep passes only: the timing (and instructions) of the run being completed stand.
            run_only["passes"] = tuple(name for name in passes if name in ("profile", "memory"))
            run_only["deep_only"] = True
    settings = Settings(
        paths=tuple(_relative(cwd, path) for path in options.paths or DEFAULT_PATHS),
        out=os.path.abspath(os.path.join(cwd, options.out)),
        suite=options.suite,
        pythonpath=tuple(_relative(cwd, path) for path in options.pythonpath),
        filter=options.filter,
        select=options.select,
        processes=options.processes,
        values=options.values,
        warmups=options.warmups,
        min_time=options.min_time,
        max_time=options.max_time,
        loops=options.loops,
        timeout=options.timeout,
        timeouts=tuple(options.timeout_for),
        gc=options.gc,
        isolate=options.isolate,
        hash_seed=options.hash_seed,
        events_fd=options.events_fd,
        **run_only
    )
    if name == "run":
        return Request(name, settings, asv_config=options.asv_config, ids_file=options.ids if options.deep_only is None else options.deep_only)
    return Request(
        name, settings, asv_config=options.asv_config, ids_file=options.ids, base=options.base, head=options.head,
        rounds=options.rounds, loops_json=options.loops_json, seed=options.seed,
    )


def prepare(request, cwd):
    """The ``Command`` of a parsed ``request``: its PATHs checked and its suite kind detected in the tree it measures,
    the files it names read, pytest and valgrind probed when needed, and the --out directories created; raises
    UsageError."""
    settings = request.settings
    # The version under test decides where an asv suite lives: this directory, or ab's head tree.
    tree = cwd if request.name == "run" else os.path.abspath(os.path.join(cwd, request.head))
    paths, wanted = _asv_paths(settings.paths, settings.suite, request.asv_config, tree)
    plan = None
    if request.name == "run":
        suite = _check_tree(paths, settings.pythonpath, wanted, cwd, cwd)
    else:
        plan, suite = _check_trees(request, paths, cwd, wanted)
    if suite == "asv" and (len(paths) != 1 or not os.path.isdir(os.path.join(tree, paths[0]))):
        raise UsageError("an asv suite is one benchmark directory; give one PATH (a directory), not {}".format(", ".join(paths)))
    if settings.select is not None and suite != "pytest":
        raise UsageError("-k/--select {!r} selects tests of a pytest suite, and {} holds {} one; use --filter".format(settings.select, ", ".join(paths), "an asv" if suite == "asv" else "a native"))
    if suite == "pytest" and importlib.util.find_spec("pytest") is None:
        raise UsageError(
            "{} is a pytest suite, and pytest is not installed for {}. pytest is the project's dependency, not "
            "profgate's: install it where the project's dependencies live (e.g. {} -m pip install pytest), or run "
            "profgate with the interpreter that has it (profgate run --python CMD, Action input python)".format(
                ", ".join(paths), sys.executable, sys.executable,
            )
        )
    if settings.events_fd is not None:
        try:
            os.fstat(settings.events_fd)
        except OSError:
            raise UsageError("--events-fd {}: not an open file descriptor".format(settings.events_fd)) from None
    directories = [os.path.join(settings.out, "profiles")] if request.name == "run" else [os.path.join(settings.out, side) for side in interleave.SIDES]
    try:
        for directory in directories:
            os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise UsageError("--out {!r}: cannot create the directory: {}".format(settings.out, error.strerror)) from None
    timeout = settings.timeout
    if timeout is None and suite == "asv":
        try:
            timeout = asv.default_timeout(tree, request.asv_config)
        except asv.ConfigError as error:
            raise UsageError(str(error)) from None
    resolved = {"paths": paths, "suite": suite, "timeout": DEFAULT_TIMEOUTS[suite] if timeout is None else timeout}
    if request.name == "run":
        if "instructions" in settings.passes:
            try:
                resolved["valgrind"] = instructions.check()
            except instructions.Unavailable as error:
                raise UsageError("--instrument instructions: {}".format(error)) from None
        ids = _read_ids(request.ids_file, cwd, "--deep-only" if settings.deep_only else "--ids")
        resolved["ids"] = None if ids is None else frozenset(ids)
        if settings.deep_only:
            prior = _read_prior(settings.out)
            unknown = sorted(set(ids) - {entry["id"] for entry in prior["benchmarks"]})
            if unknown:
                raise UsageError("--deep-only {!r}: {} not in {}; give ids of the run being completed".format(request.ids_file, ", ".join(repr(i) for i in unknown[:3]), os.path.join(settings.out, "results.json")))
            return Command(request.name, dataclasses.replace(settings, **resolved), plan, prior)
    return Command(request.name, dataclasses.replace(settings, **resolved), plan)


def _read_prior(out):
    """The results.json in ``out`` that a --deep-only run completes."""
    path = os.path.join(out, "results.json")
    document = _read_json(path, out, "--deep-only: --out")
    if not isinstance(document, dict) or document.get("schema") != RESULTS_SCHEMA or document.get("schema_version") != RESULTS_SCHEMA_VERSION or not isinstance(document.get("benchmarks"), list):
        raise UsageError("--deep-only: {} is not a results document of schema {} version {}; run profgate run --depth exact into --out first".format(path, RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION))
    return document


def merge_deep(prior, measured):
    """``prior``'s benchmarks with the deep passes of ``measured`` (a --deep-only run) in place of their exact
    ones: their ``profile`` and ``memory``, and the first failure of a deep pass, which then is the benchmark's."""
    deep = {entry["id"]: entry for entry in measured}
    merged = []
    for entry in prior["benchmarks"]:
        again = deep.get(entry["id"])
        # A deep pass cut off by a stop leaves the benchmark as the exact run measured it.
        if again is None or again["status"] == "stopped":
            merged.append(entry)
            continue
        entry = dict(entry)
        for key in ("profile", "memory"):
            if again[key] is not None:
                entry[key] = again[key]
        if again["failure"] is not None and entry["failure"] is None:
            entry.update(status=again["status"], failure=again["failure"], output=again["output"])
        entry.pop("depth", None)
        merged.append(entry)
    return merged


def _asv_paths(paths, suite, asv_config, tree):
    """The PATHs and --suite, or for a suite left at the default PATH whose asv.conf.json names a benchmark_dir of
    asv benchmarks, that directory and ``asv``."""
    if suite not in ("asv", "auto"):
        return paths, suite
    if paths != DEFAULT_PATHS:
        # An asv.conf.json named on the command line says what kind of suite the PATH is.
        return paths, "asv" if asv_config is not None else suite
    try:
        directory = asv.benchmark_dir(tree, asv_config)
    except asv.ConfigError as error:
        raise UsageError("--asv-config: {}".format(error) if asv_config else str(error)) from None
    if directory is None or (suite == "auto" and not (os.path.isdir(os.path.join(tree, directory)) and asv.holds_benchmarks(tree, directory))):
        return paths, suite
    return (directory,), "asv"


def _check_tree(paths, pythonpath, suite, tree, where):
    """Checks PATHs and --pythonpath against one tree; returns the kind of suite, detected if ``auto``."""
    for path in paths:
        if not os.path.exists(os.path.join(tree, path)):
            raise UsageError("PATH {!r} does not exist in {}; give benchmark directories or bench_*.py files, or a pytest suite's test paths".format(path, where))
    for path in pythonpath:
        if not os.path.isdir(os.path.join(tree, path)):
            raise UsageError("--pythonpath {!r} is not a directory in {}".format(path, where))
    if suite != "auto":
        return suite
    try:
        return detect(tree, paths)
    except AmbiguousSuite as error:
        raise UsageError(str(error) if tree == where else "{}: {}".format(where, error)) from None


def _check_trees(request, paths, cwd, wanted):
    """The checks of ``ab``: two trees, each holding PATHs and --pythonpath, and the JSON files it reads; returns
    its ``AbPlan`` and the kind of suite."""
    trees = {}
    for side in interleave.SIDES:
        given = getattr(request, side)
        tree = os.path.abspath(os.path.join(cwd, given))
        if not os.path.isdir(tree):
            raise UsageError("--{} {!r} is not a directory; give the {} version's tree".format(side, given, side))
        trees[side] = tree
    pythonpath = request.settings.pythonpath
    # The head tree decides the kind of suite: it is the version under test.
    suite = _check_tree(paths, pythonpath, wanted, trees["head"], "the head tree {}".format(trees["head"]))
    _check_tree(paths, pythonpath, suite, trees["base"], "the base tree {}".format(trees["base"]))
    loops = {}
    if request.loops_json is not None:
        loops = _read_json(request.loops_json, cwd, "--loops-json")
        if not isinstance(loops, dict) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in loops.values()):
            raise UsageError("--loops-json {!r}: expected a JSON object of benchmark ids to whole numbers of at least 1".format(request.loops_json))
    ids = _read_ids(request.ids_file, cwd)
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(MAX_HASH_SEED + 1)
    return AbPlan(trees=trees, rounds=request.rounds, seed=seed, loops=loops, ids=ids), suite


def _read_ids(path, cwd, flag="--ids"):
    """The ids of the JSON list in file ``path`` (``--ids``, ``--deep-only``), as a tuple; None without the flag."""
    if path is None:
        return None
    ids = _read_json(path, cwd, flag)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise UsageError("{} {!r}: expected a JSON list of benchmark ids (strings)".format(flag, path))
    return tuple(ids)


def _read_json(path, cwd, flag):
    try:
        with open(os.path.join(cwd, path), encoding="utf-8") as file:
            return json.load(file)
    except OSError as error:
        raise UsageError("{} {!r}: cannot read it: {}".format(flag, path, error.strerror)) from None
    except ValueError as error:
        raise UsageError("{} {!r}: not valid JSON: {}".format(flag, path, error)) from None


# Text progress on stderr: how often a terminal's live line is redrawn, and how often, at most, a plain stream (a CI
# log) gets a line within a pass worker, besides the one at its end.
LIVE_INTERVAL = 0.2
PLAIN_INTERVAL = 30.0


class Progress:
    """Progress events: JSON lines to a file descriptor, or text on ``stream`` (stderr): on a terminal one line
    redrawn in place at most every LIVE_INTERVAL seconds, else a line per pass worker's start and end and at most
    one every PLAIN_INTERVAL seconds between them (with --isolate, a benchmark that passed, at most that often), so
    that a large suite's log stays short. Benchmarks that fail get a line each; those that pass are counted in the
    last line."""

    def __init__(self, fd, stream=None, clock=time.monotonic):
        self.fd = fd
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.live = fd is None and self.stream.isatty()
        self.interval = LIVE_INTERVAL if self.live else PLAIN_INTERVAL
        self.shown = None
        self.isolate = False
        self.statuses = {}

    def __call__(self, event):
        if self.fd is None:
            self._text(event)
            return
        try:
            os.write(self.fd, (json.dumps(event) + "\n").encode("utf-8"))
        except OSError:
            # A reader that went away must not cost the results.
            self.fd = None

    def _text(self, event):
        kind = event["event"]
        now = self.clock()
        if kind == "plan":
            self.isolate = event["isolate"]
            return
        if kind in ("pass", "progress"):
            # With --isolate every benchmark has workers of its own: their starts and ends would be a line each, and
            # a plain stream is better told which benchmark of how many the run is at (done, below).
            if self.isolate and not self.live:
                return
            boundary = not self.isolate and (kind == "pass" or event["done"] == event["count"])
            if not boundary and self.shown is not None and now - self.shown < self.interval:
                return
            self.shown = now
            self._line(_describe(event), keep=boundary and not self.live)
            return
        if kind == "done":
            self.statuses[event["status"]] = self.statuses.get(event["status"], 0) + 1
            # With --isolate, benchmarks that pass are the progress: one now and then.
            due = self.isolate and (self.shown is None or now - self.shown >= self.interval)
            # A stopped run's unmeasured benchmarks are counted in the last line, not listed.
            if event["status"] in ("ok", "skipped", "stopped"):
                if due:
                    self.shown = now
                    self._line(_describe(event), keep=not self.live)
                return
        if kind == "finished":
            event = dict(event, statuses=self.statuses)
        self._line(_describe(event), keep=True)

    def _line(self, text, keep):
        if self.live:
            # Redrawn in place: back to the start of the line, which is cleared first.
            self.stream.write("\r\x1b[2K" + text + ("\n" if keep else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _plural(count, noun):
    return "{} {}{}".format(count, noun, "" if count == 1 else "s")


def _describe(event):
    kind = event["event"]
    side = "{} ".format(event["side"]) if "side" in event else ""
    if kind == "collected":
        return "profgate: {} found".format(_plural(event["count"], "benchmark"))
    if kind == "pass":
        steps = " {}/{}".format(event["step"], event["steps"]) if event["steps"] > 1 else ""
        return "profgate: {}{} pass{} on {}".format(side, event["pass"], steps, _plural(event["count"], "benchmark"))
    if kind == "progress":
        steps = " {}/{}".format(event["step"], event["steps"]) if event["steps"] > 1 else ""
        done, count, elapsed = event["done"], event["count"], event["elapsed"]
        left = "" if done == count else ", about {:.0f} s left".format(elapsed / done * (count - done))
        return "profgate: {}{} pass{}: {}/{} ({:.1f} s{})".format(side, event["pass"], steps, done, count, elapsed, left)
    if kind == "done":
        return "[{}/{}] {}: {} ({:.2f} s)".format(event["index"], event["count"], event["id"], event["status"], event["elapsed"])
    if kind == "round":
        return "profgate: round {}/{}".format(event["round"], event["rounds"])
    statuses = event.get("statuses", {})
    tally = ", ".join("{} {}".format(statuses[status], status) for status in sorted(statuses))
    return "profgate: finished in {:.2f} s{}".format(event["elapsed"], ": " + tally if tally else "")


def _settings(command):
    # An ab round is one timing process per side; ab runs no profile or memory pass, so their settings are the
    # defaults a later run of those passes would use.
    settings = command.settings
    recorded = {
        "paths": [clip(path) for path in settings.paths],
        "pythonpath": [clip(path) for path in settings.pythonpath],
        "filter": clip(settings.filter) if settings.filter is not None else None,
        "processes": settings.processes if command.plan is None else command.plan.rounds,
        "values": settings.values,
        "warmups": settings.warmups,
        "min_time": settings.min_time,
        "max_time": settings.max_time,
        "timeout": settings.timeout,
        "gc": settings.gc,
        "hash_seed": settings.hash_seed,
        "isolate": settings.isolate,
        "profile_iterations": settings.profile_iterations,
        "profile_warmups": settings.profile_warmups,
        "memory_warmups": settings.memory_warmups,
        "memory_cost": settings.memory_cost,
        "depth": settings.depth,
    }
    if settings.instrument is not None:
        recorded.update({
            "instrument": settings.instrument,
            "instruction_iterations": settings.instruction_iterations,
            "instruction_warmups": settings.instruction_warmups,
        })
    return recorded


def _results(command, tree, benchmarks, stopped):
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    document = {
        "schema": RESULTS_SCHEMA,
        "schema_version": RESULTS_SCHEMA_VERSION,
        "created": created,
        "environment": environment.describe(tree, command.settings.valgrind),
        "settings": _settings(command),
        "benchmarks": benchmarks,
    }
    if stopped is not None:
        document["stopped"] = {"signal": stopped}
    return document


def _write_json(path, document):
    # Written aside and renamed, so a reader never sees half a results file.
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1, allow_nan=False)
        file.write("\n")
    os.replace(partial, path)


def main(argv=None):
    """Runs the command line ``argv`` (default: ``sys.argv[1:]``) and returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help") or argv[1:2] in (["-h"], ["--help"]):
        sys.stdout.write(__doc__)
        return 0
    cwd = os.getcwd()
    # Before anything else: a stop that comes while the command is checked still gets its results.json.
    stop = Stop()
    stop.install()
    try:
        command = prepare(parse_arguments(argv, cwd), cwd)
    except UsageError as error:
        sys.stderr.write("python -m profgate: error: {}\n(python -m profgate --help describes the options)\n".format(error))
        return 2
    settings = command.settings
    progress = Progress(settings.events_fd)
    try:
        if command.prior is not None and not settings.ids:
            measured = []
        elif command.prior is not None:
            timings = {entry["id"]: entry["timing"] for entry in command.prior["benchmarks"]}
            measured = Suite(settings, cwd, progress, stop, timings).run()
        elif command.plan is None:
            sides = {None: (cwd, Suite(settings, cwd, progress, stop).run())}
        else:
            run = interleave.Interleaved(settings, command.plan, progress, stop).run()
            sides = {side: (command.plan.trees[side], run.benchmarks[side]) for side in interleave.SIDES}
            _write_json(os.path.join(settings.out, "interleave.json"), run.record())
    except SuiteError as error:
        sys.stderr.write("{}python -m profgate: error: {}\n".format(error.output, error))
        return 2
    except Stopped:
        # Stopped while collecting: nothing was measured, and the document says so.
        measured = []
        sides = {None: (cwd, [])} if command.plan is None else {side: (command.plan.trees[side], []) for side in interleave.SIDES}
    if command.prior is not None:
        document = dict(command.prior, benchmarks=merge_deep(command.prior, measured))
        _write_json(os.path.join(settings.out, "results.json"), document)
        if stop.signal is not None:
            sys.stderr.write("python -m profgate: stopped by {}; results.json keeps the exact figures of the benchmarks whose deep passes did not finish\n".format(stop.signal))
            return EXIT_STOPPED
        return 0 if all(entry["status"] == "ok" for entry in document["benchmarks"]) else 1
    for side, (tree, benchmarks) in sides.items():
        out = settings.out if side is None else os.path.join(settings.out, side)
        _write_json(os.path.join(out, "results.json"), _results(command, tree, benchmarks, stop.signal))
    if stop.signal is not None:
        not_run = sum(1 for _, benchmarks in sides.values() for entry in benchmarks if entry["status"] == "stopped")
        sys.stderr.write("python -m profgate: stopped by {}; results.json holds what was measured, with {} stopped short of {} passes\n".format(stop.signal, _plural(not_run, "benchmark"), "its" if not_run == 1 else "their"))
        return EXIT_STOPPED
    return 0 if all(entry["status"] == "ok" for _, benchmarks in sides.values() for entry in benchmarks) else 1


if __name__ == "__main__":
    sys.exit(main())
