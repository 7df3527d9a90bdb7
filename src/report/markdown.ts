/**
 * The PR comment and job summary: one verdict line, the changed benchmarks, and for each regressed benchmark the
 * functions that got slower and the lines that allocate more. Everything taken from results is escaped, since a
 * fork may control it, and the body is kept under GitHub's comment limit by dropping the least important parts.
 */
import { markdownTable } from "markdown-table";
import type { BenchmarkComparison, Comparison, FunctionChange, LineChange } from "../core/comparison.js";
import {
  capturedText,
  changedBenchmarks,
  clip,
  describeRun,
  displayName,
  explainChange,
  memoryNotes,
  memoryText,
  methodText,
  hasInstructions,
  instructionCaveats,
  instructionsText,
  quietBenchmarks,
  signedDuration,
  sourceUrl,
  timeOrValueText,
  verdictLine,
  verdictText,
  VERDICT_ICON,
  type ReportContext,
} from "./common.js";
import { familiesByImportance, familyExplanation, familyVerdictText, fitText, sizesText } from "./complexity-text.js";
import { formatBytes, formatCount, formatDuration, formatPercent, formatRatio } from "./format.js";

/** The hidden marker that finds the sticky comment again; `key` separates several gated workflows in one PR. */
export function reportMarker(key = "profgate"): string {
  return `<!-- profgate:report ${escapeText(key).replace(/--/g, "")} -->`;
}

/** Where the report links to (see `ReportContext`), plus what only the comment needs. */
export interface MarkdownContext extends ReportContext {
  /** The sticky comment's key (see `reportMarker`). */
  marker?: string;
  /** Upper bound on the length, such as GitHub's comment limit (which the GitHub adapter knows); none when unset. */
  limit?: number;
}

/**
 * Escapes text from results for Markdown and HTML: entities for every character with meaning, control characters
 * and line breaks flattened, and a zero-width space after "@" and "#" so names never mention anybody or link an
 * issue (GitHub finds mentions and references in the rendered text, after entities are decoded).
 */
