/** Deciding which benchmarks a change reaches from the baseline's call graphs, and carrying the others' figures over. */
import { describe, expect, it } from "vitest";
import { carryOver, isDependencyFile, selectAffected, wholeSuiteReason, type AnalysedFile, type Selection } from "../../src/core/affected.js";
import { compare } from "../../src/core/compare.js";
import { parseResults } from "../../src/core/results.js";
import { renderRunSummary } from "../../src/report/terminal.js";
import { bench, profile, results } from "../support/builders.js";

const SORT = "benchmarks/bench_sort.py::bench_sort";
const PARSE = "benchmarks/bench_parse.py::bench_parse";
const FAILED = "benchmarks/bench_parse.py::bench_broken";

const baseline = results([
  bench(SORT, { profile: profile([{ name: "bench_sort", file: "benchmarks/bench_sort.py", line: 4, calls: 1, own: 1 }, { name: "sort", file: "lib/order.py", line: 10, calls: 1, own: 1 }]) }),
  bench(PARSE, { profile: profile([{ name: "bench_parse", file: "benchmarks/bench_parse.py", line: 4, calls: 1, own: 1 }, { name: "parse", file: "lib/text.py", line: 3, calls: 1, own: 1 }]) }),
  bench(FAILED, { status: "error" }),
]);
const head = [SORT, PARSE, FAILED].map((id) => ({ id, file: id.split("::")[0] ?? "" }));

function analysed(path: string, spec: Partial<AnalysedFile> = {}): AnalysedFile {
  return { path, functions: [], module_level: [], importers: [], ...spec };
}

function ran(selection: Selection): Record<string, string> {
  if (selection.everything) throw new Error(`ran everything: ${selection.reason}`);
  return Object.fromEntries(selection.run);
}

describe("selectAffected", () => {
  it("runs the benchmarks whose baseline call graph holds a changed function, by file, first line and name", () => {
    const selection = selectAffected(baseline, head, [analysed("lib/order.py", { functions: [{ qualname: "sort", name: "sort", line: 10, end: 14 }] })]);
    expect(ran(selection)).toEqual({ [SORT]: "it calls sort (lib/order.py:10), which changed", [FAILED]: "it failed in the baseline" });
    expect(selection.everything ? null : [...selection.carried.keys()]).toEqual([PARSE]);
    expect(selection.everything ? "" : selection.sentence).toBe(
      "2 of 3 benchmarks ran (affected: auto): the other 1 call none of the 1 changed function (1 changed Python file), so they keep the baseline's figures, marked not re-run.",
    );
  });

  it("does not take a function of the same name at another line, or in another file, for the changed one", () => {
    const selection = selectAffected(baseline, head, [analysed("lib/order.py", { functions: [{ qualname: "Other.sort", name: "sort", line: 30, end: 32 }] }), analysed("lib/other.py", { functions: [{ qualname: "parse", name: "parse", line: 3, end: 5 }] })]);
    expect(Object.keys(ran(selection))).toEqual([FAILED]);
  });

  it("runs every benchmark that imports a file changed outside any function, or touches one of its functions", () => {
    const byImport = selectAffected(baseline, head, [analysed("lib/constants.py", { module_level: ["lines outside any function (module level or a class body)"], importers: ["benchmarks/bench_parse.py"] })]);
    expect(Object.keys(ran(byImport))).toEqual([PARSE, FAILED]);
    const byGraph = selectAffected(baseline, head, [analysed("lib/order.py", { module_level: ["adds helper"] })]);
    expect(ran(byGraph)[SORT]).toBe("it imports lib/order.py, changed outside any function (adds helper)");
  });

  it("runs new benchmarks, those without a baseline call graph, and those whose own file changed", () => {
    const withNew = [...head, { id: "benchmarks/bench_new.py::bench_new", file: "benchmarks/bench_new.py" }];
    const noGraph = results([...baseline.benchmarks.slice(1), bench(SORT)]);
    const selection = selectAffected(noGraph, withNew, [analysed("benchmarks/bench_parse.py", { functions: [{ qualname: "helper", name: "helper", line: 20, end: 22 }] })]);
    expect(ran(selection)).toEqual({
      [SORT]: "the baseline has no call graph for it",
      [PARSE]: "its file benchmarks/bench_parse.py changed",
      [FAILED]: "it failed in the baseline",
      "benchmarks/bench_new.py::bench_new": "it is new: the baseline does not have it",
    });
  });
});

