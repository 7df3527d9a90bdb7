"""The tracemalloc pass: peak, what is live at the peak, and what an iteration leaves behind, by source line.

tracemalloc sees live memory, not a running total of allocations, so the pass measures what it can see exactly. It
traces only around the measured iterations (blocks allocated before cannot change a difference across one). After
the warm-ups it runs one iteration at the ``exact`` depth, and three more at the ``full`` depth (the default):

1. Plain, traced with one frame per allocation (cheap), nothing else attached: ``peak`` is the peak traced size
   minus the traced size before it (``reset_peak()`` first); snapshots before and after (with ``gc.collect()``)
   give ``retained`` and ``retained_blocks``, exactly, and a line breakdown charged to each block's innermost frame.
   At the ``exact`` depth the pass ends here: ``at_peak`` is empty and ``note`` says why.
2. Sampled, still with one frame, at every automatic garbage collection (``gc.callbacks``, which fire every few
   hundred container allocations at no cost in between): the collection whose start saw the highest traced size,
   and the stretch between two collections in which tracemalloc's own peak last rose, which holds the highest point.
3. Fine, the same, with a ``sys.setprofile`` hook (which fires at every Python and C call and return) installed only
   over that stretch: it reads the traced size at every event and finds the event at which it was highest, and it
   leaves as soon as the peak has been passed (tracemalloc's peak reached iteration 2's and the traced size fell
   well below it). A hook makes call-heavy code ten times slower; over one stretch that is a small part of the
   iteration, which is why the stretch is found first without one.
4. Traced with ``TRACEBACK_FRAMES`` frames, so that an allocation deep in the standard library reaches the project
   line that caused it, with the same hook installed at the same collection, counting events only, and taking one
   snapshot at the chosen event (or, when iteration 3 found none, at the collection of iteration 2's highest
   sample). Iterations of deterministic code (the hash seed is fixed) reach the same event with the same objects
   live, so the snapshot is the highest point the hook can observe. After the iteration, a last snapshot gives the
   retained lines with the same deep tracebacks, used when they add up to what iteration 1 retained (an iteration
   that grows a container resizes it now and then; otherwise iteration 1's lines stand).
   On Python 3.11+ the hook makes the interpreter create a frame object for every frame it reports; those on the
   stack at the snapshot are the harness's doing and are subtracted, as is the dict a garbage collection hands its
   callbacks.
   tracemalloc looks up the line of every frame of every traceback it records. Python 3.11 does that fast only in
   code objects a profile hook has seen run, so there one warm-up runs under a hook that does nothing, and each code
   object on the stack below the benchmark (the harness's, pytest's: a long function without its table there made
   deep tracing 20-60 times slower) has its table built before iteration 4 (``_build_line_tables``).

The hooks count without allocating (small integers only): an allocation per event would be traced, with a deep
traceback in iteration 4. Snapshots are charged to lines after tracing stops, for the same reason.

The cost is bounded. The hooked stretches of iterations 3 and 4 together may take the time of ``cost`` plain
iterations (the memory-cost setting; an iteration counts as at least ``SHORTEST`` seconds), and at most a share of
the benchmark's timeout. The hooks check the deadline at every window of ``WINDOW`` events, and where the platform
has ``SIGPROF`` a timer enforces it too (a loop of bytecode that allocates without calling gives a hook nothing to
see). When the budget runs out, hooks and tracing stop: the snapshot is then taken at the collection of the highest
sample, or the last point reached (``at_peak`` explains less of ``peak``: ``peak_captured`` says how much), the
retained lines are those of iteration 1, charged to the innermost frame, and ``note`` says so. ``peak``,
``retained`` and ``retained_blocks`` are exact either way. A benchmark whose plain iteration is so long that
``FULL_PASS_ITERATIONS`` of them would outlast half its timeout gets those exact totals only (iteration 1), with a
``note`` that says why, rather than a timeout. The budget is CPU time, but the worker is killed on wall time: on a
loaded machine, or for an iteration that waits, wall time runs ahead, so the deep work also ends by half the timeout
in wall time (the hooks check it too), and iterations 2 to 4 are not started when one more, as long in wall time as
iteration 1, would end past it (the exact totals stand, and ``note`` says why).

The limits: memory allocated and freed between two events (a temporary inside one C call, such as a list resized
in place, or one freed in a function body before its next call or return) raises ``peak`` but is seen only as it
is at the nearest event; ``peak_captured`` (the bytes attributed in ``at_peak``) tells how much of ``peak`` that
was. On Python 3.9 and 3.10 the hook makes the interpreter build a locals dict for each frame it reports (a few
hundred bytes per frame on the stack, charged to the function's ``def`` line), which cannot be told apart from the
benchmark's memory and stays in ``at_peak``. With the garbage collector disabled by the benchmark there are no
collections to sample, and the hooked stretch is the whole iteration. ``peak`` includes the few hundred bytes the
harness's own call of a parametrised benchmark allocates for its keyword arguments; ``retained`` and the line lists
leave out every allocation the harness makes (its snapshots among them). Only the calling thread's events are
observed (other threads' memory is seen at those events).
"""

