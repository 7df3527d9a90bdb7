// What profgate costs on a suite in the style of a real project's pytest-codspeed suite: generates (in a temp dir,
// standard library only) a small class-building library and 17 tests marked as benchmarks whose whole body is
// measured, as pytest-codspeed measures them: 7 create classes in loops of 200-1000 (a decorator-based factory that
// execs generated __init__/__eq__/__repr__/__hash__, dataclasses.make_dataclass, @dataclass, namedtuple; 0.05-0.2 s
// an iteration) and 10 instantiate, compare, hash, repr, asdict/astuple or read cached_property values (µs to ms).
// It checks that pytest collects the suite cleanly, times one plain pytest run (every test once), then one
// `profgate run --suite pytest` at default settings on the same interpreter, and prints both wall times, their
// ratio, and per test its plain iteration (the lowest timed value over all processes), the seconds each pass spent
// on it (from the "done" events), its memory pass over its plain iteration (target <= 20x, checked for the
// class-creation tests: on µs tests the pass's fixed costs dominate), and whether its memory line breakdown was
// cut short (memory.note). Target for the whole profgate run: about 90 s or less on 2 cores. Not a test: figures
// go in the README.
//   node scripts/bench-realstyle.mjs [--python /usr/bin/python3] [--keep]
// No pytest-codspeed is needed: profgate's plugin provides the benchmark marker, and the suite's pytest.ini
// registers it for plain pytest runs.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { python: { type: "string", default: "/usr/bin/python3" }, keep: { type: "boolean", default: false } } });

