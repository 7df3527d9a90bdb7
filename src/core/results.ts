/**
 * The results document written by the harness (`OUT/results.json`) and read back by `compare`, the Action and
 * anything that downloads an artifact. This zod schema is the one source of truth: it validates every document
 * read from disk or from an artifact (which a fork may control), and it emits the published JSON Schema.
 */
import { z } from "zod";

/** The schema version this build writes. Readers refuse any other by name, except the older ones in `READABLE_VERSIONS`. */
export const RESULTS_SCHEMA_VERSION = 2;

/**
 * Versions this build reads: a version 1 document (before `stopped`) is a valid version 2 document but for its
 * number, so reading it is a change of that number.
 */
const READABLE_VERSIONS: readonly number[] = [1, RESULTS_SCHEMA_VERSION];
export const RESULTS_SCHEMA_NAME = "profgate/results";

// Bounds keep a hostile artifact from smuggling huge strings or arrays through validation.
const MAX_TEXT = 4_096;
const MAX_OUTPUT = 16_384;
const MAX_LIST = 200_000;

const text = (max = MAX_TEXT) => z.string().max(max);
const count = z.number().finite().nonnegative();
const seconds = z.number().finite().nonnegative();
const bytes = z.number().finite();

/**
 * How a benchmark ended. `stopped`: the run was stopped (SIGINT, SIGTERM) before the benchmark finished its passes;
 * what it measured before is kept, and it is neither a failure nor compared. Everything else but `ok` is a failure.
 */
export const BenchmarkStatus = z.enum(["ok", "error", "exit", "crash", "timeout", "stopped"]);
export type BenchmarkStatus = z.infer<typeof BenchmarkStatus>;

/** `value`: the one call of an asv `mem_` or `track_` benchmark whose return value is measured. */
export const Pass = z.enum(["collect", "timing", "instructions", "profile", "memory", "value"]);
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

/**
 * The kinds of field in the big row arrays (profiled functions, call edges, memory lines). Each kind has a zod
 * schema, for the published JSON Schema and the inferred types, and a plain check that `parseResults` runs on
 * every row: a profile holds thousands of rows, and one generic validation per row cost seconds per million.
 */
type RowField = "text" | "line" | "index" | "count" | "seconds" | "bytes" | "number";

const ROW_FIELDS: Record<RowField, { schema: z.ZodType; problem: (value: unknown) => string | null }> = {
  text: { schema: text(), problem: (v) => (typeof v !== "string" ? "expected a string" : v.length > MAX_TEXT ? `longer than ${MAX_TEXT} characters` : null) },
  line: { schema: z.number().int().nonnegative(), problem: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? null : "expected a whole number ≥ 0") },
  index: { schema: z.number().int().nonnegative(), problem: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? null : "expected a whole number ≥ 0") },
  count: { schema: count, problem: (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? null : "expected a finite number ≥ 0") },
  seconds: { schema: seconds, problem: (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? null : "expected a finite number ≥ 0") },
  bytes: { schema: bytes, problem: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "expected a finite number") },
  number: { schema: z.number().finite(), problem: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "expected a finite number") },
};

type RowSpec = Readonly<Record<string, RowField>>;

/** A row as its spec describes it: text fields are strings, every other kind a number. */
type RowOf<S extends RowSpec> = { -readonly [K in keyof S]: S[K] extends "text" ? string : number };

function rowSchema<const S extends RowSpec>(spec: S): z.ZodType<RowOf<S>> {
  return z.strictObject(Object.fromEntries(Object.entries(spec).map(([key, kind]) => [key, ROW_FIELDS[kind].schema]))) as unknown as z.ZodType<RowOf<S>>;
}

const FUNCTION_ROW = { file: "text", line: "line", name: "text", calls: "count", primitive_calls: "count", own_time: "seconds", cumulative_time: "seconds" } as const;
const EDGE_ROW = { caller: "index", callee: "index", calls: "count", primitive_calls: "count", own_time: "seconds", cumulative_time: "seconds" } as const;
const MEMORY_ROW = { file: "text", line: "line", function: "text", source: "text", size: "bytes", count: "number" } as const;

/** One profiled function, keyed like pstats by (file, line, name); figures are per iteration. */
export const ProfiledFunction = rowSchema(FUNCTION_ROW);
export type ProfiledFunction = RowOf<typeof FUNCTION_ROW>;

