/**
 * From a real `git diff` in a temporary repository to changed functions, with the harness's `ast` mapping
 * (python -m profgate.changes): each case commits a base, edits the working tree, and reads what the change touches.
 */
import { execa } from "execa";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AnalysedFile } from "../../src/core/affected.js";
import { parseHunks } from "../../src/adapters/git.js";
import { describeChange, type DescribedChange } from "../../src/usecases/affected-run.js";
import { results } from "../support/builders.js";
import { testPython } from "../support/harness.js";

const scratch = mkdtempSync(join(tmpdir(), "profgate-changes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd });
  return result.stdout.trim();
}

async function writeAll(root: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) await rm(join(root, path));
    else {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
  }
}

const LIB = `"""A small library."""
import functools

LIMIT = 10


def helper(x):
    return x + 1


def cached(f):
    @functools.wraps(f)
    def wrapper(*args):
        return f(*args)
    return wrapper


class Shape:
    sides = 4

    def area(self, size):
        return size * size

    @staticmethod
    @cached
    def perimeter(size):
        return 4 * size


def outer(n):
    def inner(k):
        return k * 2
    return [inner(i) for i in range(n)]


def moving():
    return "here"
`;

let cases = 0;

/** Commits `base` (LIB as pkg/lib.py, plus bench_lib.py), applies `edits` to the working tree, and describes the change. */
async function change(edits: Record<string, string | null>, base: Record<string, string> = {}): Promise<DescribedChange> {
  cases += 1;
  const repo = join(scratch, `repo-${cases}`);
  await mkdir(repo);
  await git(repo, "init", "-q");
  await writeAll(repo, { "pkg/__init__.py": "", "pkg/lib.py": LIB, "benchmarks/bench_lib.py": "from pkg.lib import helper\n\n\ndef bench_helper():\n    helper(1)\n", ...base });
  await git(repo, "add", "-A");
  await git(repo, "commit", "-qm", "base");
  const commit = await git(repo, "rev-parse", "HEAD");
  await writeAll(repo, edits);
  return describeChange({ cwd: repo, python: testPython, baseline: results([]), baseCommit: commit, benchmarkFiles: ["benchmarks/bench_lib.py", "benchmarks/bench_other.py"], untracked: true });
}

function file(described: DescribedChange, path: string): AnalysedFile {
  const found = described.analysed.find((f) => f.path === path);
  if (found === undefined) throw new Error(`${path} not analysed: ${JSON.stringify(described)}`);
  return found;
}

const identities = (f: AnalysedFile) => f.functions.map((fn) => `${fn.qualname}@${fn.line}:${fn.name}`);

