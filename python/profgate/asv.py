"""Suites written for asv (airspeed velocity), run unchanged and without asv installed.

The benchmark directory is ``benchmark_dir`` of ``asv.conf.json`` (read as JSON5, as asv reads it; default
``benchmarks``, relative to the file), imported as a package named after the directory, so its modules may use
relative imports; every module under it is imported, as asv does (``pkgutil.iter_modules``, recursively). A module that fails to import becomes one failed
entry, its id the module's dotted name, and the others still run.

Benchmarks are module-level functions and methods of classes whose names match asv's prefixes (``time_``,
``peakmem_``, ``mem_``, ``track_``, ``timeraw_``, or CamelCase ``Time...``), each method on an instance of its own
class. Ids are asv's names, ``module.Class.method`` relative to the benchmark directory (or the ``benchmark_name``
attribute), with a parameter combination appended as asv shows it: ``module.Class.time_x(10, 'a')`` (each value's
``repr()`` without a memory address, duplicates numbered).

For each benchmark, in each worker, in asv's order: ``setup_cache`` once per worker (its value becomes the first
argument of everything below), then ``setup`` of the module, the class and the benchmark (``time_x.setup``), the
measurement, then ``teardown`` of the benchmark, the class and the module (once around each pass of a benchmark,
where asv sets up again before each of its samples). A ``setup`` that raises
``NotImplementedError`` skips that parameter combination: it is recorded as skipped, not failed. So does a
combination listed in the benchmark's ``skip_params`` (what asv_runner's ``@skip_for_params`` and
``@skip_params_if`` set), before any ``setup`` runs; a function whose ``skip_benchmark`` is true (``@skip_benchmark``,
``@skip_benchmark_if``) is no benchmark, as asv leaves it out at discovery. The attributes are looked up on the
benchmark, then its class, then its module, as asv does.

What is measured by kind:
- ``time_``: one call is one iteration, through the timing, cProfile and tracemalloc passes;
- ``peakmem_``: the tracemalloc pass only; the gate uses its ``peak``: the Python heap allocated during one call
  above what was live before it, not asv's peak resident set size of the whole process;
- ``mem_``: the deep size of the returned object (``deep_size``), one call;
- ``track_``: the returned number, one call, with the benchmark's ``unit``;
- ``timeraw_``: the timing pass only: each value runs the returned code (a string, or a ``(code, setup)`` tuple)
  ``number`` times (default 1) through ``timeit`` in a fresh interpreter, as asv does, the set-up and the
  interpreter's start-up outside the measurement; the benchmark's ``env`` joins that interpreter's environment, and
  --pythonpath makes the project importable there as in the worker. No profiler of the worker reaches that
  interpreter: the cProfile and tracemalloc passes do not apply (asv refuses to profile these too).

asv's measurement attributes map onto profgate's settings where profgate has a per-benchmark counterpart: a
non-zero ``number`` fixes the loop count (no calibration; ``number = 1``, asv's way of asking for a fresh set-up
before every call, also sets up again before each iteration, outside the measurement), ``sample_time`` is the calibration target (min-time),
``repeat`` the most values per timing process (its maximum when a tuple), ``timeout`` the benchmark's timeout (a
--timeout-for pattern still wins; without the attribute, asv.conf.json's ``default_benchmark_timeout`` is the
suite's timeout unless --timeout is given). ``rounds``, ``warmup_time`` and ``min_run_count`` have none: profgate's timing
processes and warm-up values are the same for the whole suite.

As in asv, a benchmark's ``timeout`` covers its own run (its set-up, the measurement, its teardown) in each pass,
not the imports of the benchmark modules nor ``setup_cache``: a worker imports the modules of its job's benchmarks
before its first benchmark (``run_job``), and a ``setup_cache`` runs in a phase of its own with its own limit, its
``timeout`` attribute else the longest timeout of the benchmarks using it (``profgate.manager`` enforces both).
"""

import functools
import gc
import importlib
import importlib.machinery
import importlib.util
import inspect
import itertools
import json
import math
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import types

from profgate.benchmarks import json_value
from profgate.normalise import clip, is_harness_file, one_line, tail
from profgate.passes import run_pass
from profgate.records import Reported, describe, failure
from profgate.timing import budgeted_values

CONFIG = "asv.conf.json"
DEFAULT_BENCHMARK_DIR = "benchmarks"

