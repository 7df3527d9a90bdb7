/**
 * The report when there is nothing to compare with (a push that stores the baseline, or a PR without one): what
 * was measured, and why there is no verdict.
 */
import { markdownTable } from "markdown-table";
import type { Results } from "../core/results.js";
import { processTimes } from "../core/compare.js";
import { median } from "../core/stats.js";
import { resultValueText } from "./common.js";
import { formatBytes, formatDuration, formatLargeCount } from "./format.js";
import { escapeText, reportMarker } from "./markdown.js";

export interface ResultsMarkdownContext {
  /** The heading, e.g. "stored as the baseline" or "no baseline to compare with". Plain text; escaped here. */
  title: string;
  notes?: readonly string[];
  runUrl?: string;
  artifactUrl?: string;
  marker?: string;
  /** Upper bound on the length, such as GitHub's comment limit; none when unset. */
  limit?: number;
}

/** The sentence a report carries for a run that was stopped: by what, and how many benchmarks it did not run. */
export function stoppedNote(results: Results): string | null {
  if (results.stopped === undefined) return null;
  const notRun = results.benchmarks.filter((b) => b.status === "stopped").length;
  return `The run was stopped by ${results.stopped.signal} (a cancelled workflow, a time limit, Ctrl-C) before it finished: ${notRun} of ${results.benchmarks.length} benchmarks were not run through all their passes. They are not compared and never gate; the results hold what was measured.`;
}

/** Renders results alone as Markdown: one row per benchmark with its time, memory and status. */
export function renderResultsMarkdown(results: Results, context: ResultsMarkdownContext): string {
  const failed = results.benchmarks.filter((b) => b.status !== "ok" && b.status !== "stopped").length;
  const notRun = results.benchmarks.filter((b) => b.status === "stopped").length;
  const counted = results.benchmarks.some((b) => b.instructions !== undefined);
  const rows = results.benchmarks.map((bench) => {
    const perProcess = processTimes(bench);
    return [
      `<code>${escapeText(bench.id)}</code>`,
      resultValueText(bench) ?? (perProcess.length > 0 ? formatDuration(median(perProcess)) : "—"),
      ...(counted ? [bench.instructions === undefined ? "—" : formatLargeCount(bench.instructions.per_iteration)] : []),
      bench.memory === null ? "—" : formatBytes(bench.memory.peak),
      bench.memory === null ? "—" : formatBytes(bench.memory.retained, true),
      bench.status === "stopped"
        ? `⏹️ ${escapeText(bench.failure?.message ?? "not run (stopped)")}`
        : bench.status !== "ok"
          ? `❌ ${bench.status}${bench.failure === null ? "" : `: ${escapeText(bench.failure.message)}`}`
          : bench.skipped !== undefined
            ? `⏭️ skipped: ${escapeText(bench.skipped)}`
            : bench.carried_over !== undefined
              ? `⏭️ not re-run: ${escapeText(bench.carried_over.reason)}`
              : "ok",
    ];
  });
  const out = [
    reportMarker(context.marker),
    `### profgate: ${results.benchmarks.length} benchmarks measured${failed > 0 ? `, ${failed} failed` : ""}${notRun > 0 ? `, ${notRun} not run (stopped)` : ""} — ${escapeText(context.title)}`,
    "",
  ];
  for (const note of context.notes ?? []) out.push(`> ${escapeText(note)}`, "");
  out.push(
    markdownTable([["benchmark", "time/iter", ...(counted ? ["instructions/iter"] : []), "peak memory", "retained", "status"], ...rows], {
      alignDelimiters: false,
      align: counted ? ["l", "r", "r", "r", "r", "l"] : ["l", "r", "r", "r", "l"],
    }),
    "",
  );
  const env = results.environment;
  const links: string[] = [];
  if (context.runUrl !== undefined) links.push(`[workflow run](${context.runUrl})`);
  if (context.artifactUrl !== undefined) links.push(`[results and profiles](${context.artifactUrl})`);
  out.push(
    `<sub>${results.settings.processes} processes × ${results.settings.values} values per benchmark · ${escapeText(`${env.python.implementation} ${env.python.version} on ${env.platform.system} ${env.platform.machine}`)} · profgate ${escapeText(env.tool_version)}${links.length > 0 ? ` · ${links.join(" · ")}` : ""}</sub>`,
  );
  // Comment-sized suites are the norm; a huge one is cut at a row boundary rather than refused by GitHub.
  const text = `${out.join("\n")}\n`;
  const limit = context.limit ?? Number.POSITIVE_INFINITY;
  if (text.length <= limit) return text;
  const note = "\n\n<sub>Truncated: the full results are in the artifact.</sub>\n";
  return `${text.slice(0, text.lastIndexOf("\n", limit - note.length))}${note}`;
}
