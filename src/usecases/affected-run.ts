/**
 * A run of only the benchmarks a change can affect (`affected: auto`, `profgate run --affected-since`): list what
 * the working tree changes since the baseline's commit, map the changed lines to functions, decide from the
 * baseline's call graphs (src/core/affected.ts), measure those benchmarks, and write results where the others carry
 * the baseline's figures, marked as not re-run. A change the call graphs cannot judge runs the whole suite.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { carryOver, selectAffected, wholeSuiteReason, type AnalysedFile, type ChangedPath, type Selection } from "../core/affected.js";
import type { RunSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import { analyseChanges, type ChangeRequestFile } from "../adapters/changes.js";
import { Git } from "../adapters/git.js";
import { runHarness, type HarnessEvent, type HarnessRun } from "../adapters/harness.js";
import type { StopSignals } from "../adapters/signals.js";

export interface AffectedPlanOptions {
  /** The project directory, inside a git repository. */
  cwd: string;
  settings: RunSettings;
  /** The baseline's results; null runs everything. */
  baseline: Results | null;
  /** The commit the baseline measured: the change is the working tree against it. */
  baseCommit: string;
  /** Fetch `baseCommit` from origin when the (shallow) checkout lacks it. */
  fetchMissing?: boolean;
  /** Count untracked .py files as added: true for a local working tree, false for a CI checkout. */
  untracked: boolean;
}

/** The plan: the selection, and the head's collected benchmarks (null when everything runs without collecting). */
export interface AffectedPlan {
  selection: Selection;
  collected: Results | null;
}

function lineCount(source: Buffer): number {
  let lines = 0;
  for (const byte of source) if (byte === 0x0a) lines += 1;
  return source.length > 0 && source[source.length - 1] !== 0x0a ? lines + 1 : lines;
}

/** The working tree's change since a commit: every changed file, and what the analysis found in the Python ones. */
export interface DescribedChange {
  files: ChangedPath[];
  /** Set when a file rules out deciding by call graphs (then `analysed` is empty). */
  wholeSuite: string | null;
  analysed: AnalysedFile[];
}

/**
 * Lists what the working tree of the repository holding `cwd` changes since `baseCommit` and, unless `wholeSuite`
 * (given the baseline) already rules, maps every changed .py file's lines to functions with `python`.
 */
export async function describeChange(options: {
  cwd: string;
  python: string;
  baseline: Results | null;
  baseCommit: string;
  benchmarkFiles: readonly string[];
  /** Count untracked .py files as added (a local working tree); a CI checkout's untracked files are its steps' products. */
  untracked: boolean;
}): Promise<DescribedChange> {
  const git = new Git(options.cwd);
  const root = await git.root();
  const prefix = await git.prefix();
  const files: ChangedPath[] = (await git.changedFiles(options.baseCommit, options.untracked)).map((f) => ({
    ...f,
    projectPath: f.path.startsWith(prefix) ? f.path.slice(prefix.length) : null,
  }));
  const wholeSuite = wholeSuiteReason(options.baseline, files);
  if (wholeSuite !== null) return { files, wholeSuite, analysed: [] };
  const requests: ChangeRequestFile[] = await Promise.all(
    files.map(async (file): Promise<ChangeRequestFile> => {
      const path = file.projectPath ?? file.path;
      const base = file.status === "A" ? null : await git.show(options.baseCommit, file.path);
      const head = file.status === "D" ? null : await readFile(join(root, file.path));
      if (base === null || head === null) {
        return { path, base, head, baseLines: base === null ? [] : [[1, lineCount(base)]], headLines: head === null ? [] : [[1, lineCount(head)]] };
      }
      const lines = await git.changedLines(options.baseCommit, file.path);
      return { path, base, head, baseLines: lines.base, headLines: lines.head };
    }),
  );
  const analysed = requests.length === 0 ? [] : await analyseChanges({ python: options.python, root: options.cwd, files: requests, benchmarkFiles: options.benchmarkFiles });
  return { files, wholeSuite: null, analysed };
}

/** What changed since `baseCommit` and which benchmarks it can affect. */
export async function planAffected(options: AffectedPlanOptions): Promise<AffectedPlan> {
  const git = new Git(options.cwd);
  if (!(await git.hasCommit(options.baseCommit))) {
    if (options.fetchMissing !== true) return { selection: { everything: true, reason: `the baseline's commit ${options.baseCommit.slice(0, 7)} is not in this repository` }, collected: null };
    await git.fetchCommit(options.baseCommit);
  }
  const baseline = options.baseline;
  if (baseline === null) return { selection: { everything: true, reason: "there is no baseline whose call graphs could tell which benchmarks the change reaches" }, collected: null };
  // Only the baseline's benchmark files matter for imports: a benchmark the baseline lacks runs anyway.
  const benchmarkFiles = [...new Set(baseline.benchmarks.map((b) => b.file))];
  const change = await describeChange({ cwd: options.cwd, python: options.settings.python, baseline, baseCommit: options.baseCommit, benchmarkFiles, untracked: options.untracked });
  if (change.wholeSuite !== null) return { selection: { everything: true, reason: change.wholeSuite }, collected: null };
  const scratch = await mkdtemp(join(tmpdir(), "profgate-collect-"));
  try {
    const collected = (await runHarness({ cwd: options.cwd, out: scratch, settings: options.settings, passes: "none" })).results;
    return { selection: selectAffected(baseline, collected.benchmarks, change.analysed), collected };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface AffectedRunOptions {
  cwd: string;
  out: string;
  settings: RunSettings;
  plan: AffectedPlan;
  baseline: Results;
  /** Names the baseline in each carried benchmark's `carried_over.from` (e.g. `baseline run 1234 (abc1234)`). */
  from: string;
  onEvent?: (event: HarnessEvent) => void;
  /** Stop signals passed on to the harness (a stopped run keeps what it measured, see runHarness). */
  stop?: StopSignals;
  /** The depth the benchmarks that run are measured at (default full). */
  depth?: "full" | "exact";
}

/** Measures the plan's benchmarks into `out` and rewrites `out/results.json` with the others carried over. */
export async function runAffected(options: AffectedRunOptions): Promise<HarnessRun> {
  const { plan } = options;
  if (plan.selection.everything || plan.collected === null) {
    return runHarness({ cwd: options.cwd, out: options.out, settings: options.settings, depth: options.depth, onEvent: options.onEvent, stop: options.stop });
  }
  const ids = [...plan.selection.run.keys()];
  const measured = ids.length === 0 ? null : await runHarness({ cwd: options.cwd, out: options.out, settings: options.settings, ids, depth: options.depth, onEvent: options.onEvent, stop: options.stop });
  const results = carryOver(plan.collected, measured?.results ?? null, options.baseline, plan.selection.carried, options.from);
  const out = resolve(options.cwd, options.out);
  await mkdir(out, { recursive: true });
  const resultsPath = join(out, "results.json");
  await writeFile(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  return { results, resultsPath, exitCode: measured?.exitCode ?? 0 };
}
