/**
 * Instruction counts in the comparison: exact like memory, deciding the CPU verdict in place of timing only when
 * both sides were counted on the same build, and rendered next to time in every report.
 */
import { describe, expect, it } from "vitest";
import { benchmarksToConfirm } from "../../src/action/same-runner.js";
import { parseInputs } from "../../src/action/inputs.js";
import { compare } from "../../src/core/compare.js";
import { Comparison } from "../../src/core/comparison.js";
import { parseProjectConfig, resolveRunSettings } from "../../src/core/config.js";
import { confirmTiming } from "../../src/core/confirmations.js";
import { parseResults, type Benchmark, type Results } from "../../src/core/results.js";
import { renderHtml } from "../../src/report/html.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { renderResultsMarkdown } from "../../src/report/results-markdown.js";
import { renderComparison, renderRunSummary } from "../../src/report/terminal.js";
import { bench, results, spread, type EnvSpec } from "../support/builders.js";

const ID = "benchmarks/bench_app.py::bench_parse";
const WALL = "benchmarks/bench_app.py::bench_fetch";

function counted(b: Benchmark, perIteration: number): Benchmark {
  return { ...b, instructions: { per_iteration: perIteration, iterations: 1, warmups: 1 } };
}

function run(benchmarks: Benchmark[], env: EnvSpec = {}, libc = "glibc 2.36"): Results {
  const document = results(benchmarks, env);
  return {
    ...document,
    environment: { ...document.environment, instructions: { valgrind: "valgrind-3.19.0", libc } },
    settings: { ...document.settings, instrument: "instructions", instruction_iterations: 1, instruction_warmups: 1 },
  };
}

