/** A history document on disk: read under a size cap and validated, written compact. */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { HistoryError, parseHistory, serializeHistory, type History } from "../core/history.js";

/**
 * Histories larger than this are refused. 2,000 benchmarks over 200 runs, each with 10 timing processes and a
 * profile, store 161 MiB of JSON (scripts/bench-history.mjs --size); the artifact's extracted size is capped here too.
 */
export const MAX_HISTORY_BYTES = 256 * 1024 * 1024;

/** The history at `file`, validated; null when there is no such file. */
export async function readHistoryFile(file: string): Promise<History | null> {
  let size;
  try {
    size = (await stat(file)).size;
  } catch {
    return null;
  }
  if (size > MAX_HISTORY_BYTES) throw new HistoryError(file, [`${size} bytes is over the ${MAX_HISTORY_BYTES}-byte limit for a history`]);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new HistoryError(file, [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return parseHistory(data, file);
}

/** Writes `history` to `file`, creating its directory. */
export async function writeHistoryFile(file: string, history: History): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, serializeHistory(history));
}
