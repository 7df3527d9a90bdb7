/**
 * The harness's command line in two steps: parse_arguments turns argv into a Request without reading or writing the
 * file system, and prepare checks it against the tree, detects the suite and creates --out.
 */
import { execa } from "execa";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchFolder } from "../support/harness.js";
import { harnessPath, suites } from "../support/paths.js";
import { pluginPython } from "../support/python.js";

const scratch = scratchFolder("arguments");

/** Runs `script` with the harness importable; its stdout is JSON. The venv has pytest, which a pytest suite needs. */
async function python(script: string): Promise<unknown> {
  const result = await execa(pluginPython(), ["-c", script], { env: { PYTHONPATH: harnessPath, PYTHONDONTWRITEBYTECODE: "1" } });
  return JSON.parse(result.stdout);
}

describe("parse_arguments", () => {
  it("parses a run command line into a Request, touching nothing, even in a directory that does not exist", async () => {
    const cwd = join(scratch, "nowhere");
    const request = await python(`
import dataclasses, json
from profgate.__main__ import parse_arguments
request = parse_arguments(["run", "tests", "--out", "out", "--instrument", "instructions", "--passes", "timing", "--ids", "ids.json", "-k", "sort"], ${JSON.stringify(cwd)})
print(json.dumps({"name": request.name, "ids_file": request.ids_file, "settings": dataclasses.asdict(request.settings)}))
`);
    expect(request).toMatchObject({
      name: "run",
      ids_file: "ids.json",
      settings: { paths: ["tests"], out: join(cwd, "out"), suite: "auto", select: "sort", passes: ["timing", "instructions"], instrument: "instructions", valgrind: null, ids: null },
    });
    expect(existsSync(cwd)).toBe(false);
  });

  it("leaves an ab command's seed undrawn and its trees unchecked", async () => {
    const request = await python(`
import json
from profgate.__main__ import parse_arguments
request = parse_arguments(["ab", "--base", "b", "--head", "h", "--out", "o", "--rounds", "3"], "/nonexistent")
print(json.dumps([request.base, request.head, request.rounds, request.seed, request.settings.paths]))
`);
    expect(request).toEqual(["b", "h", 3, null, ["benchmarks"]]);
  });
});

describe("prepare", () => {
  it("detects the suite, creates --out and reads --ids", async () => {
    const out = join(scratch, "prepared");
    const ids = join(scratch, "ids.json");
    writeFileSync(ids, '["a"]');
    const prepared = await python(`
import json
from profgate.__main__ import parse_arguments, prepare
cwd = ${JSON.stringify(join(suites, "pytest-bench-files"))}
command = prepare(parse_arguments(["run", "benchmarking/bench_core.py", "--out", ${JSON.stringify(out)}, "--ids", ${JSON.stringify(ids)}], cwd), cwd)
print(json.dumps([command.settings.suite, sorted(command.settings.ids)]))
`);
    expect(prepared).toEqual(["pytest", ["a"]]);
    expect(existsSync(join(out, "profiles"))).toBe(true);
  });
});
