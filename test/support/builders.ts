// Hand-built results documents for unit tests and the benchmark scripts (scripts/load-core.mjs loads this file): only
// what a caller cares about has to be spelled out.
import type { Benchmark, CallEdge, Memory, MemoryLine, Profile, ProfiledFunction, Results } from "../../src/core/results.js";

/** A function for `profile()`: per-iteration figures; `cum` defaults to `own`. */
export interface FnSpec {
  name: string;
  file?: string;
  line?: number;
  calls: number;
  own: number;
  cum?: number;
}

/** A caller → callee edge between functions of the same `profile()` call, by name or by index. */
export interface EdgeSpec {
  caller: string | number;
  callee: string | number;
  calls: number;
  own: number;
  cum?: number;
}

/** A project function in src/app.py (line from the name, so it is stable). */
export function fn(name: string, calls: number, own: number, cum?: number, extra: Partial<FnSpec> = {}): FnSpec {
  return { name, file: "src/app.py", line: 10 + (name.length * 7) % 90, calls, own, ...(cum === undefined ? {} : { cum }), ...extra };
}

/** A C builtin, keyed like pstats: file `~`, line 0. */
export function builtin(name: string, calls: number, own: number): FnSpec {
  return { name, file: "~", line: 0, calls, own };
}

export function edge(caller: string | number, callee: string | number, calls: number, own: number, cum?: number): EdgeSpec {
  return { caller, callee, calls, own, ...(cum === undefined ? {} : { cum }) };
}

/** A cProfile pass; `total_time` is the sum of own times. Edges that name functions need those names unique. */
export function profile(functions: FnSpec[], edges: EdgeSpec[] = []): Profile {
  const index = new Map(functions.map((f, i) => [f.name, i]));
  const find = (name: string | number): number => {
    if (typeof name === "number") return name;
    const i = index.get(name);
    if (i === undefined) throw new Error(`edge names unknown function ${name}`);
    return i;
  };
  const fns: ProfiledFunction[] = functions.map((f) => ({
    file: f.file ?? "src/app.py",
    line: f.line ?? 1,
    name: f.name,
    calls: f.calls,
    primitive_calls: f.calls,
    own_time: f.own,
    cumulative_time: f.cum ?? f.own,
  }));
  const callEdges: CallEdge[] = edges.map((e) => ({
    caller: find(e.caller),
    callee: find(e.callee),
    calls: e.calls,
    primitive_calls: e.calls,
    own_time: e.own,
    cumulative_time: e.cum ?? e.own,
  }));
  return {
    iterations: 5,
    warmups: 1,
    total_time: fns.reduce((sum, f) => sum + f.own_time, 0),
    functions: fns,
    edges: callEdges,
    pstats: null,
  };
}

export function line(file: string, lineNo: number, fn: string, source: string, size: number, count = 1): MemoryLine {
  return { file, line: lineNo, function: fn, source, size, count };
}

export function memory(peak: number, retained = 0, atPeak: MemoryLine[] = [], retainedLines: MemoryLine[] = []): Memory {
  return { warmups: 1, peak, peak_captured: peak, at_peak: atPeak, retained, retained_blocks: retainedLines.reduce((s, l) => s + l.count, 0), retained_lines: retainedLines };
}

/** Per-process timing values: each process gets three values, the lowest of them (the process's time) exact. */
export function timing(times: number[]): NonNullable<Benchmark["timing"]> {
  return {
    loops: 100,
    warmups: 1,
    processes: times.map((m) => ({ cpu: [m * 1.01, m, m * 1.03], wall: [m * 1.02, m * 1.01, m * 1.1] })),
  };
}

/** `count` process times spread evenly by ±`spread` around `centre`, in an interleaved order. */
export function spread(centre: number, count: number, spreadFraction = 0.02): number[] {
  return Array.from({ length: count }, (_, i) => centre * (1 + spreadFraction * (((i * 7) % count) / Math.max(1, count - 1) - 0.5) * 2));
}

export interface BenchSpec {
  times?: number[] | null;
  /** The timing pass as it is, instead of one built from `times`. */
  timing?: Benchmark["timing"];
  params?: Benchmark["params"];
  clock?: "cpu" | "wall";
  status?: Benchmark["status"];
  profile?: Profile | null;
  memory?: Memory | null;
}

export function bench(id: string, spec: BenchSpec = {}): Benchmark {
  const [file = id, name = id] = id.split("::");
  const status = spec.status ?? "ok";
  return {
    id,
    file,
    name,
    params: spec.params ?? {},
    clock: spec.clock ?? "cpu",
    status,
    failure: status === "ok" ? null : { pass: "timing", message: `ValueError: boom in ${name}`, output: "" },
    output: "",
    timing: status !== "ok" ? null : spec.timing !== undefined ? spec.timing : spec.times === null ? null : timing(spec.times ?? spread(0.01, 10)),
    profile: spec.profile ?? null,
    memory: spec.memory ?? null,
  };
}

export interface EnvSpec {
  python?: string;
  cpu?: string;
  commit?: string;
  /** Settings that differ from the defaults below. */
  settings?: Partial<Results["settings"]>;
}

export function results(benchmarks: Benchmark[], env: EnvSpec = {}): Results {
  return {
    schema: "profgate/results",
    schema_version: 2,
    created: "2026-01-01T00:00:00Z",
    environment: {
      python: { version: env.python ?? "3.11.2", implementation: "CPython", build: "main", compiler: "GCC 12.2.0" },
      platform: { system: "Linux", release: "6.1", machine: "x86_64", cpu_model: env.cpu ?? "Test CPU @ 3.0GHz", cpu_count: 4 },
      git: { commit: env.commit ?? "0".repeat(40), branch: "main", dirty: false },
      tool_version: "0.1.0",
    },
    settings: {
      paths: ["benchmarks"],
      pythonpath: [],
      filter: null,
      processes: 10,
      values: 3,
      warmups: 1,
      min_time: 0.02,
      max_time: 0.6,
      timeout: 60,
      gc: false,
      hash_seed: 0,
      isolate: false,
      profile_iterations: 5,
      profile_warmups: 1,
      memory_warmups: 1,
      memory_cost: 14,
      ...env.settings,
    },
    benchmarks,
  };
}
