"""The tracemalloc pass: peak, what is live at the peak, and what an iteration leaves behind, by source line.

tracemalloc sees live memory, not a running total of allocations, so the pass measures what it can see exactly,
with three identical iterations after the warm-ups:

1. Plain (no hooks): ``peak`` is the peak traced size minus the traced size before it (``reset_peak()`` first);
   snapshots before and after (with ``gc.collect()``) give ``retained`` by line.
2. With a ``sys.setprofile`` hook, which fires at every Python and C call and return: it only counts events and
   notes the event at which the traced size first reached its highest value.
3. The same hook takes one snapshot at that event number. Iterations of deterministic code (the hash seed is
   fixed) reach the same event with the same objects live, so the snapshot is the highest point the hook can
   observe, taken without slack and without one snapshot per new high. On Python 3.11+ the hook makes the
   interpreter create a frame object for every frame it reports; those on the stack at the snapshot are the
   harness's doing and are subtracted.

The limits: memory allocated and freed between two events (a temporary inside one C call, such as a list resized
in place, or one freed in a function body before its next call or return) raises ``peak`` but is seen only as it
is at the nearest event; ``peak_captured`` (the bytes attributed in ``at_peak``) tells how much of ``peak`` that
was. On Python 3.9 and 3.10 the hook makes the interpreter build a locals dict for each frame it reports (a few
hundred bytes per frame on the stack, charged to the function's ``def`` line), which cannot be told apart from the
benchmark's memory and stays in ``at_peak``. ``peak`` includes the few hundred bytes the harness's own call of a
parametrised benchmark allocates for its keyword arguments; ``retained`` and the line lists leave out every
allocation the harness makes (its snapshots among them). Only the calling thread's events are observed (other
threads' memory is seen at those events). A hooked iteration runs many times slower than a plain one, so the
first stops observing after a share of the worker's timeout, and the snapshot is then the highest point observed
until then.
"""

import ast
import gc
import linecache
import os
import sys
import time
import tracemalloc

from profgate.normalise import clip, is_harness_file

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

# Deep enough that an allocation inside the standard library still reaches the project frame that caused it.
TRACEBACK_FRAMES = 30
MAX_LINES = 200
# Share of the worker's timeout the observing iteration may take (the snapshotting one takes about as long).
OBSERVE_SHARE = 0.3
_CLOCK_CHECK_EVENTS = 4096

# Before 3.11 every frame is a heap object anyway; from 3.11 a profile hook makes the interpreter allocate one.
_HOOK_ALLOCATES_FRAMES = sys.version_info >= (3, 11)

_HARNESS, _STDLIB, _PROJECT = "harness", "stdlib", "project"


def start():
    """Starts tracing; called before the benchmark module is imported."""
    tracemalloc.start(TRACEBACK_FRAMES)


def stop():
    """Stops tracing and forgets every trace."""
    tracemalloc.stop()


def measure(call, warmups, normaliser, timeout, prepare=None):
    """The schema's ``memory`` object for one benchmark whose worker may run ``timeout`` seconds.

    With ``prepare``, an iteration is the callable ``prepare()`` returns, prepared before the iteration's first
    snapshot: what it prepares is live in both snapshots, so only what the iteration itself adds is counted.
    """
    iteration = (lambda: call) if prepare is None else prepare
    for _ in range(warmups):
        iteration()()
    charge = _Charger(normaliser)

    run = iteration()
    gc.collect()
    before = tracemalloc.take_snapshot()
    traced_before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run()
    peak = tracemalloc.get_traced_memory()[1] - traced_before
    gc.collect()
    after = tracemalloc.take_snapshot()
    retained = _difference(charge.lines(after), charge.lines(before))
    del run

    highest = _highest_event(iteration(), time.perf_counter() + OBSERVE_SHARE * timeout)
    base, at_highest, hook_frames = _snapshot_at(iteration(), highest)
    at_peak = _difference(charge.lines(at_highest), charge.lines(base))
    for traceback, size in hook_frames:
        place = charge.place(traceback)
        if place in at_peak:
            at_peak[place] = (at_peak[place][0] - size, at_peak[place][1] - 1)
    at_peak = {place: figures for place, figures in at_peak.items() if figures[0] > 0}

    describe = _Describer(normaliser)
    at_peak_lines = describe(at_peak, key=lambda entry: (-entry["size"], entry["file"], entry["line"]))
    return {
        "warmups": warmups,
        "peak": peak,
        "peak_captured": sum(entry["size"] for entry in at_peak_lines),
        "at_peak": at_peak_lines,
        "retained": sum(size for size, _ in retained.values()),
        "retained_blocks": sum(count for _, count in retained.values()),
        "retained_lines": describe(retained, key=lambda entry: (-abs(entry["size"]), entry["file"], entry["line"])),
    }


def _observe(call, hook):
    sys.setprofile(hook)
    try:
        call()
    finally:
        sys.setprofile(None)


def _highest_event(call, deadline):
    """The number of the hook event at which the traced size first reached its highest value."""
    traced = tracemalloc.get_traced_memory
    clock = time.perf_counter
    stop = sys.setprofile
    state = [0, 0, 0]  # events seen, highest traced size, event number of the highest

    def hook(frame, event, arg):
        state[0] += 1
        if arg is stop:
            # The harness removing the hook; the frame object it then creates for itself is no benchmark memory.
            return
        size = traced()[0]
        if size > state[1]:
            state[1] = size
            state[2] = state[0]
        if state[0] % _CLOCK_CHECK_EVENTS == 0 and clock() > deadline:
            sys.setprofile(None)

    gc.collect()
    _observe(call, hook)
    return state[2]


def _snapshot_at(call, event_number):
    """Snapshots before the iteration and at hook event ``event_number`` of it, with the allocation traceback and
    size of each frame object the hook caused that is live at that point."""
    state = [0, None, []]  # events seen, the snapshot, the hook's frame objects

    def hook(frame, event, arg):
        state[0] += 1
        if state[0] != event_number:
            return
        state[1] = tracemalloc.take_snapshot()
        sys.setprofile(None)
        while _HOOK_ALLOCATES_FRAMES and frame is not None:
            traceback = tracemalloc.get_object_traceback(frame)
            if traceback is not None:
                state[2].append((traceback, sys.getsizeof(frame)))
            frame = frame.f_back

    gc.collect()
    base = tracemalloc.take_snapshot()
    _observe(call, hook)
    return base, state[1] if state[1] is not None else base, state[2]


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

    def place(self, traceback):
        """``(filename, line)`` charged for an allocation, or None for the harness's own."""
        innermost_first = _frames(traceback)
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
        totals = {}
        for statistic in snapshot.statistics("traceback"):
            place = self.place(statistic.traceback)
            if place is not None:
                size, count = totals.get(place, (0, 0))
                totals[place] = (size + statistic.size, count + statistic.count)
        return totals


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
