/** `profgate merge DIR... --out DIR`: the shards of one sharded run (`profgate run --shard I/N`) as one results document. */
import { cp, mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { mergeConfirmations, type Confirmations } from "../core/confirmations.js";
import { mergeShards, type ShardInput } from "../core/shards.js";
import { readConfirmations, readResults } from "../adapters/project.js";
import { renderRunSummary } from "../report/terminal.js";
import { UsageError, type CommandContext } from "./context.js";

export const MERGE_OPTIONS = {
  out: { type: "string" },
} satisfies ParseArgsConfig["options"];

export const MERGE_HELP = `Usage: profgate merge DIR... --out DIR

Merges the shards of one sharded run into one results document. Each DIR is what \`profgate run --shard I/N --out
DIR\` wrote (or its results.json). Every shard of the run must be there exactly once, measured with the same
settings and the same commit, and split alike; otherwise the merge is refused, naming the shard and the problem.
Writes OUT/results.json (each benchmark records the shard and the machine that measured it), OUT/profiles/ and,
when shards confirmed timings interleaved with a base commit, OUT/confirmations.json. \`profgate compare\` takes
the result like any other.

Options:
  --out DIR    where to write the merged results (required)

Exit codes: 0 merged, 2 usage or input error (a missing, duplicated or mismatched shard, an invalid file).
`;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `profgate merge`. */
export async function mergeCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (typeof values.out !== "string") throw new UsageError("--out DIR is required: the directory to write the merged results to");
  if (positionals.length === 0) throw new UsageError("expected the shards' directories (what profgate run --shard I/N --out DIR wrote), got none");
  const inputs: ShardInput[] = [];
  const confirmations: Confirmations[] = [];
  const dirs: string[] = [];
  for (const given of positionals) {
    const path = resolve(context.cwd, given);
    const dir = (await isDirectory(path)) ? path : resolve(path, "..");
    inputs.push({ label: given, results: await readResults(path) });
    const confirmed = await readConfirmations(join(dir, "confirmations.json"));
    if (confirmed !== null) confirmations.push(confirmed);
    dirs.push(dir);
  }
  const merged = mergeShards(inputs);
  const out = resolve(context.cwd, values.out);
  await mkdir(out, { recursive: true });
  for (const dir of dirs) {
    if (await isDirectory(join(dir, "profiles"))) await cp(join(dir, "profiles"), join(out, "profiles"), { recursive: true });
  }
  // Compact: a merged run is the size of every shard together.
  await writeFile(join(out, "results.json"), `${JSON.stringify(merged)}\n`);
  if (confirmations.length > 0) await writeFile(join(out, "confirmations.json"), `${JSON.stringify(mergeConfirmations(confirmations))}\n`);
  context.stdout.write(`${renderRunSummary(merged, context.colour)}\n\nMerged ${inputs.length} shards: ${join(out, "results.json")}\n`);
  return 0;
}
