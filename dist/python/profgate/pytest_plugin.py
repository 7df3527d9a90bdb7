"""Suites written for pytest-benchmark or pytest-codspeed: the pytest side of a worker.

A worker job with ``"suite": "pytest"`` comes here. It runs the project's own pytest in-process, in the repository
root, so the project's configuration applies (rootdir, ini file, ``addopts``, conftest.py, markers), with this module
as a plugin and any installed pytest-benchmark or pytest-codspeed plugin disabled:

- a ``collect`` job runs ``--collect-only`` on the job's paths and ``-k`` expression and lists the benchmarks: test
  functions that use the ``benchmark`` fixture (directly or through another fixture) or carry the ``benchmark``
  marker (pytest-codspeed's ``codspeed_benchmark`` fixture and marker alike), without a skip mark that applies.
  Their ids are pytest's node ids. The job's ``bench_files`` (``bench_*.py`` files under its directory paths that
  use the fixture or marker) are collected even where the project's ``python_files`` patterns leave them out;
- a pass job (``calibrate``, ``timing``, ``profile``, ``memory``) runs the job's benchmark tests, picked by node id
  from their files, in the job's order, and records each as it ends (``profgate.records.Records``). The
  ``benchmark`` fixture hands the callable it is given to the harness's routine for that pass
  (``profgate.passes.run_pass``), then calls it once more, unmeasured, for the value it returns to the test. A test
  with the marker and without the fixture is measured whole: one iteration is one call of the test function with
  the fixture values pytest set up for it, set up once per test like every function-scoped fixture.

``benchmark.pedantic(target, args, kwargs, setup, teardown, rounds, warmup_rounds, iterations)`` fixes the loop
count at ``iterations`` (no calibration) and runs ``setup`` before and ``teardown`` after each iteration, outside
the measurement; ``rounds`` and ``warmup_rounds`` give way to profgate's processes, values and warm-ups.

A test that fails or errors in a fixture is a failed benchmark: its report goes to the worker's output (pytest's own
terminal output is switched off) and the job ends as ``error``, or ``exit`` for ``SystemExit``. A test skipped at
run time (``pytest.skip``, ``pytest.importorskip`` in a fixture or the test) before it measured anything is recorded
as skipped, with pytest's reason, as pytest-benchmark and pytest-codspeed leave it unmeasured. pytest-xdist runs
with ``-n 0``, pytest-cov with ``--no-cov`` (a project's ``addopts`` may turn coverage on, whose tracer the passes
would measure) and pytest-timeout with ``--timeout 0`` (the benchmark's own timeout bounds a pass).
pytest-benchmark's and pytest-codspeed's command-line options are accepted and ignored, so a project's ``addopts``
that name them still parse. pytest-benchmark's hook specifications are registered
(``BenchmarkHookSpecs``), so a conftest.py implementing its hooks loads; profgate never calls those hooks.
"""

import functools
import importlib.util
import inspect
import os
import platform
import sys
import types

import pytest

from profgate import passes
from profgate.records import Reported
from profgate.benchmarks import json_value
from profgate.normalise import one_line, tail

# pytest leaves the harness's frames out of the report of a benchmark test that fails while measured.
__tracebackhide__ = True

# Plugin names of the tools whose fixture and marker this module stands in for.
_REPLACED_PLUGINS = ("benchmark", "codspeed")
# The fixtures (and marker names) that make a test a benchmark: the shared one, and pytest-codspeed's own.
_FIXTURES = ("benchmark", "codspeed_benchmark")

