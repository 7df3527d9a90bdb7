/**
 * The history of the default branch: a rolling record of its runs, one compact entry per run, kept as a workflow
 * artifact that each default-branch run downloads, extends and uploads again. An entry holds what trends and change
 * points need and no more: per benchmark the timing estimate and its per-process values, the deterministic figures
 * (instructions, peak and retained memory, calls per iteration), and the few project functions that take the most
 * time, with their own, cumulative and charged time, so that a change point can name the functions that changed.
 *
 * Like a results document, a history read from an artifact is validated field by field against bounds: the number
 * of runs, of benchmarks, of functions, the length of every string. Function names are kept once, in a table the
 * entries index, which keeps the document small (see `historySize`).
 */
import { z } from "zod";
import { callGraph, chargeTime, isProjectFile } from "./callgraph.js";
import { processTimes } from "./compare.js";
import type { Benchmark, Results } from "./results.js";
import { median } from "./stats.js";

export const HISTORY_SCHEMA_NAME = "profgate/history";
export const HISTORY_SCHEMA_VERSION = 1;

/** Runs kept when no window is given: about a year of daily pushes, a few weeks of a busy branch. */
export const DEFAULT_HISTORY_WINDOW = 200;
/** The largest window a history may declare or be given. */
export const MAX_HISTORY_WINDOW = 2_000;
/** Project functions recorded per benchmark and run, the heaviest by charged time. */
export const HISTORY_FUNCTIONS = 5;
/** Significant digits kept of timings: run-to-run noise is far above the fifth digit. */
const TIME_DIGITS = 4;

const MAX_TEXT = 4_096;
const MAX_BENCHMARKS = 100_000;
const MAX_FUNCTIONS = 1_000_000;
/** Benchmark entries over all runs: 2,000 benchmarks over the largest window, with room. */
const MAX_ENTRIES = 10_000_000;

const text = z.string().max(MAX_TEXT);
const figure = z.number().finite().nonnegative();

/** A function as pstats keys it. */
export const HistoryFunction = z.strictObject({ file: text, line: z.number().int().nonnegative(), name: text });
export type HistoryFunction = z.infer<typeof HistoryFunction>;

/**
 * One recorded function of one benchmark in one run: `[function, own, cumulative, charged, calls]`, the index into
 * the history's function table, then seconds per iteration (own, cumulative, and own plus the non-project time
 * charged to it, scaled to the run's timing estimate) and calls per iteration.
 */
export const FunctionEntry = z.tuple([z.number().int().nonnegative(), figure, figure, figure, figure]);
export type FunctionEntry = z.infer<typeof FunctionEntry>;

/** One benchmark in one run. Every figure is null when the pass that measures it did not run or failed. */
export const HistoryBenchmark = z.strictObject({
  id: text,
  /** Seconds per iteration: the median of the per-process values. */
  time: figure.nullable(),
  /** Each timing process's best time per iteration, as the comparison takes them. */
  processes: z.array(figure).max(10_000),
  instructions: figure.nullable(),
  peak: z.number().finite().nullable(),
  retained: z.number().finite().nullable(),
  /** Function calls per iteration, over the whole profile. */
  calls: figure.nullable(),
  functions: z.array(FunctionEntry).max(100),
});
export type HistoryBenchmark = z.infer<typeof HistoryBenchmark>;

/** One run of the default branch. */
export const HistoryRun = z.strictObject({
  commit: text,
  /** When the results were created (ISO 8601). */
  date: text,
  /** The workflow run that measured it, when known. */
  run: z.number().int().nonnegative().nullable(),
  /** The machine that measured it (the runner's name), when known. */
  runner: text.nullable(),
  /** The interpreter: "CPython 3.12.3 (main, …)". Timings of different interpreters are not one series. */
  python: text,
  /** System, machine and CPU model. */
  platform: text,
  /** What instruction counts depend on besides the interpreter (valgrind, libc); null when none were counted. */
  instrument: text.nullable(),
  benchmarks: z.array(HistoryBenchmark).max(MAX_BENCHMARKS),
});
export type HistoryRun = z.infer<typeof HistoryRun>;