import ast
import collections
import gc
import linecache
import operator
import os
import signal
import sys
import threading
import time
import tracemalloc
import types

from profgate.normalise import clip, is_harness_file
from profgate.timing import warm_up

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

# Deep enough that an allocation inside the standard library still reaches the project frame that caused it.
TRACEBACK_FRAMES = 30
MAX_LINES = 200
# The hooked stretches may take the time of ``cost`` plain iterations (the memory-cost setting), an iteration
# counting as at least SHORTEST seconds (a hook makes call-heavy code 10-200 times slower, which on a short
# benchmark is still little time), and at most TIMEOUT_SHARE of the benchmark's timeout.
SHORTEST = 0.1
TIMEOUT_SHARE = 0.5
# Hook events are counted in windows of WINDOW: the deadline is checked once per window.
WINDOW = 64
# Of the budget, the share by whose end iteration 3 must be done; iteration 4's stretch gets the rest.
FINE_SHARE = 0.5
# What iteration 4's deep tracing may take beyond its hooked stretch, in plain iterations (it costs 3 to 8 of them).
DEEP_ITERATION = 12
# Iteration 3 has passed the peak once the traced size is this share of the peak below tracemalloc's own peak.
DESCENT = 0.05

# The budget is counted in this process's CPU time, as the hooks and tracing cost CPU: on a machine shared with other
# work (a busy CI runner) wall time would cut the breakdown short for the load, not for its cost. The timer that
# enforces it counts the same time (ITIMER_PROF, which raises SIGPROF).
_clock = time.process_time
_TIMER = getattr(signal, "ITIMER_PROF", None)
_SIGNAL = getattr(signal, "SIGPROF", None)

# Before 3.11 every frame is a heap object anyway; from 3.11 a profile hook makes the interpreter allocate one.
_HOOK_ALLOCATES_FRAMES = sys.version_info >= (3, 11)
# Python 3.11 finds a frame's line number by scanning its code object's location table, unless a profile or trace
# hook has seen the code object, which gives it a table of line numbers by instruction. tracemalloc looks up the line
# of every frame of every traceback it records, so on allocation-heavy code of long functions (class creation)
# tracing a first iteration cold costs 10-25 plain iterations, and 3-6 after one under a hook that does nothing.
HOOK_BUILDS_LINE_TABLES = sys.version_info[:2] == (3, 11)
# The frames below the benchmark (the harness's, pytest's) are in every deep traceback too, and some are long
# functions: one of 600 lines without its table makes deep tracing 20-60 times slower. A hook sees them only when they
# next run, so each code object on the stack gets its table built before the deep iteration (_build_line_tables).
# The code objects done, by id; kept, so that an id is not reused while the process lives.
_LINE_TABLES = {}
_SUSPENDED_START = 0x20 | 0x80 | 0x100  # CO_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE: run by send(None)
_ASYNC_GENERATOR = 0x200  # CO_ASYNC_GENERATOR: left alone

