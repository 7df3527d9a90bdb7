/**
 * Settings: named defaults, `[tool.profgate]` from pyproject.toml, then command-line flags or Action inputs.
 * Every value is checked here, once, and every error names where the value came from, quotes it and says what
 * is allowed.
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { ThresholdOverrides } from "./thresholds.js";

/** The kinds of benchmark suite the harness runs (`--suite`). */
export const SUITE_KINDS = ["native", "pytest", "asv", "auto"] as const;
export type SuiteKind = (typeof SUITE_KINDS)[number];

/**
 * What judges CPU cost: `time` (the timing pass alone) or `instructions` (also instructions per iteration counted
 * under valgrind, which decide where base and head ran the same build).
 */
export const INSTRUMENTS = ["time", "instructions"] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

/** How `profgate run` measures; the names mirror the harness's flags. */
export interface RunSettings {
  paths: string[];
  python: string;
  pythonpath: string[];
  filter: string | null;
  /** Which kind of suite the paths hold: profgate's own, pytest-benchmark/pytest-codspeed tests, asv, or detected. */
  suite: SuiteKind;
  /** A pytest `-k` expression selecting the tests of a pytest suite. */
  select: string | null;
  /** The asv.conf.json whose benchmark_dir an asv suite at the default path lives in (default: the one in the root). */
  asvConfig: string | null;
  processes: number;
  /** Timing processes every benchmark gets before `settle` can stop it. */
  minProcesses: number;
  /** A benchmark with `minProcesses` timing processes whose best values lie within this fraction of each other gets no more. */
  settle: number;
  /** Seconds of timing values after which a benchmark whose iteration lasts a second or more gets no more processes. */
  longTime: number;
  values: number;
  warmups: number;
  minTime: number;
  /** Seconds of timed values per benchmark across the timing processes (caps each process's values). */
  maxTime: number;
  /** Seconds one benchmark may spend in one pass; null: the harness's default for the kind of suite (60 s for native and asv suites, 600 s for pytest suites). */
  timeout: number | null;
  /** Per-benchmark timeouts in seconds, keyed by exact id or glob (`[tool.profgate.overrides."…"] timeout`). */
  timeouts: Record<string, number>;
  gc: boolean;
  hashSeed: number;
  /** Each benchmark in worker processes of its own rather than all benchmarks of a pass in one (slower). */
  isolate: boolean;
  profileIterations: number;
  profileWarmups: number;
  memoryWarmups: number;
  /** The tracemalloc pass's line breakdown may take this many plain iterations' time before it is cut short. */
  memoryCost: number;
  instrument: Instrument;
}

/** Gate thresholds as one layer of configuration gives them (all optional), already converted to fractions and bytes. */
export type ThresholdSettings = ThresholdOverrides;

/**
 * What pyproject.toml's `[tool.profgate]` says; per-benchmark threshold overrides keyed by id or glob (their
 * `timeout` goes to `run.timeouts`, since the harness applies it).
 */
export interface ProjectConfig {
  run: Partial<RunSettings>;
  thresholds: ThresholdSettings;
  overrides: Record<string, ThresholdSettings>;
}

export const DEFAULT_RUN_SETTINGS: Readonly<RunSettings> = Object.freeze({
  paths: ["benchmarks"],
  python: "python3",
  pythonpath: [],
  filter: null,
  suite: "auto",
  select: null,
  asvConfig: null,
  processes: 10,
  minProcesses: 5,
  settle: 0.05,
  longTime: 30,
  values: 5,
  warmups: 1,
  minTime: 0.01,
  maxTime: 0.6,
  timeout: null,
  timeouts: {},
  gc: false,
  hashSeed: 0,
  isolate: false,
  profileIterations: 5,
  profileWarmups: 1,
  memoryWarmups: 1,
  memoryCost: 14,
  instrument: "time",
});

