import { describe, expect, it } from "vitest";
import { attributeAllocations } from "../../src/core/allocations.js";
import { attributeFunctions, compareCalls, DEFAULT_LIMITS } from "../../src/core/attribution.js";
import { isProjectFile, matchFunctions } from "../../src/core/callgraph.js";
import type { Profile } from "../../src/core/results.js";
import { builtin, edge, fn, line, memory, profile } from "../support/builders.js";

function attribute(base: Profile, head: Profile, baseTime: number, ratio: number) {
  const result = attributeFunctions(base, head, matchFunctions(base.functions, head.functions), { baseTime, ratio }, DEFAULT_LIMITS);
  if (result === null) throw new Error("expected an attribution");
  return result;
}

const BENCH = { file: "benchmarks/bench_app.py", line: 5 };

describe("isProjectFile", () => {
  it("tells project files from builtins, the standard library, packages and absolute paths", () => {
    expect(isProjectFile("src/app/core.py")).toBe(true);
    expect(isProjectFile("bench_x.py")).toBe(true);
    expect(isProjectFile("~")).toBe(false);
    expect(isProjectFile("<stdlib>/json/decoder.py")).toBe(false);
    expect(isProjectFile("<site-packages>/numpy/core/fromnumeric.py")).toBe(false);
    expect(isProjectFile("/usr/lib/python3/dist-packages/foo.py")).toBe(false);
    expect(isProjectFile("C:\\Python311\\Lib\\re.py")).toBe(false);
  });
});

describe("matchFunctions", () => {
  const key = (p: Profile, i: number): string => {
    const f = p.functions[i];
    return f === undefined ? "-" : `${f.file}:${f.line}:${f.name}`;
  };
  const pairsOf = (base: Profile, head: Profile): string[] => {
    const pairs = matchFunctions(base.functions, head.functions);
    return Array.from(pairs.base, (b, k) => `${key(base, b)} -> ${key(head, pairs.head[k] ?? -1)}`).sort();
  };

  it("pairs by file, line and name whatever the order, and by file and name when only the line moved", () => {
    const base = profile([
      fn("run", 1, 0.1, undefined, { line: 1 }),
      fn("step", 1, 0.1, undefined, { line: 10 }),
      fn("step", 1, 0.1, undefined, { file: "src/other.py", line: 10 }),
      fn("moved", 1, 0.1, undefined, { line: 20 }),
      fn("dup", 1, 0.1, undefined, { line: 30 }),
      fn("dup2", 1, 0.1, undefined, { name: "dup", line: 40 }),
      fn("old", 1, 0.1, undefined, { line: 50 }),
    ]);
    const head = profile([
      fn("fresh", 1, 0.1, undefined, { line: 60 }),
      fn("dup", 1, 0.1, undefined, { line: 33 }),
      fn("dup2", 1, 0.1, undefined, { name: "dup", line: 43 }),
      fn("moved", 1, 0.1, undefined, { line: 25 }),
      fn("step", 1, 0.1, undefined, { file: "src/other.py", line: 10 }),
      fn("step", 1, 0.1, undefined, { line: 10 }),
      fn("run", 1, 0.1, undefined, { line: 1 }),
    ]);
    expect(pairsOf(base, head)).toEqual(
      [
        "src/app.py:1:run -> src/app.py:1:run",
        "src/app.py:10:step -> src/app.py:10:step",
        "src/other.py:10:step -> src/other.py:10:step",
        "src/app.py:20:moved -> src/app.py:25:moved",
        // Two functions named `dup` in one file both moved: which is which is unknowable, so neither is paired.
        "src/app.py:30:dup -> -",
        "src/app.py:40:dup -> -",
        "- -> src/app.py:33:dup",
        "- -> src/app.py:43:dup",
        "src/app.py:50:old -> -",
        "- -> src/app.py:60:fresh",
      ].sort(),
    );
  });
});

