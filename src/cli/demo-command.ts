/** `profgate demo`: the example project at two versions, the second with a planted regression, compared. */
import { existsSync } from "node:fs";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ParseArgsConfig } from "node:util";
import { compare } from "../core/compare.js";
import { applyRunValues, resolveRunSettings, type RunSettings } from "../core/config.js";
import { runHarness } from "../adapters/harness.js";
import { loadProjectConfig } from "../adapters/project.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown } from "../report/markdown.js";
import { COMMENT_LIMIT } from "../adapters/github-limits.js";
import { renderComparison } from "../report/terminal.js";
import { createProgress } from "./stderr-progress.js";
import type { CommandContext } from "./context.js";
import { thresholdConfig } from "./compare-command.js";

export const DEMO_OPTIONS = {
  out: { type: "string" },
  processes: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} satisfies ParseArgsConfig["options"];

export const DEMO_HELP = `Usage: profgate demo [--out DIR] [--processes N]

Runs the example project (examples/demo) at two versions — as on the default branch, and as in a pull request
that makes tokenize() slower and count_words() allocate more — and prints the comparison. Writes both results,
the profiles, the comparison (comparison.json), the PR comment (report.md) and the full report as a web page
(report.html) under DIR (default .profgate/demo).
`;

function demoDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "..", "examples", "demo"), join(here, "..", "..", "examples", "demo")];
  const found = candidates.find((dir) => existsSync(join(dir, "pyproject.toml")));
  if (found === undefined) throw new Error(`the example project is missing (looked in ${candidates.join(", ")})`);
  return found;
}

async function prepareTree(source: string, target: string, overlay: string | null): Promise<void> {
  await rm(target, { recursive: true, force: true });
  const variants = join(source, "variants");
  await cp(source, target, {
    recursive: true,
    filter: (path) => path !== variants && !path.startsWith(variants + sep) && !path.includes("__pycache__"),
  });
  if (overlay !== null) await cp(overlay, target, { recursive: true });
}

/** Runs `profgate demo`. */
export async function demoCommand(values: Record<string, unknown>, _positionals: string[], context: CommandContext): Promise<number> {
  const flags: Partial<RunSettings> = {};
  applyRunValues(flags, { processes: values.processes }, (name) => `--${name}`);
  const source = demoDirectory();
  const out = resolve(context.cwd, typeof values.out === "string" ? values.out : join(".profgate", "demo"));
  const sides = { base: join(out, "base"), head: join(out, "head") };
  await mkdir(out, { recursive: true });
  await prepareTree(source, sides.base, null);
  await prepareTree(source, sides.head, join(source, "variants", "regressed"));

  const project = await loadProjectConfig(sides.base);
  const settings = resolveRunSettings(project.run, flags);
  const quiet = values.quiet === true;
  context.stderr.write(`profgate demo: running examples/demo as on the default branch (base), then as in a pull request (head)\n`);
  const base = await runHarness({ cwd: sides.base, out: "results", settings, onEvent: quiet ? undefined : createProgress(context.stderr, context.colour, "base") });
  const head = await runHarness({ cwd: sides.head, out: "results", settings, onEvent: quiet ? undefined : createProgress(context.stderr, context.colour, "head") });

  const comparison = compare(base.results, head.results, { mode: "separate", thresholds: thresholdConfig(project, {}) });
  const report = join(out, "report.md");
  await writeFile(report, renderMarkdown(comparison, { limit: COMMENT_LIMIT }));
  const page = join(out, "report.html");
  await writeFile(page, renderHtml(comparison, {}, { base: base.results, head: head.results }));
  await writeFile(join(out, "comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
  const shown = (path: string): string => relative(context.cwd, path) || path;
  context.stdout.write(`\n${renderComparison(comparison, context.colour)}\n\n`);
  context.stdout.write(
    [
      `The PR comment profgate would post: ${shown(report)}; the full report as a web page: ${shown(page)}`,
      `Full comparison: ${shown(join(out, "comparison.json"))}; raw profiles: ${shown(join(sides.head, "results", "profiles"))} (python -m pstats FILE.pstats; FILE.folded for flamegraph.pl, inferno or speedscope)`,
      comparison.summary.verdict === "fail"
        ? "On a pull request this build would fail (exit code 1); the demo itself exits 0."
        : "No regression was found this time: on a very noisy machine the timing verdicts can be inconclusive.",
      "",
    ].join("\n"),
  );
  return 0;
}