/** A setting with a bad value; the message is complete and meant for the user as it is. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Kind = "positive-int" | "nonnegative-int" | "positive-number" | "nonnegative-number" | "string" | "paths" | "boolean" | "percent" | "bytes" | "level" | "suite" | "instrument";

interface Key<T> {
  kind: Kind;
  set: (target: T, value: never) => void;
}

const RUN_KEYS: Record<string, Key<Partial<RunSettings>>> = {
  benchmarks: { kind: "paths", set: (t, v: string[]) => (t.paths = v) },
  python: { kind: "string", set: (t, v: string) => (t.python = v) },
  pythonpath: { kind: "paths", set: (t, v: string[]) => (t.pythonpath = v) },
  filter: { kind: "string", set: (t, v: string) => (t.filter = v) },
  suite: { kind: "suite", set: (t, v: SuiteKind) => (t.suite = v) },
  select: { kind: "string", set: (t, v: string) => (t.select = v) },
  "asv-config": { kind: "string", set: (t, v: string) => (t.asvConfig = v) },
  processes: { kind: "positive-int", set: (t, v: number) => (t.processes = v) },
  "min-processes": { kind: "positive-int", set: (t, v: number) => (t.minProcesses = v) },
  settle: { kind: "percent", set: (t, v: number) => (t.settle = v) },
  "long-time": { kind: "nonnegative-number", set: (t, v: number) => (t.longTime = v) },
  values: { kind: "positive-int", set: (t, v: number) => (t.values = v) },
  warmups: { kind: "nonnegative-int", set: (t, v: number) => (t.warmups = v) },
  "min-time": { kind: "positive-number", set: (t, v: number) => (t.minTime = v) },
  "max-time": { kind: "nonnegative-number", set: (t, v: number) => (t.maxTime = v) },
  timeout: { kind: "positive-number", set: (t, v: number) => (t.timeout = v) },
  gc: { kind: "boolean", set: (t, v: boolean) => (t.gc = v) },
  "hash-seed": { kind: "nonnegative-int", set: (t, v: number) => (t.hashSeed = v) },
  isolate: { kind: "boolean", set: (t, v: boolean) => (t.isolate = v) },
  "profile-iterations": { kind: "positive-int", set: (t, v: number) => (t.profileIterations = v) },
  "profile-warmups": { kind: "nonnegative-int", set: (t, v: number) => (t.profileWarmups = v) },
  "memory-warmups": { kind: "nonnegative-int", set: (t, v: number) => (t.memoryWarmups = v) },
  "memory-cost": { kind: "nonnegative-number", set: (t, v: number) => (t.memoryCost = v) },
  instrument: { kind: "instrument", set: (t, v: Instrument) => (t.instrument = v) },
};

const THRESHOLD_KEYS: Record<string, Key<ThresholdSettings>> = {
  "time-threshold": { kind: "percent", set: (t, v: number) => (t.timeThreshold = v) },
  "memory-threshold": { kind: "percent", set: (t, v: number) => (t.memoryThreshold = v) },
  "memory-floor": { kind: "bytes", set: (t, v: number) => (t.memoryFloor = v) },
  "noise-margin": { kind: "percent", set: (t, v: number) => (t.noiseMargin = v) },
  "interleaved-margin": { kind: "percent", set: (t, v: number) => (t.interleavedMargin = v) },
  level: { kind: "level", set: (t, v: number) => (t.level = v) },
  "call-threshold": { kind: "percent", set: (t, v: number) => (t.callThreshold = v) },
  "instructions-threshold": { kind: "percent", set: (t, v: number) => (t.instructionsThreshold = v) },
  "value-threshold": { kind: "percent", set: (t, v: number) => (t.valueThreshold = v) },
  "complexity-threshold": { kind: "nonnegative-number", set: (t, v: number) => (t.complexityThreshold = v) },
  "complexity-parameter": { kind: "string", set: (t, v: string) => (t.complexityParameter = v) },
};

const ALLOWED: Record<Kind, string> = {
  "positive-int": "a whole number of at least 1",
  "nonnegative-int": "a whole number of at least 0",
  "positive-number": "a number greater than 0",
  "nonnegative-number": "a number of at least 0",
  string: "a string",
  paths: "a list of paths (or one path)",
  boolean: "true or false",
  percent: "a percentage of at least 0, e.g. 5 or \"5%\"",
  bytes: "a size in bytes, e.g. 65536 or \"64KiB\"",
  level: "a confidence level between 50 and 99.99 (percent), e.g. 99",
  suite: `one of ${SUITE_KINDS.join(", ")}`,
  instrument: `one of ${INSTRUMENTS.join(", ")}`,
};

const SIZE_SUFFIX: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1e6, mib: 1024 ** 2, g: 1024 ** 3, gb: 1e9, gib: 1024 ** 3 };

/**
 * Converts one raw value (from TOML, a flag or an Action input) to its typed form; `where` names its origin
 * in the error, e.g. `--processes` or `[tool.profgate] processes`. Percentages become fractions.
 */