describe("function attribution", () => {
  it("names the project function that calls a builtin which got slower, ahead of everything else", () => {
    const base = profile(
      [fn("bench_parse", 1, 0.001, 1.0, BENCH), fn("parse", 100, 0.2, 0.5), builtin("<built-in method re.match>", 1000, 0.3), fn("render", 10, 0.499)],
      [edge("bench_parse", "parse", 100, 0.2, 0.5), edge("parse", "<built-in method re.match>", 1000, 0.3), edge("bench_parse", "render", 10, 0.499)],
    );
    const head = profile(
      [fn("bench_parse", 1, 0.001, 1.6, BENCH), fn("parse", 100, 0.2, 1.1), builtin("<built-in method re.match>", 1000, 0.9), fn("render", 10, 0.499)],
      [edge("bench_parse", "parse", 100, 0.2, 1.1), edge("parse", "<built-in method re.match>", 1000, 0.9), edge("bench_parse", "render", 10, 0.499)],
    );
    // The timing pass says 1.6× on a 10 ms benchmark: shares of each side's profile scale to 10 ms and 16 ms.
    const result = attribute(base, head, 0.01, 1.6);
    const [first] = result.project;
    expect(first?.name).toBe("parse");
    expect(first?.presence).toBe("both");
    expect(first?.time.base).toBeCloseTo(0.005, 12);
    expect(first?.time.head).toBeCloseTo(0.011, 12);
    expect(first?.delta).toBeCloseTo(0.006, 12);
    expect(first?.own.head).toBeCloseTo(0.002, 12);
    expect(first?.call_effect).toBeCloseTo(0, 12);
    expect(first?.per_call_effect).toBeCloseTo(0.006, 12);
    expect(first?.per_call.base).toBeCloseTo(0.00005, 12);
    expect(result.project.find((r) => r.name === "render")?.delta).toBeCloseTo(0, 12);
    const [external] = result.external;
    expect(external?.name).toBe("<built-in method re.match>");
    expect(external?.project).toBe(false);
    expect(external?.delta).toBeCloseTo(0.006, 12);
    expect(external?.charged_to).toEqual({ file: "src/app.py", line: first?.line, name: "parse" });
    expect(result.time).toEqual({ base: 0.01, head: 0.016 });
    expect(result.unattributed).toEqual({ base: 0, head: 0 });
    const sum = result.project.reduce((s, r) => s + r.time.head, 0);
    expect(sum).toBeCloseTo(0.016, 12);
  });

  it("scales shares by the measured ratio, not by profiled seconds", () => {
    const base = profile([fn("a", 1, 0.5), fn("b", 1, 0.5)]);
    // Profiler overhead doubled every figure on the head machine, but the timing pass measured 1.0×.
    const head = profile([fn("a", 1, 1.0), fn("b", 1, 1.0)]);
    const result = attribute(base, head, 0.02, 1.0);
    for (const row of result.project) expect(row.delta).toBeCloseTo(0, 15);
    expect(result.profiled).toEqual({ base: 1, head: 2 });
  });

  it("walks up through standard-library callers, splitting by edge share", () => {
    const decode = { name: "decode", file: "<stdlib>/json/decoder.py", line: 332 };
    const p = profile(
      [fn("load", 1, 0.1, 0.4), fn("load_small", 1, 0.05, 0.2), { ...decode, calls: 3, own: 0.05, cum: 0.45 }, builtin("<built-in method _json.scanstring>", 90, 0.4)],
      [
        edge("load", "decode", 2, 0.02, 0.3),
        edge("load_small", "decode", 1, 0.03, 0.15),
        edge("decode", "<built-in method _json.scanstring>", 90, 0.4),
      ],
    );
    // baseTime = profiled total and ratio 1: figures stay in profiled seconds.
    const result = attribute(p, p, p.total_time, 1);
    const load = result.project.find((r) => r.name === "load");
    const small = result.project.find((r) => r.name === "load_small");
    // decode's own 0.05 splits by edge own time (0.02 : 0.03); scanstring's 0.4 passes up by cumulative (0.3 : 0.15).
    expect(load?.time.base).toBeCloseTo(0.1 + 0.02 + 0.4 * (2 / 3), 12);
    expect(small?.time.base).toBeCloseTo(0.05 + 0.03 + 0.4 * (1 / 3), 12);
    expect(load?.own.base).toBeCloseTo(0.1, 12);
    expect(result.external.find((r) => r.name === "<built-in method _json.scanstring>")?.charged_to?.name).toBe("load");
    expect(result.unattributed.base).toBe(0);
  });

  it("charges a recursive group of library functions to the project function that enters it", () => {
    const p = profile(
      [fn("walk", 1, 0.1, 0.4), { name: "visit", file: "<site-packages>/ast2/v.py", line: 3, calls: 50, own: 0.1, cum: 0.3 }, { name: "generic", file: "<site-packages>/ast2/v.py", line: 9, calls: 50, own: 0.2, cum: 0.3 }, { name: "orphan", file: "/opt/x.py", line: 1, calls: 1, own: 0.05 }],
      [edge("walk", "visit", 1, 0.002, 0.3), edge("visit", "generic", 50, 0.2, 0.3), edge("generic", "visit", 49, 0.098, 0.25)],
    );
    const result = attribute(p, p, p.total_time, 1);
    expect(result.project).toHaveLength(1);
    expect(result.project[0]?.time.base).toBeCloseTo(0.4, 12);
    expect(result.unattributed.base).toBeCloseTo(0.05, 12);
    expect(result.external.find((r) => r.name === "orphan")?.charged_to).toBeNull();
  });

  it("ranks a new function that takes the time first, and marks gone ones", () => {
    const base = profile([fn("bench", 1, 0.01, 1.0, BENCH), fn("work", 10, 0.5), fn("legacy_check", 10, 0.1), fn("other", 5, 0.39)]);
    const head = profile([fn("bench", 1, 0.01, 2.0, BENCH), fn("work", 10, 0.5), fn("validate", 10, 1.1), fn("other", 5, 0.39)]);
    const result = attribute(base, head, 0.01, 2.0);
    const [first] = result.project;
    expect(first?.name).toBe("validate");
    expect(first?.presence).toBe("new");
    expect(first?.calls).toEqual({ base: 0, head: 10 });
    expect(first?.per_call.base).toBeNull();
    expect(first?.time.head).toBeCloseTo(0.011, 12);
    expect(first?.call_effect).toBe(0);
    expect(first?.per_call_effect).toBeCloseTo(0.011, 12);
    const gone = result.project.find((r) => r.name === "legacy_check");
    expect(gone?.presence).toBe("gone");
    expect(gone?.delta).toBeCloseTo(-0.001, 12);
    expect(gone?.call_effect).toBeCloseTo(-0.001, 12);
  });

  it("splits a change into a call-count effect and a per-call effect", () => {
    const base = profile([fn("called_more", 100, 0.2), fn("slower_per_call", 100, 0.2), fn("steady", 1, 0.6)]);
    const head = profile([fn("called_more", 200, 0.4), fn("slower_per_call", 100, 0.4), fn("steady", 1, 0.6)]);
    const result = attribute(base, head, 1.0, 1.4);
    const more = result.project.find((r) => r.name === "called_more");
    const slower = result.project.find((r) => r.name === "slower_per_call");
    expect(more?.call_effect).toBeCloseTo(0.2, 12);
    expect(more?.per_call_effect).toBeCloseTo(0, 12);
    expect(slower?.call_effect).toBeCloseTo(0, 12);
    expect(slower?.per_call_effect).toBeCloseTo(0.2, 12);
    expect(result.project.at(-1)?.name).toBe("steady");
  });

  it("matches a function whose line moved by file and name", () => {
    const base = profile([fn("work", 3, 0.5, undefined, { line: 10 }), fn("helper", 3, 0.5, undefined, { line: 30 })]);
    const head = profile([fn("work", 3, 0.7, undefined, { line: 14 }), fn("helper", 3, 0.5, undefined, { line: 30 })]);
    const result = attribute(base, head, 1, 1.2);
    const work = result.project.find((r) => r.name === "work");
    expect(work?.presence).toBe("both");
    expect(work).toMatchObject({ line: 14, base_line: 10 });
    expect(result.project.find((r) => r.name === "helper")?.base_line).toBeNull();
  });

  it("keeps the output bounded", () => {
    const many = profile(Array.from({ length: 100 }, (_, i) => fn(`f${i}`, 1, 0.01 * (i + 1))));
    const result = attributeFunctions(many, many, matchFunctions(many.functions, many.functions), { baseTime: 1, ratio: 1.1 }, { functions: 5, external: 3 });
    expect(result?.project).toHaveLength(5);
    expect(result?.project_count).toBe(100);
    expect(result?.project[0]?.name).toBe("f99");
  });

  it("gives up on a profile that recorded no time", () => {
    const empty = profile([]);
    expect(attributeFunctions(empty, empty, matchFunctions([], []), { baseTime: 1, ratio: 1 }, DEFAULT_LIMITS)).toBeNull();
  });
});

