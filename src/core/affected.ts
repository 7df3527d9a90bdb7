/**
 * Which benchmarks a pull request can affect (`affected: auto`), decided from the baseline's call graphs: a
 * benchmark runs when a function the change touches appears in its baseline profile, when it imports a file changed
 * outside any function, or when nothing about it can be trusted to be unchanged (new, no baseline figures, its own
 * file changed). A change the call graphs cannot see (a dependency file, a non-Python file, a file outside the
 * project, no baseline at all) runs the whole suite. The rest keep the baseline's figures, marked as not re-run.
 */
import type { Benchmark, Results } from "./results.js";
import { plural } from "./words.js";

/** A file the change touches, as git lists it. */
export interface ChangedPath {
  /** Relative to the repository's top level. */
  path: string;
  /** Relative to the project directory (where the harness runs, what profiles are relative to); null outside it. */
  projectPath: string | null;
  status: string;
}

/** A changed function, as the base side defines it and cProfile keys it: code name and first line (a decorator's). */
export interface ChangedFunction {
  qualname: string;
  name: string;
  line: number;
  end: number;
}

/** What `python -m profgate.changes` found in one changed .py file of the project. */
export interface AnalysedFile {
  /** Relative to the project directory. */
  path: string;
  functions: ChangedFunction[];
  /** Why the module body changed; empty when every change lies inside functions. */
  module_level: string[];
  /** The benchmark files that import the file, directly or through other project files. */
  importers: string[];
}

/** The decision: run everything (and why), or run `run` and carry the baseline's figures of `carried` over. */
export type Selection =
  | { everything: true; reason: string }
  | {
      everything: false;
      /** Ids to measure, in the head's collection order, each with why. */
      run: Map<string, string>;
      /** Ids not re-run, each with why. */
      carried: Map<string, string>;
      /** One sentence for the report: how many ran and why the rest did not. */
      sentence: string;
    };

// Files that decide what gets installed or how the suite is configured: no call graph shows their effect.
const DEPENDENCY_FILE =
  /(^|\/)(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|[^/]*\.lock|Pipfile|pyproject\.toml|setup\.py|setup\.cfg|environment\.ya?ml|tox\.ini|pytest\.ini|asv\.conf\.json|MANIFEST\.in|\.python-version)$|(^|\/)requirements\/[^/]*\.(txt|in)$/;

/** Whether `path` names a dependency or suite configuration file (requirements, lock files, pyproject.toml, setup.py, …). */
export function isDependencyFile(path: string): boolean {
  return DEPENDENCY_FILE.test(path);
}

function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(", ");
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/**
 * Why the change must run the whole suite before any call graph is read, or null when the call graphs can decide:
 * no baseline, a dependency file, a file outside the project, a file that is not Python source.
 */
export function wholeSuiteReason(baseline: Results | null, files: readonly ChangedPath[]): string | null {
  if (baseline === null) return "there is no baseline whose call graphs could tell which benchmarks the change reaches";
  const dependencies = files.filter((f) => isDependencyFile(f.path)).map((f) => f.path);
  if (dependencies.length > 0) return `${listed(dependencies)} changed: dependency and configuration files can change what every benchmark runs`;
  const outside = files.filter((f) => f.projectPath === null).map((f) => f.path);
  if (outside.length > 0) return `${listed(outside)} changed outside the project directory, where the benchmarks' profiles cannot see it`;
  const other = files.filter((f) => !f.path.endsWith(".py")).map((f) => f.path);
  if (other.length > 0) return `${listed(other)} changed and ${other.length === 1 ? "is not" : "are not"} Python source: data, configuration or extension code read at run time shows in no call graph`;
  return null;
}

function key(file: string, line: number, name: string): string {
  return `${file}\u0000${line}\u0000${name}`;
}

/** Why `bench` must run, or null when its baseline touches none of the change. */
function reasonToRun(before: Benchmark, analysed: readonly AnalysedFile[], changed: Map<string, string>): string | null {
  if (before.status !== "ok") return "it failed in the baseline";
  if (before.skipped !== undefined) return "it was skipped in the baseline";
  if (before.profile === null) return "the baseline has no call graph for it";
  for (const file of analysed) {
    if (file.path === before.file) return `its file ${file.path} changed`;
  }
  const touched = new Set<string>();
  for (const f of before.profile.functions) {
    const hit = changed.get(key(f.file, f.line, f.name));
    if (hit !== undefined) return `it calls ${hit}, which changed`;
    touched.add(f.file);
  }
  for (const file of analysed) {
    if (file.module_level.length === 0) continue;
    if (file.importers.includes(before.file) || touched.has(file.path)) return `it imports ${file.path}, changed outside any function (${file.module_level.join("; ")})`;
  }
  return null;
}