/** The run's shape with its benchmark entries left to `entryProblem`: zod per entry costs seconds on a large history. */
const ShallowRun = HistoryRun.extend({ benchmarks: z.custom<HistoryBenchmark[]>((value) => Array.isArray(value), { message: "expected an array" }) });

export const History = z.strictObject({
  schema: z.literal(HISTORY_SCHEMA_NAME),
  schema_version: z.literal(HISTORY_SCHEMA_VERSION),
  /** How many runs are kept; appending beyond it drops the oldest. */
  window: z.number().int().min(1).max(MAX_HISTORY_WINDOW),
  functions: z.array(HistoryFunction).max(MAX_FUNCTIONS),
  /** Oldest first. */
  runs: z.array(HistoryRun).max(MAX_HISTORY_WINDOW),
});
export type History = z.infer<typeof History>;

const ShallowHistory = History.extend({ runs: z.array(ShallowRun).max(MAX_HISTORY_WINDOW) });

const ENTRY_KEYS = new Set(["id", "time", "processes", "instructions", "peak", "retained", "calls", "functions"]);

const isFigure = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isFigureOrNull = (v: unknown): boolean => v === null || isFigure(v);
const isNumberOrNull = (v: unknown): boolean => v === null || (typeof v === "number" && Number.isFinite(v));

/** What is wrong with one benchmark entry (the checks HistoryBenchmark states, written out), or null. */
function entryProblem(entry: unknown, functions: number): string | null {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return "expected an object";
  const e = entry as Record<string, unknown>;
  for (const key in e) if (!ENTRY_KEYS.has(key)) return `unknown field ${JSON.stringify(key)}`;
  if (typeof e.id !== "string" || e.id.length > MAX_TEXT) return `id: expected a string of at most ${MAX_TEXT} characters`;
  if (!isFigureOrNull(e.time)) return "time: expected a finite number ≥ 0 or null";
  if (!Array.isArray(e.processes) || e.processes.length > 10_000 || !e.processes.every(isFigure)) return "processes: expected at most 10000 finite numbers ≥ 0";
  if (!isFigureOrNull(e.instructions)) return "instructions: expected a finite number ≥ 0 or null";
  if (!isNumberOrNull(e.peak)) return "peak: expected a finite number or null";
  if (!isNumberOrNull(e.retained)) return "retained: expected a finite number or null";
  if (!isFigureOrNull(e.calls)) return "calls: expected a finite number ≥ 0 or null";
  if (!Array.isArray(e.functions) || e.functions.length > 100) return "functions: expected at most 100 entries";
  for (const [k, f] of (e.functions as unknown[]).entries()) {
    if (!Array.isArray(f) || f.length !== 5 || !f.every(isFigure)) return `functions[${k}]: expected [function, own, cumulative, charged, calls], five finite numbers ≥ 0`;
    const index = f[0] as number;
    if (!Number.isInteger(index)) return `functions[${k}]: the function index must be a whole number`;
    if (index >= functions) return `functions[${k}]: refers to function ${index} of ${functions}`;
  }
  return null;
}

/** A history document that failed validation; `problems` name their places. */
export class HistoryError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: not a valid profgate history:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "HistoryError";
  }
}