export function convertValue(kind: Kind, raw: unknown, where: string): unknown {
  const fail = (): never => {
    throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not allowed; expected ${ALLOWED[kind]}`);
  };
  const asNumber = (): number => {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw.trim().replace(/%$/, "")) : NaN;
    return Number.isFinite(n) ? n : fail();
  };
  switch (kind) {
    case "positive-int": {
      const n = asNumber();
      return Number.isInteger(n) && n >= 1 ? n : fail();
    }
    case "nonnegative-int": {
      const n = asNumber();
      return Number.isInteger(n) && n >= 0 ? n : fail();
    }
    case "positive-number": {
      const n = asNumber();
      return n > 0 ? n : fail();
    }
    case "nonnegative-number": {
      const n = asNumber();
      return n >= 0 ? n : fail();
    }
    case "percent": {
      const n = asNumber();
      return n >= 0 ? n / 100 : fail();
    }
    case "level": {
      const n = asNumber();
      return n >= 50 && n <= 99.99 ? n / 100 : fail();
    }
    case "bytes": {
      if (typeof raw === "number") return Number.isInteger(raw) && raw >= 0 ? raw : fail();
      const match = typeof raw === "string" ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw) : null;
      const factor = match ? SIZE_SUFFIX[match[2]!.toLowerCase()] : undefined;
      return match && factor !== undefined ? Math.round(Number(match[1]) * factor) : fail();
    }
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      return fail();
    case "string":
      return typeof raw === "string" && raw !== "" ? raw : fail();
    case "suite":
      return SUITE_KINDS.find((kind) => kind === raw) ?? fail();
    case "instrument":
      return INSTRUMENTS.find((instrument) => instrument === raw) ?? fail();
    case "paths": {
      const list = typeof raw === "string" ? raw.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== "") : raw;
      return Array.isArray(list) && list.length > 0 && list.every((p) => typeof p === "string" && p !== "") ? list : fail();
    }
  }
}

function applyKeys<T>(keys: Record<string, Key<T>>, table: Record<string, unknown>, target: T, where: string, skip: ReadonlySet<string>): void {
  for (const [name, raw] of Object.entries(table)) {
    if (skip.has(name)) continue;
    const key = keys[name];
    if (key === undefined) {
      const allowed = Object.keys(keys).concat([...skip]).sort().join(", ");
      throw new ConfigError(`${where}: unknown key "${name}"; allowed keys are ${allowed}`);
    }
    key.set(target, convertValue(key.kind, raw, `${where} ${name}`) as never);
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Reads `[tool.profgate]` from the text of a pyproject.toml; `source` names the file in errors. */
export function parseProjectConfig(text: string, source: string): ProjectConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (error) {
    const detail = error instanceof TomlError ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`${source}: not valid TOML: ${detail}`);
  }
  const config: ProjectConfig = { run: {}, thresholds: {}, overrides: {} };
  const tool = document.tool;
  if (!isTable(tool) || tool.profgate === undefined) return config;
  const section = tool.profgate;
  const where = `${source} [tool.profgate]`;
  if (!isTable(section)) throw new ConfigError(`${where}: expected a table`);

  const overrides = section.overrides;
  if (overrides !== undefined && !isTable(overrides)) {
    throw new ConfigError(`${where} overrides: expected a table of benchmark ids or globs, e.g. [tool.profgate.overrides."benchmarks/bench_io.py::*"]`);
  }
  const runTable = Object.fromEntries(Object.entries(section).filter(([k]) => k in RUN_KEYS));
  const thresholdTable = Object.fromEntries(Object.entries(section).filter(([k]) => !(k in RUN_KEYS)));
  applyKeys(RUN_KEYS, runTable, config.run, where, new Set());
  applyKeys(THRESHOLD_KEYS, thresholdTable, config.thresholds, where, new Set(["overrides", ...Object.keys(RUN_KEYS)]));
  for (const [pattern, table] of Object.entries(overrides ?? {})) {
    const overrideWhere = `${where.replace("[tool.profgate]", `[tool.profgate.overrides."${pattern}"]`)}`;
    if (!isTable(table)) throw new ConfigError(`${overrideWhere}: expected a table of thresholds (or a timeout)`);
    const { timeout, ...rest } = table;
    if (timeout !== undefined) {
      config.run.timeouts = { ...config.run.timeouts, [pattern]: convertValue("positive-number", timeout, `${overrideWhere} timeout`) as number };
    }
    const thresholds: ThresholdSettings = {};
    applyKeys(THRESHOLD_KEYS, rest, thresholds, overrideWhere, new Set(["timeout"]));
    config.overrides[pattern] = thresholds;
  }
  return config;
}

/** The kind of value each run setting takes, for flags and Action inputs that share these checks. */
export const RUN_SETTING_KINDS: Readonly<Record<string, Kind>> = Object.fromEntries(Object.entries(RUN_KEYS).map(([k, v]) => [k, v.kind]));

/** The kind of value each threshold takes. */
export const THRESHOLD_KINDS: Readonly<Record<string, Kind>> = Object.fromEntries(Object.entries(THRESHOLD_KEYS).map(([k, v]) => [k, v.kind]));

/** Applies kebab-case raw values (flags or inputs) to run settings; `where(name)` names each origin in errors. */
export function applyRunValues(target: Partial<RunSettings>, raw: Record<string, unknown>, where: (name: string) => string): void {
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = RUN_KEYS[name];
    if (key === undefined) throw new ConfigError(`unknown setting "${name}"`);
    key.set(target, convertValue(key.kind, value, where(name)) as never);
  }
}

/** Applies kebab-case raw threshold values (flags or inputs). */
export function applyThresholdValues(target: ThresholdSettings, raw: Record<string, unknown>, where: (name: string) => string): void {
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = THRESHOLD_KEYS[name];
    if (key === undefined) throw new ConfigError(`unknown threshold "${name}"`);
    key.set(target, convertValue(key.kind, value, where(name)) as never);
  }
}

/** Defaults, then the project's config, then explicit values: later layers win key by key. */
export function resolveRunSettings(...layers: Partial<RunSettings>[]): RunSettings {
  return Object.assign({}, DEFAULT_RUN_SETTINGS, ...layers) as RunSettings;
}
