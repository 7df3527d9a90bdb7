/**
 * Runs a fixture suite under the real pytest and its real plugins (the pinned venv of `pluginPython()`), to show
 * that the fixture is a genuine suite of that plugin before the harness's results on it are believed.
 */
import { execa } from "execa";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pluginPython } from "./python.js";

/** What one real pytest run left. */
export interface PytestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * `python -m pytest -rA ARGS` in `cwd` with the venv's interpreter. pytest-benchmark's storage and pytest-codspeed's
 * results go to `scratch`, never into the fixture; so does pytest's cache (switched off).
 */
export async function realPytest(cwd: string, args: readonly string[], scratch: string): Promise<PytestRun> {
  const storage = join(scratch, "pytest-storage");
  mkdirSync(storage, { recursive: true });
  const result = await execa(pluginPython(), ["-m", "pytest", "-rA", "-p", "no:cacheprovider", `--benchmark-storage=file://${storage}`, ...args], {
    cwd,
    env: { PYTHONDONTWRITEBYTECODE: "1", CODSPEED_PROFILE_FOLDER: storage, COVERAGE_FILE: join(storage, ".coverage") },
    reject: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The node ids of pytest's short summary (`-rA`) with outcome `word` (PASSED, FAILED, ERROR, SKIPPED), in order. */
export function outcomes(stdout: string, word: string): string[] {
  return [...stdout.matchAll(new RegExp(`^${word} (\\S+)`, "gm"))].map((m) => m[1] ?? "");
}

/** The node ids `pytest --collect-only -q` printed. */
export function collectedIds(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.includes("::"));
}