function place(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(top level)" : path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/** An empty history keeping `window` runs. */
export function emptyHistory(window = DEFAULT_HISTORY_WINDOW): History {
  checkWindow(window, "window");
  return { schema: HISTORY_SCHEMA_NAME, schema_version: HISTORY_SCHEMA_VERSION, window, functions: [], runs: [] };
}

function checkWindow(window: number, where: string): void {
  if (!Number.isInteger(window) || window < 1 || window > MAX_HISTORY_WINDOW) {
    throw new HistoryError(where, [`${String(window)} runs is not allowed; the window is a whole number of runs from 1 to ${MAX_HISTORY_WINDOW}`]);
  }
}

/**
 * Validates parsed JSON as a history. The schema and its version are checked first, for one clear message; then
 * every field, the size bounds, the function references and the order of the runs.
 */
export function parseHistory(data: unknown, source: string): History {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new HistoryError(source, ["expected a JSON object"]);
  const record = data as Record<string, unknown>;
  if (record.schema !== HISTORY_SCHEMA_NAME) {
    throw new HistoryError(source, [`"schema" is ${JSON.stringify(record.schema) ?? "missing"}, expected "${HISTORY_SCHEMA_NAME}"`]);
  }
  if (record.schema_version !== HISTORY_SCHEMA_VERSION) {
    throw new HistoryError(source, [`schema_version ${JSON.stringify(record.schema_version) ?? "is missing"} is not known to this profgate (it reads version ${HISTORY_SCHEMA_VERSION})`]);
  }
  const parsed = ShallowHistory.safeParse(data);
  if (!parsed.success) throw new HistoryError(source, parsed.error.issues.slice(0, 20).map((issue) => `${place(issue.path)}: ${issue.message}`));
  const history: History = parsed.data;
  const problems: string[] = [];
  if (history.runs.length > history.window) problems.push(`runs: ${history.runs.length} runs, more than the window of ${history.window}`);
  let entries = 0;
  history.runs.forEach((run, r) => {
    entries += run.benchmarks.length;
    if (run.benchmarks.length > MAX_BENCHMARKS) problems.push(`runs[${r}].benchmarks: too many items (${run.benchmarks.length}; at most ${MAX_BENCHMARKS})`);
    const ids = new Set<string>();
    for (let b = 0; b < run.benchmarks.length && problems.length < 20; b++) {
      const bench = run.benchmarks[b];
      const problem = entryProblem(bench, history.functions.length);
      if (problem !== null) {
        problems.push(`runs[${r}].benchmarks[${b}].${problem}`);
        continue;
      }
      const id = (bench as HistoryBenchmark).id;
      if (ids.has(id)) problems.push(`runs[${r}].benchmarks[${b}].id: duplicate id ${JSON.stringify(id)}`);
      ids.add(id);
    }
  });
  if (entries > MAX_ENTRIES) problems.push(`runs: ${entries} benchmark entries in all; at most ${MAX_ENTRIES}`);
  if (problems.length > 0) throw new HistoryError(source, problems.slice(0, 20));
  return history;
}

/** Where a run came from, beside its results. */
export interface RunOrigin {
  run: number | null;
  runner: string | null;
  /** The commit measured, when the results' own git record is not to be taken (a CI checkout's detached state). */
  commit?: string;
}

function round(value: number, digits = TIME_DIGITS): number {
  return value === 0 ? 0 : Number(value.toPrecision(digits));
}

function pythonOf(results: Results): string {
  const p = results.environment.python;
  return `${p.implementation} ${p.version} (${p.build}, ${p.compiler})`;
}

function platformOf(results: Results): string {
  const p = results.environment.platform;
  return `${p.system} ${p.machine}, ${p.cpu_model}`;
}

/** A function's key in the table. */
function keyOf(f: HistoryFunction): string {
  return `${f.file}\0${f.line}\0${f.name}`;
}

/** One benchmark's record; `intern` gives a function's index in the table. */
function recordBenchmark(bench: Benchmark, intern: (f: HistoryFunction) => number): HistoryBenchmark {
  const processes = bench.status === "ok" ? processTimes(bench) : [];
  const time = processes.length > 0 ? median(processes) : null;
  const profile = bench.status === "ok" ? bench.profile : null;
  const functions: FunctionEntry[] = [];
  let calls: number | null = null;
  if (profile !== null) {
    calls = profile.functions.reduce((sum, f) => sum + f.calls, 0);
    if (profile.total_time > 0) {
      // Shares of the profiled total, scaled to the timing estimate: profiler overhead differs between machines.
      const scale = (time ?? profile.total_time) / profile.total_time;
      const charged = chargeTime(callGraph(profile));
      const project = profile.functions.map((f, i) => ({ f, i })).filter(({ f }) => isProjectFile(f.file));
      project.sort((a, b) => (charged.time[b.i] ?? 0) - (charged.time[a.i] ?? 0));
      for (const { f, i } of project.slice(0, HISTORY_FUNCTIONS)) {
        functions.push([intern({ file: f.file, line: f.line, name: f.name }), round(f.own_time * scale), round(f.cumulative_time * scale), round((charged.time[i] ?? 0) * scale), f.calls]);
      }
    }
  }
  const memory = bench.status === "ok" ? bench.memory : null;
  return {
    id: bench.id,
    time: time === null ? null : round(time),
    processes: processes.map((v) => round(v)),
    instructions: bench.status === "ok" ? (bench.instructions?.per_iteration ?? null) : null,
    peak: memory?.peak ?? null,
    retained: memory?.retained ?? null,
    calls,
    functions,
  };
}

/**
 * The history with a record of `results` appended and the oldest runs dropped beyond the window. The function table
 * keeps its entries and grows by the new run's; once more than half of it is unused by the kept runs it is rebuilt
 * (rebuilding copies every entry, which on a large history costs more than the append). `window` changes the
 * history's window when given.
 */
export function appendRun(history: History, results: Results, origin: RunOrigin, window: number = history.window): History {
  checkWindow(window, "window");
  const table: HistoryFunction[] = [...history.functions];
  const index = new Map<string, number>(table.map((f, i) => [keyOf(f), i]));
  const intern = (f: HistoryFunction): number => {
    const key = keyOf(f);
    let i = index.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(f);
      index.set(key, i);
    }
    return i;
  };
  const fresh: HistoryRun = {
    commit: origin.commit ?? results.environment.git?.commit ?? "unknown",
    date: results.created,
    run: origin.run,
    runner: origin.runner,
    python: pythonOf(results),
    platform: platformOf(results),
    instrument: results.environment.instructions === undefined ? null : `valgrind ${results.environment.instructions.valgrind}, ${results.environment.instructions.libc}`,
    benchmarks: results.benchmarks.map((b) => recordBenchmark(b, intern)),
  };
  const kept = [...history.runs, fresh].slice(-window);
  const used = new Set<number>();
  for (const run of kept) for (const b of run.benchmarks) for (const [f] of b.functions) used.add(f);
  if (used.size * 2 >= table.length) return { schema: HISTORY_SCHEMA_NAME, schema_version: HISTORY_SCHEMA_VERSION, window, functions: table, runs: kept };
  const compact: HistoryFunction[] = [];
  const moved = new Map<number, number>();
  for (const f of [...used].sort((a, b) => a - b)) {
    moved.set(f, compact.length);
    compact.push(table[f] ?? { file: "?", line: 0, name: "?" });
  }
  const runs = kept.map((run) => ({
    ...run,
    benchmarks: run.benchmarks.map((b) => ({ ...b, functions: b.functions.map(([f, ...rest]) => [moved.get(f) ?? 0, ...rest] as FunctionEntry) })),
  }));
  return { schema: HISTORY_SCHEMA_NAME, schema_version: HISTORY_SCHEMA_VERSION, window, functions: compact, runs };
}

/** The history as it is stored: compact JSON. */
export function serializeHistory(history: History): string {
  return JSON.stringify(history);
}

/** How large the stored history is, in all and per run and per benchmark entry (bytes of its JSON). */
export interface HistorySize {
  bytes: number;
  runs: number;
  entries: number;
  perRun: number;
  perEntry: number;
}

/** Measures `history` as `serializeHistory` stores it. */
export function historySize(history: History): HistorySize {
  const bytes = new TextEncoder().encode(serializeHistory(history)).length;
  const entries = history.runs.reduce((sum, run) => sum + run.benchmarks.length, 0);
  return { bytes, runs: history.runs.length, entries, perRun: history.runs.length === 0 ? 0 : bytes / history.runs.length, perEntry: entries === 0 ? 0 : bytes / entries };
}