# asv's prefixes, lowercase with underscores or CamelCase; asv tries them in this order.
KINDS = (
    ("time", re.compile(r"^(Time[A-Z_].+)|(time_.+)$")),
    ("timeraw", re.compile(r"^(Timeraw[A-Z_].+)|(timeraw_.+)$")),
    ("mem", re.compile(r"^(Mem[A-Z_].+)|(mem_.+)$")),
    ("peakmem", re.compile(r"^(PeakMem[A-Z_].+)|(peakmem_.+)$")),
    ("track", re.compile(r"^(Track[A-Z_].+)|(track_.+)$")),
)
_SOURCE_PREFIXES = re.compile(rb"def\s+(time_|timeraw_|mem_|peakmem_|track_|Time[A-Z_]|Timeraw[A-Z_]|Mem[A-Z_]|PeakMem[A-Z_]|Track[A-Z_])")
_ADDRESS = re.compile(r"^(<.*) at (0x[\da-fA-F]*)(>)$")
# Not followed by deep_size: shared by every object of a program, not part of the one returned.
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.CodeType, types.FrameType)


class ConfigError(Exception):
    """asv.conf.json cannot be read; the message names the file and the problem."""


def read_config(path):
    """The parsed asv.conf.json at ``path``, read as asv reads it: JSON5 (``//`` and ``/* */`` comments, trailing
    commas, single-quoted strings, unquoted keys, hexadecimal numbers, ``Infinity`` and ``NaN``)."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise ConfigError("{}: cannot read it: {}".format(path, error.strerror)) from None
    except UnicodeDecodeError as error:
        raise ConfigError("{}: not UTF-8 text ({}); save it as UTF-8, as asv reads it".format(path, error.reason)) from None
    try:
        config = _Json5(text).document()
    except _Json5Error as error:
        raise ConfigError(
            "{}, line {} column {}: {}; correct the file at that place (asv reads it as JSON5: JSON with comments, "
            "trailing commas, single-quoted strings and unquoted keys)".format(path, error.line, error.column, error.problem)
        ) from None
    if not isinstance(config, dict):
        raise ConfigError("{}: expected a JSON object ({{ ... }}) holding asv's settings, found {}".format(path, _json_type(config)))
    return config


def _json_type(value):
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


class _Json5Error(Exception):
    def __init__(self, problem, line, column):
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column


# JSON5's white space: JSON's, vertical tab, form feed, no-break space, byte order mark, line and paragraph
# separators, and every other Unicode space separator (category Zs, matched by \s).
_SPACE = re.compile(r"(?:[\s\ufeff]+|//[^\n\r\u2028\u2029]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_NUMBER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Infinity|NaN)")
_IDENTIFIER = re.compile(r"(?:[^\W\d]|\$|\\u[0-9a-fA-F]{4})(?:[\w$]|\\u[0-9a-fA-F]{4})*")
_LINE_ENDS = "\n\r\u2028\u2029"
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_WORDS = {"null": None, "true": True, "false": False}


class _Json5:
    """A JSON5 reader (https://spec.json5.org/, as the ``json5`` package asv uses reads it): one value, positions of
    errors as line and column."""

    def __init__(self, text):
        self.text = text
        self.at = 0

    def document(self):
        self._space()
        if self.at == len(self.text):
            raise self._error("the file is empty; it holds one object of asv's settings")
        value = self._value()
        self._space()
        if self.at < len(self.text):
            raise self._error("unexpected {} after the end of the top-level value".format(self._shown()))
        return value

    def _error(self, problem, at=None):
        at = self.at if at is None else at
        before = self.text[:at]
        line = len(re.findall(r"\r\n|[\n\r\u2028\u2029]", before)) + 1
        column = at - max(before.rfind(end) for end in _LINE_ENDS)
        return _Json5Error(problem, line, column)

    def _shown(self):
        if self.at >= len(self.text):
            return "end of file"
        return repr(self.text[self.at])

    def _space(self):
        self.at = _SPACE.match(self.text, self.at).end()
        if self.text.startswith("/*", self.at):
            raise self._error("a /* comment is never closed with */")

    def _value(self):
        char = self.text[self.at] if self.at < len(self.text) else ""
        if char == "{":
            return self._object()
        if char == "[":
            return self._array()
        if char in ("\"", "'"):
            return self._string()
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.at) and not _IDENTIFIER.match(self.text, self.at).end() > self.at + len(word):
                self.at += len(word)
                return value
        number = _NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            return _number(number.group())
        raise self._error("expected a value (an object, array, string, number, true, false or null), found {}".format(self._shown()))

    def _object(self):
        found = {}
        self.at += 1
        while True:
            self._space()
            if self.text.startswith("}", self.at):
                self.at += 1
                return found
            key = self._key()
            self._space()
            if not self.text.startswith(":", self.at):
                raise self._error("expected ':' after the key {!r}, found {}".format(key, self._shown()))
            self.at += 1
            self._space()
            found[key] = self._value()
            self._space()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif not self.text.startswith("}", self.at):
                raise self._error("expected ',' or '}}' after the value of {!r}, found {}".format(key, self._shown()))

    def _key(self):
        if self.at < len(self.text) and self.text[self.at] in ("\"", "'"):
            return self._string()
        name = _IDENTIFIER.match(self.text, self.at)
        if not name:
            raise self._error("expected a key (a quoted string or a name) or '}}', found {}".format(self._shown()))
        self.at = name.end()
        return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), name.group())

    def _array(self):
        found = []
        self.at += 1
        while True:
            self._space()
            if self.text.startswith("]", self.at):
                self.at += 1
                return found
            found.append(self._value())
            self._space()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif not self.text.startswith("]", self.at):
                raise self._error("expected ',' or ']' after an array item, found {}".format(self._shown()))

    def _string(self):
        quote = self.text[self.at]
        start = self.at
        self.at += 1
        parts = []
        while True:
            if self.at >= len(self.text):
                raise self._error("a string is never closed with {}".format(quote), start)
            char = self.text[self.at]
            if char == quote:
                self.at += 1
                return "".join(parts)
            if char in "\n\r":
                raise self._error("a string runs past the end of its line; close it with {} (or end the line with a backslash)".format(quote))
            if char != "\\":
                parts.append(char)
                self.at += 1
                continue
            self.at += 1
            parts.append(self._escape())

    def _escape(self):
        char = self.text[self.at] if self.at < len(self.text) else ""
        if char == "":
            raise self._error("a string is never closed")
        if char in _ESCAPES and not (char == "0" and self.text[self.at + 1:self.at + 2].isdigit()):
            self.at += 1
            return _ESCAPES[char]
        if char in "xu":
            size = 2 if char == "x" else 4
            digits = self.text[self.at + 1:self.at + 1 + size]
            if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise self._error("\\{} must be followed by {} hexadecimal digits".format(char, size))
            self.at += 1 + size
            return chr(int(digits, 16))
        if char in _LINE_ENDS:
            # A backslash before a line end continues the string on the next line.
            self.at += 2 if self.text.startswith("\r\n", self.at) else 1
            return ""
        if char in "123456789":
            raise self._error("\\{} is not an escape JSON5 allows".format(char))
        self.at += 1
        return char


def _number(text):
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body in ("Infinity", "NaN"):
        return sign * float("inf") if body == "Infinity" else float("nan")
    if body[:2] in ("0x", "0X"):
        return sign * int(body, 16)
    if any(c in body for c in ".eE"):
        return sign * float(body)
    return sign * int(body)


def benchmark_dir(cwd, config_path=None):
    """The benchmark directory named by asv.conf.json (``config_path``, else the one in ``cwd``), relative to
    ``cwd`` and ``/``-separated; None when there is no asv.conf.json."""
    path = os.path.join(cwd, config_path or CONFIG)
    if config_path is None and not os.path.isfile(path):
        return None
    directory = read_config(path).get("benchmark_dir", DEFAULT_BENCHMARK_DIR)
    if not isinstance(directory, str) or not directory:
        raise ConfigError("{}: benchmark_dir must be a directory name, not {!r}".format(path, directory))
    full = os.path.join(os.path.dirname(os.path.abspath(path)), directory)
    return os.path.relpath(full, cwd).replace(os.sep, "/")


def default_timeout(cwd, config_path=None):
    """The ``default_benchmark_timeout`` of asv.conf.json (``config_path``, else the one in ``cwd``): the timeout of
    every benchmark without a ``timeout`` attribute, as asv reads it; None when the file or the key is absent."""
    path = os.path.join(cwd, config_path or CONFIG)
    if not os.path.isfile(path):
        return None
    seconds = read_config(path).get("default_benchmark_timeout")
    if seconds is None:
        return None
    if not _positive(seconds):
        raise ConfigError("{}: default_benchmark_timeout must be a positive number of seconds, not {!r}".format(path, seconds))
    return float(seconds)


def holds_benchmarks(cwd, directory):
    """Whether a Python file under ``directory`` defines a function or method with one of asv's prefixes."""
    root = os.path.join(cwd, directory)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    if _SOURCE_PREFIXES.search(handle.read()):
                        return True
            except OSError:
                continue
    return False


def kind_of(name):
    """asv's kind for a benchmark name (its last dotted part), or None."""
    for kind, pattern in KINDS:
        if pattern.match(name):
            return kind
    return None


def _attr(source, name, ignore_case):
    if not ignore_case:
        return getattr(source, name, None)
    found = [getattr(source, key) for key in dir(source) if key.lower() == name.lower()]
    if len(found) > 1:
        raise ValueError("{} has several {} functions (differing only in case)".format(getattr(source, "__name__", source), name))
    return found[0] if found else None


def _all(sources, name, ignore_case=False):
    return [value for value in (_attr(source, name, ignore_case) for source in sources) if value is not None]


def _first(sources, name, default=None):
    found = _all(sources, name)
    return found[0] if found else default


def _param_repr(value):
    """``repr(value)``, without the memory address of a default ``repr()``: it differs between runs, ids must not."""
    text = repr(value)
    match = _ADDRESS.match(text)
    default = _ADDRESS.match(object.__repr__(value))
    if match and default and default.group(2) == match.group(2):
        text = match.group(1) + match.group(3)
    return text


def _param_value(value):
    """A parameter value as the results record it: JSON scalars as they are, anything else as asv shows it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return json_value(value)
    return clip(_param_repr(value))


class Benchmark:
    """One asv benchmark (all its parameter combinations): its name, kind, callable and attribute sources."""

    def __init__(self, name, kind, func, sources, file):
        self.name = name
        self.kind = kind
        self.func = func
        self.sources = sources
        self.file = file
        self.setups = _all(sources, "setup", True)[::-1]
        self.teardowns = _all(sources, "teardown", True)
        self.setup_cache = _first(sources, "setup_cache")
        self.skip_params = _first(sources, "skip_params", [])
        self.pretty_name = _first([func], "pretty_name")
        self.unit = "bytes" if kind == "mem" else str(_first(sources, "unit", "unit"))
        params = _first(sources, "params", [])
        names = _first(sources, "param_names", [])
        if isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
            raise TypeError("{}.params must be a list of values (or of lists, one per parameter), not {}".format(name, type(params).__name__))
        params = list(params)
        # A flat list is the values of a single parameter.
        if params and not isinstance(params[0], (list, tuple)):
            params = [params]
        self.params = [list(axis) for axis in params]
        names = [str(name) for name in names][: len(self.params)]
        self.param_names = names + ["param{}".format(k + 1) for k in range(len(names), len(self.params))]
        reprs = []
        for axis in self.params:
            texts = [_param_repr(value) for value in axis]
            # Values shown alike are numbered in order, as asv numbers them: 'x (0)', 'x (1)'.
            seen = {}
            shown = []
            for text in texts:
                if texts.count(text) > 1:
                    seen[text] = seen.get(text, -1) + 1
                    text = "{} ({})".format(text, seen[text])
                shown.append(text)
            reprs.append(shown)
        self.reprs = reprs

    def combinations(self):
        """``[(id, params tuple, {name: value})]`` in asv's order (itertools.product of the axes)."""
        if not self.params:
            return [(self.name, (), {})]
        found = []
        for values, shown in zip(itertools.product(*self.params), itertools.product(*self.reprs)):
            found.append(("{}({})".format(self.name, ", ".join(shown)), values, {n: _param_value(v) for n, v in zip(self.param_names, values)}))
        return found

    def overrides(self):
        """profgate's per-benchmark settings from asv's measurement attributes (see the module docstring)."""
        found = {}
        number = _first(self.sources, "number", 0)
        if _whole(number) and number > 0:
            found["loops"] = number
        elif self.kind == "timeraw":
            # asv runs a timeraw_ benchmark's code once per fresh interpreter unless its number says otherwise.
            found["loops"] = 1
        sample_time = _first(self.sources, "sample_time")
        if _positive(sample_time):
            found["min_time"] = float(sample_time)
        repeat = _first(self.sources, "repeat", 0)
        if isinstance(repeat, (tuple, list)) and len(repeat) == 3:
            repeat = repeat[1]
        if _whole(repeat) and repeat > 0:
            found["values"] = repeat
        timeout = _first(self.sources, "timeout")
        if _positive(timeout):
            found["timeout"] = float(timeout)
        return found

    def call(self, args):
        """The iteration (``time``, ``peakmem``), or the call returning the measured value (``mem``, ``track``)."""
        func = self.func
        if self.kind == "mem":
            return lambda: deep_size(func(*args))
        if self.kind == "track":
            return lambda: _tracked(self.name, func(*args))
        # functools.partial adds no Python frame, so profiles and timings see only the benchmark.
        return functools.partial(func, *args) if args else func


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _tracked(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError("{} returned {!r}; a track_ benchmark returns a finite number".format(name, value))
    return value


def deep_size(root):
    """The bytes of ``root`` and of every object reachable from it, each counted once (``sys.getsizeof``).

    References are followed as the garbage collector sees them (``gc.get_referents``: container items, instance
    ``__dict__`` and ``__slots__``), except into classes, modules, functions, methods, code and frames, which belong
    to the whole program rather than to the returned value. Deterministic for the same value on the same Python.
    """
    seen = set()
    pending = [root]
    total = 0
    while pending:
        obj = pending.pop()
        if id(obj) in seen or isinstance(obj, _SHARED):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        pending.extend(gc.get_referents(obj))
    return total


def load_package(cwd, directory):
    """Imports the benchmark directory as a package named after it, from its path (whatever else is importable
    under that name), so that its modules' relative imports work."""
    root = os.path.abspath(os.path.join(cwd, directory))
    name = os.path.basename(root)
    init = os.path.join(root, "__init__.py")
    if os.path.isfile(init):
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[root])
    else:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [root]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _relative_file(cwd, module):
    path = getattr(module, "__file__", None) or ""
    return os.path.relpath(path, cwd).replace(os.sep, "/") if path else ""


def _modules(package, records):
    """``(dotted name, module or exception)`` of every module under the package, in asv's order."""
    yield package.__name__, package
    for _, name, is_package in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        records.importing(name)
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # one module's failure is its own entry; the others still load
            yield name, exc
            continue
        if is_package:
            yield from _modules(module, records)
        else:
            yield name, module


def _short(name):
    """A module's name relative to the benchmark directory, as asv names benchmarks."""
    return name.split(".", 1)[1] if "." in name else ""


def benchmarks_of(module, cwd):
    """The module's benchmarks: ``Benchmark`` objects, or ``(name, exception)`` for one that cannot be set up for
    discovery (its class cannot be instantiated, or its attributes are not what asv allows)."""
    found = []
    prefix = [_short(module.__name__)] if _short(module.__name__) else []
    file = _relative_file(cwd, module)
    for attr_name, value in list(vars(module).items()):
        if attr_name.startswith("_"):
            continue
        if inspect.isclass(value) and not inspect.isabstract(value):
            try:
                members = inspect.getmembers(value)
            except Exception as exc:  # one class's failure is its own entry; discovery goes on
                found.append((".".join(prefix + [value.__name__]), exc))
                continue
            for member_name, member in members:
                if not (inspect.isfunction(member) or inspect.ismethod(member)):
                    continue
                name, kind = _named(member, prefix + [value.__name__, member_name], member_name)
                if kind is not None:
                    found.append(_benchmark(name, kind, file, lambda: _bound(value, member_name, module)))
        elif inspect.isfunction(value):
            name, kind = _named(value, prefix + [value.__name__], attr_name)
            if kind is not None:
                found.append(_benchmark(name, kind, file, lambda: (value, [value, module])))
    return found


def _bound(cls, member_name, module):
    """A benchmark method bound to a new instance of its class, and its attribute sources, as asv makes them."""
    instance = cls()
    method = getattr(instance, member_name)
    return method, [method, instance, module]


def _benchmark(name, kind, file, make):
    try:
        func, sources = make()
        return Benchmark(name, kind, func, sources, file)
    except BaseException as exc:  # recorded for this benchmark; discovery goes on
        return (name, exc)


def _named(func, parts, attr_name):
    """asv's name and kind of a candidate: its ``benchmark_name`` when set (the kind from its last part)."""
    custom = getattr(func, "benchmark_name", None)
    if getattr(func, "skip_benchmark", False):
        return ".".join(parts), None
    if isinstance(custom, str) and custom:
        return custom, kind_of(custom.split(".")[-1])
    return ".".join(parts), kind_of(attr_name)


def collect(job, records):
    """The collection worker's report: every benchmark combination, or an ``error`` per module that failed."""
    cwd = job["cwd"]
    found = []
    try:
        package = load_package(cwd, job["root"])
    except BaseException as exc:
        return {"benchmarks": [_module_error(job["root"].rstrip("/").split("/")[-1], job["root"] + "/__init__.py", exc)]}
    for name, module in _modules(package, records):
        if isinstance(module, BaseException):
            found.append(_module_error(name, _module_file(package, name, cwd), module))
            continue
        for benchmark in benchmarks_of(module, cwd):
            if isinstance(benchmark, tuple):
                found.append({"id": benchmark[0], "name": benchmark[0], "file": _relative_file(cwd, module), "module": name, "error": clip("cannot set up the benchmark for discovery: " + describe(benchmark[1])), "output": _traceback(benchmark[1])})
                continue
            found.extend(_describe(benchmark, name))
    return {"benchmarks": _unique(found)}


def _unique(found):
    """The entries with the first of each id kept; a later one (a ``benchmark_name`` used twice) fails, renamed."""
    seen = set()
    unique = []
    for entry in found:
        if entry["id"] in seen:
            again = clip("{} (again, in {})".format(entry["id"], entry["file"]))
            entry = {"id": again, "name": entry["name"], "file": entry["file"], "module": entry["module"], "error": clip("another benchmark already has the id {}; asv names must be unique".format(entry["id"]))}
        seen.add(entry["id"])
        unique.append(entry)
    return unique


def _module_file(package, name, cwd):
    relative = name.split(".")[1:]
    base = os.path.join(package.__path__[0], *relative)
    path = os.path.join(base, "__init__.py") if os.path.isdir(base) else base + ".py"
    return os.path.relpath(path, cwd).replace(os.sep, "/")


def _module_error(name, file, exc):
    short = _short(name) or name
    return {
        "id": short,
        "name": short,
        "file": file,
        "module": name,
        "error": clip("cannot import benchmark module {} ({}): {}".format(short, file, describe(exc))),
        "output": _traceback(exc),
    }


def _traceback(exc):
    """The exception's traceback from the benchmark's first frame, as the entry's output."""
    frames = exc.__traceback__
    while frames is not None and (is_harness_file(frames.tb_frame.f_code.co_filename) or frames.tb_frame.f_code.co_filename.startswith("<frozen importlib")):
        frames = frames.tb_next
    return tail("".join(traceback.format_exception(type(exc), exc, frames or exc.__traceback__)))


def _describe(benchmark, module_name):
    try:
        combinations = benchmark.combinations()
        overrides = benchmark.overrides()
    except Exception as exc:  # bad params: one failed entry for the benchmark
        return [{"id": benchmark.name, "name": benchmark.name, "file": benchmark.file, "module": module_name, "error": clip("{}: {}".format(benchmark.name, describe(exc)))}]
    described = []
    for benchmark_id, _, params in combinations:
        entry = {
            "id": clip(benchmark_id),
            "name": benchmark.name,
            "file": benchmark.file,
            "module": module_name,
            "params": params,
            "clock": "cpu",
            "kind": benchmark.kind,
            "overrides": overrides,
        }
        if benchmark.kind == "track":
            entry["unit"] = clip(benchmark.unit)
        if benchmark.pretty_name is not None:
            entry["pretty_name"] = clip(str(benchmark.pretty_name))
        if benchmark.setup_cache is not None:
            own = getattr(benchmark.setup_cache, "timeout", None)
            entry["setup_cache"] = {"key": _cache_key(benchmark.setup_cache), "timeout": float(own) if _positive(own) else None}
        described.append(entry)
    return described


def find(cwd, module, benchmark_id):
    """The benchmark and parameter values with this id in ``module``."""
    for benchmark in benchmarks_of(module, cwd):
        if isinstance(benchmark, tuple):
            if benchmark[0] == benchmark_id or benchmark_id.startswith(benchmark[0] + "("):
                raise benchmark[1]
            continue
        for found_id, values, _ in benchmark.combinations():
            if clip(found_id) == benchmark_id:
                return benchmark, values
    raise LookupError("benchmark {} is gone: its module no longer defines it the same way".format(benchmark_id))


def _cache_key(function):
    """Which ``setup_cache`` a benchmark uses: one per function (a class's, or a base class's shared by its
    subclasses, as asv shares it)."""
    return "{}:{}".format(getattr(function, "__module__", ""), getattr(function, "__qualname__", repr(function)))


class _Cache:
    """``setup_cache`` values of this worker, one call per function, its exception kept for every later user."""

    def __init__(self):
        self.values = {}

    def holds(self, function):
        return _cache_key(function) in self.values

    def fill(self, function):
        try:
            self.values[_cache_key(function)] = (True, function())
        except BaseException as exc:
            self.values[_cache_key(function)] = (False, exc)

    def get(self, function):
        if not self.holds(function):
            self.fill(function)
        ok, value = self.values[_cache_key(function)]
        if not ok:
            raise value
        return value


def _import_all(job, records):
    """The benchmark package and every module the job's benchmarks are in, imported before the first benchmark
    starts, as asv imports a suite before running it: ``{module name: module or the exception importing it}``."""
    try:
        load_package(job["cwd"], job["root"])
    except BaseException as exc:
        return {spec["module"]: exc for spec in job["benchmarks"]}
    modules = {}
    for spec in job["benchmarks"]:
        name = spec["module"]
        if name in modules:
            continue
        records.importing(name)
        try:
            modules[name] = importlib.import_module(name)
        except BaseException as exc:  # its benchmarks fail with it; the others still run
            modules[name] = exc
    return modules


def run_job(job, records):
    """Runs one worker job of an asv suite: a collection, or one pass over the job's benchmarks in order.

    The imports come first, in the worker's start-up, and a benchmark's ``setup_cache`` in a phase of its own: as in
    asv, neither counts against the benchmark's timeout (``profgate.manager`` limits them on their own)."""
    if job["kind"] == "collect":
        records.write(None, "ok", data=collect(job, records))
        return
    cwd = job["cwd"]
    modules = _import_all(job, records)
    cache = _Cache()
    for index, spec in enumerate(job["benchmarks"]):
        records.begin(index)
        try:
            module = modules[spec["module"]]
            if isinstance(module, BaseException):
                raise module
            benchmark, values = find(cwd, module, spec["id"])
            if benchmark.setup_cache is not None and not cache.holds(benchmark.setup_cache):
                records.begin(index, "setup_cache")
                cache.fill(benchmark.setup_cache)
                records.begin(index)
            data = _measure(job, spec, benchmark, values, cache, records)
        except BaseException as exc:
            status, message = failure(exc)
            records.write(spec["id"], status, message)
        else:
            records.write(spec["id"], "ok", data=data)


def _measure(job, spec, benchmark, values, cache, records):
    args = tuple(values)
    if benchmark.setup_cache is not None:
        args = (cache.get(benchmark.setup_cache),) + args
    if _listed(tuple(values), benchmark.skip_params):
        return {"skipped": clip("{} is in the benchmark's skip_params".format(tuple(values)))}
    try:
        _run(benchmark.setups, args)
    except NotImplementedError as exc:
        # asv's convention: this parameter combination does not apply here.
        return {"skipped": clip("setup raised NotImplementedError" + (": {}".format(exc) if str(exc) else ""))}
    if benchmark.kind == "timeraw":
        try:
            return _time_raw(job, spec, benchmark, args, records)
        finally:
            _run(benchmark.teardowns, args)
    call = benchmark.call(args)
    prepare = None
    if benchmark.kind == "time" and benchmark.overrides().get("loops") == 1:
        # number = 1 is how asv suites ask for a fresh setup before every call (asv sets up before each sample, of
        # number calls): set up again before each iteration, outside the measurement.
        def prepare():
            _run(benchmark.teardowns, args)
            _run(benchmark.setups, args)
            return call

    try:
        return run_pass(job, spec, call, records, prepare)
    finally:
        _run(benchmark.teardowns, args)


def _listed(values, combinations):
    """Whether asv would skip this parameter combination: ``values in skip_params``, compared as asv compares them."""
    try:
        return values in combinations
    except Exception:  # values whose == does not give a truth value (arrays): asv would fail here; not skipped
        return False


def _run(functions, args):
    for function in functions:
        function(*args)


# Runs in the fresh interpreter of a timeraw_ benchmark: asv's measurement (timeit's Timer over the code, its setup
# outside the timing, the garbage collector off unless asked for), reading CPU and wall clocks at once, with the
# figures written to a file rather than stdout, where the timed code may print.
_RAW_CHILD = """
import gc, itertools, json, sys, time, timeit


class Clock:
    __slots__ = ("wall", "cpu")

    def __init__(self):
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def __sub__(self, start):
        return [self.cpu - start.cpu, self.wall - start.wall]


with open(sys.argv[1], encoding="utf-8") as file:
    job = json.load(file)
timer = timeit.Timer(job["code"], job["setup"], timer=Clock)
enabled = gc.isenabled()
if not job["gc"]:
    gc.disable()
try:
    cpu, wall = timer.inner(itertools.repeat(None, job["loops"]), Clock)
finally:
    if enabled:
        gc.enable()
with open(job["result"], "w", encoding="utf-8") as file:
    json.dump({"cpu": cpu, "wall": wall}, file)
"""


def _raw_code(benchmark, args):
    """The code and set-up code a timeraw_ benchmark returns (a string, or a ``(code, setup)`` tuple), dedented."""
    returned = benchmark.func(*args)
    code, setup = returned if isinstance(returned, tuple) and len(returned) == 2 else (returned, "")
    if not isinstance(code, str) or not isinstance(setup, str):
        raise TypeError("{} returned {}; a timeraw_ benchmark returns the code to time, a string or a (code, setup) tuple of strings".format(benchmark.name, clip(_param_repr(returned))))
    return textwrap.dedent(code), textwrap.dedent(setup)


def _raw_environment(job, benchmark):
    """The fresh interpreter's environment: the worker's, the project's --pythonpath importable as in the worker,
    and the benchmark's ``env`` attribute (asv's, for the timed process only)."""
    env = dict(os.environ)
    paths = [os.path.join(job["cwd"], entry) for entry in job["pythonpath"]]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    extra = _first(benchmark.sources, "env")
    if extra is not None:
        if not isinstance(extra, dict) or any(value is None for value in extra.values()):
            raise TypeError("{}.env must be a dict of environment variables with values, not {}".format(benchmark.name, clip(_param_repr(extra))))
        env.update({str(key): str(value) for key, value in extra.items()})
    return env


def _raw_value(code, setup, loops, keep_gc, env, scratch):
    """CPU and wall seconds of ``loops`` runs of ``code`` in a fresh interpreter, and the wall seconds the whole
    interpreter took (start-up included), which is what the run pays for a value."""
    job_path = os.path.join(scratch, "raw.json")
    result_path = os.path.join(scratch, "raw-result.json")
    with open(job_path, "w", encoding="utf-8") as file:
        json.dump({"code": code, "setup": setup, "loops": loops, "gc": keep_gc, "result": result_path}, file)
    if os.path.exists(result_path):
        os.remove(result_path)
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _RAW_CHILD, job_path], env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    spent = time.perf_counter() - started
    errors = child.stderr.decode("utf-8", errors="replace")
    if errors:
        # Into the worker's output, where the benchmark's own output goes; its last line names a failure.
        sys.stderr.write(errors)
        sys.stderr.flush()
    if child.returncode != 0 or not os.path.exists(result_path):
        lines = [line for line in errors.splitlines() if line.strip()]
        cause = one_line(lines[-1]) if lines else "exit code {}".format(child.returncode)
        raise Reported("error", clip("{} (in the fresh interpreter of the timeraw_ code)".format(cause)))
    with open(result_path, encoding="utf-8") as file:
        figures = json.load(file)
    return figures["cpu"], figures["wall"], spent


