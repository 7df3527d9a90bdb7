"""The instructions pass: executed instructions per iteration, counted by valgrind, exact and repeatable.

The worker of this pass runs under ``setarch -R valgrind --tool=cachegrind --cache-sim=no`` (``command``), with
address-space randomisation off and the hash seed fixed, so the same program executes the same instructions on
every run. Cachegrind 3.19 counts a whole process: it has no client requests to start and stop counting (those came
in 3.22), and its per-function totals cannot tell one benchmark's calls into the interpreter from another's. What it
does count exactly is each process, and a process forked under valgrind is counted from the start of its parent:
the count it reports at its exit includes everything its parent executed before the fork.

So one valgrind worker serves a whole batch. For each benchmark it imports the module, runs the set-up and
``warmups`` iterations, and then forks three children from that state: two that go through ``iterations`` steps of
the measured loop without calling the benchmark (with pytest-benchmark's ``pedantic`` set-up, they still prepare
each iteration), and between them one that calls it on every step. Each child exits at once, and valgrind writes
its count to a log file of its own (``--log-file=DIR/%p``). The children differ only in the benchmark's iterations,
so the calling child's count minus the zero-iteration children's is the cost of ``iterations`` iterations: start-up,
imports, set-up, warm-ups, the loop itself and the exit cancel out. The parent's own work between two forks (a few
thousand instructions, which varies by some tens) falls once between the first zero child and the calling child
and once between the calling child and the second: taking the mean of the two zero children cancels it to within
a few instructions per benchmark, not per iteration. Start-up under valgrind takes seconds; a fork costs a
fraction of that, so a batch costs one start-up rather than two per benchmark.

A child inherits the parent's ``random`` state (the ``random`` module reseeds itself in every forked child, which
would give each child different data), and the garbage collector is off in the children unless the ``gc`` setting
keeps it on, as in the timing pass.
"""

import gc
import os
import re
import shutil
import subprocess
import sys
import traceback

from profgate.timing import warm_up

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

TOOL = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")

_forked = False

_TOTAL = re.compile(r"^==\d+== I\s+refs:\s+([0-9,]+)\s*$", re.MULTILINE)

INSTALL_HINT = "install valgrind (Debian and Ubuntu: sudo apt-get install valgrind) or measure time instead (leave instrument unset)"


class Unavailable(Exception):
    """valgrind (or setarch) cannot run here; the message names the fix."""


def check():
    """The version of the valgrind that will count, e.g. ``valgrind-3.19.0``; raises Unavailable when valgrind or
    setarch is missing or address-space randomisation cannot be turned off."""
    if not sys.platform.startswith("linux"):
        raise Unavailable("instruction counts need valgrind on Linux, and this is {}; measure time instead (leave instrument unset)".format(sys.platform))
    for tool in ("valgrind", "setarch"):
        if shutil.which(tool) is None:
            raise Unavailable("instruction counts need {}, which is not on PATH: {}".format(tool, INSTALL_HINT if tool == "valgrind" else "install util-linux"))
    try:
        version = subprocess.run(["valgrind", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=30, check=False)
        personality = subprocess.run(["setarch", "-R", "true"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable("instruction counts need valgrind and setarch, which failed to start: {}".format(error)) from None
    if version.returncode != 0:
        raise Unavailable("valgrind --version failed ({}): {}".format(version.stdout.decode("utf-8", "replace").strip(), INSTALL_HINT))
    if personality.returncode != 0:
        raise Unavailable(
            "setarch -R cannot turn address-space randomisation off here ({}), which exact instruction counts "
            "need; a container must allow the personality system call".format(personality.stdout.decode("utf-8", "replace").strip())
        )
    return version.stdout.decode("utf-8", "replace").strip()


def command(logs):
    """The prefix that runs a worker under valgrind, each process (and forked child) logging to ``logs/PID``."""
    return ["setarch", "-R"] + list(TOOL) + ["--log-file=" + os.path.join(logs, "%p")]


def measure(call, iterations, warmups, keep_gc, logs, prepare=None, first=None):
    """``{"per_iteration", "iterations", "warmups"}`` of one benchmark, in a worker running under ``command(logs)``.

    With ``prepare``, an iteration is the callable ``prepare()`` returns; the zero-iteration children prepare
    each step too, so the preparation cancels out.
    """
    global _forked
    warm_up(call, warmups, prepare, first)
    if not _forked:
        # The first fork of a process runs code for the first time (and lazily sets things up): not between two
        # counted children.
        _fork(call, prepare, 0, False, keep_gc)
        _forked = True
    # The logs are read once every child has exited, so that reading them is not part of the parent's work
    # between two forks.
    pids = [_fork(call, prepare, iterations, calls, keep_gc) for calls in (False, True, False)]
    counts = [_count(os.path.join(logs, str(pid))) for pid in pids]
    work = counts[1] - (counts[0] + counts[2]) / 2
    return {"per_iteration": max(0.0, work / iterations), "iterations": iterations, "warmups": warmups}


def _fork(call, prepare, iterations, calls, keep_gc):
    """Forks a child that runs ``iterations`` steps of the measured loop (calling the benchmark on each if
    ``calls``) and exits, waits for it and returns its process id."""
    random = sys.modules.get("random")
    state = random.getstate() if random is not None else None
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    enabled = gc.isenabled()
    gc.disable()
    try:
        pid = os.fork()
        if pid == 0:
            _run_child(call, prepare, iterations, calls, keep_gc, random, state)
        _, status = os.waitpid(pid, 0)
    finally:
        if enabled:
            gc.enable()
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise RuntimeError("the counting child process failed ({}); its output is above".format(_status(status)))
    return pid


def _run_child(call, prepare, iterations, calls, keep_gc, random, state):
    code = 0
    try:
        if random is not None:
            random.setstate(state)
        if keep_gc:
            gc.enable()
        if prepare is None:
            if calls:
                for _ in range(iterations):
                    call()
            else:
                for _ in range(iterations):
                    pass
        else:
            for _ in range(iterations):
                run = prepare()
                if calls:
                    run()
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a benchmark may have closed them; the exit status still tells
                pass
        os._exit(code)


def _status(status):
    if os.WIFSIGNALED(status):
        return "killed by signal {}".format(os.WTERMSIG(status))
    return "exit code {}".format(os.WEXITSTATUS(status))


def _count(path):
    """The ``I refs`` total of a valgrind log."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError as error:
        raise RuntimeError("valgrind wrote no count for a counting child ({}): is the worker running under valgrind?".format(error.strerror)) from None
    found = _TOTAL.findall(text)
    if not found:
        raise RuntimeError("valgrind's log has no instruction total: {}".format(text.strip()[-500:]))
    return int(found[-1].replace(",", ""))
