/**
 * The results document written by the harness (`OUT/results.json`) and read back by `compare`, the Action and
 * anything that downloads an artifact. This zod schema is the one source of truth: it validates every document
 * read from disk or from an artifact (which a fork may control), and it emits the published JSON Schema.
 */
import { z } from "zod";

/** The schema version this build writes and reads. Readers refuse any other by name. */
export const RESULTS_SCHEMA_VERSION = 1;
export const RESULTS_SCHEMA_NAME = "profgate/results";

// Bounds keep a hostile artifact from smuggling huge strings or arrays through validation.
const MAX_TEXT = 4_096;
const MAX_OUTPUT = 16_384;
const MAX_LIST = 200_000;

const text = (max = MAX_TEXT) => z.string().max(max);
const count = z.number().finite().nonnegative();
const seconds = z.number().finite().nonnegative();
const bytes = z.number().finite();

/** How a benchmark ended. Everything but `ok` counts as a failed benchmark. */
export const BenchmarkStatus = z.enum(["ok", "error", "exit", "crash", "timeout"]);
export type BenchmarkStatus = z.infer<typeof BenchmarkStatus>;

/** `value`: the one call of an asv `mem_` or `track_` benchmark whose return value is measured. */
export const Pass = z.enum(["collect", "timing", "profile", "memory", "value"]);
export type Pass = z.infer<typeof Pass>;

export const Failure = z.strictObject({
  pass: Pass,
  message: text(),
  output: text(MAX_OUTPUT),
});
export type Failure = z.infer<typeof Failure>;

export const ProcessTiming = z.strictObject({
  cpu: z.array(seconds).max(10_000),
  wall: z.array(seconds).max(10_000),
});
export type ProcessTiming = z.infer<typeof ProcessTiming>;

export const Timing = z.strictObject({
  loops: z.number().int().positive(),
  warmups: z.number().int().nonnegative(),
  processes: z.array(ProcessTiming).min(1).max(10_000),
});
export type Timing = z.infer<typeof Timing>;

/** One profiled function, keyed like pstats by (file, line, name); figures are per iteration. */
export const ProfiledFunction = z.strictObject({
  file: text(),
  line: z.number().int().nonnegative(),
  name: text(),
  calls: count,
  primitive_calls: count,
  own_time: seconds,
  cumulative_time: seconds,
});
export type ProfiledFunction = z.infer<typeof ProfiledFunction>;

/** A caller→callee edge; `caller` and `callee` index `functions`. Figures are per iteration. */
export const CallEdge = z.strictObject({
  caller: z.number().int().nonnegative(),
  callee: z.number().int().nonnegative(),
  calls: count,
  primitive_calls: count,
  own_time: seconds,
  cumulative_time: seconds,
});
export type CallEdge = z.infer<typeof CallEdge>;

export const Profile = z.strictObject({
  iterations: z.number().int().positive(),
  warmups: z.number().int().nonnegative(),
  total_time: seconds,
  functions: z.array(ProfiledFunction).max(MAX_LIST),
  edges: z.array(CallEdge).max(MAX_LIST * 4),
  pstats: text().nullable(),
});
export type Profile = z.infer<typeof Profile>;

/** Memory charged to one source line (the innermost frame inside the project, else the innermost frame). */
export const MemoryLine = z.strictObject({
  file: text(),
  line: z.number().int().nonnegative(),
  function: text(),
  source: text(),
  size: bytes,
  count: z.number().finite(),
});
export type MemoryLine = z.infer<typeof MemoryLine>;

export const Memory = z.strictObject({
  warmups: z.number().int().nonnegative(),
  peak: bytes,
  peak_captured: bytes,
  at_peak: z.array(MemoryLine).max(MAX_LIST),
  retained: bytes,
  retained_blocks: z.number().finite(),
  retained_lines: z.array(MemoryLine).max(MAX_LIST),
  /**
   * Set when the pass's budget cut the line breakdown short: `at_peak` is then from the last point reached and the
   * retained lines are charged to each block's innermost frame; `peak` and `retained` are exact either way.
   * Absent in results of earlier versions and whenever the breakdown is complete.
   */
  note: text().optional(),
});
export type Memory = z.infer<typeof Memory>;

/**
 * What a benchmark measures: `time` (the three passes), or one of asv's other kinds: `peakmem` (the tracemalloc
 * pass's peak), `mem` (the deep size of the returned object, bytes), `track` (the returned number, in `unit`).
 */
export const BenchmarkKind = z.enum(["time", "peakmem", "mem", "track"]);
export type BenchmarkKind = z.infer<typeof BenchmarkKind>;

export const ParamValue = z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()]);