function entryOf(comparison: Comparison, id = ID) {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

function checked(comparison: Comparison): Comparison {
  expect(Comparison.parse(JSON.parse(JSON.stringify(comparison)))).toEqual(comparison);
  return comparison;
}

describe("instruction verdicts", () => {
  it("regress past the instructions threshold and replace a noisy timing verdict on the same build", () => {
    // Timing from separate runs says 1.30× (regressed); the exact counts say +1%, under the 2% default.
    const base = run([counted(bench(ID, { times: spread(0.01, 10) }), 1_000_000)]);
    const head = run([counted(bench(ID, { times: spread(0.013, 10) }), 1_010_000)]);
    const comparison = checked(compare(base, head, { mode: "separate" }));
    const entry = entryOf(comparison);
    expect(entry.timing?.verdict).toBe("regressed");
    expect(entry.instructions).toEqual({ verdict: "unchanged", base: 1_000_000, head: 1_010_000, delta: 10_000, relative: 0.01, threshold: 0.02, decides: true, caveat: null });
    expect(entry).toMatchObject({ verdict: "unchanged", gating: false, regressions: [] });
    // A timing the counts replace is not part of Holm's family.
    expect(comparison.method.family).toBe(0);
    expect(comparison.method.thresholds.instructions_threshold).toBe(0.02);

    const planted = run([counted(bench(ID, { times: spread(0.01, 10) }), 1_020_400)]);
    const regressed = entryOf(checked(compare(base, planted, { mode: "separate", thresholds: { flags: { instructionsThreshold: 0.01 } } })));
    expect(regressed).toMatchObject({ verdict: "regressed", gating: true, regressions: ["instructions"] });
    expect(regressed.instructions?.relative).toBeCloseTo(0.0204, 6);
    expect(regressed.attribution).not.toBeNull();
  });

  it("improve symmetrically, and an inconclusive timing does not make the verdict inconclusive", () => {
    const base = run([counted(bench(ID, { times: [0.01, 0.02] }), 1_000_000)]);
    const head = run([counted(bench(ID, { times: [0.01, 0.02] }), 900_000)]);
    const entry = entryOf(compare(base, head, { mode: "separate" }));
    expect(entry.timing?.verdict).toBe("inconclusive");
    expect(entry).toMatchObject({ verdict: "improved", improvements: ["instructions"] });
    const same = entryOf(compare(base, base, { mode: "separate" }));
    expect(same.verdict).toBe("unchanged");
  });

  it("carry a caveat and leave the verdict to timing across different Python builds", () => {
    const base = run([counted(bench(ID, { times: spread(0.01, 10) }), 1_000_000)], { python: "3.11.2" });
    const head = run([counted(bench(ID, { times: spread(0.013, 10) }), 1_000_000)], { python: "3.12.1" });
    const entry = entryOf(checked(compare(base, head, { mode: "separate" })));
    expect(entry.instructions?.decides).toBe(false);
    expect(entry.instructions?.caveat).toBe("counted on different builds (Python CPython 3.11.2 (main, GCC 12.2.0) on base, CPython 3.12.1 (main, GCC 12.2.0) on head); timing decides");
    expect(entry).toMatchObject({ verdict: "regressed", regressions: ["time"] });
  });

  it("carry a caveat across C libraries, on a side not counted, and for wall-clock benchmarks", () => {
    const base = run([counted(bench(ID), 1_000_000), counted(bench(WALL, { clock: "wall" }), 5_000)]);
    const otherLibc = run([counted(bench(ID), 1_000_000), counted(bench(WALL, { clock: "wall" }), 5_000)], {}, "glibc 2.39");
    expect(entryOf(compare(base, otherLibc, { mode: "separate" })).instructions?.caveat).toContain("(C library glibc 2.36 on base, glibc 2.39 on head)");
    const comparison = compare(base, base, { mode: "separate" });
    expect(entryOf(comparison, WALL).instructions).toMatchObject({ decides: false, caveat: "a wall-clock benchmark: timing decides" });
    const timed = results([bench(ID)]);
    expect(entryOf(compare(timed, base, { mode: "separate" })).instructions).toMatchObject({ base: null, head: 1_000_000, verdict: "inconclusive", decides: false, caveat: "not counted on base; timing decides" });
  });

  it("leave comparisons without counts exactly as they were", () => {
    const comparison = compare(results([bench(ID)]), results([bench(ID)]), { mode: "separate" });
    expect(entryOf(comparison).instructions).toBeUndefined();
    expect(comparison.method.thresholds.instructions_threshold).toBeUndefined();
  });

  it("are never confirmed on the same runner", () => {
    const base = run([counted(bench(ID, { times: spread(0.01, 10) }), 1_000_000), bench(WALL, { times: spread(0.01, 10), clock: "wall" })]);
    const head = run([counted(bench(ID, { times: spread(0.013, 10) }), 1_000_000), bench(WALL, { times: spread(0.013, 10), clock: "wall" })]);
    const artifact = compare(base, head, { mode: "separate" });
    expect(benchmarksToConfirm(artifact, "all")).toEqual([WALL]);
    const interleaved = compare(base, head, { mode: "interleaved" });
    const confirmed = confirmTiming(artifact, interleaved);
    expect(entryOf(confirmed).confirmed).toBe(false);
    expect(entryOf(confirmed, WALL).confirmed).toBe(true);
  });
});

describe("results with instruction counts", () => {
  it("validate against the results schema, and refuse a negative count", () => {
    const document = run([counted(bench(ID), 1_000_000)]);
    expect(parseResults(JSON.parse(JSON.stringify(document)), "results.json").benchmarks[0]?.instructions?.per_iteration).toBe(1_000_000);
    expect(() => parseResults(run([counted(bench(ID), -1)]), "results.json")).toThrow(/instructions\.per_iteration/);
  });

  it("are shown next to time in every report", () => {
    const base = run([counted(bench(ID), 6_717_649)]);
    const head = run([counted(bench(ID), 6_854_849)], { python: "3.12.1" });
    const comparison = compare(base, head, { mode: "separate" });
    const markdown = renderMarkdown(comparison);
    expect(markdown).toContain("| benchmark | time head/base (bounds) | instructions per iteration | peak memory | retained | verdict |");
    expect(markdown).toContain("+2.04% (6.72 M → 6.85 M) ⚠️");
    expect(markdown).toContain("> ⚠️ Instruction counts of 1 benchmark do not decide&#58; counted on different builds (Python CPython 3.11.2");
    expect(renderHtml(comparison)).toContain("<th>instructions per iteration</th>");
    expect(renderComparison(comparison, false)).toContain("+2.04% (6.72 M → 6.85 M) !");
    expect(renderRunSummary(head, false)).toMatch(/instructions\/iter[\s\S]*6\.85 M/);
    expect(renderResultsMarkdown(head, { title: "stored as the baseline" })).toContain("| time/iter | instructions/iter |");
  });
});

describe("the instrument setting", () => {
  it("is read from pyproject.toml, flags and Action inputs, and refused with what is allowed", () => {
    const project = parseProjectConfig('[tool.profgate]\ninstrument = "instructions"\ninstructions-threshold = "1%"\n', "pyproject.toml");
    expect(project.run.instrument).toBe("instructions");
    expect(project.thresholds.instructionsThreshold).toBeCloseTo(0.01, 10);
    expect(resolveRunSettings().instrument).toBe("time");
    expect(() => parseProjectConfig('[tool.profgate]\ninstrument = "cycles"\n', "pyproject.toml")).toThrow(
      'pyproject.toml [tool.profgate] instrument: "cycles" is not allowed; expected one of time, instructions',
    );
    const inputs = parseInputs((name) => ({ instrument: "instructions", "instructions-threshold": "3", "github-token": "t" })[name] ?? "");
    expect(inputs.run.instrument).toBe("instructions");
    expect(inputs.thresholds.instructionsThreshold).toBeCloseTo(0.03, 10);
  });
});
