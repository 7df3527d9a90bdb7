/** The project's own files: pyproject.toml and results documents on disk. */
import { readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseProjectConfig, type ProjectConfig } from "../core/config.js";
import { parseConfirmations, type Confirmations } from "../core/confirmations.js";
import { parseResults, ResultsError, type Results } from "../core/results.js";

/**
 * Results files larger than this are refused. One run's results are a few MiB; a merged run of many shards with big
 * profiles reaches 150 MiB (scripts/bench-shards.mjs), and the artifact's extracted size is capped at this anyway.
 */
export const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

/** `[tool.profgate]` of `cwd/pyproject.toml`, or empty settings when there is no such file. */
export async function loadProjectConfig(cwd: string): Promise<ProjectConfig> {
  const path = join(cwd, "pyproject.toml");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { run: {}, thresholds: {}, overrides: {} };
    throw error;
  }
  return parseProjectConfig(text, relative(cwd, path) || path);
}

/** Reads a JSON file of at most MAX_RESULTS_BYTES; every problem is a ResultsError naming the file. */
async function readJsonFile(file: string, size: number): Promise<unknown> {
  if (size > MAX_RESULTS_BYTES) throw new ResultsError(file, [`${size} bytes is over the ${MAX_RESULTS_BYTES}-byte limit for a results file`]);
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ResultsError(file, [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** The confirmations document at `file` (what same-runner confirmation measured), validated; null when there is none. */
export async function readConfirmations(file: string): Promise<Confirmations | null> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return null;
  }
  return parseConfirmations(await readJsonFile(file, info.size), file);
}

/** Reads and validates a results document given as a results.json path or a directory holding one. */
export async function readResults(path: string): Promise<Results> {
  let file = path;
  let info;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      file = join(path, "results.json");
      info = await stat(file);
    }
  } catch {
    throw new ResultsError(file, ["no such file; pass a results.json or the directory `profgate run --out` wrote"]);
  }
  return parseResults(await readJsonFile(file, info.size), file);
}
