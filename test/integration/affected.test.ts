/**
 * `profgate run --affected-since REF --baseline RESULTS` on a real suite in a real git repository: a baseline run of
 * the committed suite, then changes in the working tree, and only the benchmarks whose baseline call graph reaches
 * the change run; the others carry the baseline's figures, marked not re-run.
 */
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseResults, type Results } from "../../src/core/results.js";
import { cliRunner } from "../support/cli.js";
import { scratchFolder, testPython } from "../support/harness.js";

const scratch = scratchFolder("affected");
const repo = join(scratch, "repo");
const SMALL = ["--python", testPython, "--processes", "2", "--values", "2", "--max-time", "0.05", "--min-time", "0.001", "--profile-iterations", "2", "-q"];

const FILES: Record<string, string> = {
  "lib/__init__.py": "",
  "lib/shapes.py": "def area(size):\n    return size * size\n\n\ndef perimeter(size):\n    return 4 * size\n",
  "lib/text.py": "from lib.settings import SEPARATOR\n\n\ndef shout(words):\n    return SEPARATOR.join(w.upper() for w in words)\n",
  "lib/settings.py": 'SEPARATOR = "-"\n',
  "requirements.txt": "attrs==24.1.0\n",
  "benchmarks/bench_shapes.py": "from lib.shapes import area, perimeter\n\n\ndef bench_area():\n    return sum(area(n) for n in range(50))\n\n\ndef bench_perimeter():\n    return sum(perimeter(n) for n in range(50))\n",
  "benchmarks/bench_text.py": 'from lib.text import shout\n\n\ndef bench_shout():\n    return shout(["a", "b", "c"] * 10)\n',
};

const AREA = "benchmarks/bench_shapes.py::bench_area";
const PERIMETER = "benchmarks/bench_shapes.py::bench_perimeter";
const SHOUT = "benchmarks/bench_text.py::bench_shout";

async function git(...args: string[]): Promise<string> {
  return (await execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo })).stdout.trim();
}

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), text);
  }
}

const read = (dir: string): Results => parseResults(JSON.parse(readFileSync(join(repo, dir, "results.json"), "utf8")), dir);
const cli = cliRunner(scratch);
let base: string;
let baseline: Results;

beforeAll(async () => {
  await mkdir(repo);
  await git("init", "-q");
  await write({ ...FILES, ".gitignore": "out-*/\n__pycache__/\ncomparison.json\n" });
  await git("add", "-A");
  await git("commit", "-qm", "suite");
  base = await git("rev-parse", "HEAD");
  const run = await cli(["run", "benchmarks", "--out", "out-base", ...SMALL], repo);
  expect(run.exitCode, run.stderr).toBe(0);
  baseline = read("out-base");
}, 240_000);

/** Applies `edits` on top of the committed suite, runs with --affected-since, and restores the suite. */
async function affectedRun(name: string, edits: Record<string, string>): Promise<{ results: Results; stderr: string }> {
  await write(edits);
  try {
    const run = await cli(["run", "benchmarks", "--out", `out-${name}`, "--affected-since", base, "--baseline", "out-base", ...SMALL], repo);
    expect(run.exitCode, run.stderr).toBe(0);
    return { results: read(`out-${name}`), stderr: run.stderr };
  } finally {
    await git("checkout", "-q", "--", ".");
    await git("clean", "-fdq");
  }
}

const rerun = (results: Results) => results.benchmarks.filter((b) => b.carried_over === undefined).map((b) => b.id);

