/**
 * The results folder, as `profgate run --out DIR` and the Action's artifacts lay it out: `results.json`, the raw
 * profiles under `profiles/`, and `confirmations.json` when same-runner confirmation measured anything. Reading one,
 * writing one, and merging the folders of a sharded run's shards into one are the same for the CLI and the Action.
 */
import { cp, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { mergeConfirmations, type Confirmations } from "../core/confirmations.js";
import { ResultsError, type Results } from "../core/results.js";
import { mergeShards, type MergeOptions } from "../core/shards.js";
import { readConfirmations, readResults } from "../adapters/project.js";

/** The results document, validated on every read. */
export const RESULTS_FILE = "results.json";
/** Beside results.json: what same-runner confirmation measured, for a later stage to confirm from. */
export const CONFIRMATIONS_FILE = "confirmations.json";
/** The raw profiles (`.pstats`, `.folded`), one file name per benchmark id. */
export const PROFILES_DIR = "profiles";

/** A results folder read and validated. */
export interface ResultsFolder {
  dir: string;
  results: Results;
  /** Null when the folder holds no confirmations document. */
  confirmations: Confirmations | null;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads the folder at `path` (or the folder of the results.json `path` names); an invalid document throws
 * ResultsError, except a confirmations document when `refused` is given: it is handed the error, and the folder has
 * no confirmations.
 */
export async function readResultsFolder(path: string, refused?: (error: ResultsError) => void): Promise<ResultsFolder> {
  const dir = (await isDirectory(path)) ? path : dirname(path);
  const results = await readResults(path);
  try {
    return { dir, results, confirmations: await readConfirmations(join(dir, CONFIRMATIONS_FILE)) };
  } catch (error) {
    if (!(error instanceof ResultsError) || refused === undefined) throw error;
    refused(error);
    return { dir, results, confirmations: null };
  }
}

/** Writes `dir/confirmations.json`, when it has anything to say. */
export async function writeConfirmations(dir: string, confirmations: Confirmations): Promise<void> {
  if (confirmations.sessions.length === 0 && confirmations.skipped.length === 0) return;
  await writeFile(join(dir, CONFIRMATIONS_FILE), `${JSON.stringify(confirmations)}\n`);
}

/** Every file under `root`, relative to it. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

/** A sharded run's shards merged into one folder: the merged results and every shard's confirmations. */
export interface MergedFolder {
  results: Results;
  confirmations: Confirmations;
}

/**
 * Merges the shards' folders (src/core/shards.ts checks they belong together) into the folder `out`: one
 * results.json, every shard's profiles, and their confirmations as one document.
 */
export async function mergeResultsFolders(shards: readonly { label: string; folder: ResultsFolder }[], out: string, options: MergeOptions = {}): Promise<MergedFolder> {
  const results = mergeShards(
    shards.map((s) => ({ label: s.label, results: s.folder.results })),
    options,
  );
  const confirmations = mergeConfirmations(shards.flatMap((s) => (s.folder.confirmations === null ? [] : [s.folder.confirmations])));
  await mkdir(out, { recursive: true });
  // Compact: a merged run is the size of every shard together.
  await writeFile(join(out, RESULTS_FILE), `${JSON.stringify(results)}\n`);
  for (const { folder } of shards) {
    // Profile file names are unique per benchmark id, and every id is in one shard only.
    const profiles = join(folder.dir, PROFILES_DIR);
    if (await isDirectory(profiles)) await cp(profiles, join(out, PROFILES_DIR), { recursive: true });
  }
  await writeConfirmations(out, confirmations);
  return { results, confirmations };
}
