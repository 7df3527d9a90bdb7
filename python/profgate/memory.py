"""The tracemalloc pass: peak, what is live at the peak, and what an iteration leaves behind, by source line.

tracemalloc sees live memory, not a running total of allocations, so the pass measures what it can see exactly. It
traces only around the measured iterations (blocks allocated before cannot change a difference across one), and
after the warm-ups runs four identical iterations:

1. Plain, traced with one frame per allocation (cheap): ``peak`` is the peak traced size minus the traced size
   before it (``reset_peak()`` first); snapshots before and after (with ``gc.collect()``) give ``retained`` and
   ``retained_blocks``, exactly, and a line breakdown charged to each block's innermost frame.
2. Coarse, still with one frame, under a ``sys.setprofile`` hook, which fires at every Python and C call and
   return. The hook counts events in windows of ``WINDOW`` and reads the traced size only at each window's end:
   the windows that may hold the highest point are the one whose end saw the highest size, the one in which
   tracemalloc's own peak last rose, and the last one.
3. Fine, the same, reading the traced size at every event of those windows only: the event at which the traced
   size first reached its highest value.
4. Traced with ``TRACEBACK_FRAMES`` frames, so that an allocation deep in the standard library reaches the project
   line that caused it, and a hook that takes one snapshot at that event. Iterations of deterministic code (the
   hash seed is fixed) reach the same event with the same objects live, so the snapshot is the highest point the
   hook can observe. After the iteration, a last snapshot gives the retained lines with the same deep tracebacks,
   used when they add up to what iteration 1 retained (an iteration that grows a container resizes it now and
   then; otherwise iteration 1's lines stand).
   On Python 3.11+ the hook makes the interpreter create a frame object for every frame it reports; those on the
   stack at the snapshot are the harness's doing and are subtracted.

The hooks count without allocating (small integers only): an allocation per event would be traced, with a deep
traceback in iteration 4. Snapshots are charged to lines after tracing stops, for the same reason.

The cost is bounded. Deep tracebacks cost several times the plain iteration (on Python 3.12+, each frame of each
allocation's traceback is looked up in its code object's line table) and a hook more, so iterations 2 to 4
together may take the time of ``cost`` plain iterations (the memory-cost setting; an iteration counts as at least
``SHORTEST`` seconds), and at most a share of the benchmark's timeout. The hooks check the deadline at every
window's end, and where the platform has ``SIGALRM`` a timer enforces it too (a loop of bytecode that allocates
without calling gives a hook nothing to see). When the budget runs out, hooks and tracing stop: the snapshot is
then the last point reached (``at_peak`` explains less of ``peak``: ``peak_captured`` says how much), the retained
lines are those of iteration 1, charged to the innermost frame, and ``note`` says so. ``peak``, ``retained`` and
``retained_blocks`` are exact either way.

The limits: memory allocated and freed between two events (a temporary inside one C call, such as a list resized
in place, or one freed in a function body before its next call or return) raises ``peak`` but is seen only as it
is at the nearest event; ``peak_captured`` (the bytes attributed in ``at_peak``) tells how much of ``peak`` that
was. On Python 3.9 and 3.10 the hook makes the interpreter build a locals dict for each frame it reports (a few
hundred bytes per frame on the stack, charged to the function's ``def`` line), which cannot be told apart from the
benchmark's memory and stays in ``at_peak``. ``peak`` includes the few hundred bytes the harness's own call of a
parametrised benchmark allocates for its keyword arguments; ``retained`` and the line lists leave out every
allocation the harness makes (its snapshots among them). Only the calling thread's events are observed (other
threads' memory is seen at those events).
"""

import ast
import gc
import linecache
import os
import signal
import sys
import threading
import time
import tracemalloc

from profgate.normalise import clip, is_harness_file
from profgate.timing import warm_up

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

# Deep enough that an allocation inside the standard library still reaches the project frame that caused it.
TRACEBACK_FRAMES = 30
MAX_LINES = 200
# The hooked iterations may take the time of ``cost`` plain iterations (the memory-cost setting), an iteration
# counting as at least SHORTEST seconds (a hook makes call-heavy code 50-200 times slower, which on a short
# benchmark is still little time), and at most TIMEOUT_SHARE of the benchmark's timeout.
SHORTEST = 0.1
TIMEOUT_SHARE = 0.5
# Hook events are counted in windows of WINDOW: the coarse iteration reads the traced size once per window.
WINDOW = 64
# Of the budget, the share by whose end the coarse and the fine iteration must be done; the snapshot gets the rest.
COARSE_SHARE = 0.3
FINE_SHARE = 0.55