const FILES = {
  "pytest.ini": `[pytest]
testpaths = tests
addopts = --strict-markers
markers =
    benchmark: a benchmark, measured whole (pytest-codspeed's marker)
`,
  "classy.py": `"""A small decorator-based class factory: @define reads a class's annotations and builds __init__, __eq__ and
__repr__ (and __hash__ and a refusing __setattr__ when frozen) by exec of generated source, as attrs does."""

import itertools

_NAMES = itertools.count()


def _compile(name, lines, namespace, cls):
    filename = "<classy {} {}.{}>".format(next(_NAMES), cls.__qualname__, name)
    exec(compile("\\n".join(lines) + "\\n", filename, "exec"), namespace)
    function = namespace[name]
    function.__qualname__ = "{}.{}".format(cls.__qualname__, name)
    return function


def fields(cls):
    """The field names of a class built by define, in order."""
    return cls.__classy_fields__


def is_classy(value):
    return hasattr(type(value), "__classy_fields__")


def define(cls=None, *, frozen=False, slots=False):
    """Builds a class's methods from its annotations; a field with a class attribute takes it as its default."""

    def build(cls):
        names = list(cls.__dict__.get("__annotations__", {}))
        defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}
        namespace = {"_defaults": defaults, "_setattr": object.__setattr__, "_frozen_error": AttributeError}
        parameters = [name if name not in defaults else "{0}=_defaults[{0!r}]".format(name) for name in names]
        assign = "    _setattr(self, {0!r}, {0})" if frozen else "    self.{0} = {0}"
        mine = ", ".join("self." + name for name in names)
        theirs = ", ".join("other." + name for name in names)
        methods = {
            "__init__": _compile("__init__", ["def __init__(self, {}):".format(", ".join(parameters))] + [assign.format(n) for n in names] + ["    pass"], namespace, cls),
            "__repr__": _compile("__repr__", ["def __repr__(self):", "    return f'{}({})'".format(cls.__name__, ", ".join("{0}={{self.{0}!r}}".format(n) for n in names))], namespace, cls),
            "__eq__": _compile("__eq__", [
                "def __eq__(self, other):",
                "    if other.__class__ is not self.__class__:",
                "        return NotImplemented",
                "    return ({},) == ({},)".format(mine, theirs),
            ], namespace, cls),
        }
        if frozen:
            methods["__hash__"] = _compile("__hash__", ["def __hash__(self):", "    return hash((self.__class__, {}))".format(mine)], namespace, cls)
            methods["__setattr__"] = _compile("__setattr__", ["def __setattr__(self, name, value):", "    raise _frozen_error(name)"], namespace, cls)
        else:
            methods["__hash__"] = None
        body = {key: value for key, value in cls.__dict__.items() if key not in names and key not in ("__dict__", "__weakref__")}
        body.update(methods)
        body["__classy_fields__"] = tuple(names)
        if slots:
            body["__slots__"] = tuple(names)
        return type(cls)(cls.__name__, cls.__bases__, body)

    return build if cls is None else build(cls)


def asdict(instance):
    """A define-built instance's fields as a dict, recursing into fields that are such instances."""
    return {name: asdict(value) if is_classy(value) else value for name, value in ((n, getattr(instance, n)) for n in fields(type(instance)))}


def astuple(instance):
    """A define-built instance's fields as a tuple, recursing like asdict."""
    return tuple(astuple(value) if is_classy(value) else value for value in (getattr(instance, n) for n in fields(type(instance))))
`,
  "models.py": `"""The classes the instance tests use: define-built and dataclasses, nested."""

import dataclasses

from classy import define


@define
class Address:
    street: str
    city: str
    zip_code: str = "00000"


@define
class Person:
    name: str
    age: int
    address: Address = None


@dataclasses.dataclass
class Item:
    name: str
    price: float
    tags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Order:
    number: int
    items: list
    note: str = ""
`,
  "tests/conftest.py": `import pytest

from models import Address, Item, Order, Person


@pytest.fixture
def people():
    return [Person("person {}".format(i), 20 + i % 50, Address("{} main street".format(i), "town {}".format(i % 7))) for i in range(200)]


@pytest.fixture
def order():
    return Order(7, [Item("item {}".format(i), i * 1.5, ["tag", str(i)]) for i in range(20)], note="rush")
`,
  "tests/test_create.py": `"""Creating classes: each test builds hundreds of them, as a library that makes classes at import time does."""

import collections
import dataclasses
import functools

import pytest

from classy import define

pytestmark = pytest.mark.benchmark()


def test_define_simple():
    for _ in range(1000):
        @define
        class Simple:
            a: int
            b: str
            c: float = 1.0
            d: tuple = ()


def test_define_frozen_slots():
    for _ in range(700):
        @define(frozen=True, slots=True)
        class Frozen:
            x: int
            y: int
            z: int = 0
            w: int = 0


def test_define_many_fields():
    for index in range(300):
        namespace = {"__annotations__": {"f{}".format(j): int for j in range(24)}}
        namespace.update({"f{}".format(j): j for j in range(12, 24)})
        define(type("Wide{}".format(index), (), namespace))


def test_define_cached_property():
    for _ in range(1000):
        @define
        class Shape:
            width: float
            height: float

            @functools.cached_property
            def area(self):
                return self.width * self.height


def test_make_dataclass():
    for index in range(200):
        dataclasses.make_dataclass("Made{}".format(index), [("f{}".format(j), int) for j in range(5)], order=True, frozen=True)


def test_dataclass_decorator():
    for _ in range(500):
        @dataclasses.dataclass(eq=True)
        class Record:
            a: int
            b: int = 0
            c: list = dataclasses.field(default_factory=list)


def test_namedtuple():
    for index in range(1000):
        class Row(collections.namedtuple("Row{}".format(index), ["f{}".format(j) for j in range(6)], defaults=(0,))):
            __slots__ = ()

            @property
            def total(self):
                return sum(self)
`,
  "tests/test_instances.py": `"""Using classes: instantiation, equality, hashing, repr, asdict/astuple and cached properties."""

import dataclasses
import functools

import pytest

from classy import asdict, astuple, define
from models import Address, Item, Person


@define(frozen=True, slots=True)
class Point:
    x: int
    y: int
    z: int = 0


@define
class Box:
    width: float
    height: float

    @functools.cached_property
    def area(self):
        return self.width * self.height


@pytest.mark.benchmark
def test_instantiate():
    Person("someone", 42, Address("1 main street", "town"))


@pytest.mark.benchmark
def test_instantiate_frozen_many():
    for index in range(1000):
        Point(index, index + 1)


@pytest.mark.benchmark
def test_instantiate_dataclass_many():
    for index in range(1000):
        Item("item", index * 0.5)


@pytest.mark.benchmark
def test_eq_equal(people):
    copies = [Person(p.name, p.age, Address(p.address.street, p.address.city)) for p in people]
    assert copies == people


@pytest.mark.benchmark
def test_eq_unequal():
    assert Point(1, 2, 3) != Point(1, 2, 4)


@pytest.mark.benchmark
def test_hash_frozen():
    assert len({Point(i % 100, i % 7) for i in range(1000)}) == 700


@pytest.mark.benchmark
def test_repr(people):
    assert sum(len(repr(person)) for person in people) > 0


@pytest.mark.benchmark
def test_asdict_astuple(people):
    for person in people:
        asdict(person)
        astuple(person)


@pytest.mark.benchmark
def test_dataclasses_asdict_astuple(order):
    dataclasses.asdict(order)
    dataclasses.astuple(order)


@pytest.mark.benchmark
def test_cached_property():
    for index in range(500):
        box = Box(index, 2.0)
        assert box.area == box.area
`,
};

function timed(args, env, capture = false) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const events = [];
    const child = spawn(values.python, args, {
      cwd: suite,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env },
      stdio: ["ignore", capture ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let buffer = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdio[3].on("data", (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        events.push({ ...JSON.parse(buffer.slice(0, newline)), at: performance.now() / 1000 });
        buffer = buffer.slice(newline + 1);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, seconds: (performance.now() - started) / 1000, stdout, stderr, events }));
  });
}

