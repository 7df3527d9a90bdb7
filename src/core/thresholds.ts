/**
 * Gate thresholds per benchmark: named defaults, then `[tool.profgate]` globals, then per-benchmark entries
 * (exact id or glob), then command-line flags or Action inputs. Values arrive already checked and converted
 * (fractions, bytes) by the configuration reader; this module only decides which value applies where.
 */
import picomatch from "picomatch";

/** The thresholds that apply to one benchmark. Fractions are relative changes (0.05 = 5%). */
export interface Thresholds {
  /** The timing ratio's point estimate must exceed 1 + this to count as a regression. */
  timeThreshold: number;
  /** Base and head from separate runs: the interval's lower bound must exceed 1 + this (machine drift). */
  noiseMargin: number;
  /** Base and head interleaved on one machine: the lower bound must exceed 1 + this. */
  interleavedMargin: number;
  /** Peak or retained memory must grow by more than this fraction of base ... */
  memoryThreshold: number;
  /** ... and by more than this many bytes. */
  memoryFloor: number;
  /** Growth of a function's calls per iteration beyond this fraction fails the gate; null: reported only. */
  callThreshold: number | null;
  /** Instructions per iteration must grow by more than this fraction to regress (counts are exact: no margin). */
  instructionsThreshold: number;
  /** An asv `mem_` or `track_` value (exact, one per side) must grow by more than this fraction of base. */
  valueThreshold: number;
  /** One-sided confidence level of the timing interval; 1 − level is also Holm's family-wise error rate. */
  level: number;
  /** Growth of a family's fitted time exponent (head − base, log-log slope) that regresses it, its interval clear of 0. */
  complexityThreshold: number;
  /** The parameter that is a family's size, when detection cannot tell (several numeric parameters, numbers as text). */
  complexityParameter: string | null;
}

/** Some thresholds, as one configuration layer gives them (same names as `Thresholds`, all optional). */
export type ThresholdOverrides = Partial<Thresholds>;

/**
 * Plain-data threshold configuration. Layers apply in this order, later values winning key by key:
 * defaults, `global`, the matching `benchmarks` entries, `flags`.
 */
export interface ThresholdConfig {
  /** `[tool.profgate]` top-level thresholds. */
  global?: ThresholdOverrides;
  /**
   * Per-benchmark entries keyed by an exact benchmark id or a glob. Every matching entry applies: globs first,
   * in declaration order (so the last matching glob wins), then an exact id match, which beats any glob.
   */
  benchmarks?: Readonly<Record<string, ThresholdOverrides>>;
  /** Command-line flags or Action inputs: they win over everything in pyproject.toml, per-benchmark entries included. */
  flags?: ThresholdOverrides;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  timeThreshold: 0.05,
  noiseMargin: 0.15,
  interleavedMargin: 0.01,
  memoryThreshold: 0.1,
  memoryFloor: 64 * 1024,
  callThreshold: null,
  instructionsThreshold: 0.02,
  valueThreshold: 0.1,
  level: 0.99,
  complexityThreshold: 0.25,
  complexityParameter: null,
});

/** Resolves thresholds by benchmark id; built once per configuration so globs compile once. */
export interface ThresholdResolver {
  /** Thresholds with no per-benchmark entry applied (for the report's method footer). */
  readonly global: Readonly<Thresholds>;
  /** The thresholds for one benchmark id. */
  forBenchmark(id: string): Thresholds;
  /** Whether any per-benchmark entry applies to this id. */
  isOverridden(id: string): boolean;
}

function defined(layer: ThresholdOverrides | undefined): ThresholdOverrides {
  return Object.fromEntries(Object.entries(layer ?? {}).filter(([, value]) => value !== undefined));
}

/**
 * Builds the resolver for a configuration. Globs follow picomatch's POSIX rules with `dot: true`: `*` does not
 * cross `/`, `**` does; `[`, `]` in a glob form a character class, so an id with parameters is matched by its
 * exact text (or with brackets escaped, `\[`).
 */
export function thresholdResolver(config: ThresholdConfig): ThresholdResolver {
  const base: Thresholds = { ...DEFAULT_THRESHOLDS, ...defined(config.global) };
  const flags = defined(config.flags);
  const global: Thresholds = Object.freeze({ ...base, ...flags });
  const entries = Object.entries(config.benchmarks ?? {}).map(([pattern, overrides]) => ({
    pattern,
    overrides: defined(overrides),
    matches: picomatch(pattern, { dot: true, windows: false }),
  }));
  const matching = (id: string): ThresholdOverrides[] => [
    ...entries.filter((entry) => entry.pattern !== id && entry.matches(id)).map((entry) => entry.overrides),
    ...entries.filter((entry) => entry.pattern === id).map((entry) => entry.overrides),
  ];
  return {
    global,
    forBenchmark: (id) => Object.assign({}, base, ...matching(id), flags) as Thresholds,
    isOverridden: (id) => matching(id).length > 0,
  };
}
