"""The timing pass: no profiler attached, the garbage collector off while timing, loop counts calibrated.

A worker process times a benchmark in values of ``loops`` iterations each: ``warmups`` values are discarded, then
up to ``values`` are kept, as CPU and wall seconds per iteration. The process's share of the benchmark's measurement
budget (``max_time`` over the pass's processes) caps how many values it takes, never fewer than the warm-ups and
one: a benchmark whose iteration lasts half a second gets one warm-up and one value per process instead of a run
that grows with its iteration. An iteration of ``LONG_ITERATION`` seconds or more is its process's one value, with
no warm-up: what a process's first iteration pays for (imports, caches) is small beside it, and pytest-benchmark
and pytest-codspeed count such an iteration too, where a warm-up would double the cost of every process.
"""

import gc
import itertools
import time

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

_CALIBRATION_MARGIN = 1.1

# Seconds from which one iteration is a timing process's only value, with no warm-up.
LONG_ITERATION = 1.0


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


def warm_up(call, count, prepare=None, first=None):
    """Runs ``count`` unmeasured iterations and returns the wall seconds of the first (reported to ``first``), or
    None without any: the passes that instrument an iteration size their work by it."""
    seconds = None
    for index in range(count):
        elapsed = first_iteration(call, prepare)
        if index == 0:
            seconds = elapsed
            if first is not None:
                first(seconds)
    return seconds


def first_iteration(call, prepare=None):
    """Runs one iteration (the first of the process, which pays for imports and caches) and returns its wall
    seconds."""
    run = call if prepare is None else prepare()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def calibrate(call, min_time, keep_gc, prepare=None, first=None):
    """The loop count that makes one timed value last about ``min_time`` seconds, and not less.

    Doubling finds the first count that lasts long enough; that count may overshoot by up to twice, so it is then
    scaled down to what the last measurement says lasts ``min_time`` (with a 10% margin), as every later value
    would otherwise spend the overshoot again. ``first`` is called with the wall seconds of the first iteration.
    """
    return _calibrate(call, min_time, keep_gc, prepare, first)[0]


def _calibrate(call, min_time, keep_gc, prepare, first):
    """``calibrate``'s loop count, and when it is 1 the value that found it, ``(cpu, wall)``: a full value of the
    final loop count, which a long benchmark's timing process counts as its warm-up (or, from ``LONG_ITERATION``
    on, as its value) instead of spending another iteration on one."""
    first_value = time_value(call, 1, keep_gc, prepare)
    if first is not None:
        first(first_value[1])
    if first_value[1] >= max(min_time, LONG_ITERATION):
        return 1, first_value
    # The first call pays for imports and caches; calibrating on it could fix loops too low for the rest.
    loops = 1
    while True:
        value = time_value(call, loops, keep_gc, prepare)
        if value[1] >= min_time and loops > 1:
            # One stall (the process preempted, a page fault) would otherwise fix a loop count far too low for
            # every process: a count is long enough only when a second value says so too, and the lower of the
            # two sizes it.
            again = time_value(call, loops, keep_gc, prepare)
            value = min(value, again, key=lambda figures: figures[1])
        if value[1] >= min_time:
            break
        loops *= 2
    elapsed = value[1]
    if loops > 1 and elapsed > 0:
        loops = max(loops // 2 + 1, min(loops, int(loops * _CALIBRATION_MARGIN * min_time / elapsed) + 1))
    return loops, value if loops == 1 else None


def budgeted_values(budget, value_seconds, warmups, values):
    """How many values (warm-ups included) one process takes when each lasts ``value_seconds`` and the process may
    spend ``budget`` seconds: as many as fit, at least the warm-ups and one, at most ``warmups + values``."""
    if value_seconds <= 0:
        return warmups + values
    fitting = int(budget / value_seconds)
    return max(warmups + 1, min(warmups + values, fitting))


def measure(call, loops, settings, prepare=None, first=None):
    """``{"loops", "warmups", "cpu", "wall"}`` of one process (``warmups``: those it discarded): ``settings`` gives ``min_time``, ``gc``, ``warmups``,
    ``values`` and ``budget`` (this process's seconds for the benchmark). Without ``loops``, the process calibrates
    first (and reports the count); when the count is 1, the calibration's last value is the process's first
    warm-up, or its value when it lasted ``LONG_ITERATION`` or more. ``first`` is called with the wall seconds of one plain iteration as soon as one has been timed."""
    keep_gc = settings["gc"]
    warmups = settings["warmups"]
    found = None
    if loops is None:
        loops, found = _calibrate(call, settings["min_time"], keep_gc, prepare, first)
        first = None
    wanted = warmups + settings["values"]
    cpu, wall = [], []
    index = 0
    while index < wanted:
        if index == 0 and found is not None and (warmups > 0 or found[1] >= LONG_ITERATION):
            # The calibration's last value already ran the final loop count: it is this process's first warm-up
            # (or its value, below).
            cpu_time, wall_time = found
        else:
            cpu_time, wall_time = time_value(call, loops, keep_gc, prepare)
        if index == 0:
            if first is not None:
                first(wall_time / loops)
            if loops == 1 and wall_time >= LONG_ITERATION:
                warmups = 0
            wanted = budgeted_values(settings["budget"], wall_time, warmups, settings["values"])
        if index >= warmups:
            cpu.append(cpu_time / loops)
            wall.append(wall_time / loops)
        index += 1
    return {"loops": loops, "warmups": warmups, "cpu": cpu, "wall": wall}
