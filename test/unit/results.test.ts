import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseResults, Results, ResultsError, RESULTS_SCHEMA_VERSION } from "../../src/core/results.js";
import { root } from "../support/paths.js";
import { bench, builtin, edge, fn, line, memory, profile, results } from "../support/builders.js";

function document(): Record<string, unknown> {
  const doc = results([
    bench("benchmarks/bench_a.py::bench_a", {
      profile: profile([fn("work", 10, 0.5), builtin("<built-in method sorted>", 10, 0.5)], [edge("work", "<built-in method sorted>", 10, 0.5)]),
      memory: memory(1_000, 10, [line("src/a.py", 3, "work", "x = []", 1_000)], [line("src/a.py", 4, "work", "y = []", 10)]),
    }),
  ]);
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

type Mutation = [string, (doc: { benchmarks: { profile: { functions: Record<string, unknown>[]; edges: Record<string, unknown>[] }; memory: { at_peak: Record<string, unknown>[]; retained_lines: Record<string, unknown>[] } }[] }) => void];

// Each breaks one row of the big arrays, which parseResults checks without zod: both must refuse it alike.
const MUTATIONS: Mutation[] = [
  ["a negative call count", (d) => (d.benchmarks[0]!.profile.functions[0]!.calls = -1)],
  ["a fractional line", (d) => (d.benchmarks[0]!.profile.functions[0]!.line = 1.5)],
  ["a missing name", (d) => delete d.benchmarks[0]!.profile.functions[0]!.name],
  ["an unknown field", (d) => (d.benchmarks[0]!.profile.functions[1]!.extra = 1)],
  ["a string where a number goes", (d) => (d.benchmarks[0]!.profile.edges[0]!.own_time = "1")],
  ["an overlong file name", (d) => (d.benchmarks[0]!.memory.at_peak[0]!.file = "x".repeat(5_000))],
  ["a non-finite size", (d) => (d.benchmarks[0]!.memory.retained_lines[0]!.size = null)],
  ["a row that is no object", (d) => ((d.benchmarks[0]!.profile.edges as unknown[])[0] = [1, 2])],
  ["an inherited-looking key", (d) => Object.defineProperty(d.benchmarks[0]!.profile.functions[0]!, "__proto__", { value: 1, enumerable: true })],
];

describe("parseResults", () => {
  it("reads a version 1 document, written by the harness before version 2, as the current version", () => {
    const path = join(root, "test", "fixtures", "results", "version-1.json");
    const older = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(older.schema_version).toBe(1);
    const read = parseResults(older, path);
    expect(read.schema_version).toBe(RESULTS_SCHEMA_VERSION);
    expect(read.stopped).toBeUndefined();
    expect(read.benchmarks.map((b) => [b.id, b.status])).toEqual([["benchmarks/bench_stop.py::bench_quick_one", "ok"]]);
    expect(Results.safeParse({ ...older, schema_version: RESULTS_SCHEMA_VERSION }).success).toBe(true);
  });

  it("reads a stopped run's document, and refuses a signal it does not know", () => {
    const doc = { ...document(), stopped: { signal: "SIGTERM" } };
    expect(parseResults(doc, "r.json").stopped).toEqual({ signal: "SIGTERM" });
    expect(() => parseResults({ ...doc, stopped: { signal: "SIGHUP" } }, "r.json")).toThrow(/stopped\.signal/);
    expect(() => parseResults({ ...doc, schema_version: 3 }, "r.json")).toThrow(/schema_version 3 is not known to this profgate \(it reads versions 1 and 2\)/);
  });

  it("accepts a valid document, as the published schema does", () => {
    const doc = document();
    expect(Results.safeParse(doc).success).toBe(true);
    expect(parseResults(doc, "r.json")).toEqual(Results.parse(doc));
  });

  it.each(MUTATIONS)("refuses %s in a row, as the published schema does, naming the place", (_, mutate) => {
    const doc = document();
    mutate(doc as Parameters<typeof mutate>[0]);
    expect(Results.safeParse(doc).success).toBe(false);
    expect(() => parseResults(doc, "r.json")).toThrow(ResultsError);
    expect(() => parseResults(doc, "r.json")).toThrow(/benchmarks\[0\]\.(profile|memory)\.\w+\[\d\]/);
  });

  it("refuses a row array over its bound", () => {
    const doc = document() as { benchmarks: { memory: { at_peak: unknown[] } }[] };
    const row = doc.benchmarks[0]!.memory.at_peak[0];
    doc.benchmarks[0]!.memory.at_peak = Array.from({ length: 200_001 }, () => row);
    expect(() => parseResults(doc, "r.json")).toThrow(/at_peak: too many items \(200001; at most 200000\)/);
  });

  it("publishes the row schemas in the JSON Schema", () => {
    const schema = JSON.stringify(z.toJSONSchema(Results));
    expect(schema).toContain('"primitive_calls"');
    expect(schema).toContain('"retained_lines"');
  });

  // Version 1 is the first published version: no field is optional because an earlier writer left it out.
  it.each(["max_time", "isolate", "memory_cost"])("refuses settings without %s, naming it", (field) => {
    const doc = document() as { settings: Record<string, unknown> };
    delete doc.settings[field];
    expect(Results.safeParse(doc).success).toBe(false);
    expect(() => parseResults(doc, "r.json")).toThrow(new RegExp(`settings\\.${field}`));
  });

  it("refuses a benchmark credited to a shard the document does not hold", () => {
    const doc = document() as { benchmarks: Record<string, unknown>[] };
    doc.benchmarks[0]!.shard = 2;
    expect(() => parseResults(doc, "r.json")).toThrow(/benchmarks\[0\]\.shard: 2 is not a shard this document holds/);
  });
});