_HARNESS, _STDLIB, _PROJECT = "harness", "stdlib", "project"

EXACT, FULL = "exact", "full"
# What a pass at depth full costs at most, in plain iterations: the warm-ups (one under a hook on Python 3.11),
# iterations 1 to 3 and iteration 4's deep tracing. A benchmark whose iterations are so long that this would outlast
# its share of the timeout gets the exact totals only, rather than a timeout.
FULL_PASS_ITERATIONS = 30

LONG_NOTE = (
    "the live-at-peak lines were left out: one plain iteration takes {:.3g} s, and a pass with the line breakdown "
    "costs up to {} of them, past half the timeout ({:g} s); peak and retained are exact, and the retained lines are "
    "charged to each block's innermost frame. Raise the timeout for the breakdown"
)

SLOW_NOTE = (
    "the live-at-peak lines were left out: an iteration of the pass took {:.3g} s of wall time ({:.3g} s when the "
    "timing pass ran it: a loaded machine, or an iteration that waits), and the line breakdown's iterations would "
    "have run past half the timeout ({:g} s); peak and retained are exact, and the retained lines are charged to each "
    "block's innermost frame"
)

EXACT_NOTE = (
    "the live-at-peak lines were left out (depth exact: the deep passes run only where a comparison needs them); "
    "peak and retained are exact, and the retained lines are charged to each block's innermost frame"
)


