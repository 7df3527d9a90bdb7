"""The benchmark format: ``bench_*`` functions of ``bench_*.py`` modules, optionally parametrised.

Shared by collection and by every worker, which re-imports the module and finds its benchmark again by the same
expansion, so ids are computed in one place.
"""

import functools
import importlib.util
import itertools
import math
import os
import sys

from profgate.normalise import MAX_TEXT, clip

CLOCKS = ("cpu", "wall")


class Benchmark:
    """One benchmark: a function and one combination of its parameters."""

    def __init__(self, file, name, function, params, clock):
        self.file = file
        self.name = name
        self.function = function
        self.params = params
        self.clock = clock
        self.id = benchmark_id(file, name, params)

    def call(self):
        """A callable running one iteration."""
        # functools.partial adds no Python frame, so profiles and timings see only the benchmark.
        return functools.partial(self.function, **dict(self.params)) if self.params else self.function

    def describe(self):
        """The JSON the collection worker reports for this benchmark."""
        return {
            "id": self.id,
            "name": self.name,
            "params": {key: json_value(value) for key, value in self.params},
            "clock": self.clock,
        }


class InvalidBenchmark(Exception):
    """A ``bench_*`` function the harness cannot run (bad ``params`` or ``clock``); reported, not raised."""

    def __init__(self, file, name, message):
        super().__init__(message)
        self.id = file + "::" + name
        self.name = name


def benchmark_id(file, name, params):
    """``PATH::NAME`` or ``PATH::NAME[k=repr(v),...]``: stable across machines, so base and head match on it."""
    if not params:
        return file + "::" + name
    return "{}::{}[{}]".format(file, name, ",".join("{}={!r}".format(key, value) for key, value in params))


def json_value(value):
    """A parameter value as the results record it: JSON scalars as they are, anything else as its ``repr()``."""
    if value is None or isinstance(value, bool) or type(value) is int:
        return value
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is str:
        return clip(value)
    return clip(repr(value))


def import_file(path):
    """Imports a benchmark module from its absolute path, registered under its file's stem."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot import {} as a Python module".format(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def expand(module, file):
    """The module's benchmarks in declaration order, each a ``Benchmark`` or an ``InvalidBenchmark``."""
    found = []
    for name, function in list(vars(module).items()):
        if not name.startswith("bench_") or not callable(function):
            continue
        # Only functions defined here: a bench_* imported from another module is that module's benchmark.
        if getattr(function, "__module__", None) != module.__name__:
            continue
        try:
            found.extend(_combinations(file, name, function))
        except InvalidBenchmark as invalid:
            found.append(invalid)
    return found


def _combinations(file, name, function):
    clock = getattr(function, "clock", "cpu")
    if clock not in CLOCKS:
        raise InvalidBenchmark(file, name, "{}.clock is {!r}; allowed: 'cpu' or 'wall'".format(name, clock))
    params = getattr(function, "params", None)
    if params is None:
        return [Benchmark(file, name, function, (), clock)]
    if not isinstance(params, dict) or not params:
        raise InvalidBenchmark(file, name, "{}.params must be a non-empty dict of name -> list of values, not {!r}".format(name, type(params).__name__))
    axes = []
    for key, values in params.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise InvalidBenchmark(file, name, "{}.params key {!r} is not a parameter name".format(name, key))
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise InvalidBenchmark(file, name, "{}.params[{!r}] must be a list of values, not {}".format(name, key, type(values).__name__))
        values = list(values)
        if not values:
            raise InvalidBenchmark(file, name, "{}.params[{!r}] is empty".format(name, key))
        axes.append([(key, value) for value in values])
    benchmarks = [Benchmark(file, name, function, combination, clock) for combination in itertools.product(*axes)]
    ids = [benchmark.id for benchmark in benchmarks]
    if len(set(ids)) != len(ids):
        raise InvalidBenchmark(file, name, "{}.params gives two combinations the same id (values with the same repr())".format(name))
    if any(len(benchmark_id) > MAX_TEXT for benchmark_id in ids):
        raise InvalidBenchmark(file, name, "{}.params gives ids longer than {} characters".format(name, MAX_TEXT))
    return benchmarks


def find(module, file, benchmark_id):
    """The benchmark with this id, as collection found it."""
    for benchmark in expand(module, file):
        if benchmark.id == benchmark_id:
            if isinstance(benchmark, InvalidBenchmark):
                raise benchmark
            return benchmark
    raise LookupError("benchmark {} is gone: its module no longer defines it the same way".format(benchmark_id))