# Before 3.11 every frame is a heap object anyway; from 3.11 a profile hook makes the interpreter allocate one.
_HOOK_ALLOCATES_FRAMES = sys.version_info >= (3, 11)
# Python 3.11 finds a frame's line number by scanning its code object's location table, unless a profile or trace
# hook has seen the code object, which gives it a table of line numbers by instruction. tracemalloc looks up the line
# of every frame of every traceback it records, so on allocation-heavy code of long functions (class creation)
# tracing a first iteration cold costs 10-25 plain iterations, and 3-6 after one under a hook that does nothing.
_HOOK_BUILDS_LINE_TABLES = sys.version_info[:2] == (3, 11)

_HARNESS, _STDLIB, _PROJECT = "harness", "stdlib", "project"


def measure(call, warmups, cost, timeout, normaliser, prepare=None, first=None, plain=None):
    """The schema's ``memory`` object for one benchmark whose pass may run ``timeout`` seconds, its hooked
    iterations ``cost`` plain iterations' time (each counted as at least ``SHORTEST``).

    With ``prepare``, an iteration is the callable ``prepare()`` returns, prepared before the iteration's first
    snapshot: what it prepares is live in both snapshots, so only what the iteration itself adds is counted.

    ``plain`` is one plain iteration's seconds, as the timing pass measured it; it sets the budget. Without it, the
    first warm-up is timed untraced. The other warm-ups are traced with one frame, so that a container they grow
    is traced by the measured iteration: tracemalloc counts a block that was allocated before tracing began, and
    is resized during it, at its whole new size.
    """
    iteration = (lambda: call) if prepare is None else prepare
    untraced = 0
    if plain is None and warmups > 0:
        plain = warm_up(call, 1, prepare, first)
        untraced = 1
    elif plain is not None and first is not None:
        first(plain)
    budget = min(cost * max(plain or 0.0, SHORTEST), TIMEOUT_SHARE * timeout)
    try:
        tracemalloc.start(1)
        # On Python 3.11 at least one warm-up runs under a hook that does nothing; the finally below removes it.
        build_lines = _HOOK_BUILDS_LINE_TABLES and warmups > 0
        sys.setprofile(_ignore if build_lines else None)
        warm_up(call, max(1, warmups - untraced) if build_lines else warmups - untraced, prepare)
        sys.setprofile(None)
        # What exists now (the modules, other benchmarks' leftovers, even garbage: it stays as it is through the
        # iterations) is kept out of the collections the pass makes before each snapshot: a full collection would
        # otherwise grow with the worker's whole heap, and with it each benchmark's cost with the suite's size.
        gc.freeze()
        started = time.perf_counter()
        peak, plain_before, plain_after = _plain(iteration())
        if plain is None:
            # Without a warm-up, the traced iteration stands in for the plain one (and overstates it).
            plain = time.perf_counter() - started
            budget = min(cost * max(plain, SHORTEST), TIMEOUT_SHARE * timeout)
        started = time.perf_counter()
        windows, observed = _windows(iteration(), started + COARSE_SHARE * budget)
        highest = None
        if observed:
            highest, observed = _highest_event(iteration(), windows, started + FINE_SHARE * budget)
        tracemalloc.stop()
        tracemalloc.start(TRACEBACK_FRAMES)
        deep = _snapshot_at(iteration(), highest, started + budget)
    finally:
        sys.setprofile(None)
        tracemalloc.stop()
        gc.unfreeze()

    # Charged once tracing is off: charging a large snapshot allocates, and tracing that would cost more than it.
    charge = _Charger(normaliser)
    retained_shallow = _difference(charge.lines(plain_after), charge.lines(plain_before))
    base = charge.lines(deep.base)
    at_peak = _difference(charge.lines(deep.at_highest), base)
    for frames, size in deep.hook_frames:
        place = charge.place(frames)
        if place in at_peak:
            at_peak[place] = (at_peak[place][0] - size, at_peak[place][1] - 1)
    at_peak = {place: figures for place, figures in at_peak.items() if figures[0] > 0}
    complete = observed and deep.reached
    retained = retained_shallow
    if deep.after is not None:
        retained_deep = _difference(charge.lines(deep.after), base)
        # The deep lines only when iteration 4 retained exactly what iteration 1 did: an iteration that grows a
        # container resizes it now and then, and the figures must add up to the totals reported.
        if _totals(retained_deep) == _totals(retained_shallow):
            retained = retained_deep

    describe = _Describer(normaliser)
    at_peak_lines = describe(at_peak, key=lambda entry: (-entry["size"], entry["file"], entry["line"]))
    result = {
        "warmups": warmups,
        "peak": peak,
        "peak_captured": sum(entry["size"] for entry in at_peak_lines),
        "at_peak": at_peak_lines,
        "retained": _totals(retained_shallow)[0],
        "retained_blocks": _totals(retained_shallow)[1],
        "retained_lines": describe(retained, key=lambda entry: (-abs(entry["size"]), entry["file"], entry["line"])),
    }
    if not complete or deep.after is None:
        result["note"] = _cut_note(budget, cost, plain, observed, deep.reached, deep.after is not None)
    return result


