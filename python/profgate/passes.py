"""One pass over one benchmark, whatever kind of suite it comes from: the worker (native suites) and the pytest
plugin both hand the benchmark's iteration here.

A job's ``kind`` names the pass: ``calibrate`` (the loop count), ``timing`` (``profgate.timing``),
``instructions`` (``profgate.instructions``), ``profile`` (``profgate.profiling``), ``memory``
(``profgate.memory``) or ``value`` (one call, whose return value is the measurement: asv's ``mem_`` and ``track_``
benchmarks). A benchmark's spec may carry ``overrides``, its own values of the job's settings (an asv benchmark's
``sample_time`` as ``min_time``, its ``repeat`` as ``values``). Each pass reports one plain iteration's wall time to
the job's records as soon as it has timed one, so that a benchmark that then runs out of time is reported with it.
"""

from profgate import instructions, memory, profiling, timing
from profgate.normalise import Normaliser

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True


def run_pass(job, spec, call, records, prepare=None):
    """The result of ``job``'s pass on the benchmark ``spec`` of its list (its ``loops``: the loop count, if
    fixed), whose iteration is ``call()``, or with ``prepare`` the callable ``prepare()`` returns, prepared outside
    the measurement."""
    kind = job["kind"]
    loops = spec.get("loops")
    if spec.get("overrides"):
        job = dict(job, **spec["overrides"])

    def first(seconds):
        records.iteration(spec["id"], seconds)

    if kind == "calibrate":
        return {"loops": loops if loops is not None else timing.calibrate(call, job["min_time"], job["gc"], prepare, first)}
    if kind == "timing":
        return timing.measure(call, loops, job, prepare, first)
    if kind == "instructions":
        return {"instructions": instructions.measure(call, job["iterations"], job["warmups"], job["gc"], job["wrapped"], prepare, first)}
    if kind == "profile":
        normaliser = Normaliser(job["cwd"])
        return {"profile": profiling.profile(call, job["iterations"], job["warmups"], job["max_time"], spec["pstats"], normaliser, prepare, first)}
    if kind == "memory":
        return {"memory": memory.measure(call, job["warmups"], job["cost"], spec["timeout"], Normaliser(job["cwd"]), prepare, first, spec.get("plain"), job.get("depth", memory.FULL))}
    if kind == "value":
        return {"value": call()}
    raise ValueError("unknown pass {!r}".format(kind))