def measure(call, warmups, cost, timeout, normaliser, prepare=None, first=None, plain=None, depth=FULL):
    """The schema's ``memory`` object for one benchmark whose pass may run ``timeout`` seconds, its hooked
    stretches ``cost`` plain iterations' time (each counted as at least ``SHORTEST``); at ``depth`` ``exact``, only
    the exact totals (iteration 1).

    With ``prepare``, an iteration is the callable ``prepare()`` returns, prepared before the iteration's first
    snapshot: what it prepares is live in both snapshots, so only what the iteration itself adds is counted.

    ``plain`` is one plain iteration's seconds, as the timing pass measured it; it sets the budget. Without it, the
    first warm-up is timed untraced. The other warm-ups are traced with one frame, so that a container they grow
    is traced by the measured iteration: tracemalloc counts a block that was allocated before tracing began, and
    is resized during it, at its whole new size.
    """
    iteration = (lambda: call) if prepare is None else prepare
    # The budget is CPU time, but the worker is killed after `timeout` seconds of wall time: on a loaded machine (or
    # for an iteration that waits) wall time runs ahead of CPU time, so the line breakdown must also end by half the
    # timeout in wall time, and an iteration that would end past it is not started.
    wall_limit = time.monotonic() + TIMEOUT_SHARE * timeout
    slow = None
    untraced = 0
    if plain is None and warmups > 0:
        plain = warm_up(call, 1, prepare, first)
        untraced = 1
    elif plain is not None and first is not None:
        first(plain)
    budget = min(cost * max(plain or 0.0, SHORTEST), TIMEOUT_SHARE * timeout)
    too_long = depth == FULL and plain is not None and plain * FULL_PASS_ITERATIONS > TIMEOUT_SHARE * timeout
    if too_long:
        depth = EXACT
    deep = None
    observed = False
    try:
        tracemalloc.start(1)
        # On Python 3.11 at least one warm-up runs under a hook that does nothing; the finally below removes it,
        # unless only the exact totals are wanted: one traced iteration does not repay a hooked one.
        build_lines = HOOK_BUILDS_LINE_TABLES and warmups > 0 and depth == FULL
        sys.setprofile(ignore if build_lines else None)
        warm_up(call, max(1, warmups - untraced) if build_lines else warmups - untraced, prepare)
        sys.setprofile(None)
        # What exists now (the modules, other benchmarks' leftovers, even garbage: it stays as it is through the
        # iterations) is kept out of the collections the pass makes before each snapshot: a full collection would
        # otherwise grow with the worker's whole heap, and with it each benchmark's cost with the suite's size.
        gc.freeze()
        started = _clock()
        wall_started = time.monotonic()
        peak, plain_before, plain_after = _plain(iteration())
        wall = time.monotonic() - wall_started
        if plain is None:
            # Without a warm-up, the traced iteration stands in for the plain one (and overstates it).
            plain = _clock() - started
            budget = min(cost * max(plain, SHORTEST), TIMEOUT_SHARE * timeout)
        if depth == FULL and _too_late(wall_limit, wall):
            slow = wall
        elif depth == FULL:
            sampled = _sample(iteration())
            started = _clock()
            if _too_late(wall_limit, wall):
                slow = wall
            else:
                event, observed = _highest_event(iteration(), sampled, started + FINE_SHARE * budget, wall_limit)
                tracemalloc.stop()
                if HOOK_BUILDS_LINE_TABLES:
                    _build_line_tables(sys._getframe(), _DEEP_STACK)
                if _too_late(wall_limit, wall):
                    slow = wall
                else:
                    tracemalloc.start(TRACEBACK_FRAMES)
                    # Iteration 4's hooked stretch gets what iteration 3 left of the budget, and at least its own
                    # share; its tracing, which the budget does not cover, DEEP_ITERATION plain iterations more.
                    now = _clock()
                    at = max(started + budget, now + (1 - FINE_SHARE) * budget) + DEEP_ITERATION * max(plain, SHORTEST)
                    deep = _snapshot_at(iteration(), sampled, event, min(at, now + TIMEOUT_SHARE * timeout), wall_limit)
    finally:
        sys.setprofile(None)
        tracemalloc.stop()
        gc.unfreeze()

    # Charged once tracing is off: charging a large snapshot allocates, and tracing that would cost more than it.
    charge = _Charger(normaliser)
    retained_shallow = _difference(charge.lines(plain_after), charge.lines(plain_before))
    at_peak = {}
    retained = retained_shallow
    if deep is not None:
        base = charge.lines(deep.base)
        at_peak = _difference(charge.lines(deep.at_highest), base)
        for frames, size in deep.harness_blocks:
            place = charge.place(frames)
            if place in at_peak:
                at_peak[place] = (at_peak[place][0] - size, at_peak[place][1] - 1)
        at_peak = {place: figures for place, figures in at_peak.items() if figures[0] > 0}
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
    if too_long:
        result["note"] = LONG_NOTE.format(plain, FULL_PASS_ITERATIONS, timeout)
    elif slow is not None:
        result["note"] = SLOW_NOTE.format(slow, plain, timeout)
    elif deep is None:
        result["note"] = EXACT_NOTE
    elif not (observed and deep.reached) or deep.after is None:
        result["note"] = _cut_note(budget, cost, plain, observed, deep.reached, deep.after is not None)
    return result


def ignore(frame, event, arg):
    """A profile hook that does nothing: on Python 3.11 its presence builds the line table of each code object it
    sees run."""


class _TableBuilt(Exception):
    """Raised by the hook of ``_build_line_table`` at the call event of the code object it was built for."""


def _build_line_tables(frame, functions):
    """On Python 3.11, builds the line table of every code object on the stack from ``frame`` down, and of
    ``functions`` and the functions nested in them (the harness's, which will be on the stack while it traces)."""
    codes = []
    while frame is not None:
        codes.append(frame.f_code)
        frame = frame.f_back
    pending = [function.__code__ for function in functions]
    while pending:
        code = pending.pop()
        codes.append(code)
        pending.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    for code in codes:
        if id(code) not in _LINE_TABLES:
            _LINE_TABLES[id(code)] = code
            _build_line_table(code)


