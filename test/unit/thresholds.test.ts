import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, thresholdResolver } from "../../src/core/thresholds.js";

describe("thresholds", () => {
  it("defaults to the documented values", () => {
    const resolver = thresholdResolver({});
    expect(resolver.global).toEqual({
      timeThreshold: 0.05,
      noiseMargin: 0.15,
      interleavedMargin: 0.01,
      memoryThreshold: 0.1,
      memoryFloor: 65_536,
      callThreshold: null,
      instructionsThreshold: 0.02,
      valueThreshold: 0.1,
      level: 0.99,
      complexityThreshold: 0.25,
      complexityParameter: null,
    });
    expect(resolver.forBenchmark("benchmarks/bench_a.py::bench_x")).toEqual(DEFAULT_THRESHOLDS);
    expect(resolver.isOverridden("benchmarks/bench_a.py::bench_x")).toBe(false);
  });

  it("applies globals, then matching globs in declaration order, then an exact id, then flags", () => {
    const resolver = thresholdResolver({
      global: { timeThreshold: 0.1, memoryFloor: 1_024 },
      benchmarks: {
        "benchmarks/bench_io.py::bench_read": { timeThreshold: 0.5 },
        "benchmarks/bench_io.py::*": { timeThreshold: 0.3, memoryThreshold: 0.2 },
        "benchmarks/**": { timeThreshold: 0.2, callThreshold: 0 },
      },
      flags: { memoryFloor: 2_048 },
    });
    // Both globs match: the later one wins for the key they share; the exact id beats both.
    expect(resolver.forBenchmark("benchmarks/bench_io.py::bench_write")).toMatchObject({ timeThreshold: 0.2, memoryThreshold: 0.2, callThreshold: 0, memoryFloor: 2_048 });
    expect(resolver.forBenchmark("benchmarks/bench_io.py::bench_read")).toMatchObject({ timeThreshold: 0.5, memoryThreshold: 0.2, memoryFloor: 2_048 });
    expect(resolver.forBenchmark("other/bench_cpu.py::bench_sum")).toMatchObject({ timeThreshold: 0.1, memoryThreshold: 0.1, callThreshold: null, memoryFloor: 2_048 });
    expect(resolver.global).toMatchObject({ timeThreshold: 0.1, memoryFloor: 2_048 });
    expect(resolver.isOverridden("benchmarks/bench_io.py::bench_read")).toBe(true);
    expect(resolver.isOverridden("other/bench_cpu.py::bench_sum")).toBe(false);
  });

  it("lets flags win over per-benchmark entries", () => {
    const resolver = thresholdResolver({ benchmarks: { "**": { timeThreshold: 0.3 } }, flags: { timeThreshold: 0.07 } });
    expect(resolver.forBenchmark("a.py::b").timeThreshold).toBe(0.07);
  });

  it("matches ids with parameters exactly, and globs with `*` inside one path segment", () => {
    const resolver = thresholdResolver({
      benchmarks: {
        "benchmarks/bench_a.py::bench_sort[n=1000]": { timeThreshold: 0.4 },
        "benchmarks/*.py::bench_sort*": { timeThreshold: 0.25 },
        "*::bench_top": { timeThreshold: 0.6 },
      },
    });
    expect(resolver.forBenchmark("benchmarks/bench_a.py::bench_sort[n=1000]").timeThreshold).toBe(0.4);
    expect(resolver.forBenchmark("benchmarks/bench_a.py::bench_sort[n=10]").timeThreshold).toBe(0.25);
    expect(resolver.forBenchmark("benchmarks/deep/bench_a.py::bench_sort").timeThreshold).toBe(0.05);
    expect(resolver.forBenchmark("bench_top.py::bench_top").timeThreshold).toBe(0.6);
    expect(resolver.forBenchmark("benchmarks/bench_top.py::bench_top").timeThreshold).toBe(0.05);
  });

  it("ignores keys given as undefined rather than erasing the default", () => {
    const resolver = thresholdResolver({ global: { timeThreshold: undefined, level: 0.95 } });
    expect(resolver.global).toMatchObject({ timeThreshold: 0.05, level: 0.95 });
  });
});