describe("wholeSuiteReason", () => {
  const file = (path: string, projectPath: string | null = path) => ({ path, projectPath, status: "M" });

  it("runs everything without a baseline, for dependency files, files outside the project and non-Python files", () => {
    expect(wholeSuiteReason(null, [])).toMatch(/^there is no baseline/);
    expect(wholeSuiteReason(baseline, [file("lib/a.py"), file("poetry.lock")])).toMatch(/^poetry\.lock changed: dependency/);
    expect(wholeSuiteReason(baseline, [file("shared/util.py", null)])).toMatch(/^shared\/util\.py changed outside the project directory/);
    expect(wholeSuiteReason(baseline, [file("lib/table.csv"), file("lib/fast.pyx")])).toMatch(/^lib\/table\.csv, lib\/fast\.pyx changed and are not Python source/);
    expect(wholeSuiteReason(baseline, [file("lib/a.py"), file("benchmarks/bench_a.py")])).toBeNull();
  });

  it("knows the usual dependency and configuration files", () => {
    for (const path of ["requirements.txt", "requirements/dev.txt", "requirements-test.in", "constraints.txt", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock", "pyproject.toml", "setup.py", "sub/setup.cfg", "asv.conf.json", "tox.ini"]) {
      expect(isDependencyFile(path), path).toBe(true);
    }
    for (const path of ["lib/setup_helpers.py", "lib/requirements.py", "docs/conf.py"]) expect(isDependencyFile(path), path).toBe(false);
  });
});

describe("carryOver", () => {
  it("keeps the baseline's figures for benchmarks not re-run, marked, in the head's order, and compares them as skipped", () => {
    const collected = results(head.map((h) => ({ ...bench(h.id), timing: null })), { commit: "c".repeat(40) });
    const measured = results([bench(SORT, { times: [0.02, 0.021, 0.02, 0.022, 0.02] }), bench(FAILED, { times: [0.01, 0.01, 0.011, 0.01, 0.01] })], { commit: "c".repeat(40) });
    const merged = carryOver(collected, measured, baseline, new Map([[PARSE, "it calls none of the 1 changed function"]]), "baseline run 900");
    expect(merged.benchmarks.map((b) => b.id)).toEqual([SORT, PARSE, FAILED]);
    expect(merged.benchmarks[0]).toBe(measured.benchmarks[0]);
    const carried = merged.benchmarks[1];
    expect(carried?.carried_over).toEqual({ from: "baseline run 900", reason: "it calls none of the 1 changed function" });
    expect(carried?.timing).toEqual(baseline.benchmarks[1]?.timing);
    // The document stays valid as written to disk and read back.
    expect(parseResults(JSON.parse(JSON.stringify(merged)), "merged").benchmarks[1]?.carried_over?.from).toBe("baseline run 900");

    const comparison = compare(baseline, merged, { mode: "separate" });
    const entry = comparison.benchmarks.find((b) => b.id === PARSE);
    expect(entry?.verdict).toBe("skipped");
    expect(entry?.skipped).toBe("not re-run: it calls none of the 1 changed function");
    expect(entry?.gating).toBe(false);
    const table = renderRunSummary(merged, false).split("\n");
    expect(table.find((row) => row.includes(PARSE))).toContain("not re-run");
    expect(table.find((row) => row.includes(SORT))).not.toContain("not re-run");
  });

  it("reads documents written before the field existed", () => {
    expect(parseResults(JSON.parse(JSON.stringify(baseline)), "old").benchmarks.every((b) => b.carried_over === undefined)).toBe(true);
  });
});