/** A caller→callee edge; `caller` and `callee` index `functions`. Figures are per iteration. */
export const CallEdge = rowSchema(EDGE_ROW);
export type CallEdge = RowOf<typeof EDGE_ROW>;

/** Memory charged to one source line (the innermost frame inside the project, else the innermost frame). */
export const MemoryLine = rowSchema(MEMORY_ROW);
export type MemoryLine = RowOf<typeof MEMORY_ROW>;

const MAX_EDGES = MAX_LIST * 4;

/**
 * What a benchmark measures: `time` (the three passes), or one of asv's other kinds: `peakmem` (the tracemalloc
 * pass's peak), `mem` (the deep size of the returned object, bytes), `track` (the returned number, in `unit`),
 * `timeraw` (the timing pass only: its code runs in a fresh interpreter, where no profiler of the worker reaches).
 */
export const BenchmarkKind = z.enum(["time", "peakmem", "mem", "track", "timeraw"]);
export type BenchmarkKind = z.infer<typeof BenchmarkKind>;

/** Instructions per iteration, counted under valgrind (`--instrument instructions`). */
export const Instructions = z.strictObject({
  per_iteration: z.number().finite().nonnegative(),
  iterations: z.number().int().positive(),
  warmups: z.number().int().nonnegative(),
});
export type Instructions = z.infer<typeof Instructions>;

export const ParamValue = z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()]);

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
  /** What instruction counts depend on besides the Python build; present only when instructions were counted. */
  instructions: z
    .strictObject({
      valgrind: text(),
      libc: text(),
    })
    .optional(),
});
export type Environment = z.infer<typeof Environment>;

/** How much each benchmark gets beyond its timing (the harness's `--depth`). */
export const Depth = z.enum(["exact", "full"]);
export type Depth = z.infer<typeof Depth>;

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
   * fewer than its warm-ups and one).
   */
  max_time: seconds,
  timeout: seconds,
  gc: z.boolean(),
  hash_seed: z.number().int().nonnegative(),
  /** Each benchmark in worker processes of its own, rather than all benchmarks of a pass in one. */
  isolate: z.boolean(),
  profile_iterations: z.number().int().positive(),
  profile_warmups: z.number().int().nonnegative(),
  memory_warmups: z.number().int().nonnegative(),
  /** How many plain iterations' time the tracemalloc pass's line breakdown may take. */
  memory_cost: z.number().finite().nonnegative(),
  /**
   * `full`: the whole picture of every benchmark; `exact`: only the exact, cheap figures beyond timing (one profiled
   * iteration, peak and retained without the live-at-peak lines), the deep passes left for a later `--deep-only` run.
   * Absent in documents written before the setting existed (full).
   */
  depth: Depth.optional(),
  /** `instructions` when the instructions pass ran; absent otherwise, as are the two settings below. */
  instrument: z.enum(["instructions"]).optional(),
  instruction_iterations: z.number().int().positive().optional(),
  instruction_warmups: z.number().int().nonnegative().optional(),
});
export type Settings = z.infer<typeof Settings>;

/** The most shards a run may be split into (GitHub's matrix allows 256 jobs). */
export const MAX_SHARDS = 256;

const shardNumber = z.number().int().min(1).max(MAX_SHARDS);

/** One shard of a sharded run: which share of the suite it measured, where, and how the suite was split. */
export const Shard = z.strictObject({
  /** 1-based: shard `index` of `count`. */
  index: shardNumber,
  count: shardNumber,
  /** What every shard of one run shares (the Action: the workflow run's id); null when not given. */
  run: text().nullable(),
  /** The machine that measured it (the Action: the runner's name; the CLI: the host name). */
  runner: text().nullable(),
  /** Benchmarks the whole suite holds, over every shard. */
  total: z.number().int().nonnegative(),
  /** What balanced the split: a baseline's durations (e.g. `baseline run 1234`), or null for an even split. */
  basis: text().nullable(),
});
export type Shard = z.infer<typeof Shard>;

/** How a run was stopped before its end: the signal it got. */
export const Stopped = z.strictObject({ signal: z.enum(["SIGINT", "SIGTERM"]) });
export type Stopped = z.infer<typeof Stopped>;

/**
 * The schema tree above the row arrays, built twice: with `rows` giving each row array its full zod schema (the
 * published JSON Schema, and the types), and with `rows` accepting any array, for `parseResults`, which then checks
 * every row with the plain checks of its kind.
 */