def _build_line_table(code):
    """Builds ``code``'s line table without running any of it: a function made of it is called under a profile hook
    that raises at its call event, before its first instruction (the interpreter builds the table just before it
    calls the hook). Its globals have no builtins either, so that nothing could run far if it did."""
    if code.co_flags & _ASYNC_GENERATOR:
        return
    cells = tuple(types.CellType() for _ in code.co_freevars)
    function = types.FunctionType(code, {"__builtins__": {}}, None, None, cells)
    arguments = [None] * code.co_argcount
    keywords = dict.fromkeys(code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount])
    start = function
    if code.co_flags & _SUSPENDED_START:
        start, arguments, keywords = function(*arguments, **keywords).send, [None], {}

    def stop(frame, event, arg):
        if frame.f_code is code:
            raise _TableBuilt

    try:
        sys.setprofile(stop)
        start(*arguments, **keywords)
    except _TableBuilt:
        pass
    finally:
        sys.setprofile(None)


def _totals(lines):
    """``(bytes, blocks)`` of a line breakdown."""
    return sum(size for size, _ in lines.values()), sum(count for _, count in lines.values())


def _cut_note(budget, cost, plain, observed, reached, deep_retained):
    if observed and reached:
        lines = "the live-at-peak lines are complete"
    elif observed:
        lines = "the live-at-peak lines are from the last point reached, short of the peak"
    else:
        lines = "the live-at-peak lines are from {}".format(
            "the highest point seen before the budget ran out" if reached else "the last point reached"
        )
    if not deep_retained:
        lines += " and the retained lines are charged to each block's innermost frame"
    return (
        "the line breakdown was cut short: locating the peak and tracing with deep tracebacks took longer than the "
        "memory pass's budget ({:.3g} s of CPU time: memory-cost {:g} x one {:.3g} s iteration, counted as at least {:g} "
        "s; and half the timeout in wall time); peak and retained are exact, {}; raise memory-cost for the full "
        "breakdown".format(budget, cost, plain, SHORTEST, lines)
    )


def _too_late(wall_limit, wall):
    """Whether another iteration, taking ``wall`` seconds as iteration 1 did, would end past ``wall_limit``."""
    return time.monotonic() + wall > wall_limit


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
    platform has SIGPROF and nothing else handles it, a timer enforces it too, so that it also holds in code that
    allocates much and calls little (a loop of bytecode gives a hook nothing to see). ``expire(frame)`` runs once,
    in the benchmark's thread."""

    def __init__(self, at, expire, wall_at=float("inf")):
        self.at = at
        self.wall_at = wall_at
        self.expire = expire
        self.passed = False
        self._previous = None

    def check(self, frame):
        if not self.passed and (_clock() > self.at or time.monotonic() > self.wall_at):
            self._fire(frame)

    def _fire(self, frame):
        self.passed = True
        self.expire(frame)

    def _alarm(self, signum, frame):
        if not self.passed:
            self._fire(frame)

    def __enter__(self):
        # CPU time runs no faster than wall time: the timer fires by the wall deadline's delay at the latest in CPU
        # time, and the hooks' checks hold the wall deadline itself.
        delay = min(self.at - _clock(), self.wall_at - time.monotonic())
        usable = (
            hasattr(signal, "setitimer")
            and hasattr(signal, "SIGPROF")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(_SIGNAL) in (signal.SIG_DFL, None)
        )
        if usable and delay > 0:
            self._previous = signal.signal(_SIGNAL, self._alarm)
            signal.setitimer(_TIMER, delay)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.setitimer(_TIMER, 0)
            signal.signal(_SIGNAL, self._previous)
            self._previous = None
        return False


def _stop_hook(frame):
    sys.setprofile(None)


class _Sampled:
    """What iteration 2 saw at the start of each automatic garbage collection (numbered from 1): ``best``, the
    collection whose start saw the highest traced size (0: none did, or there was none), ``best_size`` that size above
    the traced size before the iteration; ``stretch``, the collection
    after which tracemalloc's peak last rose (0: the iteration's start), where iterations 3 and 4 install their hook;
    ``peak``, the iteration's peak above the traced size before it."""

    def __init__(self, best, best_size, stretch, peak):
        self.best = best
        self.best_size = best_size
        self.stretch = stretch
        self.peak = peak


def _collections(on_start):
    """A ``gc.callbacks`` entry calling ``on_start(info)`` at the start of each collection."""

    def callback(phase, info):
        if phase == "start":
            on_start(info)

    return callback


