/**
 * `profgate history` (the built CLI) on folders of results files, as a project backfills the history from the
 * baseline artifacts it still has: the runs in date order, a change point named by its commit and function, an
 * existing history extended within its window, and a hostile history refused.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseHistory } from "../../src/core/history.js";
import { bench, edge, fn, memory, profile, results } from "../support/builders.js";
import { cliRunner } from "../support/cli.js";
import { scratchFolder } from "../support/harness.js";

const scratch = scratchFolder("history-cli");
const profgate = cliRunner(scratch);

/** Run `i` of main; from run 6 on, `tokenize` is called twice as often and the benchmark is 30% slower. */
function mainRun(i: number) {
  const slow = i >= 6;
  const calls = slow ? 8 : 4;
  const t = 1e-5 * (slow ? 1.3 : 1) * (1 + 0.01 * Math.sin(i * 2.3));
  const document = results(
    [
      bench("benchmarks/bench_text.py::bench_count_words", {
        times: [t, t * 1.02, t * 1.01],
        profile: profile([fn("count_words", 1, 1e-6, 9e-6), fn("tokenize", calls, slow ? 5e-6 : 2e-6)], [edge("count_words", "tokenize", calls, slow ? 5e-6 : 2e-6)]),
        memory: memory(4096, 0),
      }),
    ],
    { commit: `${String(i).padStart(2, "0")}${"c".repeat(38)}` },
  );
  // Written out of order below: the dates decide the order.
  return { ...document, created: `2026-11-${String(i + 1).padStart(2, "0")}T10:00:00Z` };
}

describe("profgate history", () => {
  beforeAll(async () => {
    for (const i of [3, 0, 11, 5, 1, 2, 4, 6, 7, 8, 9, 10]) {
      const dir = join(scratch, "artifacts", `baseline-${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "results.json"), JSON.stringify(mainRun(i)));
    }
  });

  it("builds a history from a folder of artifacts and names each change point's commit and function", async () => {
    const out = join(scratch, "history.json");
    const run = await profgate(["history", "artifacts", "--out", out]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    const history = parseHistory(JSON.parse(await readFile(out, "utf8")), out);
    expect(history.runs.map((r) => r.commit.slice(0, 2))).toEqual(["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]);
    expect(history.window).toBe(200);
    const stdout = String(run.stdout);
    expect(stdout).toMatch(/^Appended 12 runs: /);
    expect(stdout).toMatch(/12 runs, 12 benchmark entries: [\d.]+ KiB \([\d.]+ (B|KiB) per run, [\d.]+ (B|KiB) per benchmark and run\)/);
    expect(stdout).toMatch(/benchmarks\/bench_text\.py::bench_count_words: time 10\.\d µs → 13\.\d µs \(\+(29|30)\.\d%\) at 06ccccc \(after 05ccccc\); changed: tokenize \(src\/app\.py:\d+, [\d.]+ µs → [\d.]+ µs\)\n/);
    expect(stdout).toMatch(/bench_count_words: calls 5 → 9 \(\+80\.0%\) at 06ccccc \(after 05ccccc\); changed: tokenize \(src\/app\.py:\d+, 4 → 8\)/);
  });

  it("extends an existing history, keeping the window", async () => {
    const out = join(scratch, "extended.json");
    expect((await profgate(["history", "artifacts/baseline-0", "artifacts/baseline-1", "--out", out, "--window", "3"])).exitCode).toBe(0);
    const run = await profgate(["history", "artifacts/baseline-2/results.json", "artifacts/baseline-3", "--out", out]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    const history = parseHistory(JSON.parse(await readFile(out, "utf8")), out);
    expect(history.window).toBe(3);
    expect(history.runs.map((r) => r.commit.slice(0, 2))).toEqual(["01", "02", "03"]);
  });

  it("refuses a hostile history and a bad window, naming the problem", async () => {
    const hostile = join(scratch, "hostile.json");
    await writeFile(hostile, JSON.stringify({ schema: "profgate/history", schema_version: 1, window: 5, functions: [], runs: [{ commit: "x".repeat(10_000) }] }));
    const refused = await profgate(["history", "artifacts/baseline-0", "--out", hostile]);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toMatch(/not a valid profgate history:\n\s+- runs\[0\]\.commit/);
    const window = await profgate(["history", "artifacts", "--out", join(scratch, "w.json"), "--window", "0"]);
    expect(window.exitCode).toBe(2);
    expect(String(window.stderr)).toContain('--window "0" is not allowed; expected a whole number of runs from 1 to 2000');
  });
});