# Their command-line options (pytest-benchmark 3 to 5, pytest-codspeed 2 to 4) by how many values each takes, so
# that an ``addopts`` naming them parses exactly as it did with the real plugin.
_FLAG, _VALUE, _OPTIONAL, _SEVERAL = "flag", "value", "optional", "several"
_IGNORED_OPTIONS = (
    ("--benchmark-min-time", _VALUE),
    ("--benchmark-max-time", _VALUE),
    ("--benchmark-min-rounds", _VALUE),
    ("--benchmark-timer", _VALUE),
    ("--benchmark-calibration-precision", _VALUE),
    ("--benchmark-warmup", _OPTIONAL),
    ("--benchmark-warmup-iterations", _VALUE),
    ("--benchmark-disable-gc", _FLAG),
    ("--benchmark-skip", _FLAG),
    ("--benchmark-disable", _FLAG),
    ("--benchmark-enable", _FLAG),
    ("--benchmark-only", _FLAG),
    ("--benchmark-save", _VALUE),
    ("--benchmark-autosave", _FLAG),
    ("--benchmark-save-data", _FLAG),
    ("--benchmark-json", _VALUE),
    ("--benchmark-compare", _OPTIONAL),
    ("--benchmark-compare-fail", _SEVERAL),
    ("--benchmark-cprofile", _VALUE),
    ("--benchmark-cprofile-loops", _VALUE),
    ("--benchmark-cprofile-top", _VALUE),
    ("--benchmark-cprofile-dump", _OPTIONAL),
    ("--benchmark-time-unit", _VALUE),
    ("--benchmark-storage", _VALUE),
    ("--benchmark-netrc", _OPTIONAL),
    ("--benchmark-verbose", _FLAG),
    ("--benchmark-quiet", _FLAG),
    ("--benchmark-sort", _VALUE),
    ("--benchmark-group-by", _VALUE),
    ("--benchmark-columns", _VALUE),
    ("--benchmark-name", _VALUE),
    ("--benchmark-histogram", _OPTIONAL),
    ("--benchmark-csv", _OPTIONAL),
    ("--codspeed", _FLAG),
    ("--codspeed-mode", _VALUE),
    ("--codspeed-warmup-time", _VALUE),
    ("--codspeed-max-time", _VALUE),
    ("--codspeed-max-rounds", _VALUE),
)


class BenchmarkHookSpecs:
    """pytest-benchmark's hook specifications (5.x; 3.x and 4.x have the same names and arguments), for a worker in
    which pytest-benchmark itself is disabled or not installed: a conftest.py that implements one of them must still
    load, where pytest would otherwise stop with ``PluginValidationError: unknown hook``. profgate never calls them:
    its results carry its own machine description (``profgate.environment``), commit and statistics, and nothing of
    pytest-benchmark's JSON, grouping, unit scaling or comparison. pytest-codspeed declares no hooks."""

    @pytest.hookspec(firstresult=True)
    def pytest_benchmark_scale_unit(config, unit, benchmarks, best, worst, sort):
        """Scale of the time unit in pytest-benchmark's table."""

    @pytest.hookspec(firstresult=True)
    def pytest_benchmark_generate_machine_info(config):
        """pytest-benchmark's machine_info."""

    @pytest.hookspec
    def pytest_benchmark_update_machine_info(config, machine_info):
        """Additions to pytest-benchmark's machine_info."""

    @pytest.hookspec(firstresult=True)
    def pytest_benchmark_generate_commit_info(config):
        """pytest-benchmark's commit_info."""

    @pytest.hookspec
    def pytest_benchmark_update_commit_info(config, commit_info):
        """Additions to pytest-benchmark's commit_info."""

    @pytest.hookspec(firstresult=True)
    def pytest_benchmark_group_stats(config, benchmarks, group_by):
        """pytest-benchmark's grouping of results in its table."""

    @pytest.hookspec(firstresult=True)
    def pytest_benchmark_generate_json(config, benchmarks, include_data, machine_info, commit_info):
        """pytest-benchmark's JSON document."""

    @pytest.hookspec
    def pytest_benchmark_update_json(config, benchmarks, output_json):
        """Additions to pytest-benchmark's JSON document."""

    @pytest.hookspec
    def pytest_benchmark_compare_machine_info(config, benchmarksession, machine_info, compared_benchmark):
        """pytest-benchmark's check of a saved run's machine_info."""


class _State:
    """What one worker job asked for, and what its pytest session produced: the collection's benchmarks, and per
    benchmark test (one at a time) its data or failure."""

    def __init__(self, job, records):
        self.job = job
        self.records = records
        self.specs = {spec["id"]: (index, spec) for index, spec in enumerate(job.get("benchmarks", []))}
        self.found = []
        self.collect_errors = {}
        self.reset()

    def reset(self, spec=None):
        self.spec = spec
        self.data = None
        self.failure = None
        self.skipped = None
        self.exited = False


_state = _State({}, None)


