/**
 * The PR comment and job summary: one verdict line, the changed benchmarks, and for each regressed benchmark the
 * functions that got slower and the lines that allocate more. Everything taken from results is escaped, since a
 * fork may control it, and the body is kept under GitHub's comment limit by dropping the least important parts.
 */
import { markdownTable } from "markdown-table";
import type {
  BenchmarkComparison,
  Comparison,
  FunctionChange,
  LineChange,
  MemoryMetric,
  RunFacts,
  Timing,
  Verdict,
} from "../core/comparison.js";
import { formatBytes, formatCount, formatDuration, formatPercent, formatRatio } from "./format.js";

/** GitHub refuses issue comments longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/** The hidden marker that finds the sticky comment again; `key` separates several gated workflows in one PR. */
export function reportMarker(key = "profgate"): string {
  return `<!-- profgate:report ${escapeText(key).replace(/--/g, "")} -->`;
}

/** Where the report links to, when known. All optional: the CLI knows none of them. */
export interface MarkdownContext {
  /** `owner/name`, with `serverUrl` and `sha` for links to the head commit's source lines. */
  repository?: string;
  serverUrl?: string;
  sha?: string;
  /** This workflow run, and the artifact with the raw results and profiles. */
  runUrl?: string;
  artifactUrl?: string;
  /** Sentences shown under the verdict, e.g. how the baseline was found. Plain text; escaped here. */
  notes?: readonly string[];
  /** The sticky comment's key (see `reportMarker`). */
  marker?: string;
  /** Upper bound on the length; defaults to the comment limit. */
  limit?: number;
}

const VERDICT_ICON: Record<Verdict, string> = {
  regressed: "🔴",
  improved: "🟢",
  unchanged: "⚪",
  inconclusive: "🟡",
  new: "🆕",
  removed: "➖",
  failed: "❌",
};

/**
 * Escapes text from results for Markdown and HTML: entities for every character with meaning, line breaks
 * flattened, and a zero-width space after "@" so names never mention anybody.
 */