export const Benchmark = z.strictObject({
  id: text(),
  file: text(),
  name: text(),
  params: z.record(z.string().max(MAX_TEXT), ParamValue),
  clock: z.enum(["cpu", "wall"]),
  status: BenchmarkStatus,
  failure: Failure.nullable(),
  output: text(MAX_OUTPUT),
  timing: Timing.nullable(),
  profile: Profile.nullable(),
  memory: Memory.nullable(),
  /** Absent for `time`, and in results of earlier versions. */
  kind: BenchmarkKind.optional(),
  /** `mem` and `track`: the measured value, null when its call failed. */
  value: z.number().finite().nullable().optional(),
  /** `track`: the unit of `value` (asv's `unit` attribute). */
  unit: text().optional(),
  /** Why the benchmark was not measured (asv: `setup` raised NotImplementedError; a `timeraw_` benchmark). Not a failure. */
  skipped: text().optional(),
  /** A name for display (asv's `pretty_name`). */
  pretty_name: text().optional(),
});
export type Benchmark = z.infer<typeof Benchmark>;

export const Environment = z.strictObject({
  python: z.strictObject({
    version: text(),
    implementation: text(),
    build: text(),
    compiler: text(),
  }),
  platform: z.strictObject({
    system: text(),
    release: text(),
    machine: text(),
    cpu_model: text(),
    cpu_count: z.number().int().nonnegative(),
  }),
  git: z
    .strictObject({
      commit: text(),
      branch: text().nullable(),
      dirty: z.boolean(),
    })
    .nullable(),
  tool_version: text(),
});
export type Environment = z.infer<typeof Environment>;

export const Settings = z.strictObject({
  paths: z.array(text()).max(1_000),
  pythonpath: z.array(text()).max(1_000),
  filter: text().nullable(),
  processes: z.number().int().positive(),
  values: z.number().int().positive(),
  warmups: z.number().int().nonnegative(),
  min_time: seconds,
  /**
   * Seconds of timed values per benchmark across the timing processes, which caps each process's values (never
   * fewer than its warm-ups and one). Absent in results of earlier versions, which took every value.
   */
  max_time: seconds.optional(),
  timeout: seconds,
  gc: z.boolean(),
  hash_seed: z.number().int().nonnegative(),
  /**
   * Each benchmark in worker processes of its own, rather than all benchmarks of a pass in one. Absent in results of
   * earlier versions, which always gave each benchmark its own processes.
   */
  isolate: z.boolean().optional(),
  profile_iterations: z.number().int().positive(),
  profile_warmups: z.number().int().nonnegative(),
  memory_warmups: z.number().int().nonnegative(),
  /** How many plain iterations' time the tracemalloc pass's line breakdown may take. Absent in earlier versions. */
  memory_cost: z.number().finite().nonnegative().optional(),
});
export type Settings = z.infer<typeof Settings>;

export const Results = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA_NAME),
  schema_version: z.literal(RESULTS_SCHEMA_VERSION),
  created: text(),
  environment: Environment,
  settings: Settings,
  benchmarks: z.array(Benchmark).max(100_000),
});
export type Results = z.infer<typeof Results>;

/** A results document that failed validation; `problems` are human-readable, each naming its place. */
export class ResultsError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: not a valid profgate results file:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ResultsError";
  }
}

function place(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(top level)" : path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/**
 * Validates parsed JSON as a results document. `source` names the file or artifact in errors.
 * The schema version is checked first so an unknown version gets one clear message, not a field-by-field dump.
 */
export function parseResults(data: unknown, source: string): Results {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ResultsError(source, ["expected a JSON object"]);
  }
  const record = data as Record<string, unknown>;
  if (record.schema !== RESULTS_SCHEMA_NAME) {
    throw new ResultsError(source, [`"schema" is ${JSON.stringify(record.schema) ?? "missing"}, expected "${RESULTS_SCHEMA_NAME}"`]);
  }
  if (record.schema_version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(source, [
      `schema_version ${JSON.stringify(record.schema_version) ?? "is missing"} is not known to this profgate (it reads version ${RESULTS_SCHEMA_VERSION}); run both sides with the same profgate release`,
    ]);
  }
  const parsed = Results.safeParse(data);
  if (!parsed.success) {
    throw new ResultsError(
      source,
      parsed.error.issues.slice(0, 20).map((issue) => `${place(issue.path)}: ${issue.message}`),
    );
  }
  checkReferences(parsed.data, source);
  return parsed.data;
}

function checkReferences(results: Results, source: string): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  results.benchmarks.forEach((bench, b) => {
    if (ids.has(bench.id)) problems.push(`benchmarks[${b}].id: duplicate id ${JSON.stringify(bench.id)}`);
    ids.add(bench.id);
    const profile = bench.profile;
    if (profile === null) return;
    const n = profile.functions.length;
    profile.edges.forEach((edge, e) => {
      if (edge.caller >= n || edge.callee >= n) {
        problems.push(`benchmarks[${b}].profile.edges[${e}]: refers to function ${Math.max(edge.caller, edge.callee)} of ${n}`);
      }
    });
  });
  if (problems.length > 0) throw new ResultsError(source, problems.slice(0, 20));
}