def _ignore(frame, event, arg):
    """A profile hook that does nothing: on Python 3.11 its presence builds each code object's line table."""


def _totals(lines):
    """``(bytes, blocks)`` of a line breakdown."""
    return sum(size for size, _ in lines.values()), sum(count for _, count in lines.values())


def _cut_note(budget, cost, plain, observed, reached, deep_retained):
    if observed and reached:
        lines = "the live-at-peak lines are complete"
    elif observed:
        lines = "the live-at-peak lines are from the last point reached, short of the peak"
    else:
        lines = "the live-at-peak lines are from {}".format("the highest point seen before the budget ran out" if reached else "the last point reached")
    if not deep_retained:
        lines += " and the retained lines are charged to each block's innermost frame"
    return (
        "the line breakdown was cut short: locating the peak and tracing with deep tracebacks took longer than the "
        "memory pass's budget ({:.3g} s: memory-cost {:g} x one {:.3g} s iteration, counted as at least {:g} s); "
        "peak and retained are exact, {}; raise memory-cost for the full breakdown".format(budget, cost, plain, SHORTEST, lines)
    )


def _plain(run):
    """Iteration 1: its peak, and snapshots before and after it."""
    gc.collect()
    before = tracemalloc.take_snapshot()
    traced_before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run()
    peak = tracemalloc.get_traced_memory()[1] - traced_before
    del run
    gc.collect()
    return peak, before, tracemalloc.take_snapshot()


class _Deadline:
    """When one hooked iteration must stop: its hook checks at the end of every window of events and, where the
    platform has SIGALRM and nothing else handles it, a timer enforces it too, so that it also holds in code that
    allocates much and calls little (a loop of bytecode gives a hook nothing to see). ``expire(frame)`` runs once,
    in the benchmark's thread."""

    def __init__(self, at, expire):
        self.at = at
        self.expire = expire
        self.passed = False
        self._previous = None

    def check(self, frame):
        if not self.passed and time.perf_counter() > self.at:
            self._fire(frame)

    def _fire(self, frame):
        self.passed = True
        self.expire(frame)

    def _alarm(self, signum, frame):
        if not self.passed:
            self._fire(frame)

    def __enter__(self):
        delay = self.at - time.perf_counter()
        usable = (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
        )
        if usable and delay > 0:
            self._previous = signal.signal(signal.SIGALRM, self._alarm)
            signal.setitimer(signal.ITIMER_REAL, delay)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self._previous = None
        return False


def _observe(call, hook, deadline):
    """Runs one iteration under ``hook`` until ``deadline``; an iteration whose deadline has already passed is not
    run at all."""
    if time.perf_counter() >= deadline.at:
        deadline.passed = True
        return
    with deadline:
        sys.setprofile(hook)
        try:
            call()
        finally:
            sys.setprofile(None)


def _stop_hook(frame):
    sys.setprofile(None)


# The hooks below count events as (window, tick), tick 0 to WINDOW - 1, in lists of small integers: an integer above
# 256 is a new object, and an allocation per event would cost a traceback each (a deep one in iteration 4).