const suite = await mkdtemp(join(tmpdir(), "profgate-realstyle-"));
try {
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(suite, path)), { recursive: true });
    await writeFile(join(suite, path), text);
  }
  const collected = await timed(["-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"], {}, true);
  if (collected.code !== 0 || /warning|error/i.test(collected.stdout)) throw new Error(`pytest --collect-only failed (exit ${collected.code}):\n${collected.stdout}${collected.stderr}`);
  const count = Number(/(\d+) tests? collected/.exec(collected.stdout)?.[1]);

  const loadBefore = loadavg();
  const plain = await timed(["-m", "pytest", "-p", "no:cacheprovider", "-q"], {}, true);
  if (plain.code !== 0) throw new Error(`plain pytest run failed (exit ${plain.code}):\n${plain.stdout}${plain.stderr}`);
  const out = join(suite, "out");
  const run = await timed(["-m", "profgate", "run", "tests", "--suite", "pytest", "--out", out, "--events-fd", "3"], { PYTHONPATH: join(root, "python") });
  const loadAfter = loadavg();
  if (run.code !== 0 && run.code !== 1) throw new Error(`profgate exited ${run.code}:\n${run.stderr}`);
  const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
  const passes = new Map(run.events.filter((e) => e.event === "done").map((e) => [e.id, e.passes]));
  const walls = { timing: 0, profile: 0, memory: 0 };
  let current = null;
  for (const event of run.events) {
    // A pass's worker start-ups count towards it: it runs from its "pass" event to the next one, or to the first
    // "done" (a pass's failures are reported as it ends, the rest after the last pass).
    if (current !== null && event.event !== "collected") walls[current.pass] += event.at - current.at;
    current = event.event === "pass" ? { pass: event.pass === "calibrate" ? "timing" : event.pass, at: event.at } : null;
  }

  const notOk = results.benchmarks.filter((b) => b.status !== "ok");
  const creating = results.benchmarks.filter((b) => b.file.endsWith("test_create.py")).length;
  console.log(`suite: ${count} tests marked as benchmarks (${creating} create classes, ${count - creating} use them), python: ${values.python}`);
  console.log(`load average (1, 5, 15 min) before: ${loadBefore.map((x) => x.toFixed(2)).join(", ")}; after: ${loadAfter.map((x) => x.toFixed(2)).join(", ")}`);
  console.log(`plain pytest run (-p no:cacheprovider -q, each test once): ${plain.seconds.toFixed(2)} s`);
  console.log(`profgate run (defaults, timing + cProfile + tracemalloc): ${run.seconds.toFixed(2)} s (target <= ~90 s)`);
  console.log(`ratio profgate / plain pytest: ${(run.seconds / plain.seconds).toFixed(1)}x`);
  console.log(`tests not ok: ${notOk.length}${notOk.map((b) => `\n  ${b.id}: ${b.status} in ${b.failure?.pass}: ${b.failure?.message}`).join("")}`);
  console.log(`pass walls (worker start-ups included): timing ${walls.timing.toFixed(1)} s, cProfile ${walls.profile.toFixed(1)} s, tracemalloc ${walls.memory.toFixed(1)} s`);
  console.log("");
  const rows = [["test", "iteration", "timing s", "cProfile s", "tracemalloc s", "memory / iteration", "line breakdown"]];
  const long = [];
  for (const bench of results.benchmarks) {
    const spent = passes.get(bench.id) ?? {};
    const iteration = bench.timing === null ? null : Math.min(...bench.timing.processes.map((p) => Math.min(...p.wall)));
    const ratio = iteration === null || spent.memory === undefined ? null : spent.memory / iteration;
    const creation = bench.file.endsWith("test_create.py");
    if (creation && ratio !== null && ratio > 20) long.push(bench.id);
    rows.push([
      bench.id.replace(/^tests\//, ""),
      iteration === null ? "-" : iteration >= 0.01 ? `${(iteration * 1000).toFixed(1)} ms` : `${(iteration * 1e6).toFixed(1)} µs`,
      (spent.timing ?? 0).toFixed(2),
      (spent.profile ?? 0).toFixed(2),
      (spent.memory ?? 0).toFixed(2),
      ratio === null ? "-" : `${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(1)}x${creation ? (ratio <= 20 ? " (<= 20x)" : " (OVER 20x)") : ""}`,
      typeof bench.memory?.note === "string" ? "cut short" : bench.memory === null ? "-" : "complete",
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  console.log("");
  console.log(`class-creation tests over 20x in the memory pass: ${long.length === 0 ? "none" : long.join(", ")}`);
  const cut = results.benchmarks.filter((b) => typeof b.memory?.note === "string");
  console.log(`memory line breakdown cut short (memory.note): ${cut.length === 0 ? "none" : cut.map((b) => b.id).join(", ")}`);
} finally {
  if (values.keep) console.error(`kept ${suite}`);
  else await rm(suite, { recursive: true, force: true });
}
