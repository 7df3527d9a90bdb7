"""The cProfile pass: up to a fixed number of iterations after unrecorded warm-ups, reported per iteration.

``Profile.stats`` is pstats' table, ``(file, line, name) -> (primitive calls, calls, own time, cumulative time,
callers)`` with ``callers`` mapping each caller's key to the same four figures for calls from that caller. It becomes
the schema's ``functions`` (keyed by the normalised ``(file, line, name)``) and ``edges`` (indices into them).
"""

import cProfile
import time

from profgate.normalise import clip, is_harness_file

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True


def profile(call, iterations, warmups, max_time, pstats_path, normaliser, prepare=None, first=None):
    """Profiles up to ``iterations`` calls of ``call`` after ``warmups``; dumps the raw profile to ``pstats_path``.

    The first warm-up is timed (and reported to ``first``): a benchmark whose iteration is long gets as many
    profiled iterations as fit in ``max_time`` seconds of plain iterations, and at least one. With ``prepare``, an
    iteration is the callable ``prepare()`` returns, prepared with the profiler off.
    """
    for index in range(warmups):
        run = call if prepare is None else prepare()
        started = time.perf_counter()
        run()
        if index == 0:
            seconds = time.perf_counter() - started
            if first is not None:
                first(seconds)
            if seconds > 0:
                iterations = max(1, min(iterations, int(max_time / seconds)))
    profiler = cProfile.Profile()
    if prepare is None:
        profiler.enable()
        try:
            for _ in range(iterations):
                call()
        finally:
            profiler.disable()
    else:
        for _ in range(iterations):
            run = prepare()
            profiler.enable()
            try:
                run()
            finally:
                profiler.disable()
    profiler.create_stats()
    profiler.dump_stats(pstats_path)
    result = convert(profiler.stats, iterations, normaliser)
    result["iterations"] = iterations
    return result


def _is_harness(key):
    file, _, name = key
    # The profiler's own disable() is recorded as a builtin called by the harness.
    return is_harness_file(file) or (file == "~" and "_lsprof.Profiler" in name)


def _add(totals, key, figures):
    current = totals.get(key)
    totals[key] = list(figures) if current is None else [a + b for a, b in zip(current, figures)]


def convert(stats, iterations, normaliser):
    """The schema's profile figures (without ``pstats``, ``iterations``, ``warmups``) from pstats' table.

    The harness's frames are dropped with every edge that touches them, so a benchmark function simply has no
    caller. Keys that normalise alike (one file reached through two paths) are summed.
    """

    def key_of(raw):
        file, line, name = raw
        return (normaliser.name(file), line, name)

    functions = {}
    edges = {}
    for raw, (primitive, calls, own, cumulative, callers) in stats.items():
        if _is_harness(raw):
            continue
        callee = key_of(raw)
        _add(functions, callee, (calls, primitive, own, cumulative))
        for raw_caller, (caller_primitive, caller_calls, caller_own, caller_cumulative) in callers.items():
            if not _is_harness(raw_caller):
                _add(edges, (key_of(raw_caller), callee), (caller_calls, caller_primitive, caller_own, caller_cumulative))

    keys = sorted(functions)
    index = {key: position for position, key in enumerate(keys)}

    def figures(values):
        calls, primitive, own, cumulative = (value / iterations for value in values)
        return {"calls": calls, "primitive_calls": primitive, "own_time": own, "cumulative_time": cumulative}

    listed = []
    for key in keys:
        file, line, name = key
        entry = {"file": clip(file), "line": line, "name": clip(name)}
        entry.update(figures(functions[key]))
        listed.append(entry)
    linked = []
    # A caller the profiler never saw start (it began before enable()) has no entry of its own to point at.
    known = [pair for pair in edges if pair[0] in index]
    for caller, callee in sorted(known, key=lambda pair: (index[pair[0]], index[pair[1]])):
        entry = {"caller": index[caller], "callee": index[callee]}
        entry.update(figures(edges[(caller, callee)]))
        linked.append(entry)
    return {
        "total_time": sum(entry["own_time"] for entry in listed),
        "functions": listed,
        "edges": linked,
    }