def _windows(call, at):
    """Iteration 2, coarse: the windows of events that may hold the highest point (the one whose last event saw the
    highest traced size, the one in which tracemalloc's peak last rose, and the last one), and whether the whole
    iteration was observed before ``at``."""
    traced = tracemalloc.get_traced_memory
    last = WINDOW - 1
    deadline = _Deadline(at, _stop_hook)
    state = [-1, 0, -1, 0, -1, 0]  # tick, window, highest size, its window, highest peak, its window

    def hook(frame, event, arg):
        tick = state[0] + 1
        if tick == WINDOW:
            tick = 0
            state[1] += 1
        state[0] = tick
        if tick != last:
            return
        current, peak = traced()
        if current > state[2]:
            state[2] = current
            state[3] = state[1]
        if peak > state[4]:
            state[4] = peak
            state[5] = state[1]
        deadline.check(frame)

    gc.collect()
    tracemalloc.reset_peak()
    _observe(call, hook, deadline)
    return {state[3], state[5], state[1]}, not deadline.passed


def _highest_event(call, windows, at):
    """Iteration 3, fine: the event ``(window, tick)`` at which the traced size first reached its highest value
    within ``windows`` (None if none was reached), and whether the iteration was observed to its end before
    ``at``."""
    traced = tracemalloc.get_traced_memory
    stop = sys.setprofile
    deadline = _Deadline(at, _stop_hook)
    state = [-1, 0, 0 in windows, -1, None]  # tick, window, in a wanted window, highest size, its event

    def hook(frame, event, arg):
        tick = state[0] + 1
        if tick == WINDOW:
            tick = 0
            state[1] += 1
            state[2] = state[1] in windows
            deadline.check(frame)
        state[0] = tick
        if not state[2] or arg is stop or deadline.passed:
            # Outside the wanted windows; or the harness removing the hook, whose frame object is no benchmark's.
            return
        size = traced()[0]
        if size > state[3]:
            state[3] = size
            state[4] = (state[1], tick)

    gc.collect()
    _observe(call, hook, deadline)
    return state[4], not deadline.passed


class _Deep:
    """What iteration 4 saw: snapshots before it, at the chosen event (``reached``, or where the deadline passed
    first) and after it (None when the deadline stopped tracing), and the traceback and size of each frame object
    the hook caused that was live at the chosen event."""

    def __init__(self):
        self.base = None
        self.at_highest = None
        self.after = None
        self.reached = False
        self.hook_frames = []


def _snapshot_at(call, event, at):
    """Iteration 4, traced deep: snapshots before it, at hook event ``event`` (or where the deadline ``at`` passes
    first; with ``event`` None the highest point is unknown, and the latest point reached is the best guess) and
    after it, unless the deadline stopped tracing."""
    deep = _Deep()
    wanted_window, wanted_tick = event if event is not None else (-1, -1)
    state = [-1, 0]  # tick, window

    def take(frame):
        deep.at_highest = tracemalloc.take_snapshot()
        while _HOOK_ALLOCATES_FRAMES and frame is not None:
            traceback = tracemalloc.get_object_traceback(frame)
            if traceback is not None:
                deep.hook_frames.append((_frames(traceback), sys.getsizeof(frame)))
            frame = frame.f_back

    def expire(frame):
        if deep.at_highest is None:
            take(frame)
        sys.setprofile(None)
        tracemalloc.stop()

    deadline = _Deadline(at, expire)

    def hook(frame, event, arg):
        tick = state[0] + 1
        if tick == WINDOW:
            tick = 0
            state[1] += 1
            deadline.check(frame)
            if deadline.passed:
                return
        state[0] = tick
        if tick == wanted_tick and state[1] == wanted_window:
            deep.reached = True
            take(frame)
            sys.setprofile(None)

    gc.collect()
    deep.base = tracemalloc.take_snapshot()
    _observe(call, hook, deadline)
    del call
    if deep.at_highest is None:
        # The iteration had fewer events than the one observed (it is not deterministic after all).
        deep.at_highest = deep.base
    if tracemalloc.is_tracing() and not deadline.passed:
        gc.collect()
        deep.after = tracemalloc.take_snapshot()
    return deep


def _difference(later, earlier):
    difference = {}
    for place in set(later) | set(earlier):
        size_later, count_later = later.get(place, (0, 0))
        size_earlier, count_earlier = earlier.get(place, (0, 0))
        if size_later != size_earlier or count_later != count_earlier:
            difference[place] = (size_later - size_earlier, count_later - count_earlier)
    return difference