export function escapeText(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[&<>"'|`*[\]\\~#:]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/@/g, "@\u200b");
}

function code(text: string): string {
  return `<code>${escapeText(text)}</code>`;
}

function blobUrl(context: MarkdownContext, file: string, line: number | null): string | undefined {
  if (context.repository === undefined || context.sha === undefined) return undefined;
  if (!isRelativeProjectPath(file)) return undefined;
  const server = (context.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${server}/${context.repository}/blob/${encodeURIComponent(context.sha)}/${path}${line !== null && line > 0 ? `#L${line}` : ""}`;
}

function isRelativeProjectPath(file: string): boolean {
  return file !== "~" && !file.startsWith("<") && !file.startsWith("/") && !/^[A-Za-z]:/.test(file) && !file.split("/").includes("..");
}

function link(text: string, url: string | undefined): string {
  return url === undefined ? text : `[${text}](${url})`;
}

function location(context: MarkdownContext, file: string, line: number | null): string {
  const label = line !== null && line > 0 ? `${file}:${line}` : file;
  return link(code(label), blobUrl(context, file, line));
}

function shortSha(sha: string | null): string {
  return sha === null ? "?" : sha.slice(0, 7);
}

/** "1.23× (1.15×–1.31×)": the ratio with its one-sided bounds. */
function timeCell(timing: Timing | null): string {
  if (timing === null) return "—";
  if (timing.ratio === null) return timing.note === null ? "—" : escapeText(timing.note);
  const lower = timing.lower === null ? "0" : formatRatio(timing.lower);
  const upper = timing.upper === null ? "∞" : formatRatio(timing.upper);
  const caveat = timing.caveat ? " ⚠️" : "";
  return `${formatRatio(timing.ratio)} (${lower}–${upper})${caveat}`;
}

function memoryCell(metric: MemoryMetric | undefined): string {
  if (metric === undefined) return "—";
  if (metric.delta === 0) return formatBytes(metric.head);
  const relative = metric.relative === null ? "" : ` (${formatPercent(metric.relative)})`;
  return `${formatBytes(metric.delta, true)}${relative}`;
}

function verdictCell(bench: BenchmarkComparison): string {
  const what = bench.regressions.length > 0 ? bench.regressions : bench.improvements;
  const metrics = what.length > 0 ? ` (${what.map((m) => m.replace("_", " ")).join(", ")})` : "";
  const ungated = bench.verdict === "regressed" && !bench.gating ? ", not significant across the suite" : "";
  return `${VERDICT_ICON[bench.verdict]} ${bench.verdict}${metrics}${ungated}`;
}

function benchmarkTable(benches: readonly BenchmarkComparison[]): string {
  const rows = benches.map((b) => [code(b.id), timeCell(b.timing), memoryCell(b.memory?.peak), memoryCell(b.memory?.retained), verdictCell(b)]);
  return markdownTable([["benchmark", "time head/base (bounds)", "peak memory", "retained", "verdict"], ...rows], {
    alignDelimiters: false,
    align: ["l", "r", "r", "r", "l"],
  });
}

function anchorName(bench: BenchmarkComparison): string {
  return bench.name + (Object.keys(bench.params).length > 0 ? `[${Object.entries(bench.params).map(([k, v]) => `${k}=${String(v)}`).join(",")}]` : "");
}

function functionRows(context: MarkdownContext, functions: readonly FunctionChange[], total: number): string[][] {
  return functions.map((f) => {
    const presence = f.presence === "new" ? " 🆕" : f.presence === "gone" ? " (gone)" : "";
    const perCall = (side: number | null): string => (side === null ? "—" : formatDuration(side));
    const share = total > 0 ? formatPercent(f.delta / total, 0) : "—";
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

function explainChange(f: FunctionChange): string {
  if (f.presence === "new") return "new in head";
  if (f.presence === "gone") return "gone in head";
  if (f.call_effect === 0 && f.per_call_effect === 0) return "—";
  if (Math.abs(f.call_effect) >= Math.abs(f.per_call_effect)) return f.call_effect > 0 ? "more calls" : "fewer calls";
  return f.per_call_effect > 0 ? "slower per call" : "faster per call";
}

function signedDuration(seconds: number): string {
  return `${seconds >= 0 ? "+" : "-"}${formatDuration(Math.abs(seconds))}`;
}

function lineRows(context: MarkdownContext, lines: readonly LineChange[]): string[][] {
  return lines.map((l) => [
    location(context, l.file, l.line.head ?? l.line.base),
    code(l.function),
    code(l.source),
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
    if (atPeak.length > 0) parts.push("", "Live at the peak, change by line:", "", markdownTable([headers, ...lineRows(context, atPeak)], { alignDelimiters: false, align }));
    if (retained.length > 0) parts.push("", "Retained after the iteration, change by line:", "", markdownTable([headers, ...lineRows(context, retained)], { alignDelimiters: false, align }));
  }
  if (bench.calls !== null && bench.calls.verdict === "regressed" && functions === null) {
    parts.push("", `Calls: ${bench.calls.increased} functions called more often, ${bench.calls.new} new.`);
  }
  for (const failure of bench.failures) parts.push("", `${failure.side}: ${escapeText(failure.status)}${failure.pass === null ? "" : ` in the ${failure.pass} pass`}: ${escapeText(failure.message)}`);
  if (parts.length === 0) return "";
  return [`<details${open ? " open" : ""}><summary>${VERDICT_ICON[bench.verdict]} ${code(anchorName(bench))} — ${escapeText(bench.file)}</summary>`, "", ...parts, "", "</details>"].join("\n");
}

function headline(comparison: Comparison): string {
  const { summary } = comparison;
  const c = summary.counts;
  const total = comparison.benchmarks.length;
  const rest: string[] = [];
  if (c.improved > 0) rest.push(`${c.improved} improved`);
  if (c.inconclusive > 0) rest.push(`${c.inconclusive} inconclusive`);
  if (c.failed > 0) rest.push(`${c.failed} failed`);
  if (c.new > 0) rest.push(`${c.new} new`);
  if (c.removed > 0) rest.push(`${c.removed} removed`);
  const tail = rest.length > 0 ? `; ${rest.join(", ")}` : "";
  if (summary.verdict === "fail") {
    return `### ❌ profgate: ${summary.gating_regressions} of ${total} benchmarks regressed past the thresholds${tail}`;
  }
  if (c.regressed > 0) return `### ⚠️ profgate: ${c.regressed} of ${total} benchmarks look slower, but not past the thresholds${tail}`;
  return `### ✅ profgate: no regression in ${total} benchmarks${tail}`;
}

function describeRun(facts: RunFacts): string {
  const cpu = facts.cpu_model === "" ? "" : `, ${facts.cpu_model}`;
  return `${code(shortSha(facts.commit))} ${facts.implementation} ${facts.python} on ${facts.system} ${facts.machine}${escapeText(cpu)} (${facts.cpu_count} CPUs)`;
}

function footer(comparison: Comparison, context: MarkdownContext): string {
  const { method } = comparison;
  const t = method.thresholds;
  const level = formatPercent(method.level, 0).replace("+", "");
  const mode = method.mode === "separate" ? "base and head from separate runs" : "base and head interleaved on the same machine";
  const lines = [
    `Timing: Hodges–Lehmann estimate of head/base over per-process median CPU time (wall time where a benchmark asks for it), with exact Mann–Whitney bounds, each one-sided at ${level}; ${method.head.processes} processes × ${method.head.values} values per side; Holm across ${method.family} benchmarks. A regression needs the estimate above ${formatPercent(t.time_threshold, 0)} and the lower bound above ${formatPercent(method.margin, 0)} (${mode}). Memory: peak and retained by tracemalloc, exact, regressed above ${formatPercent(t.memory_threshold, 0)} and ${formatBytes(t.memory_floor)}. Calls per iteration are exact${t.call_threshold === null ? " and reported, not gated" : `, gated above ${formatPercent(t.call_threshold, 0)}`}.${method.overridden > 0 ? ` ${method.overridden} benchmarks have their own thresholds.` : ""}`,
    `Base ${describeRun(method.base)} · Head ${describeRun(method.head)} · profgate ${escapeText(method.head.tool_version)}`,
  ];
  const links: string[] = [];
  if (context.runUrl !== undefined) links.push(`[workflow run](${context.runUrl})`);
  if (context.artifactUrl !== undefined) links.push(`[results and profiles](${context.artifactUrl})`);
  if (links.length > 0) lines.push(links.join(" · "));
  return lines.map((l) => `<sub>${l}</sub>`).join("<br>\n");
}

interface Budget {
  details: DetailLimits;
  /** Benchmarks whose details are shown, most important first. */
  detailed: number;
  improvedDetails: boolean;
  unchangedTable: boolean;
}

function build(comparison: Comparison, context: MarkdownContext, budget: Budget, dropped: readonly string[]): string {
  const benches = comparison.benchmarks;
  const changed = benches.filter((b) => b.verdict !== "unchanged");
  const unchanged = benches.filter((b) => b.verdict === "unchanged");
  const order: Verdict[] = ["regressed", "failed", "inconclusive", "improved", "new", "removed", "unchanged"];
  changed.sort((a, b) => Number(b.gating) - Number(a.gating) || order.indexOf(a.verdict) - order.indexOf(b.verdict));
  const out: string[] = [reportMarker(context.marker), headline(comparison), ""];
  for (const note of context.notes ?? []) out.push(`> ${escapeText(note)}`, "");
  for (const caveat of comparison.caveats) out.push(`> ⚠️ ${escapeText(caveat.message)}`, "");
  if (changed.length > 0) out.push(benchmarkTable(changed), "");
  if (unchanged.length > 0) {
    if (budget.unchangedTable) {
      out.push(`<details><summary>${unchanged.length} unchanged</summary>`, "", benchmarkTable(unchanged), "", "</details>", "");
    } else {
      out.push(`${unchanged.length} unchanged.`, "");
    }
  }
  const explained = changed.filter((b) => b.attribution !== null && (b.verdict === "regressed" || (budget.improvedDetails && b.verdict === "improved")));
  const failed = changed.filter((b) => b.verdict === "failed");
  let shown = 0;
  for (const bench of [...explained, ...failed]) {
    if (shown >= budget.detailed) break;
    const details = benchmarkDetails(context, bench, budget.details, bench.gating);
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

/**
 * Renders the comparison as the PR comment / job summary. When it would exceed `limit` characters, details are
 * cut in order of least importance (library rows, improved benchmarks' details, unchanged rows, row counts,
 * then whole benchmarks' details), and the report says what was cut.
 */
export function renderMarkdown(comparison: Comparison, context: MarkdownContext = {}): string {
  const limit = context.limit ?? COMMENT_LIMIT;
  const budget: Budget = { details: { functions: 10, external: 5, lines: 8 }, detailed: Number.MAX_SAFE_INTEGER, improvedDetails: true, unchangedTable: true };
  const dropped: string[] = [];
  const steps: [string, () => boolean][] = [
    ["library functions", () => budget.details.external > 0 && ((budget.details.external = 0), true)],
    ["details of improved benchmarks", () => budget.improvedDetails && !((budget.improvedDetails = false))],
    ["the table of unchanged benchmarks", () => budget.unchangedTable && !((budget.unchangedTable = false))],
    ["rows beyond the top 5 functions and lines", () => budget.details.functions > 5 && ((budget.details = { functions: 5, external: 0, lines: 5 }), true)],
    ["rows beyond the top 3 functions and lines", () => budget.details.functions > 3 && ((budget.details = { functions: 3, external: 0, lines: 3 }), true)],
  ];
  let text = build(comparison, context, budget, dropped);
  for (const [what, apply] of steps) {
    if (text.length <= limit) return text;
    if (apply()) {
      dropped.push(what);
      text = build(comparison, context, budget, dropped);
    }
  }
  // Still too long: show details for fewer benchmarks, halving until it fits.
  const explainable = comparison.benchmarks.filter((b) => b.attribution !== null || b.verdict === "failed").length;
  let detailed = explainable;
  while (text.length > limit && detailed > 0) {
    detailed = Math.floor(detailed / 2);
    budget.detailed = detailed;
    text = build(comparison, context, budget, [...dropped, `details of ${explainable - detailed} benchmarks`]);
  }
  if (text.length > limit) {
    // Only the tables of changed benchmarks remain; keep the head of the report intact at a line boundary.
    const note = "\n\n<sub>Truncated to fit GitHub's comment limit. The full report is in the results artifact.</sub>\n";
    const cut = text.lastIndexOf("\n", limit - note.length);
    text = text.slice(0, Math.max(0, cut)) + note;
  }
  return text;
}