describe("changed lines to changed functions", () => {
  it("maps a change inside a method to the method, keyed as cProfile keys it", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("return size * size", "return size ** 2") });
    expect(described.wholeSuite).toBeNull();
    const lib = file(described, "pkg/lib.py");
    expect(identities(lib)).toEqual(["Shape.area@21:area"]);
    expect(lib.module_level).toEqual([]);
  });

  it("maps an edited decorator line to the decorated function, whose key is the first decorator's line", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("    @cached\n", "    @functools.lru_cache(maxsize=None)\n") });
    expect(identities(file(described, "pkg/lib.py"))).toEqual(["Shape.perimeter@24:perimeter"]);
  });

  it("gives the keys cProfile gives the same functions of the base side", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("return size * size", "return size ** 2").replace("return 4 * size", "return size * 4").replace("return k * 2", "return k * 3") });
    const script = "import cProfile, sys; sys.path.insert(0, '.'); from pkg import lib\np = cProfile.Profile(); p.enable(); lib.Shape().area(2); lib.Shape.perimeter(2); lib.outer(2); p.disable(); p.create_stats()\nprint('\\n'.join('{}@{}'.format(k[2], k[1]) for k in p.stats if k[0].endswith('lib.py')))";
    const repo = join(scratch, `repo-${cases}`);
    await git(repo, "stash", "-q");
    const profiled = (await execa(testPython, ["-c", script], { cwd: repo })).stdout.split("\n");
    expect(profiled.length).toBeGreaterThanOrEqual(4);
    for (const fn of file(described, "pkg/lib.py").functions) expect(profiled).toContain(`${fn.name}@${fn.line}`);
    expect(file(described, "pkg/lib.py").functions.map((fn) => fn.name)).toEqual(["area", "perimeter", "inner"]);
  });

  it("maps a change in a nested function to the innermost one, not the function around it", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("return k * 2", "return k * 3") });
    expect(identities(file(described, "pkg/lib.py"))).toEqual(["outer.<locals>.inner@31:inner"]);
  });

  it("calls a change at module level or in a class body module-level, with the benchmark files that import the module", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("LIMIT = 10", "LIMIT = 20").replace("    sides = 4", "    sides = 5") });
    const lib = file(described, "pkg/lib.py");
    expect(lib.functions).toEqual([]);
    expect(lib.module_level).toEqual(["lines outside any function (module level or a class body)"]);
    expect(lib.importers).toEqual(["benchmarks/bench_lib.py"]);
  });

  it("keys a function whose lines moved by its base side, where the baseline's profile saw it", async () => {
    // Three lines inserted above `moving` shift it on the head side; its body changes too.
    const moved = LIB.replace('def moving():\n    return "here"', 'def moving():\n    return "there"').replace("LIMIT = 10\n", "LIMIT = 10\n# a\n# b\n# c\n");
    const lib = file(await change({ "pkg/lib.py": moved }), "pkg/lib.py");
    expect(identities(lib)).toEqual(["moving@36:moving"]);
    expect(lib.module_level).toEqual(["lines outside any function (module level or a class body)"]);
  });

  it("keys a function moved to another file by where it was, and the new file as a new module", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace('\n\ndef moving():\n    return "here"\n', "\n"), "pkg/other.py": 'def moving():\n    return "here"\n' });
    expect(identities(file(described, "pkg/lib.py"))).toEqual(["moving@36:moving"]);
    const other = file(described, "pkg/other.py");
    expect(other.functions).toEqual([]);
    expect(other.module_level[0]).toBe("a new file");
    expect(described.files.find((f) => f.path === "pkg/other.py")?.status).toBe("A");
  });

  it("keys a deleted function by its base side", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("\n\ndef helper(x):\n    return x + 1\n", "") });
    expect(identities(file(described, "pkg/lib.py"))).toEqual(["helper@7:helper"]);
  });

  it("calls an added function a module-level change: new code can change what existing calls dispatch to", async () => {
    const described = await change({ "pkg/lib.py": LIB.replace("class Shape:\n    sides = 4\n", "class Shape:\n    sides = 4\n\n    def volume(self, size):\n        return size ** 3\n") });
    const lib = file(described, "pkg/lib.py");
    expect(lib.functions).toEqual([]);
    expect(lib.module_level).toContain("adds Shape.volume");
  });

  it("follows imports through other project files and the folders' __init__.py", async () => {
    const described = await change(
      { "pkg/lib.py": LIB.replace("LIMIT = 10", "LIMIT = 11") },
      { "benchmarks/bench_other.py": "from pkg import facade\n\n\ndef bench_facade():\n    facade.go()\n", "pkg/facade.py": "from .lib import helper\n\n\ndef go():\n    return helper(2)\n" },
    );
    expect(file(described, "pkg/lib.py").importers).toEqual(["benchmarks/bench_lib.py", "benchmarks/bench_other.py"]);
  });

  it("treats a source that no longer parses as changed at module level", async () => {
    const lib = file(await change({ "pkg/lib.py": LIB.replace("def helper(x):", "def helper(x)") }), "pkg/lib.py");
    expect(lib.module_level.some((reason) => reason.startsWith("the head side does not parse"))).toBe(true);
  });

  it("runs the whole suite for a file that is not Python source, naming it", async () => {
    const described = await change({ "pkg/data.json": '{"rows": 2}\n' }, { "pkg/data.json": '{"rows": 1}\n' });
    expect(described.wholeSuite).toMatch(/^pkg\/data\.json changed and is not Python source/);
    expect(described.analysed).toEqual([]);
  });

  it("runs the whole suite for a lock or requirements file, naming it", async () => {
    expect((await change({ "uv.lock": "version = 2\n" }, { "uv.lock": "version = 1\n" })).wholeSuite).toMatch(/^uv\.lock changed: dependency and configuration files/);
    expect((await change({ "requirements-dev.txt": "attrs==25.1.0\n" }, { "requirements-dev.txt": "attrs==24.1.0\n" })).wholeSuite).toMatch(/^requirements-dev\.txt changed/);
    expect((await change({ "setup.py": "from setuptools import setup\nsetup(name='y')\n" }, { "setup.py": "from setuptools import setup\nsetup(name='x')\n" })).wholeSuite).toMatch(/^setup\.py changed/);
  });

  it("counts untracked .py files as added, and no other untracked file (outputs, caches, build products)", async () => {
    const described = await change({ "pkg/extra.py": "X = 1\n", ".profgate/results.json": "{}\n", "pkg/lib.egg-info/PKG-INFO": "Name: lib\n" });
    expect(described.wholeSuite).toBeNull();
    expect(described.files).toEqual([{ path: "pkg/extra.py", projectPath: "pkg/extra.py", status: "A" }]);
  });

  it("reads paths relative to a project in a subfolder, and runs the whole suite for a change outside it", async () => {
    const repo = join(scratch, "monorepo");
    await mkdir(repo);
    await git(repo, "init", "-q");
    await writeAll(repo, { "app/pkg/lib.py": LIB, "shared/util.py": "def util():\n    return 1\n" });
    await git(repo, "add", "-A");
    await git(repo, "commit", "-qm", "base");
    const commit = await git(repo, "rev-parse", "HEAD");
    await writeAll(repo, { "app/pkg/lib.py": LIB.replace("return x + 1", "return x + 2") });
    const inside = await describeChange({ cwd: join(repo, "app"), python: testPython, baseline: results([]), baseCommit: commit, benchmarkFiles: [], untracked: true });
    expect(inside.analysed.map((f) => [f.path, identities(f)])).toEqual([["pkg/lib.py", ["helper@7:helper"]]]);
    await writeAll(repo, { "shared/util.py": "def util():\n    return 2\n" });
    const outside = await describeChange({ cwd: join(repo, "app"), python: testPython, baseline: results([]), baseCommit: commit, benchmarkFiles: [], untracked: true });
    expect(outside.wholeSuite).toMatch(/^shared\/util\.py changed outside the project directory/);
  });

  it("finds nothing to run for a working tree equal to the base", async () => {
    const described = await change({});
    expect(described).toEqual({ files: [], wholeSuite: null, analysed: [] });
  });
});

describe("parseHunks", () => {
  it("reads both sides of -U0 hunk headers, a count of 0 being a pure insertion or deletion", () => {
    const diff = ["@@ -3 +3 @@ def f():", "-a", "+b", "@@ -10,0 +11,2 @@", "+c", "+d", "@@ -20,3 +22,0 @@"].join("\n");
    expect(parseHunks(diff)).toEqual({ base: [[3, 3], [20, 22]], head: [[3, 3], [11, 12]] });
  });
});
