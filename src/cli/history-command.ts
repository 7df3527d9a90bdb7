/** `profgate history PATH... --out FILE`: a history of the default branch built or extended from results files. */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { analyzeHistory } from "../core/changepoints.js";
import { appendRun, DEFAULT_HISTORY_WINDOW, emptyHistory, historySize, MAX_HISTORY_WINDOW } from "../core/history.js";
import type { Results } from "../core/results.js";
import { readHistoryFile, writeHistoryFile } from "../adapters/history-file.js";
import { readResults } from "../adapters/project.js";
import { renderHistoryText } from "../report/history.js";
import { UsageError, type CommandContext } from "./context.js";

export const HISTORY_OPTIONS = {
  out: { type: "string" },
  window: { type: "string" },
} satisfies ParseArgsConfig["options"];

export const HISTORY_HELP = `Usage: profgate history PATH... --out FILE [--window N]

Builds the history of the default branch from results files, or extends the one at FILE: the same document the
Action keeps as the "<artifact-name>-history" artifact, so baseline artifacts a project still has can be
backfilled into it. Each PATH is a results.json, a directory \`profgate run --out\` wrote, or a directory searched
for results.json files (downloaded artifacts, one folder each). Runs are appended oldest first, by the date each
results document was created; the oldest beyond the window are dropped. Prints the history's size and every change
point it holds, with the commit that introduced it and the functions that changed.

Options:
  --out FILE     the history to write; extended when it exists (required)
  --window N     runs to keep, 1 to ${MAX_HISTORY_WINDOW} (default: the history's own, else ${DEFAULT_HISTORY_WINDOW})

Exit codes: 0 written, 2 usage or input error (an invalid results file or history).
`;

/** Every results.json at or under `path`. */
async function resultsFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or directory; pass results.json files or directories holding them`);
  }
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === "results.json") found.push(join(entry.parentPath, entry.name));
  }
  if (found.length === 0) throw new UsageError(`${path}: holds no results.json`);
  return found.sort();
}

function parseWindow(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < 1 || n > MAX_HISTORY_WINDOW) {
    throw new UsageError(`--window ${JSON.stringify(value)} is not allowed; expected a whole number of runs from 1 to ${MAX_HISTORY_WINDOW}`);
  }
  return n;
}

/** Runs `profgate history`. */
export async function historyCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (typeof values.out !== "string") throw new UsageError("--out FILE is required: the history to write (extended when it exists)");
  if (positionals.length === 0) throw new UsageError("expected results.json files or directories holding them, got none");
  const window = parseWindow(values.window);
  const out = resolve(context.cwd, values.out);
  const runs: { file: string; results: Results }[] = [];
  for (const given of positionals) {
    for (const file of await resultsFiles(resolve(context.cwd, given))) runs.push({ file, results: await readResults(file) });
  }
  runs.sort((a, b) => a.results.created.localeCompare(b.results.created));
  let history = (await readHistoryFile(out)) ?? emptyHistory(window);
  for (const { results } of runs) history = appendRun(history, results, { run: null, runner: results.shard?.runner ?? null }, window ?? history.window);
  await writeHistoryFile(out, history);
  const analysis = analyzeHistory(history);
  context.stdout.write(`Appended ${runs.length} run${runs.length === 1 ? "" : "s"}: ${out}\n${renderHistoryText({ runs: history.runs.length, size: historySize(history), changePoints: analysis.changePoints, drifts: analysis.drifts })}`);
  return 0;
}
