/** `profgate compare BASE HEAD`: verdicts, attribution and reports from two results files. */
import { writeFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { compare } from "../core/compare.js";
import type { Comparison } from "../core/comparison.js";
import { applyThresholdValues, type ProjectConfig, type ThresholdSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import type { ThresholdConfig } from "../core/thresholds.js";
import { loadProjectConfig, readResults } from "../adapters/project.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown } from "../report/markdown.js";
import { COMMENT_LIMIT } from "../adapters/github-limits.js";
import { renderComparison } from "../report/terminal.js";
import { UsageError, type CommandContext } from "./context.js";

export const COMPARE_OPTIONS = {
  markdown: { type: "string" },
  html: { type: "string" },
  json: { type: "string" },
  "time-threshold": { type: "string" },
  "memory-threshold": { type: "string" },
  "noise-margin": { type: "string" },
  "instructions-threshold": { type: "string" },
  "no-fail": { type: "boolean" },
} satisfies ParseArgsConfig["options"];

export const COMPARE_HELP = `Usage: profgate compare BASE HEAD [options]

Compares two runs. BASE and HEAD are results.json files or the directories \`profgate run --out\` wrote.
Prints a verdict per benchmark and, for each regressed one, the functions that got slower and the lines that
allocate more. Thresholds come from [tool.profgate] in ./pyproject.toml; flags win.

Options:
  --markdown FILE          also write the report as Markdown, the PR comment as posted (within GitHub's size limit)
  --html FILE              also write the report as one self-contained HTML page (every table, no size limit)
  --json FILE              also write the full comparison as JSON (docs/comparison-schema.md)
  --time-threshold PCT     a slowdown must exceed this to regress (default 5)
  --memory-threshold PCT   peak or retained memory growth that regresses (default 10, and at least 64 KiB)
  --noise-margin PCT       the interval's lower bound must exceed this for separate runs (default 15)
  --instructions-threshold PCT
                           growth of instructions per iteration that regresses (default 2)
  --no-fail                exit 0 even when a benchmark regressed

Exit codes: 0 no regression, 1 regression, 2 input error (the message names the file, the place and the problem).
`;

/** The threshold layers for `compare`: the project's config, then flags. */
export function thresholdConfig(project: ProjectConfig, flags: ThresholdSettings): ThresholdConfig {
  return { global: project.thresholds, benchmarks: project.overrides, flags };
}

/** Reads threshold flags (percentages) into threshold settings. */
export function thresholdFlags(values: Record<string, unknown>): ThresholdSettings {
  const flags: ThresholdSettings = {};
  applyThresholdValues(
    flags,
    {
      "time-threshold": values["time-threshold"],
      "memory-threshold": values["memory-threshold"],
      "noise-margin": values["noise-margin"],
      "instructions-threshold": values["instructions-threshold"],
    },
    (name) => `--${name}`,
  );
  return flags;
}

/** Writes the optional report files and prints the comparison; returns the exit code. `results` feed the HTML report's pictures. */
export async function reportComparison(comparison: Comparison, values: Record<string, unknown>, context: CommandContext, results: { base: Results; head: Results }): Promise<number> {
  if (typeof values.markdown === "string") await writeOut(resolve(context.cwd, values.markdown), renderMarkdown(comparison, { limit: COMMENT_LIMIT }));
  if (typeof values.html === "string") await writeOut(resolve(context.cwd, values.html), renderHtml(comparison, {}, results));
  if (typeof values.json === "string") await writeOut(resolve(context.cwd, values.json), `${JSON.stringify(comparison, null, 2)}\n`);
  context.stdout.write(`${renderComparison(comparison, context.colour)}\n`);
  return comparison.summary.verdict === "fail" && values["no-fail"] !== true ? 1 : 0;
}

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Runs `profgate compare`. */
export async function compareCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (positionals.length !== 2) {
    throw new UsageError(`expected two arguments, BASE and HEAD (results.json files or directories holding one), got ${positionals.length}`);
  }
  const flags = thresholdFlags(values);
  const project = await loadProjectConfig(context.cwd);
  const [basePath, headPath] = positionals as [string, string];
  const base: Results = await readResults(resolve(context.cwd, basePath));
  const head: Results = await readResults(resolve(context.cwd, headPath));
  const comparison = compare(base, head, { mode: "separate", thresholds: thresholdConfig(project, flags) });
  return reportComparison(comparison, values, context, { base, head });
}