describe("profgate run --affected-since", () => {
  it("runs only the benchmark that calls the one changed function, and carries the others over from the baseline", async () => {
    const { results, stderr } = await affectedRun("function", { "lib/shapes.py": FILES["lib/shapes.py"]!.replace("return size * size", "return size ** 2") });
    expect(stderr).toContain("1 of 3 benchmarks ran (affected: auto): the other 2 call none of the 1 changed function (1 changed Python file)");
    expect(results.benchmarks.map((b) => b.id)).toEqual(baseline.benchmarks.map((b) => b.id));
    expect(rerun(results)).toEqual([AREA]);
    const area = results.benchmarks.find((b) => b.id === AREA);
    expect(area?.profile?.functions.some((f) => f.file === "lib/shapes.py" && f.name === "area")).toBe(true);
    for (const id of [PERIMETER, SHOUT]) {
      const carried = results.benchmarks.find((b) => b.id === id);
      const before = baseline.benchmarks.find((b) => b.id === id);
      expect(carried?.carried_over).toEqual({ from: `out-base (${base})`, reason: "it calls none of the 1 changed function" });
      expect(carried?.timing).toEqual(before?.timing);
    }
    // The comparison never judges what was not re-run.
    const compared = await cli(["compare", "out-base", "out-function", "--json", "comparison.json"], repo);
    expect([0, 1], compared.stderr).toContain(compared.exitCode);
    const comparison = JSON.parse(await readFile(join(repo, "comparison.json"), "utf8")) as { benchmarks: { id: string; verdict: string; skipped?: string }[] };
    expect(comparison.benchmarks.find((b) => b.id === SHOUT)).toMatchObject({ verdict: "skipped", skipped: "not re-run: it calls none of the 1 changed function" });
    expect(comparison.benchmarks.find((b) => b.id === AREA)?.verdict).not.toBe("skipped");
  }, 240_000);

  it("runs the benchmarks importing a module changed at module level, through the modules between", async () => {
    const { results } = await affectedRun("module", { "lib/settings.py": 'SEPARATOR = "+"\n' });
    expect(rerun(results)).toEqual([SHOUT]);
  }, 240_000);

  it("runs every benchmark of a changed benchmark file, and everything for a dependency file", async () => {
    const edited = await affectedRun("bench-file", { "benchmarks/bench_shapes.py": `${FILES["benchmarks/bench_shapes.py"]!}\n# tuned\n` });
    expect(rerun(edited.results)).toEqual([AREA, PERIMETER]);
    const dependency = await affectedRun("requirements", { "requirements.txt": "attrs==25.1.0\n" });
    expect(dependency.stderr).toContain("every benchmark runs: requirements.txt changed: dependency and configuration files");
    expect(rerun(dependency.results)).toEqual([AREA, PERIMETER, SHOUT]);
  }, 240_000);

  it("writes results with nothing re-run when the change reaches no benchmark", async () => {
    await write({ "lib/unused.py": "def idle():\n    return 0\n" });
    await git("add", "lib/unused.py");
    await git("commit", "-qm", "an unused module");
    const since = await git("rev-parse", "HEAD");
    await write({ "lib/unused.py": "def idle():\n    return 1\n" });
    // The baseline of the previous commit stands for this one: the new commit added only the unused module.
    const run = await cli(["run", "benchmarks", "--out", "out-none", "--affected-since", since, "--baseline", "out-base", ...SMALL], repo);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("0 of 3 benchmarks ran");
    const results = read("out-none");
    expect(rerun(results)).toEqual([]);
    expect(JSON.parse(await readFile(join(repo, "out-none", "results.json"), "utf8"))).toMatchObject({ schema: "profgate/results" });
  }, 240_000);
});

describe("profgate run --affected-since on a pytest-benchmark suite", () => {
  const suite = join(scratch, "pytest-repo");
  const PYTEST_FILES: Record<string, string> = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "mathlib.py": "def square(x):\n    return x * x\n\n\ndef cube(x):\n    return x * x * x\n",
    "tests/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef numbers():\n    return list(range(40))\n",
    "tests/test_math.py": [
      "from mathlib import cube, square",
      "",
      "",
      "def test_square(benchmark, numbers):",
      "    benchmark(lambda: [square(n) for n in numbers])",
      "",
      "",
      "def test_cube(benchmark, numbers):",
      "    benchmark(lambda: [cube(n) for n in numbers])",
      "",
    ].join("\n"),
  };
  const inSuite = (...args: string[]) => execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: suite });
  const PYTEST = ["tests", "--suite", "pytest", ...SMALL];
  let since: string;

  beforeAll(async () => {
    await mkdir(suite);
    for (const [path, text] of Object.entries({ ...PYTEST_FILES, ".gitignore": "out-*/\n__pycache__/\n.pytest_cache/\n" })) {
      await mkdir(dirname(join(suite, path)), { recursive: true });
      await writeFile(join(suite, path), text);
    }
    await inSuite("init", "-q");
    await inSuite("add", "-A");
    await inSuite("commit", "-qm", "suite");
    since = (await inSuite("rev-parse", "HEAD")).stdout.trim();
    const run = await cli(["run", ...PYTEST, "--out", "out-base"], suite);
    expect(run.exitCode, run.stderr).toBe(0);
  }, 240_000);

  async function rerunAfter(name: string, path: string, text: string): Promise<string[]> {
    await writeFile(join(suite, path), text);
    try {
      const run = await cli(["run", ...PYTEST, "--out", `out-${name}`, "--affected-since", since, "--baseline", "out-base"], suite);
      expect(run.exitCode, run.stderr).toBe(0);
      const results = parseResults(JSON.parse(readFileSync(join(suite, `out-${name}`, "results.json"), "utf8")), name);
      expect(results.benchmarks).toHaveLength(2);
      return rerun(results);
    } finally {
      await inSuite("checkout", "-q", "--", ".");
    }
  }

  it("runs the test whose call graph reaches the changed function, by pytest node id", async () => {
    expect(await rerunAfter("cube", "mathlib.py", PYTEST_FILES["mathlib.py"]!.replace("return x * x * x", "return x ** 3"))).toEqual(["tests/test_math.py::test_cube"]);
  }, 240_000);

  it("runs every test under a changed conftest.py: its fixtures run outside the profiled iterations", async () => {
    expect(await rerunAfter("conftest", "tests/conftest.py", PYTEST_FILES["tests/conftest.py"]!.replace("range(40)", "range(80)"))).toEqual(["tests/test_math.py::test_square", "tests/test_math.py::test_cube"]);
  }, 240_000);
});