/**
 * Decides which of `head` (the head's collected benchmarks, in order) run, from the baseline's profiles and the
 * analysed change of every changed .py file (all of them inside the project; `wholeSuiteReason` came first).
 */
export function selectAffected(baseline: Results, head: readonly Pick<Benchmark, "id" | "file">[], analysed: readonly AnalysedFile[]): Selection {
  const changed = new Map<string, string>();
  for (const file of analysed) {
    for (const f of file.functions) changed.set(key(file.path, f.line, f.name), `${f.qualname} (${file.path}:${f.line})`);
  }
  const byId = new Map(baseline.benchmarks.map((b) => [b.id, b]));
  const run = new Map<string, string>();
  const carried = new Map<string, string>();
  const modules = analysed.filter((f) => f.module_level.length > 0).length;
  const because = `it calls none of the ${plural(changed.size, "changed function")}${modules === 0 ? "" : ` and imports none of the ${plural(modules, "file")} changed outside a function`}`;
  for (const bench of head) {
    const before = byId.get(bench.id);
    const reason = before === undefined ? "it is new: the baseline does not have it" : reasonToRun(before, analysed, changed);
    if (reason === null) carried.set(bench.id, because);
    else run.set(bench.id, reason);
  }
  const files = plural(analysed.length, "changed Python file");
  const sentence =
    carried.size === 0
      ? `${run.size} of ${head.length} benchmarks ran (affected: auto): each reaches the change (${files}).`
      : `${run.size} of ${head.length} benchmarks ran (affected: auto): the other ${carried.size} call none of the ${plural(changed.size, "changed function")}${modules === 0 ? "" : ` and import none of the ${plural(modules, "file")} changed outside a function`} (${files}), so they keep the baseline's figures, marked not re-run.`;
  return { everything: false, run, carried, sentence };
}

/**
 * The report's sentence for results that carry benchmarks over, read from the results alone (the fork-safe comment
 * stage has only the pull request run's artifact); null when every benchmark was measured.
 */
export function carriedSentence(results: Results): string | null {
  const carried = results.benchmarks.filter((b) => b.carried_over !== undefined);
  if (carried.length === 0) return null;
  const reasons = [...new Set(carried.map((b) => b.carried_over?.reason ?? ""))];
  const why = reasons.length === 1 ? `: ${reasons[0] ?? ""}` : "";
  return `${results.benchmarks.length - carried.length} of ${results.benchmarks.length} benchmarks ran (affected: auto); the other ${carried.length} keep the baseline's figures, marked not re-run${why}.`;
}

/**
 * The head's results when only some benchmarks ran: `measured` (null when none did) for those, the baseline's
 * entries marked `carried_over` for `carried`, in the order of `collected` (a collect-only run of the head, whose
 * environment and settings stand in when nothing ran). Carried entries drop their profile file: it is the baseline's.
 */
export function carryOver(collected: Results, measured: Results | null, baseline: Results, carried: ReadonlyMap<string, string>, from: string): Results {
  const ran = new Map((measured?.benchmarks ?? []).map((b) => [b.id, b]));
  const before = new Map(baseline.benchmarks.map((b) => [b.id, b]));
  const benchmarks: Benchmark[] = [];
  for (const bench of collected.benchmarks) {
    const reason = carried.get(bench.id);
    const old = before.get(bench.id);
    if (reason !== undefined && old !== undefined) {
      const copy: Benchmark = { ...old, profile: old.profile === null ? null : { ...old.profile, pstats: null }, carried_over: { from, reason } };
      // The baseline's shard numbers refer to shards this document does not hold.
      delete copy.shard;
      delete copy.runner;
      benchmarks.push(copy);
    } else {
      benchmarks.push(ran.get(bench.id) ?? bench);
    }
  }
  const top = measured ?? collected;
  return { ...top, benchmarks };
}