class _Charger:
    """Charges each allocation to a source line, dropping the harness's (and tracemalloc's) own allocations."""

    def __init__(self, normaliser):
        self.normaliser = normaliser
        self.tracemalloc_file = os.path.abspath(tracemalloc.__file__)
        self._kinds = {}

    def _kind(self, filename):
        kind = self._kinds.get(filename)
        if kind is None:
            if is_harness_file(filename) or filename == self.tracemalloc_file:
                kind = _HARNESS
            elif self.normaliser.is_stdlib(filename):
                kind = _STDLIB
            else:
                kind = _PROJECT
            self._kinds[filename] = kind
        return kind

    def place(self, innermost_first):
        """``(filename, line)`` charged for an allocation whose traceback is ``innermost_first``, or None for the
        harness's own."""
        if not innermost_first:
            return "<unknown>", 0
        # The benchmark's allocations have a project frame inside the harness's call; the harness's own (its
        # snapshots, its counters) reach a harness frame first, possibly through the standard library.
        for filename, _ in innermost_first:
            kind = self._kind(filename)
            if kind == _HARNESS:
                return None
            if kind == _PROJECT:
                break
        for filename, line in innermost_first:
            if self.normaliser.in_root(filename):
                return filename, line
        return innermost_first[0]

    def lines(self, snapshot):
        """``{(filename, line): (size, count)}`` of a snapshot."""
        # Grouped by the raw traceback tuple first: a snapshot of a large iteration holds hundreds of thousands of
        # traces, and the public API would build a Trace and a Traceback object for each.
        by_traceback = {}
        for trace in _raw_traces(snapshot):
            frames = trace[2]
            figures = by_traceback.get(frames)
            by_traceback[frames] = (trace[1], 1) if figures is None else (figures[0] + trace[1], figures[1] + 1)
        totals = {}
        for frames, (size, count) in by_traceback.items():
            place = self.place(frames)
            if place is not None:
                known = totals.get(place)
                totals[place] = (size, count) if known is None else (known[0] + size, known[1] + count)
        return totals


def _raw_traces(snapshot):
    """The snapshot's traces as tracemalloc keeps them, ``(domain, size, frames innermost first, ...)``; any other
    shape goes through the public API."""
    raw = getattr(snapshot.traces, "_traces", None)
    if isinstance(raw, list) and all(isinstance(trace, tuple) and len(trace) >= 3 and isinstance(trace[2], tuple) for trace in raw[:1]):
        return raw
    return [(trace.domain, trace.size, tuple((frame.filename, frame.lineno) for frame in reversed(list(trace.traceback)))) for trace in snapshot.traces]


def _frames(traceback):
    """A traceback's ``(filename, line)`` pairs, innermost first. tracemalloc keeps them as such tuples (oldest
    first) in ``_frames``; reading those directly spares one ``Frame`` object per frame and trace, which made
    charging a snapshot of tens of thousands of traces take seconds. Any other shape goes through the public API."""
    raw = getattr(traceback, "_frames", None)
    if isinstance(raw, tuple) and all(isinstance(frame, tuple) and len(frame) == 2 for frame in raw[:1]):
        return raw[::-1]
    return [(frame.filename, frame.lineno) for frame in reversed(list(traceback))]


class _Describer:
    """Turns ``{(filename, line): (size, count)}`` into the schema's sorted, bounded ``MemoryLine`` list."""

    def __init__(self, normaliser):
        self.normaliser = normaliser
        self._functions = {}

    def __call__(self, lines, key):
        merged = {}
        for (filename, line), (size, count) in lines.items():
            name = (self.normaliser.name(filename), line)
            if name in merged:
                merged[name]["size"] += size
                merged[name]["count"] += count
            else:
                merged[name] = {
                    "file": clip(name[0]),
                    "line": line,
                    "function": clip(self._function(filename, line)),
                    "source": clip(linecache.getline(filename, line).strip()),
                    "size": size,
                    "count": count,
                }
        return sorted(merged.values(), key=key)[:MAX_LINES]

    def _function(self, filename, line):
        spans = self._functions.get(filename)
        if spans is None:
            spans = self._functions[filename] = _function_spans(filename)
        if spans is None:
            return ""
        name, start = "<module>", 0
        for first, last, candidate in spans:
            if first <= line <= last and first >= start:
                name, start = candidate, first
        return name


def _function_spans(filename):
    """``(first line, last line, name)`` of every function and class in a file, or None if it cannot be parsed."""
    source = "".join(linecache.getlines(filename))
    if not source:
        return None
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [(node.lineno, node.end_lineno, node.name) for node in ast.walk(tree) if isinstance(node, kinds)]