describe("call counts", () => {
  const base = profile([fn("a", 10, 0.1), fn("b", 10, 0.1), fn("c", 10, 0.1), fn("gone", 1, 0.1)]);
  const head = profile([fn("a", 30, 0.1), fn("b", 10.5, 0.1), fn("c", 5, 0.1), fn("fresh", 2, 0.1)]);
  const pairs = matchFunctions(base.functions, head.functions);

  it("reports growth without gating by default", () => {
    const calls = compareCalls(base, head, pairs, null, 10);
    expect(calls).toMatchObject({ verdict: "unchanged", increased: 2, decreased: 1, new: 1, gone: 1, threshold: null });
    expect(calls.top[0]).toMatchObject({ name: "a", calls: { base: 10, head: 30 }, relative: 2 });
    expect(calls.top.map((c) => c.name)).toEqual(["a", "c", "fresh", "gone", "b"]);
  });

  it("gates on growth beyond the threshold, for functions present in both versions", () => {
    expect(compareCalls(base, head, pairs, 0.1, 10).verdict).toBe("regressed");
    expect(compareCalls(base, head, pairs, 2.5, 10).verdict).toBe("unchanged");
  });
});

describe("allocation attribution", () => {
  it("matches lines by file, function and source text, ranks by size change, signed", () => {
    const rows = "rows = [parse(l) for l in lines]";
    const base = memory(
      200_000,
      1_000,
      [line("src/app.py", 20, "build", rows, 100_000, 1_000), line("src/app.py", 30, "cache", "self.cache[key] = value", 5_000, 10)],
      [line("src/app.py", 30, "cache", "self.cache[key] = value", 1_000, 4)],
    );
    const head = memory(
      560_000,
      -200,
      [line("src/app.py", 22, "build", rows, 300_000, 3_000), line("src/app.py", 40, "build", "buf = bytearray(n)", 50_000, 1), line("src/app.py", 32, "cache", "self.cache[key] = value", 5_000, 10)],
      [line("src/app.py", 32, "cache", "self.cache[key] = value", -200, -1)],
    );
    const result = attributeAllocations(base, head, 10);
    expect(result.peak).toEqual({ base: 200_000, head: 560_000, delta: 360_000 });
    expect(result.retained).toEqual({ base: 1_000, head: -200, delta: -1_200 });
    expect(result.at_peak_count).toBe(2);
    expect(result.at_peak[0]).toEqual({
      file: "src/app.py",
      function: "build",
      source: rows,
      base_source: null,
      line: { base: 20, head: 22 },
      size: { base: 100_000, head: 300_000, delta: 200_000 },
      count: { base: 1_000, head: 3_000, delta: 2_000 },
    });
    expect(result.at_peak[1]).toMatchObject({ source: "buf = bytearray(n)", line: { base: null, head: 40 }, size: { delta: 50_000 } });
    expect(result.retained_lines[0]).toMatchObject({ size: { base: 1_000, head: -200, delta: -1_200 }, count: { delta: -5 } });
  });

  it("pairs the one rewritten line of a function, and leaves ambiguous rewrites unpaired", () => {
    const base = memory(10, 0, [line("a.py", 5, "tokenize", "return [n(w) for w in ws]", 600), line("a.py", 9, "g", "a = []", 10), line("a.py", 10, "g", "b = []", 20)]);
    const head = memory(10, 0, [line("a.py", 6, "tokenize", "return [n(w) for w in ws if keep(w)]", 550), line("a.py", 9, "g", "a = [0]", 30), line("a.py", 10, "g", "b = [0]", 40)]);
    const result = attributeAllocations(base, head, 10);
    const tokenize = result.at_peak.filter((l) => l.function === "tokenize");
    expect(tokenize).toEqual([
      {
        file: "a.py",
        function: "tokenize",
        source: "return [n(w) for w in ws if keep(w)]",
        base_source: "return [n(w) for w in ws]",
        line: { base: 5, head: 6 },
        size: { base: 600, head: 550, delta: -50 },
        count: { base: 1, head: 1, delta: 0 },
      },
    ]);
    // Two rewritten lines in g: which became which is a guess, so each side is reported on its own.
    expect(result.at_peak.filter((l) => l.function === "g")).toHaveLength(4);
  });

  it("sums repeated entries of one line and keeps lines that went away", () => {
    const base = memory(10, 0, [line("a.py", 1, "f", "x = []", 60), line("a.py", 1, "f", "x = []", 40), line("a.py", 9, "g", "y = {}", 70)]);
    const head = memory(10, 0, [line("a.py", 1, "f", "x = []", 100, 2)]);
    const result = attributeAllocations(base, head, 10);
    expect(result.at_peak).toHaveLength(1);
    expect(result.at_peak[0]).toMatchObject({ source: "y = {}", line: { base: 9, head: null }, size: { delta: -70 } });
  });
});
