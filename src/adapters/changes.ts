/**
 * `python -m profgate.changes` seen from Node: maps each changed .py file's changed lines to the functions they lie
 * in (with Python's own `ast`) and finds the benchmark files that import it. The request and answer go through files
 * in a temporary directory, removed afterwards.
 */
import { execa } from "execa";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { AnalysedFile } from "../core/affected.js";
import { harnessDirectory, HarnessError, splitCommand } from "./harness.js";

/** One changed .py file of the project: paths relative to the project directory, sources as bytes (null: absent on that side). */
export interface ChangeRequestFile {
  path: string;
  base: Buffer | null;
  head: Buffer | null;
  baseLines: [number, number][];
  headLines: [number, number][];
}

const TIMEOUT_MS = 300_000;

function isAnalysed(value: unknown): value is AnalysedFile {
  if (typeof value !== "object" || value === null) return false;
  const file = value as Record<string, unknown>;
  return (
    typeof file.path === "string" &&
    Array.isArray(file.functions) &&
    file.functions.every((f: unknown) => typeof f === "object" && f !== null && typeof (f as Record<string, unknown>).name === "string" && typeof (f as Record<string, unknown>).line === "number") &&
    Array.isArray(file.module_level) &&
    Array.isArray(file.importers)
  );
}

/** Runs the analysis with `python` in `root` (the project directory) over `files`; `benchmarkFiles` are relative to `root`. */
export async function analyseChanges(options: { python: string; root: string; files: readonly ChangeRequestFile[]; benchmarkFiles: readonly string[] }): Promise<AnalysedFile[]> {
  const scratch = await mkdtemp(join(tmpdir(), "profgate-changes-"));
  try {
    const entries = await Promise.all(
      options.files.map(async (file, i) => {
        const write = async (side: "base" | "head", source: Buffer | null): Promise<string | null> => {
          if (source === null) return null;
          const path = join(scratch, `${i}-${side}.py`);
          await writeFile(path, source);
          return path;
        };
        return { path: file.path, base: await write("base", file.base), head: await write("head", file.head), base_lines: file.baseLines, head_lines: file.headLines };
      }),
    );
    const request = join(scratch, "request.json");
    const answer = join(scratch, "answer.json");
    await writeFile(request, JSON.stringify({ root: options.root, benchmark_files: options.benchmarkFiles, files: entries }));
    const [command, ...prefix] = splitCommand(options.python);
    if (command === undefined) throw new HarnessError("python: the command is empty; pass the interpreter, e.g. --python python3", true);
    const pythonPath = [harnessDirectory(), process.env.PYTHONPATH].filter((p) => p !== undefined && p !== "").join(delimiter);
    const result = await execa(command, [...prefix, "-m", "profgate.changes", request, answer], {
      cwd: options.root,
      env: { PYTHONPATH: pythonPath },
      reject: false,
      all: true,
      timeout: TIMEOUT_MS,
      stdin: "ignore",
    });
    if (result.exitCode !== 0) throw new HarnessError(`python -m profgate.changes failed (${result.exitCode === undefined ? (result.shortMessage ?? "not started") : `exit code ${result.exitCode}`}):\n${result.all.slice(-4_000)}`, false);
    const document = JSON.parse(await readFile(answer, "utf8")) as { files?: unknown };
    if (!Array.isArray(document.files) || !document.files.every(isAnalysed)) throw new HarnessError(`python -m profgate.changes wrote an answer of the wrong shape`, false);
    return document.files;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