function buildSchemas(rows: <T>(row: z.ZodType<T>, max: number) => z.ZodType<T[]>) {
  const Profile = z.strictObject({
    iterations: z.number().int().positive(),
    warmups: z.number().int().nonnegative(),
    total_time: seconds,
    functions: rows(ProfiledFunction, MAX_LIST),
    edges: rows(CallEdge, MAX_EDGES),
    pstats: text().nullable(),
  });
  const Memory = z.strictObject({
    warmups: z.number().int().nonnegative(),
    peak: bytes,
    peak_captured: bytes,
    at_peak: rows(MemoryLine, MAX_LIST),
    retained: bytes,
    retained_blocks: z.number().finite(),
    retained_lines: rows(MemoryLine, MAX_LIST),
    /**
     * Set when the pass's budget cut the line breakdown short: `at_peak` is then from the last point reached and the
     * retained lines are charged to each block's innermost frame; `peak` and `retained` are exact either way.
     * Absent whenever the breakdown is complete.
     */
    note: text().optional(),
  });
  const Benchmark = z.strictObject({
    id: text(),
    file: text(),
    name: text(),
    params: z.record(z.string().max(MAX_TEXT), ParamValue),
    clock: z.enum(["cpu", "wall"]),
    status: BenchmarkStatus,
    failure: Failure.nullable(),
    output: text(MAX_OUTPUT),
    timing: Timing.nullable(),
    /** The instructions pass. Absent when it did not run for this benchmark (not asked for, a wall-clock benchmark, a failure). */
    instructions: Instructions.optional(),
    profile: Profile.nullable(),
    memory: Memory.nullable(),
    /** The shard that measured it, in a sharded run (absent otherwise). */
    shard: shardNumber.optional(),
    /** The machine that measured it, in a sharded run: the runner's name (absent otherwise). */
    runner: text().nullable().optional(),
    /** Absent for `time`. */
    kind: BenchmarkKind.optional(),
    /** `mem` and `track`: the measured value, null when its call failed. */
    value: z.number().finite().nullable().optional(),
    /** `track`: the unit of `value` (asv's `unit` attribute). */
    unit: text().optional(),
    /** Why the benchmark was not measured (asv: `setup` raised NotImplementedError; pytest: skipped at run time). Not a failure. */
    skipped: text().optional(),
    /** A name for display (asv's `pretty_name`). */
    pretty_name: text().optional(),
    /**
     * Not re-run (a pull request run with `affected: auto`): the figures are the baseline's, copied over because its
     * call graph touches none of the change. Never compared as a regression, never gating. Absent when measured.
     */
    carried_over: z.strictObject({ from: text(), reason: text() }).optional(),
    /**
     * `exact` when this benchmark got only the exact figures beyond timing (a run at depth exact, its deep passes not
     * run since); absent when it got the whole picture.
     */
    depth: z.literal("exact").optional(),
  });
  const Results = z.strictObject({
    schema: z.literal(RESULTS_SCHEMA_NAME),
    schema_version: z.literal(RESULTS_SCHEMA_VERSION),
    created: text(),
    environment: Environment,
    settings: Settings,
    /** This document is one shard's share of a sharded run (absent otherwise). */
    shard: Shard.optional(),
    /** This document merges these shards, by index (absent when it was not merged). */
    shards: z.array(Shard).max(MAX_SHARDS).optional(),
    /** The run was stopped by this signal before it finished (absent when it ran to its end). */
    stopped: Stopped.optional(),
    benchmarks: z.array(Benchmark).max(100_000),
  });
  return { Profile, Memory, Benchmark, Results };
}

const published = buildSchemas((row, max) => z.array(row).max(max));
const deferred = buildSchemas(<T>() => z.custom<T[]>((value) => Array.isArray(value), { message: "expected an array" }));

export const Profile = published.Profile;
export type Profile = z.infer<typeof Profile>;

export const Memory = published.Memory;
export type Memory = z.infer<typeof Memory>;

export const Benchmark = published.Benchmark;
export type Benchmark = z.infer<typeof Benchmark>;