def _with_callback(callback, call):
    gc.callbacks.append(callback)
    try:
        call()
    finally:
        gc.callbacks.remove(callback)


def _sample(call):
    """Iteration 2: samples the traced size at each automatic garbage collection."""
    traced = tracemalloc.get_traced_memory
    state = [0, -1, 0, -1, 0]  # collections, highest size, its collection, highest peak, the collection that saw it

    def on_start(info):
        state[0] += 1
        current, peak = traced()
        if current > state[1]:
            state[1] = current
            state[2] = state[0]
        if peak > state[3]:
            state[3] = peak
            state[4] = state[0]

    gc.collect()
    before = traced()[0]
    tracemalloc.reset_peak()
    _with_callback(_collections(on_start), call)
    del call
    peak = traced()[1]
    # The peak rose after the last collection: the stretch is the iteration's tail.
    rise = state[0] + 1 if peak > state[3] else state[4]
    return _Sampled(state[2], state[1] - before, max(0, rise - 1), peak - before)


def _install_at(stretch, hook):
    """Runs ``call`` with ``hook`` installed at the start of the collection numbered ``stretch`` (0: at once)."""
    state = [0]

    def on_start(info):
        state[0] += 1
        if state[0] == stretch:
            sys.setprofile(hook)

    def run(call):
        if stretch == 0:
            sys.setprofile(hook)
            try:
                call()
            finally:
                sys.setprofile(None)
            return
        try:
            _with_callback(_collections(on_start), call)
        finally:
            sys.setprofile(None)

    return run


# The hooks below count events as (window, tick), tick 0 to WINDOW - 1, in lists of small integers: an integer above
# 256 is a new object, and an allocation per event would cost a traceback each (a deep one in iteration 4).


def _highest_event(call, sampled, at, wall_at):
    """Iteration 3, fine: the event ``(window, tick)`` of the hook installed over ``sampled.stretch`` at which the
    traced size first reached its highest value (None if the hook saw none, or, cut short by ``at``, none above the
    highest collection's), and whether the stretch was observed to the peak before ``at``."""
    traced = tracemalloc.get_traced_memory
    stop = sys.setprofile
    deadline = _Deadline(at, _stop_hook, wall_at)
    state = [-1, 0, -1, None, False]  # tick, window, highest size, its event, the peak passed

    gc.collect()
    before = traced()[0]
    top = before + sampled.peak
    descent = max(1, int(DESCENT * sampled.peak))

    def hook(frame, event, arg):
        tick = state[0] + 1
        if tick == WINDOW:
            tick = 0
            state[1] += 1
            deadline.check(frame)
        state[0] = tick
        if arg is stop or deadline.passed:
            # The harness removing the hook, whose frame object is no benchmark's; or out of time.
            return
        current, peak = traced()
        if current > state[2]:
            state[2] = current
            state[3] = (state[1], tick)
        elif peak >= top and current < peak - descent:
            state[4] = True
            sys.setprofile(None)

    tracemalloc.reset_peak()
    if _clock() >= at or time.monotonic() >= wall_at:
        return None, False
    with deadline:
        _install_at(sampled.stretch, hook)(call)
    if deadline.passed and state[2] - before <= sampled.best_size:
        # Cut short below what a collection saw: iteration 4 takes its snapshot there instead.
        return None, False
    return state[3], not deadline.passed


class _Deep:
    """What iteration 4 saw: snapshots before it, at the chosen point (``reached``, or where the deadline passed
    first) and after it (None when the deadline stopped tracing), and the traceback and size of each block the
    harness caused that was live at the chosen point (the hook's frame objects, a collection's info dict)."""

    def __init__(self):
        self.base = None
        self.at_highest = None
        self.after = None
        self.reached = False
        self.harness_blocks = []


