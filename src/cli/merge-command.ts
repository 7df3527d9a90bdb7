/** `profgate merge DIR... --out DIR`: the shards of one sharded run (`profgate run --shard I/N`) as one results document. */
import { join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { renderRunSummary } from "../report/terminal.js";
import { mergeResultsFolders, readResultsFolder, RESULTS_FILE } from "../usecases/results-folder.js";
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

/** Runs `profgate merge`. */
export async function mergeCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (typeof values.out !== "string") throw new UsageError("--out DIR is required: the directory to write the merged results to");
  if (positionals.length === 0) throw new UsageError("expected the shards' directories (what profgate run --shard I/N --out DIR wrote), got none");
  const shards = [];
  for (const given of positionals) shards.push({ label: given, folder: await readResultsFolder(resolve(context.cwd, given)) });
  const out = resolve(context.cwd, values.out);
  const merged = await mergeResultsFolders(shards, out);
  context.stdout.write(`${renderRunSummary(merged.results, context.colour)}\n\nMerged ${shards.length} shards: ${join(out, RESULTS_FILE)}\n`);
  return 0;
}