def _time_raw(job, spec, benchmark, args, records):
    """The timing pass of a timeraw_ benchmark, as asv measures it: each value runs the returned code ``loops``
    times in a fresh interpreter (``timeit`` there), as many values as the timing pass takes of any benchmark."""
    kind = job["kind"]
    loops = spec.get("loops") or benchmark.overrides()["loops"]
    if kind == "calibrate":
        return {"loops": loops}
    if kind != "timing":
        raise ValueError("a timeraw_ benchmark is measured by the timing pass only, not the {} pass".format(kind))
    settings = dict(job, **spec.get("overrides", {}))
    env = _raw_environment(job, benchmark)
    warmups = settings["warmups"]
    wanted = warmups + settings["values"]
    cpu, wall = [], []
    index = 0
    with tempfile.TemporaryDirectory(prefix="profgate-raw-") as scratch:
        while index < wanted:
            code, setup = _raw_code(benchmark, args)
            cpu_time, wall_time, spent = _raw_value(code, setup, loops, settings["gc"], env, scratch)
            if index == 0:
                records.iteration(spec["id"], spent)
                wanted = budgeted_values(settings["budget"], spent, warmups, settings["values"])
            if index >= warmups:
                cpu.append(cpu_time / loops)
                wall.append(wall_time / loops)
            index += 1
    return {"loops": loops, "cpu": cpu, "wall": wall}