def run_job(job, records):
    """Runs one worker job of a pytest suite in this process, writing its records to ``records``."""
    global _state
    _state = _State(job, records)
    if job["kind"] == "collect":
        arguments = ["--collect-only"] + list(job["paths"]) + (["-k", job["select"]] if job["select"] else [])
    else:
        # The files, not the node ids: each file is collected once, and the items are picked by node id.
        arguments = list(dict.fromkeys(spec["file"] for spec in job["benchmarks"]))
    arguments += ["-s", "-o", "cache_dir=" + os.path.join(os.path.dirname(job["result"]), "pytest-cache")]
    for name in _REPLACED_PLUGINS:
        arguments += ["-p", "no:" + name]
    # A project's required_plugins names the plugins its own runs need, often pytest-benchmark itself: this worker
    # has just unloaded that one for its own fixture, and pytest would refuse to start over it.
    arguments += ["-o", "required_plugins="]
    if _has_plugin("xdist"):
        # One test at a time in this process, or the measurement would happen in an xdist worker out of reach.
        arguments += ["-n", "0"]
    if _has_plugin("pytest_cov"):
        # A project's addopts often turn coverage on for every test run; its tracer would be what the passes
        # measure (and it competes with the cProfile pass for the interpreter's hooks). --no-cov leaves --cov parsed.
        arguments += ["--no-cov"]
    if _has_plugin("pytest_timeout"):
        # pytest-timeout's limit is meant for one call of a test, and a pass calls it many times (the memory pass
        # under tracemalloc): the benchmark's own timeout bounds the pass instead. The command line wins over the
        # ini option and addopts.
        arguments += ["--timeout", "0"]
    plugins = [sys.modules[__name__]]
    if job.get("bench_files") and hasattr(pytest, "version_tuple"):
        plugins.append(_BenchFiles(job["bench_files"], job["cwd"]))
    code = pytest.main(arguments, plugins=plugins)
    if job["kind"] == "collect":
        if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
            raise Reported("error", "pytest could not collect the suite (exit code {}); its message is above".format(int(code)))
        records.write(None, "ok", data={"benchmarks": _state.found})
    elif code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        raise Reported("error", "pytest stopped before the test ran (exit code {}); its message is above".format(int(code)))


def _has_plugin(module):
    return not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and importlib.util.find_spec(module) is not None


def pytest_addhooks(pluginmanager):
    # Only the specifications nobody registered: pluggy takes one per hook.
    missing = {name: spec for name, spec in vars(BenchmarkHookSpecs).items() if name.startswith("pytest_") and getattr(getattr(pluginmanager.hook, name, None), "spec", None) is None}
    if missing:
        pluginmanager.add_hookspecs(types.SimpleNamespace(**missing))


def pytest_addoption(parser):
    group = parser.getgroup("profgate", "pytest-benchmark and pytest-codspeed options (accepted, ignored by profgate)")
    for name, takes in _IGNORED_OPTIONS:
        if takes == _FLAG:
            group.addoption(name, action="store_true", help="ignored")
        elif takes == _VALUE:
            group.addoption(name, action="store", help="ignored")
        elif takes == _OPTIONAL:
            group.addoption(name, action="store", nargs="?", const=True, help="ignored")
        else:
            group.addoption(name, action="store", nargs="+", help="ignored")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "benchmark: a benchmark; without the benchmark fixture, the whole test is measured")
    config.addinivalue_line("markers", "codspeed_benchmark: pytest-codspeed's name for the benchmark marker")


def pytest_cmdline_main(config):
    # Registered now, after every installed plugin and initial conftest: of the trylast pytest_configure
    # implementations the last registered runs last, so the reporter it removes is the one in place once a plugin
    # that replaces pytest's reporter (taking, and asserting, the one registered before it) has done so.
    config.pluginmanager.register(_QuietReporter(), "profgate-quiet-reporter")


class _QuietReporter:
    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config):
        # The worker's output is what the benchmark printed plus the failure reports this module writes; pytest's
        # progress and summary lines would be noise in every benchmark's output.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)


def _is_benchmark(item):
    return isinstance(item, pytest.Function) and (_uses_fixture(item) or _marker(item) is not None)


def _uses_fixture(item):
    return any(name in item.fixturenames for name in _FIXTURES)


def _marker(node):
    """The closest benchmark marker: pytest-codspeed's ``codspeed_benchmark`` or the shared ``benchmark``."""
    for name in _FIXTURES[::-1]:
        marker = node.get_closest_marker(name)
        if marker is not None:
            return marker
    return None