export function escapeText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach the page.
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
      .replace(/[&<>"'|`*[\]\\~#:$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `&#${c.charCodeAt(0)};`)
      .replace(/@|&#35;/g, "$&\u200b")
  );
}

/** Names longer than this are shortened in the middle: a 4 KiB id helps nobody and would crowd out the report. */
const MAX_NAME = 160;
/** A failure's message is shown up to this length; the full text is in the results. */
const MAX_MESSAGE = 500;

function code(text: string): string {
  return `<code>${escapeText(clip(text, MAX_NAME))}</code>`;
}

function link(text: string, url: string | undefined): string {
  return url === undefined ? text : `[${text}](${url})`;
}

function location(context: MarkdownContext, file: string, line: number | null): string {
  const label = line !== null && line > 0 ? `${file}:${line}` : file;
  return link(code(label), sourceUrl(context, file, line));
}

function benchmarkTable(benches: readonly BenchmarkComparison[], counted: boolean): string {
  if (!counted) {
    const rows = benches.map((b) => [code(b.id), escapeText(timeOrValueText(b)), memoryText(b.memory?.peak), memoryText(b.memory?.retained), verdictText(b)]);
    return markdownTable([["benchmark", "time head/base (bounds)", "peak memory", "retained", "verdict"], ...rows], {
      alignDelimiters: false,
      align: ["l", "r", "r", "r", "l"],
    });
  }
  const rows = benches.map((b) => [
    code(b.id),
    escapeText(timeOrValueText(b)),
    escapeText(instructionsText(b.instructions, "⚠️")),
    memoryText(b.memory?.peak),
    memoryText(b.memory?.retained),
    verdictText(b),
  ]);
  return markdownTable([["benchmark", "time head/base (bounds)", "instructions per iteration", "peak memory", "retained", "verdict"], ...rows], {
    alignDelimiters: false,
    align: ["l", "r", "r", "r", "r", "l"],
  });
}

function functionRows(context: MarkdownContext, functions: readonly FunctionChange[], total: number): string[][] {
  return functions.map((f) => {
    const presence = f.presence === "new" ? " 🆕" : f.presence === "gone" ? " (gone)" : "";
    const perCall = (side: number | null): string => (side === null ? "—" : formatDuration(side));
    // The share of the benchmark's change; for an improvement both are negative, so a function that helped shows "+".
    const share = total !== 0 ? formatPercent(f.delta / total, 0) : "—";
    return [
      `${code(f.name)}${presence}<br>${location(context, f.file, f.line)}`,
      `${formatCount(f.calls.base)} → ${formatCount(f.calls.head)}`,
      `${perCall(f.per_call.base)} → ${perCall(f.per_call.head)}`,
      `${formatDuration(f.time.base)} → ${formatDuration(f.time.head)}`,
      `${signedDuration(f.delta)} (${share})`,
      explainChange(f),
    ];
  });
}

function lineRows(context: MarkdownContext, lines: readonly LineChange[]): string[][] {
  return lines.map((l) => [
    location(context, l.file, l.line.head ?? l.line.base),
    code(l.function),
    l.base_source === null ? code(l.source) : `${code(l.source)}<br>rewritten from ${code(l.base_source)}`,
    formatBytes(l.size.delta, true),
    `${l.count.delta > 0 ? "+" : ""}${formatCount(l.count.delta)}`,
  ]);
}

interface DetailLimits {
  functions: number;
  external: number;
  lines: number;
}

function benchmarkDetails(context: MarkdownContext, bench: BenchmarkComparison, limits: DetailLimits, open: boolean): string {
  const parts: string[] = [];
  const attribution = bench.attribution;
  const functions = attribution?.functions ?? null;
  if (functions !== null && limits.functions > 0) {
    const change = functions.time.head - functions.time.base;
    parts.push(
      `**Functions** — time per iteration, ${formatDuration(functions.time.base)} → ${formatDuration(functions.time.head)} (${formatRatio(functions.ratio)}); time in builtins and libraries is charged to the project function that calls it`,
      "",
      markdownTable(
        [["function", "calls/iter", "per call", "time/iter", "change (share)", "why"], ...functionRows(context, functions.project.slice(0, limits.functions), change)],
        { alignDelimiters: false, align: ["l", "r", "r", "r", "r", "l"] },
      ),
    );
    if (functions.project_count > limits.functions) parts.push("", `…and ${functions.project_count - limits.functions} more project functions.`);
    const external = functions.external.slice(0, limits.external).filter((f) => f.delta !== 0);
    if (external.length > 0) {
      parts.push(
        "",
        "<details><summary>Builtins and libraries</summary>",
        "",
        markdownTable(
          [
            ["function", "charged to", "calls/iter", "time/iter", "change"],
            ...external.map((f) => [
              code(f.name),
              f.charged_to === null ? "—" : location(context, f.charged_to.file, f.charged_to.line),
              `${formatCount(f.calls.base)} → ${formatCount(f.calls.head)}`,
              `${formatDuration(f.time.base)} → ${formatDuration(f.time.head)}`,
              signedDuration(f.delta),
            ]),
          ],
          { alignDelimiters: false, align: ["l", "l", "r", "r", "r"] },
        ),
        "",
        "</details>",
      );
    }
  }
  const allocations = attribution?.allocations ?? null;
  if (allocations !== null && limits.lines > 0) {
    const atPeak = allocations.at_peak.filter((l) => l.size.delta !== 0).slice(0, limits.lines);
    const retained = allocations.retained_lines.filter((l) => l.size.delta !== 0).slice(0, limits.lines);
    parts.push(
      "",
      `**Memory** — peak ${formatBytes(allocations.peak.base)} → ${formatBytes(allocations.peak.head)} (${formatBytes(allocations.peak.delta, true)}), retained after an iteration ${formatBytes(allocations.retained.base)} → ${formatBytes(allocations.retained.head)} (${formatBytes(allocations.retained.delta, true)})`,
    );
    const headers = ["line", "function", "source", "size", "blocks"];
    const align = ["l", "l", "l", "r", "r"];
    if (atPeak.length > 0) {
      parts.push("", `Live at the peak, change by line (${escapeText(capturedText(allocations))}):`, "", markdownTable([headers, ...lineRows(context, atPeak)], { alignDelimiters: false, align }));
    }
    for (const note of memoryNotes(allocations)) parts.push("", `> ⚠️ ${escapeText(clip(note, MAX_MESSAGE))}`);
    if (retained.length > 0) parts.push("", "Retained after the iteration, change by line:", "", markdownTable([headers, ...lineRows(context, retained)], { alignDelimiters: false, align }));
  }
  if (bench.calls !== null && bench.calls.verdict === "regressed" && functions === null) {
    parts.push("", `Calls: ${bench.calls.increased} functions called more often, ${bench.calls.new} new.`);
  }
  for (const failure of bench.failures) {
    parts.push("", `${failure.side}: ${escapeText(failure.status)}${failure.pass === null ? "" : ` in the ${failure.pass} pass`}: ${escapeText(clip(failure.message, MAX_MESSAGE))}`);
  }
  if (parts.length === 0) return "";
  return [`<details${open ? " open" : ""}><summary>${VERDICT_ICON[bench.verdict]} ${code(displayName(bench))} — ${escapeText(clip(bench.file, MAX_NAME))}</summary>`, "", ...parts, "", "</details>"].join("\n");
}

function footer(comparison: Comparison, context: MarkdownContext): string {
  const { method } = comparison;
  const commit = (sha: string): string => code(sha);
  const lines = [
    methodText(comparison),
    `Base ${describeRun(method.base, escapeText, commit)} · Head ${describeRun(method.head, escapeText, commit)} · profgate ${escapeText(method.head.tool_version)}`,
  ];
  const links: string[] = [];
  if (context.runUrl !== undefined) links.push(`[workflow run](${context.runUrl})`);
  if (context.artifactUrl !== undefined) links.push(`[results and profiles](${context.artifactUrl})`);
  if (links.length > 0) lines.push(links.join(" · "));
  return lines.map((l) => `<sub>${l}</sub>`).join("<br>\n");
}

interface Budget {
  details: DetailLimits;
  /** How many benchmarks get a details block, most important first. */
  detailed: number;
  improvedDetails: boolean;
  unchangedTable: boolean;
  /** How many rows the table of changed benchmarks keeps, most important first. */
  rows: number;
}

/** The benchmarks that get a details block under `budget`, in the order they are shown. */
function explainable(changed: readonly BenchmarkComparison[], budget: Budget): BenchmarkComparison[] {
  const explained = changed.filter((b) => b.attribution !== null && (b.verdict === "regressed" || (budget.improvedDetails && b.verdict === "improved")));
  return [...explained, ...changed.filter((b) => b.verdict === "failed")];
}

/** Regressed benchmarks the guide to the HTML report's pictures names, most important first. */
const GUIDED = 10;

/** Which picture of the HTML report shows a regression, in a few words. */
function pictureFor(bench: BenchmarkComparison): string {
  const functions = bench.attribution?.functions ?? null;
  const culprit = functions?.project.find((f) => f.delta > 0);
  const timeLike = bench.regressions.includes("time") || bench.regressions.includes("calls");
  if (timeLike && culprit !== undefined) {
    // Attribution charges builtins to their caller, so the change may sit in frames below the one named.
    const isNew = culprit.presence === "new" ? " (new in head, purple)" : "";
    return `its flame graph, at ${code(culprit.name)}${isNew}: ${formatDuration(culprit.time.base)} → ${formatDuration(culprit.time.head)} per iteration with the builtins it calls`;
  }
  const line = bench.attribution?.allocations?.at_peak.find((l) => l.size.delta > 0) ?? bench.attribution?.allocations?.retained_lines.find((l) => l.size.delta > 0);
  if (!timeLike && line !== undefined) return `its memory bars, ${code(`${line.file}:${line.line.head ?? line.line.base ?? 0}`)} (${formatBytes(line.size.delta, true)})`;
  return "its timing distribution, base and head process by process";
}

/** One line per regressed benchmark: which picture of the HTML report to open. */
function pictureGuide(changed: readonly BenchmarkComparison[], context: MarkdownContext): string[] {
  const regressed = changed.filter((b) => b.verdict === "regressed");
  if (regressed.length === 0) return [];
  const report = context.artifactUrl === undefined ? "<code>report.html</code>" : `<code>report.html</code> in the [results artifact](${context.artifactUrl})`;
  const lines = [`**Pictures** in ${report}:`, ""];
  for (const bench of regressed.slice(0, GUIDED)) lines.push(`- ${code(displayName(bench))}: ${pictureFor(bench)}`);
  if (regressed.length > GUIDED) lines.push(`- …and ${regressed.length - GUIDED} more regressed benchmarks.`);
  return [...lines, ""];
}

function countsText(benches: readonly BenchmarkComparison[]): string {
  const counts = new Map<string, number>();
  for (const b of benches) counts.set(b.verdict, (counts.get(b.verdict) ?? 0) + 1);
  return [...counts].map(([verdict, n]) => `${n} ${verdict}`).join(", ");
}

function build(comparison: Comparison, context: MarkdownContext, budget: Budget, dropped: readonly string[], detailsOf: (bench: BenchmarkComparison) => string): string {
  const changed = changedBenchmarks(comparison);
  const { icon, text } = verdictLine(comparison);
  const counted = hasInstructions(comparison);
  const out: string[] = [reportMarker(context.marker), `### ${icon} ${text}`, ""];
  for (const note of context.notes ?? []) out.push(`> ${escapeText(note)}`, "");
  for (const caveat of comparison.caveats) out.push(`> ⚠️ ${escapeText(caveat.message)}`, "");
  for (const caveat of instructionCaveats(comparison)) out.push(`> ⚠️ ${escapeText(caveat)}`, "");
  if (changed.length > 0) {
    out.push(benchmarkTable(changed.slice(0, budget.rows), counted), "");
    const hidden = changed.slice(budget.rows);
    if (hidden.length > 0) out.push(`…and ${hidden.length} more changed benchmarks (${countsText(hidden)}), not shown.`, "");
    out.push(...pictureGuide(changed, context));
  }
  out.push(...growthSection(comparison, budget.unchangedTable));
  for (const { verdict, benches } of quietBenchmarks(comparison)) {
    if (budget.unchangedTable) {
      out.push(`<details><summary>${benches.length} ${verdict}</summary>`, "", benchmarkTable(benches, counted), "", "</details>", "");
    } else {
      out.push(`${benches.length} ${verdict}.`, "");
    }
  }
  let shown = 0;
  for (const bench of explainable(changed, budget)) {
    if (shown >= budget.detailed) break;
    const details = detailsOf(bench);
    if (details !== "") {
      out.push(details, "");
      shown += 1;
    }
  }
  if (dropped.length > 0) {
    out.push(`<sub>Shortened to fit GitHub's comment limit: ${dropped.join("; ")}. The full report is in the results artifact.</sub>`, "");
  }
  out.push(footer(comparison, context));
  return `${out.join("\n")}\n`;
}

/** Families shown with their explanation; the rest are counted. */
const MAX_FAMILIES = 20;

/**
 * Growth with size: each family whose growth changed, with the function that changed it, the fits and the
 * predictions; the other families in a folded table (or counted, when `table` is off to save room).
 */
function growthSection(comparison: Comparison, table: boolean): string[] {
  const { changed, quiet, small } = familiesByImportance(comparison);
  if (changed.length + quiet.length + small.length === 0) return [];
  const out: string[] = [];
  for (const family of changed.slice(0, MAX_FAMILIES)) {
    const icon = family.verdict === "regressed" ? VERDICT_ICON.regressed : VERDICT_ICON.improved;
    out.push(`${icon} **${familyVerdictText(family)}** (${family.regressions.length > 0 ? family.regressions.join(", ") : family.improvements.join(", ")}): ${code(family.id)}, ${escapeText(sizesText(family))}`, "");
    for (const line of familyExplanation(family)) out.push(`- ${escapeText(line)}`);
    out.push("");
  }
  if (changed.length > MAX_FAMILIES) out.push(`…and ${changed.length - MAX_FAMILIES} more families whose growth changed, not shown.`, "");
  const rest = [...quiet, ...small];
  if (rest.length === 0) return out;
  const families = (n: number) => `${n} famil${n === 1 ? "y" : "ies"}`;
  const label = [quiet.length > 0 ? `${families(quiet.length)} with no change in growth` : "", small.length > 0 ? `${families(small.length)} too small to judge` : ""].filter((t) => t !== "").join(", ");
  if (!table) return [...out, `${label}.`, ""];
  const rows = rest.map((f) => [
    code(f.id),
    escapeText(sizesText(f)),
    f.time === null ? "—" : escapeText(`${fitText(f.time.base)} → ${fitText(f.time.head)}`),
    escapeText(f.note ?? familyVerdictText(f)),
  ]);
  out.push(`<details><summary>${label}</summary>`, "", markdownTable([["family", "sizes", "time growth (base → head)", "verdict"], ...rows], { align: ["l", "l", "l", "l"] }), "", "</details>", "");
  return out;
}

/** The largest n in [0, high] for which `fits(n)` holds, given that it holds for 0 or not at all (then 0). */
function largestFitting(high: number, fits: (n: number) => boolean): number {
  let lo = 0;
  let hi = high;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Renders the comparison as the PR comment / job summary. When it would exceed `limit` characters, details are
 * cut in order of least importance (library rows, improved benchmarks' details, unchanged rows, row counts,
 * details of the least important benchmarks, then rows of the changed table), and the report says what was cut.
 */
export function renderMarkdown(comparison: Comparison, context: MarkdownContext = {}): string {
  const limit = context.limit ?? Number.POSITIVE_INFINITY;
  const budget: Budget = {
    details: { functions: 10, external: 5, lines: 8 },
    detailed: Number.MAX_SAFE_INTEGER,
    improvedDetails: true,
    unchangedTable: true,
    rows: Number.MAX_SAFE_INTEGER,
  };
  const dropped: string[] = [];
  // Fitting the budget renders the report several times; a benchmark's details only change with `budget.details`.
  const cache = new Map<BenchmarkComparison, { limits: DetailLimits; text: string }>();
  const detailsOf = (bench: BenchmarkComparison): string => {
    const hit = cache.get(bench);
    if (hit?.limits === budget.details) return hit.text;
    const text = benchmarkDetails(context, bench, budget.details, bench.gating);
    cache.set(bench, { limits: budget.details, text });
    return text;
  };
  const steps: [string, () => boolean][] = [
    ["library functions", () => budget.details.external > 0 && ((budget.details = { ...budget.details, external: 0 }), true)],
    ["details of improved benchmarks", () => budget.improvedDetails && !(budget.improvedDetails = false)],
    ["the table of unchanged benchmarks", () => budget.unchangedTable && !(budget.unchangedTable = false)],
    ["rows beyond the top 5 functions and lines", () => budget.details.functions > 5 && ((budget.details = { functions: 5, external: 0, lines: 5 }), true)],
    ["rows beyond the top 3 functions and lines", () => budget.details.functions > 3 && ((budget.details = { functions: 3, external: 0, lines: 3 }), true)],
  ];
  let text = build(comparison, context, budget, dropped, detailsOf);
  for (const [what, apply] of steps) {
    if (text.length <= limit) return text;
    if (apply()) {
      dropped.push(what);
      text = build(comparison, context, budget, dropped, detailsOf);
    }
  }
  if (text.length <= limit) return text;

  // Details for as many of the most important benchmarks as fit.
  const changed = changedBenchmarks(comparison);
  const candidates = explainable(changed, budget).length;
  const withDetails = (n: number): string => {
    budget.detailed = n;
    return build(comparison, context, budget, n < candidates ? [...dropped, `details of ${candidates - n} of ${candidates} benchmarks`] : dropped, detailsOf);
  };
  const detailed = largestFitting(candidates, (n) => withDetails(n).length <= limit);
  text = withDetails(detailed);
  if (text.length <= limit) return text;

  // No details at all still does not fit: keep as many rows of the changed table as fit, most important first.
  if (candidates > 0) dropped.push(`details of all ${candidates} benchmarks`);
  const withRows = (n: number): string => {
    budget.rows = n;
    return build(comparison, context, budget, dropped, detailsOf);
  };
  text = withRows(largestFitting(changed.length, (n) => withRows(n).length <= limit));
  if (text.length > limit) {
    // Only notes and caveats can be this long: keep the head of the report intact at a line boundary.
    const note = "\n\n<sub>Truncated to fit GitHub's comment limit. The full report is in the results artifact.</sub>\n";
    const cut = text.lastIndexOf("\n", limit - note.length);
    text = text.slice(0, Math.max(0, cut)) + note;
  }
  return text;
}