export const Results = published.Results;
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
  if (typeof record.schema_version !== "number" || !READABLE_VERSIONS.includes(record.schema_version)) {
    throw new ResultsError(source, [
      `schema_version ${JSON.stringify(record.schema_version) ?? "is missing"} is not known to this profgate (it reads versions ${READABLE_VERSIONS.join(" and ")}); run both sides with the same profgate release`,
    ]);
  }
  const parsed = deferred.Results.safeParse({ ...record, schema_version: RESULTS_SCHEMA_VERSION });
  if (!parsed.success) {
    throw new ResultsError(
      source,
      parsed.error.issues.slice(0, 20).map((issue) => `${place(issue.path)}: ${issue.message}`),
    );
  }
  const results: Results = parsed.data;
  checkAllRows(results, source);
  checkReferences(results, source);
  return results;
}

const MAX_PROBLEMS = 20;

/** Checks every row of `rows` against `spec` and its bound, appending a problem per bad row to `problems`. */
function checkRows(rows: readonly unknown[], spec: RowSpec, max: number, where: string, problems: string[]): void {
  if (rows.length > max) problems.push(`${where}: too many items (${rows.length}; at most ${max})`);
  const keys = Object.keys(spec);
  const checks = keys.map((key) => [key, ROW_FIELDS[spec[key] as RowField].problem] as const);
  for (let i = 0; i < rows.length && problems.length < MAX_PROBLEMS; i++) {
    const row = rows[i];
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      problems.push(`${where}[${i}]: expected an object`);
      continue;
    }
    const record = row as Record<string, unknown>;
    for (const [key, problem] of checks) {
      const found = problem(record[key]);
      if (found !== null) problems.push(`${where}[${i}].${key}: ${record[key] === undefined ? "missing" : found}`);
    }
    for (const key in record) {
      if (!Object.hasOwn(spec, key)) problems.push(`${where}[${i}]: unknown field ${JSON.stringify(key)}`);
    }
  }
}

function checkAllRows(results: Results, source: string): void {
  const problems: string[] = [];
  results.benchmarks.forEach((bench, b) => {
    if (bench.profile !== null) {
      checkRows(bench.profile.functions, FUNCTION_ROW, MAX_LIST, `benchmarks[${b}].profile.functions`, problems);
      checkRows(bench.profile.edges, EDGE_ROW, MAX_EDGES, `benchmarks[${b}].profile.edges`, problems);
    }
    if (bench.memory !== null) {
      checkRows(bench.memory.at_peak, MEMORY_ROW, MAX_LIST, `benchmarks[${b}].memory.at_peak`, problems);
      checkRows(bench.memory.retained_lines, MEMORY_ROW, MAX_LIST, `benchmarks[${b}].memory.retained_lines`, problems);
    }
  });
  if (problems.length > 0) throw new ResultsError(source, problems.slice(0, MAX_PROBLEMS));
}

function checkReferences(results: Results, source: string): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  const shardIndices = new Set((results.shards ?? []).map((s) => s.index));
  if (results.shard !== undefined && results.shard.index > results.shard.count) {
    problems.push(`shard: index ${results.shard.index} is past the count ${results.shard.count}`);
  }
  if (results.shard !== undefined && results.shards !== undefined) problems.push("shard and shards: a document is one shard or a merge of shards, not both");
  (results.shards ?? []).forEach((shard, s) => {
    if (shard.index > shard.count) problems.push(`shards[${s}]: index ${shard.index} is past the count ${shard.count}`);
  });
  results.benchmarks.forEach((bench, b) => {
    if (ids.has(bench.id)) problems.push(`benchmarks[${b}].id: duplicate id ${JSON.stringify(bench.id)}`);
    ids.add(bench.id);
    if (bench.shard !== undefined) {
      const known = results.shard !== undefined ? bench.shard === results.shard.index : results.shards !== undefined ? shardIndices.has(bench.shard) : false;
      if (!known) problems.push(`benchmarks[${b}].shard: ${bench.shard} is not a shard this document holds`);
    }
    const profile = bench.profile;
    if (profile === null) return;
    const n = profile.functions.length;
    profile.edges.forEach((edge, e) => {
      if (edge.caller >= n || edge.callee >= n) {
        problems.push(`benchmarks[${b}].profile.edges[${e}]: refers to function ${Math.max(edge.caller, edge.callee)} of ${n}`);
      }
    });
  });
  if (problems.length > 0) throw new ResultsError(source, problems.slice(0, MAX_PROBLEMS));
}
