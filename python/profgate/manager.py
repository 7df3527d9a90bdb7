"""Starting workers, as psf/pyperf's ``_manager.py`` does: fresh processes, run one at a time.

A job runs one pass over a list of benchmarks in one worker (``profgate.worker``). Each worker gets a fixed
``PYTHONHASHSEED``, its own session (so a timeout kills everything it started), its output captured (only the tail
of each benchmark's share is kept) and a temporary file for its records: results never travel on stdout, where the
benchmark may print. The worker marks in its output where each benchmark starts; the manager splits the output
there and gives each benchmark its own timeout from its own start. A worker that crashes or hangs loses only the
benchmark it was running: that one is recorded as ``crash`` or ``timeout`` and a new worker runs the rest.

A benchmark's timeout covers its own run only, as asv's does. The worker's start-up before its first benchmark
(Python, the harness, the imports of an asv suite's modules) has a limit of its own, ``STARTUP_FACTOR`` times the
suite's timeout; so does an asv ``setup_cache``, which the worker marks as a phase of the benchmark that
first needs it: the ``setup_cache_timeout`` of its spec. A ``setup_cache`` that runs out of time is recorded as the
timeout of every benchmark of the job that uses it (its spec's ``setup_cache``), as asv fails them all.

A run can be stopped (``Stop``: SIGINT or SIGTERM, from Ctrl-C, a cancelled workflow or a job's time limit). The
manager then starts no new worker, kills the running one's session within ``_POLL`` seconds, keeps what that worker
had already recorded, and reports the benchmarks it had not settled as ``stopped``. Each worker's ``TMPDIR`` is a
folder inside its scratch directory, which the manager removes whatever way the worker ended: a worker killed in the
middle of its work (a timeout, a stop) leaves no temporary files of its own or of the benchmark behind.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

from profgate.normalise import HARNESS_DIR, MAX_OUTPUT, tail

# Enough bytes for MAX_OUTPUT characters of UTF-8 output.
_TAIL_BYTES = 4 * MAX_OUTPUT

_READER_GRACE = 5.0

# How often a waiting manager looks at which benchmark is running: a benchmark with a shorter timeout than the one
# before it (--timeout-for, an asv benchmark's timeout) must not wait out the longer one.
_POLL = 0.05
# A worker killed by SIGINT or SIGTERM when every process of the run is signalled (a terminal's Ctrl-C reaches the
# whole group, a job's time limit may signal every process): the manager's own signal may land a moment after the
# worker's death, and is waited for this long before the worker counts as crashed.
_STOP_GRACE = 1.0

_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from profgate.worker import main; main(sys.argv[2])"

_STATUSES = ("ok", "error", "exit")

# The status of a benchmark whose part of a job did not end because the run was stopped.
STOPPED = "stopped"

# A worker's start-up (its imports) before its first benchmark may take this many times the suite's timeout (300 s
# at the default 60 s): generous, as asv sets no limit on importing a suite, whose modules may build large data at
# import, but finite, so that a hung import cannot hang the run.
STARTUP_FACTOR = 5


class Outcome:
    """How a benchmark's part of a job (or a whole job without benchmarks) ended: ``status`` (``ok``, ``error``,
    ``exit``, ``crash``, ``timeout``), a one-line ``message`` unless ok, the tail of its output, its result data
    when it reported one, and the seconds it took."""

    def __init__(self, status, message, output, data, elapsed=0.0):
        self.status = status
        self.message = message
        self.output = output
        self.data = data
        self.elapsed = elapsed

    @property
    def ok(self):
        return self.status == "ok"


class Stop:
    """Whether the run was asked to stop, and by which signal. ``install`` makes SIGINT and SIGTERM set it rather
    than end the process, so that the run can still write what it measured; a second signal changes nothing."""

    def __init__(self):
        self.signal = None

    def install(self):
        """Handles SIGINT and SIGTERM from now on (call from the main thread)."""
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._handle)

    def request(self, name):
        """Asks the run to stop, as the signal ``name`` (``SIGINT``, ``SIGTERM``) would."""
        if self.signal is None:
            self.signal = name

    def _handle(self, number, frame):
        # Only a flag: the manager's wait loop looks at it every _POLL seconds and does the killing and the cleaning
        # itself, outside a signal handler, where an exception could cut a clean-up short.
        self.request(signal.Signals(number).name)


class Stopped(Exception):
    """The run was stopped before a job without benchmarks (a collection) ended."""


class Manager:
    """Runs worker jobs for one suite: the working directory, sys.path additions, hash seed and timeout (a
    benchmark's ``timeout`` in its spec wins over it), and the ``Stop`` it heeds."""

    def __init__(self, cwd, pythonpath, hash_seed, timeout, stop=None):
        self.cwd = cwd
        self.pythonpath = list(pythonpath)
        self.timeout = timeout
        self.env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
        self.stop = stop if stop is not None else Stop()

    def run(self, job):
        """Runs a job without a benchmark list (a collection) in a fresh process and says how it ended; raises
        ``Stopped`` when the run is stopped before it ends."""
        if self.stop.signal is not None:
            raise Stopped()
        outcomes = self._attempt(dict(job, benchmarks=[]), [])
        if None not in outcomes:
            raise Stopped()
        return outcomes[None]

    def run_batch(self, job, specs, wrapper=None, on_done=None):
        """Runs ``job``'s pass on each benchmark of ``specs`` (dicts with ``file`` and ``id``, and what the pass
        needs) in that order, in as few fresh processes as crashes and timeouts allow: ``{id: Outcome}``. With
        ``wrapper``, each worker runs under the command ``wrapper(directory)`` returns, given an empty directory of
        the worker's own (whose path the job carries as ``wrapped``). ``on_done(id)`` is called once per benchmark,
        as soon as its part of the job is over (the worker moved on to the next one, or ended). Once the run is
        stopped, the benchmarks not settled yet are ``stopped``."""
        outcomes = {}
        reported = set()

        def report(benchmark_id):
            if on_done is not None and benchmark_id not in reported:
                reported.add(benchmark_id)
                on_done(benchmark_id)

        pending = list(specs)
        while pending and self.stop.signal is None:
            settled = self._attempt(dict(job, benchmarks=pending), [spec["id"] for spec in pending], wrapper, report)
            outcomes.update(settled)
            for spec in pending:
                if spec["id"] in settled:
                    report(spec["id"])
            pending = [spec for spec in pending if spec["id"] not in outcomes]
        for spec in pending:
            outcomes[spec["id"]] = Outcome(STOPPED, "not run (stopped by {})".format(self.stop.signal), "", None)
        return outcomes

    def _attempt(self, job, ids, wrapper=None, report=None):
        """One worker process on ``job``: outcomes for the benchmarks it settled (at least one), or under ``None``
        for a job without benchmarks. ``report(id)`` hears of each benchmark the worker has moved past."""
        with tempfile.TemporaryDirectory(prefix="profgate-") as scratch:
            marker = secrets.token_hex(8)
            job = dict(job, cwd=self.cwd, pythonpath=self.pythonpath, result=os.path.join(scratch, "result.jsonl"), marker=marker)
            job_path = os.path.join(scratch, "job.json")
            # Whatever the worker (or the benchmark) makes in tempfile.gettempdir() goes with the scratch directory.
            temporary = os.path.join(scratch, "tmp")
            os.mkdir(temporary)
            prefix = []
            if wrapper is not None:
                job["wrapped"] = os.path.join(scratch, "wrapped")
                os.mkdir(job["wrapped"])
                prefix = wrapper(job["wrapped"])
            with open(job_path, "w", encoding="utf-8") as file:
                json.dump(job, file)
            # The interpreter itself, never a wrapper script: a wrapper such as valgrind does not follow a shim.
            command = prefix + [sys.executable, "-c", _BOOTSTRAP, os.path.dirname(HARNESS_DIR), job_path]
            process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=dict(self.env, TMPDIR=temporary),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            reader = _SegmentReader(process.stdout, marker)
            reader.start()
            specs = job["benchmarks"]
            timed_out = False

            def advanced(index):
                if report is not None:
                    for benchmark_id in ids[:index]:
                        report(benchmark_id)

            try:
                ended_how = self._wait(process, reader, specs, advanced)
                if ended_how == "ended" and self._stopped_with(process.returncode):
                    ended_how = "stopped"
                timed_out = ended_how == "timeout"
            finally:
                # Also reaps whatever the benchmark left running in the worker's session, which would hold the
                # output pipe open (and the CPU busy) after the worker itself is gone.
                _kill_group(process.pid)
                process.wait()
            ended = time.monotonic()
            # A process that left the session (setsid) could keep the pipe open for ever.
            reader.join(_READER_GRACE)
            records, iterations, finished, importing = _read_records(job["result"])
        if ended_how == "stopped":
            return _settle_stopped(ids, records, reader, ended)
        started, phase, _ = reader.position()
        timeout = self._limit(specs, started, phase)
        outcomes = _settle(ids, records, finished, reader, ended, timed_out, timeout, process.returncode)
        for benchmark_id, outcome in outcomes.items():
            if outcome.status == "timeout":
                outcome.message = _timeout_message(job["kind"], timeout, started, phase, importing, iterations.get(benchmark_id))
        if timed_out and phase == "setup_cache":
            shared = specs[started].get("setup_cache")
            message = outcomes[ids[started]].message if ids[started] in outcomes else ""
            for spec in specs:
                if shared is not None and spec.get("setup_cache") == shared and spec["id"] not in outcomes:
                    outcomes[spec["id"]] = Outcome("timeout", message, "", None)
        return outcomes

    def _stopped_with(self, returncode):
        """Whether a worker that ended with ``returncode`` was killed by the same stop the run got."""
        if returncode not in (-signal.SIGINT, -signal.SIGTERM):
            return False
        deadline = time.monotonic() + _STOP_GRACE
        while self.stop.signal is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.stop.signal is not None

    def _limit(self, specs, started, phase):
        """The seconds the worker may spend from the start of where it is (``started``: the index of the benchmark
        it is on, None before the first; ``phase``: None for the benchmark's own run, or ``setup_cache``)."""
        if started is None:
            return STARTUP_FACTOR * self.timeout
        spec = specs[started]
        own = spec.get("timeout", self.timeout)
        return spec.get("setup_cache_timeout", own) if phase == "setup_cache" else own

    def _wait(self, process, reader, specs, advanced):
        """Waits for the worker, each benchmark getting its timeout (in its spec, else ``timeout``) from its own
        start, its ``setup_cache`` and the start-up theirs, and calls ``advanced(index)`` when the benchmark at
        ``index`` starts (every one before it is then over): ``ended``, ``timeout`` or ``stopped`` (the worker is
        then still running, for the caller to kill)."""
        seen = None
        while True:
            if self.stop.signal is not None:
                return "stopped"
            started, phase, since = reader.position()
            if started is not None and started != seen:
                seen = started
                advanced(started)
            remaining = since + self._limit(specs, started, phase) - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                process.wait(min(remaining, _POLL))
                return "ended"
            except subprocess.TimeoutExpired:
                continue


def _settle_stopped(ids, records, reader, ended):
    """The outcomes of a worker killed because the run was stopped: what it recorded before, and nothing for the
    rest, which ``run_batch`` reports as stopped (a job without benchmarks gets no outcome)."""
    segments = reader.segments(ended)
    outcomes = {}
    for record in records:
        benchmark_id = record["id"]
        if benchmark_id in ids and benchmark_id not in outcomes:
            output, elapsed = segments.get(ids.index(benchmark_id), ("", 0.0))
            outcomes[benchmark_id] = Outcome(record["status"], record["message"], output, record["data"], elapsed)
    return outcomes


def _settle(ids, records, finished, reader, ended, timed_out, timeout, returncode):
    segments = reader.segments(ended)
    preamble = segments.get(None, ("", 0.0))[0]

    def outcome(benchmark_id, status, message, data=None, with_preamble=False):
        if benchmark_id is None:
            return Outcome(status, message, preamble, data)
        output, elapsed = segments.get(ids.index(benchmark_id), ("", 0.0))
        return Outcome(status, message, tail(preamble + output) if with_preamble else output, data, elapsed)

    outcomes = {}
    whole = None
    for record in records:
        if record["id"] is None:
            whole = record
        elif record["id"] in ids and record["id"] not in outcomes:
            outcomes[record["id"]] = outcome(record["id"], record["status"], record["message"], record["data"])
    unsettled = [benchmark_id for benchmark_id in ids if benchmark_id not in outcomes]
    if whole is not None:
        # A failure of the whole job (pytest refusing its arguments, say) is every unsettled benchmark's.
        for benchmark_id in unsettled or [None]:
            outcomes[benchmark_id] = outcome(benchmark_id, whole["status"], whole["message"], whole["data"], with_preamble=True)
        return outcomes
    if ids and not unsettled:
        return outcomes
    if timed_out:
        status, message = "timeout", "timed out after {:g} s; the worker and its children were killed".format(timeout)
    elif finished:
        status, message = "error", "the worker finished without reporting on it"
    else:
        status, message = "crash", _death(returncode)
    started = reader.started()
    if not ids or finished or started is None:
        # Dead before its first benchmark started: the cause (an import, a conftest.py) is every benchmark's.
        for benchmark_id in unsettled or [None]:
            outcomes[benchmark_id] = outcome(benchmark_id, status, message, with_preamble=True)
        return outcomes
    # The benchmark whose start was marked last was running; records come in the job's order, so when that one is
    # settled (its stdout closed, hiding later marks), the first unsettled one was.
    running = ids[started] if ids[started] in unsettled else unsettled[0]
    outcomes[running] = outcome(running, status, message)
    return outcomes


_PASS_NAMES = {"calibrate": "timing", "timing": "timing", "instructions": "instructions", "profile": "cProfile", "memory": "tracemalloc"}


def _timeout_message(kind, timeout, started, phase, importing, iteration):
    """Why a benchmark (or a job without benchmarks) timed out: in the worker's start-up (naming the import it was
    in), in a ``setup_cache``, or in its own run, with how long one iteration took when the worker said so; and
    what to raise."""
    if started is None:
        return (
            "timed out after {:g} s {} before the worker's first benchmark; the worker and its children were killed. A "
            "worker's start-up (its imports) is outside every benchmark's timeout and may take {} times the suite's "
            "timeout: make the import lighter (build large data in setup or setup_cache rather than at import), or "
            "raise the suite's timeout (--timeout SECONDS, timeout = SECONDS under [tool.profgate] in pyproject.toml, "
            "Action input timeout)".format(timeout, "importing {}".format(importing) if importing else "starting up", STARTUP_FACTOR)
        )
    if phase == "setup_cache":
        return (
            "timed out after {:g} s in setup_cache, which every benchmark using it shares (each is recorded as "
            "timeout); the worker and its children were killed. setup_cache has its own timeout attribute, else the "
            "longest timeout of the benchmarks using it: give it more time with setup_cache.timeout = SECONDS in the "
            "suite".format(timeout)
        )
    name = _PASS_NAMES.get(kind, kind)
    if iteration is None:
        what = "one iteration had not finished after {:g} s".format(timeout)
    else:
        what = "one plain iteration takes {:.3g} s".format(iteration)
        if iteration * 2 > timeout:
            what += ", and the pass runs at least two (a warm-up and a measured one)"
    return (
        "timed out after {:g} s in the {} pass: {}; the worker and its children were killed. Give it more time with "
        "--timeout SECONDS, timeout = SECONDS under [tool.profgate] in pyproject.toml, or for this benchmark alone "
        "under [tool.profgate.overrides.\"ID\"] (Action input timeout)".format(timeout, name, what)
    )


def _read_records(path):
    """The worker's records (a torn last line, from a worker killed while writing it, is left out), the seconds of
    one plain iteration it reported per benchmark, whether it wrote its final line, and the last module it said it
    was importing before its first benchmark."""
    records = []
    iterations = {}
    finished = False
    importing = None
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError:
        return records, iterations, finished, importing
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        if value.get("finished") is True:
            finished = True
        elif isinstance(value.get("importing"), str):
            importing = value["importing"]
        elif isinstance(value.get("iteration"), (int, float)) and isinstance(value.get("id"), str):
            iterations[value["id"]] = value["iteration"]
        elif value.get("status") in _STATUSES and "id" in value:
            records.append({"id": value["id"], "status": value["status"], "message": value.get("message") or "", "data": value.get("data")})
    return records, iterations, finished, importing


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _death(returncode):
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "signal"
        return "the worker was killed by {} ({}) before reporting a result".format(name, -returncode)
    return "the worker exited with code {} before reporting a result (os._exit or an interpreter fault)".format(returncode)


class _SegmentReader(threading.Thread):
    """Drains the worker's output, split at its markers into one part per benchmark, keeping only the end of each,
    so a benchmark printing without end cannot fill memory or block; notes when each benchmark started, and which
    phase of it (its own run, or ``setup_cache``) runs since when."""

    def __init__(self, stream, marker):
        super().__init__(daemon=True)
        self.stream = stream
        self.pattern = re.compile(b"\x1e" + marker.encode("ascii") + b":([0-9]+)(?::([a-z_]+))?\x1e")
        # The longest marker that could be split across two reads.
        self.carry = len(marker) + 48
        self.lock = threading.Lock()
        self.buffers = {None: bytearray()}
        self.current = None
        self.phase = None
        self.since = time.monotonic()
        self.starts = {None: self.since}

    def run(self):
        pending = b""
        with self.stream:
            while True:
                chunk = self.stream.read1(65536)
                if not chunk:
                    self._append(pending)
                    break
                pending += chunk
                position = 0
                for match in self.pattern.finditer(pending):
                    self._append(pending[position:match.start()])
                    with self.lock:
                        self.current = int(match.group(1))
                        self.phase = match.group(2).decode("ascii") if match.group(2) else None
                        self.since = time.monotonic()
                        self.buffers.setdefault(self.current, bytearray())
                        self.starts.setdefault(self.current, self.since)
                    position = match.end()
                rest = pending[position:]
                keep = rest.rfind(b"\x1e", max(0, len(rest) - self.carry))
                if keep == -1:
                    self._append(rest)
                    pending = b""
                else:
                    self._append(rest[:keep])
                    pending = rest[keep:]

    def _append(self, data):
        if not data:
            return
        with self.lock:
            buffer = self.buffers[self.current]
            buffer += data
            if len(buffer) > 2 * _TAIL_BYTES:
                del buffer[:-_TAIL_BYTES]

    def position(self):
        """``(index, phase, since)``: the benchmark the worker is on (None before the first), the phase of it (None
        for its own run) and when that phase (or the worker, before its first benchmark) started, in
        ``time.monotonic()`` seconds."""
        with self.lock:
            return self.current, self.phase, self.since

    def started(self):
        """The index of the last benchmark that started, None before the first."""
        with self.lock:
            return self.current

    def segments(self, ended):
        """``{index: (output tail, seconds)}`` per benchmark that started, and ``None``: the output before them."""
        with self.lock:
            order = sorted(self.starts.items(), key=lambda item: item[1])
            result = {}
            for position, (index, start) in enumerate(order):
                stop = order[position + 1][1] if position + 1 < len(order) else ended
                text = bytes(self.buffers.get(index, b"")[-_TAIL_BYTES:]).decode("utf-8", errors="replace")
                result[index] = (tail(text), max(0.0, stop - start) if index is not None else 0.0)
            return result