def _skipped(item):
    """Whether a skip or skipif mark applies, decided as pytest decides it, so a benchmark skipped on this machine is
    not collected (and then failed) as a benchmark."""
    if item.get_closest_marker("skip") is not None:
        return True
    for mark in item.iter_markers("skipif"):
        conditions = (mark.kwargs["condition"],) if "condition" in mark.kwargs else mark.args
        if not conditions:
            return True
        for condition in conditions:
            if isinstance(condition, str):
                namespace = {"os": os, "sys": sys, "platform": platform, "config": item.config}
                namespace.update(getattr(item.obj, "__globals__", {}))
                try:
                    condition = eval(condition, namespace)
                except Exception:
                    # pytest reports the bad condition when the test runs; the benchmark then fails with it.
                    return False
            if condition:
                return True
    return False


def _describe(item, cwd):
    path = str(getattr(item, "path", None) or item.fspath)
    callspec = getattr(item, "callspec", None)
    return {
        "id": item.nodeid,
        "file": os.path.relpath(path, cwd).replace(os.sep, "/"),
        "name": item.nodeid.split("::", 1)[-1].split("[", 1)[0],
        "params": {name: json_value(value) for name, value in callspec.params.items()} if callspec is not None else {},
        "clock": "cpu",
    }


def _message(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return one_line(crash.message)
    text = report.longreprtext
    for line in text.splitlines():
        if line.startswith("E "):
            return one_line(line[1:])
    return one_line(text)


class _BenchFiles:
    """Collects a collect job's ``bench_files`` (``bench_*.py`` files using the benchmark fixture or marker, found
    under a directory PATH) as test modules where the project's ``python_files`` patterns leave them out. A plugin of
    its own, registered for pytest 7 and later only: older pytest names the hook's argument ``path``."""

    def __init__(self, files, cwd):
        self.files = frozenset(files)
        self.cwd = cwd

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collect_file(self, file_path, parent):
        outcome = yield
        if os.path.relpath(str(file_path), self.cwd).replace(os.sep, "/") not in self.files:
            return
        collected = outcome.get_result()
        if not any(isinstance(collector, pytest.Module) for collector in collected):
            module = parent.ihook.pytest_pycollect_makemodule(module_path=file_path, parent=parent)
            outcome.force_result(collected + [module])


def pytest_collectreport(report):
    if not report.failed:
        return
    if _state.job["kind"] == "collect":
        path = report.nodeid.split("::", 1)[0]
        _state.found.append({"id": report.nodeid, "file": path, "name": "", "error": _message(report), "output": tail(report.longreprtext)})
    else:
        sys.stderr.write(report.longreprtext + "\n")
        _state.collect_errors[report.nodeid.split("::", 1)[0]] = _message(report)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if _state.job["kind"] == "collect":
        return
    by_id = {item.nodeid: item for item in items if item.nodeid in _state.specs}
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in by_id])
    # In the job's order, which the records follow; a benchmark no longer collected is recorded at once.
    items[:] = []
    for benchmark_id, (_, spec) in sorted(_state.specs.items(), key=lambda pair: pair[1][0]):
        if benchmark_id in by_id:
            items.append(by_id[benchmark_id])
        else:
            error = _state.collect_errors.get(spec["file"])
            _state.records.write(benchmark_id, "error", error or "pytest no longer collects {}".format(benchmark_id))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Runs one benchmark test and records how it ended, after its teardown."""
    if _state.job["kind"] == "collect" or item.nodeid not in _state.specs:
        yield
        return
    index, spec = _state.specs[item.nodeid]
    _state.records.begin(index)
    _state.reset(spec)
    yield
    if _state.failure is not None:
        _state.records.write(item.nodeid, "exit" if _state.exited else "error", _state.failure)
    elif _state.skipped is not None and _state.data is None:
        _state.records.write(item.nodeid, "ok", data={"skipped": _state.skipped})
    elif _state.data is None:
        _state.records.write(item.nodeid, "error", "the test requested the benchmark fixture but never called it")
    else:
        _state.records.write(item.nodeid, "ok", data=_state.data)
    _state.reset()


def pytest_collection_finish(session):
    if _state.job["kind"] == "collect":
        cwd = _state.job["cwd"]
        _state.found.extend(_describe(item, cwd) for item in session.items if _is_benchmark(item) and not _skipped(item))


def pytest_exception_interact(node, call, report):
    _state.exited = call.excinfo is not None and call.excinfo.errisinstance(SystemExit)


def pytest_runtest_logreport(report):
    if report.failed:
        _fail(report)
    elif report.skipped and _state.skipped is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _state.skipped = one_line("skipped at run time: " + reason.replace("Skipped: ", "", 1))


def _fail(report):
    sys.stderr.write(report.longreprtext + "\n")
    if _state.failure is None:
        _state.failure = _message(report)


def _measure(call, prepare=None, loops=None):
    """Runs this worker's pass on the benchmark being run; ``loops`` fixes the loop count instead of calibrating."""
    spec = _state.spec if loops is None else dict(_state.spec, loops=loops)
    _state.data = passes.run_pass(_state.job, spec, call, _state.records, prepare)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Measures a test with the ``benchmark`` marker and without the fixture: the test function is the benchmark."""
    if _uses_fixture(pyfuncitem) or _marker(pyfuncitem) is None:
        return None
    function = pyfuncitem.obj
    if inspect.iscoroutinefunction(function):
        raise TypeError("{} is a coroutine function; profgate measures synchronous tests only".format(pyfuncitem.name))
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    # functools.partial adds no Python frame, so profiles and timings see only the test.
    _measure(functools.partial(function, **arguments))
    return True


class BenchmarkFixture:
    """pytest-benchmark's ``benchmark`` fixture, measured by profgate: ``benchmark(fn, *args, **kwargs)`` and
    ``benchmark.pedantic(...)`` return ``fn``'s result; ``name``, ``fullname``, ``group``, ``param``, ``params`` and
    ``extra_info`` are there for tests that read or set them."""

    def __init__(self, node, options):
        callspec = getattr(node, "callspec", None)
        self.name = node.name
        self.fullname = node.nodeid
        self.group = options.get("group")
        self.param = callspec.id if callspec is not None else None
        self.params = dict(callspec.params) if callspec is not None else None
        self.extra_info = {}
        self.disabled = False
        self._used = False

    def _claim(self):
        if self._used:
            raise RuntimeError("the benchmark fixture can be used only once per test")
        self._used = True

    def __call__(self, function_to_benchmark, *args, **kwargs):
        self._claim()
        call = functools.partial(function_to_benchmark, *args, **kwargs)
        _measure(call)
        return call()

    def pedantic(self, target, args=(), kwargs=None, setup=None, teardown=None, rounds=1, warmup_rounds=0, iterations=1):
        self._claim()
        # pytest-benchmark's checks and messages, so a suite valid there is valid here and the reverse.
        if not isinstance(iterations, int) or iterations < 1:
            raise ValueError("Must have positive int for `iterations`.")
        if not isinstance(rounds, int) or rounds < 1:
            raise ValueError("Must have positive int for `rounds`.")
        if not isinstance(warmup_rounds, int) or warmup_rounds < 0:
            raise ValueError("Must have positive int for `warmup_rounds`.")
        if iterations > 1 and setup is not None:
            raise ValueError("Can't use more than 1 `iterations` with a `setup` function.")
        kwargs = kwargs or {}
        if setup is None and teardown is None:
            call = functools.partial(target, *args, **kwargs)
            _measure(call, loops=iterations)
            return call()
        if iterations > 1:
            raise ValueError("Can't use more than 1 `iterations` with a `teardown` function.")
        pending = []

        def tear_down():
            while pending:
                done_args, done_kwargs = pending.pop()
                teardown(*done_args, **done_kwargs)

        def prepare():
            # The previous iteration's teardown runs here, outside the measurement like the setup.
            tear_down()
            call_args, call_kwargs = args, kwargs
            if setup is not None:
                prepared = setup()
                if prepared is not None:
                    if args or kwargs:
                        raise TypeError("Can't use `args` or `kwargs` if `setup` returns the arguments.")
                    call_args, call_kwargs = prepared
            if teardown is not None:
                pending.append((call_args, call_kwargs))
            return functools.partial(target, *call_args, **call_kwargs)

        _measure(None, prepare, loops=iterations)
        result = prepare()()
        tear_down()
        return result


@pytest.fixture
def benchmark(request):
    """pytest-benchmark's ``benchmark`` fixture; ``@pytest.mark.benchmark(group=...)`` names its group."""
    marker = _marker(request.node)
    return BenchmarkFixture(request.node, marker.kwargs if marker is not None else {})


@pytest.fixture
def codspeed_benchmark(benchmark):
    """pytest-codspeed's own name for the ``benchmark`` fixture."""
    return benchmark
