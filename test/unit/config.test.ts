import { describe, expect, it } from "vitest";
import { applyRunValues, ConfigError, convertValue, DEFAULT_RUN_SETTINGS, parseProjectConfig, resolveRunSettings } from "../../src/core/config.js";

describe("parseProjectConfig", () => {
  it("reads run settings, thresholds and per-benchmark overrides", () => {
    const config = parseProjectConfig(
      `
[project]
name = "x"

[tool.profgate]
benchmarks = ["perf", "more"]
pythonpath = "src"
processes = 4
min-time = 0.05
gc = true
time-threshold = 7
memory-threshold = "12%"
memory-floor = "128KiB"

[tool.profgate.overrides."perf/bench_io.py::*"]
time-threshold = 25
`,
      "pyproject.toml",
    );
    expect(config.run).toEqual({ paths: ["perf", "more"], pythonpath: ["src"], processes: 4, minTime: 0.05, gc: true });
    expect(config.thresholds).toEqual({ timeThreshold: 0.07, memoryThreshold: 0.12, memoryFloor: 131072 });
    expect(config.overrides).toEqual({ "perf/bench_io.py::*": { timeThreshold: 0.25 } });
  });

  it("reads the timing budget, the memory pass's cost and per-benchmark timeouts from the overrides", () => {
    const config = parseProjectConfig(
      `
[tool.profgate]
max-time = 2
memory-cost = 30
timeout = 90

[tool.profgate.overrides."bench/test_slow.py::*"]
timeout = 600
time-threshold = 10

[tool.profgate.overrides."bench/test_fast.py::test_a"]
timeout = 5
`,
      "pyproject.toml",
    );
    expect(config.run).toEqual({ maxTime: 2, memoryCost: 30, timeout: 90, timeouts: { "bench/test_slow.py::*": 600, "bench/test_fast.py::test_a": 5 } });
    expect(config.overrides).toEqual({ "bench/test_slow.py::*": { timeThreshold: 0.1 }, "bench/test_fast.py::test_a": {} });
    expect(() => parseProjectConfig(`[tool.profgate.overrides."a::b"]\ntimeout = 0\n`, "pyproject.toml")).toThrow(
      'pyproject.toml [tool.profgate.overrides."a::b"] timeout: 0 is not allowed; expected a number greater than 0',
    );
    expect(() => parseProjectConfig(`[tool.profgate.overrides."a::b"]\nprocesses = 3\n`, "pyproject.toml")).toThrow(/unknown key "processes"; allowed keys are .*timeout/);
  });

  it("is empty without a [tool.profgate] table", () => {
    expect(parseProjectConfig(`[project]\nname = "x"\n`, "pyproject.toml")).toEqual({ run: {}, thresholds: {}, overrides: {} });
  });

  it("names the file, the key, the value and what is allowed", () => {
    expect(() => parseProjectConfig(`[tool.profgate]\nprocesses = 0\n`, "pyproject.toml")).toThrow(
      'pyproject.toml [tool.profgate] processes: 0 is not allowed; expected a whole number of at least 1',
    );
    expect(() => parseProjectConfig(`[tool.profgate]\nprocess = 3\n`, "pyproject.toml")).toThrow(/unknown key "process"; allowed keys are .*processes/);
    expect(() => parseProjectConfig(`[tool.profgate.overrides."a::b"]\ntime-threshold = "fast"\n`, "pyproject.toml")).toThrow(
      `pyproject.toml [tool.profgate.overrides."a::b"] time-threshold: "fast" is not allowed`,
    );
    expect(() => parseProjectConfig(`[tool.profgate\n`, "pyproject.toml")).toThrow(/pyproject.toml: not valid TOML/);
  });
});

describe("convertValue", () => {
  it("parses sizes with binary and decimal suffixes", () => {
    expect(convertValue("bytes", "64KiB", "x")).toBe(65536);
    expect(convertValue("bytes", "1 MB", "x")).toBe(1_000_000);
    expect(convertValue("bytes", 100, "x")).toBe(100);
    expect(() => convertValue("bytes", "-3", "x")).toThrow(ConfigError);
  });

  it("takes percentages with or without the sign and returns fractions", () => {
    expect(convertValue("percent", "5%", "x")).toBe(0.05);
    expect(convertValue("percent", 15, "x")).toBe(0.15);
    expect(() => convertValue("percent", "-1", "x")).toThrow(/expected a percentage/);
  });

  it("splits path lists given as one string (Action inputs)", () => {
    expect(convertValue("paths", "benchmarks, perf\nmore", "x")).toEqual(["benchmarks", "perf", "more"]);
    expect(() => convertValue("paths", [], "x")).toThrow(ConfigError);
  });
});

describe("resolveRunSettings", () => {
  it("lets flags win over the project's config, key by key", () => {
    const flags = {};
    applyRunValues(flags, { processes: "3", python: undefined }, (n) => `--${n}`);
    const settings = resolveRunSettings({ processes: 8, python: "python3.12" }, flags);
    expect(settings.processes).toBe(3);
    expect(settings.python).toBe("python3.12");
    expect(settings.values).toBe(DEFAULT_RUN_SETTINGS.values);
  });

  it("reads when a benchmark needs no more timing processes, and leaves the timeout to the kind of suite", () => {
    const config = parseProjectConfig(`[tool.profgate]\nmin-processes = 3\nsettle = "2%"\nlong-time = 10\n`, "pyproject.toml");
    expect(config.run).toEqual({ minProcesses: 3, settle: 0.02, longTime: 10 });
    const defaults = resolveRunSettings();
    expect([defaults.minProcesses, defaults.settle, defaults.longTime, defaults.timeout]).toEqual([5, 0.05, 30, null]);
    expect(() => parseProjectConfig(`[tool.profgate]\nmin-processes = 0\n`, "pyproject.toml")).toThrow(
      "pyproject.toml [tool.profgate] min-processes: 0 is not allowed; expected a whole number of at least 1",
    );
  });

  it("names the flag in errors", () => {
    expect(() => applyRunValues({}, { timeout: "soon" }, (n) => `--${n}`)).toThrow('--timeout: "soon" is not allowed; expected a number greater than 0');
  });
});