def _snapshot_at(call, sampled, event, at, wall_at):
    """Iteration 4, traced deep: snapshots before it, at hook event ``event`` of the hook installed over
    ``sampled.stretch`` (with ``event`` None, at the collection of the highest sample, else the latest point reached;
    or where the deadline ``at`` passes first) and after it, unless the deadline stopped tracing."""
    deep = _Deep()
    wanted_window, wanted_tick = event if event is not None else (-1, -1)
    state = [-1, 0, 0]  # tick, window, collections

    def note_block(block):
        traceback = tracemalloc.get_object_traceback(block)
        if traceback is not None:
            deep.harness_blocks.append((_frames(traceback), sys.getsizeof(block)))

    def take(frame, info=None):
        deep.at_highest = tracemalloc.take_snapshot()
        if info is not None:
            note_block(info)
        while _HOOK_ALLOCATES_FRAMES and frame is not None:
            note_block(frame)
            frame = frame.f_back

    def expire(frame):
        if deep.at_highest is None:
            take(frame if sys.getprofile() is not None else None)
        sys.setprofile(None)
        tracemalloc.stop()

    deadline = _Deadline(at, expire, wall_at)

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
            # The rest of the iteration runs unhooked but still traced deep, for the retained lines: the deadline
            # stays, as deep tracing of code that allocates in a tight loop can cost a hundred plain iterations.
            sys.setprofile(None)

    def at_collection(info):
        state[2] += 1
        if state[2] == sampled.best and deep.at_highest is None:
            deep.reached = True
            take(None, info)

    gc.collect()
    deep.base = tracemalloc.take_snapshot()
    if _clock() >= at or time.monotonic() >= wall_at:
        deadline.passed = True
    else:
        with deadline:
            if event is not None:
                _install_at(sampled.stretch, hook)(call)
            elif sampled.best > 0:
                _with_callback(_collections(at_collection), call)
            else:
                call()
    del call
    if deep.at_highest is None:
        # The iteration had fewer events than the one observed (it is not deterministic after all), or no
        # collection to sample.
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
        # traces, and the public API would build a Trace and a Traceback object for each. The traces are counted by
        # (traceback, size) in C: most blocks of one traceback have one size (objects of one type), so the loop in
        # Python runs over far fewer entries than there are traces. A snapshot holds one tuple per distinct traceback,
        # shared by its traces, and it is counted by its id: hashing a tuple of 30 frames for each trace took seconds
        # on a snapshot of 400,000.
        traces = _raw_traces(snapshot)
        tracebacks = list(map(_TRACEBACK, traces))
        ids = list(map(id, tracebacks))
        by_id = dict(zip(ids, tracebacks))
        by_traceback = {}
        for (key, size), count in collections.Counter(zip(ids, map(_SIZE, traces))).items():
            frames = by_id[key]
            figures = by_traceback.get(frames)
            by_traceback[frames] = (size * count, count) if figures is None else (figures[0] + size * count, figures[1] + count)
        totals = {}
        for frames, (size, count) in by_traceback.items():
            place = self.place(frames)
            if place is not None:
                known = totals.get(place)
                totals[place] = (size, count) if known is None else (known[0] + size, known[1] + count)
        return totals


_SIZE = operator.itemgetter(1)
_TRACEBACK = operator.itemgetter(2)


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
        spans = _FUNCTION_SPANS.get(filename, _UNPARSED)
        if spans is _UNPARSED:
            spans = _FUNCTION_SPANS[filename] = _function_spans(filename)
        if spans is None:
            return ""
        name, start = "<module>", 0
        for first, last, candidate in spans:
            if first <= line <= last and first >= start:
                name, start = candidate, first
        return name


# The spans of each file parsed so far: a file's source does not change while the worker runs its benchmarks, and
# parsing a long one for every benchmark whose lines it holds cost milliseconds each.
_FUNCTION_SPANS = {}
_UNPARSED = object()


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


# The harness's functions on the stack, or called from it, while iteration 4 traces deep.
_DEEP_STACK = (_snapshot_at, _install_at, _with_callback, _collections, _Deadline.check, _Deadline._fire, _Deadline._alarm, _stop_hook)
