/**
 * The HTML report uploaded with the results: one self-contained page (inline CSS, no script, no external asset,
 * a Content-Security-Policy that forbids both) with the whole comparison — every benchmark, and for each
 * regressed or improved one its functions, call counts and allocating lines. Unlike the PR comment it has no
 * size limit, so nothing is shortened. Everything from results is escaped: a fork may control it.
 */
import type { BenchmarkComparison, Comparison, FunctionAttribution, LineChange, RunFacts } from "../core/comparison.js";
import {
  capturedText,
  changedBenchmarks,
  describeRun,
  displayName,
  explainChange,
  memoryNotes,
  memoryText,
  methodText,
  quietBenchmarks,
  signedDuration,
  sourceUrl,
  timeOrValueText,
  verdictLine,
  verdictText,
  type ReportContext,
} from "./common.js";
import { formatBytes, formatCount, formatDuration, formatPercent, formatRatio } from "./format.js";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa;
  --red: #cf222e; --green: #1a7f37; --yellow: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
  --head: #151b23; --red: #ff7b72; --green: #3fb950; --yellow: #d29922; } }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg);
  max-width: 1280px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: var(--head); } td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
a { color: inherit; } .muted, footer { color: var(--muted); } footer { margin-top: 3em; font-size: .9em; }
.regressed, .failed, .fail { color: var(--red); } .improved, .pass { color: var(--green); }
.inconclusive, .warn { color: var(--yellow); } blockquote { margin: .5em 0; padding: 0 1em; border-left: 4px solid var(--line); }
summary { cursor: pointer; font-weight: 600; } details { margin: 1em 0; }
`;

function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

function cell(content: string, numeric = false): string {
  return numeric ? `<td class="n">${content}</td>` : `<td>${content}</td>`;
}

/** A table from header labels and rows of already-escaped cells; `numeric` marks right-aligned columns. */
function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((c, i) => cell(c, numeric.includes(i))).join("")}</tr>`);
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

function location(context: ReportContext, file: string, line: number | null): string {
  const label = code(line !== null && line > 0 ? `${file}:${line}` : file);
  const url = sourceUrl(context, file, line);
  return url === undefined ? label : `<a href="${escapeHtml(url)}">${label}</a>`;
}

function benchmarkRows(benches: readonly BenchmarkComparison[]): string[][] {
  return benches.map((b) => {
    const medians = b.timing === null ? "—" : `${formatDuration(b.timing.median.base)} → ${formatDuration(b.timing.median.head)}`;
    const p = b.timing?.p_adjusted ?? null;
    return [
      code(b.id),
      medians,
      escapeHtml(timeOrValueText(b)),
      p === null ? "—" : p.toPrecision(2),
      memoryText(b.memory?.peak),
      memoryText(b.memory?.retained),
      `<span class="${b.verdict}">${escapeHtml(verdictText(b))}</span>`,
    ];
  });
}

const BENCHMARK_HEADERS = ["benchmark", "time per iteration", "head/base (bounds)", "Holm p", "peak memory", "retained", "verdict"];
const BENCHMARK_NUMERIC = [1, 2, 3, 4, 5];

function functionsSection(context: ReportContext, functions: FunctionAttribution): string {
  const change = functions.time.head - functions.time.base;
  const perCall = (side: number | null): string => (side === null ? "—" : formatDuration(side));
  const parts = [
    `<h3>Functions</h3>`,
    `<p>Time per iteration ${formatDuration(functions.time.base)} → ${formatDuration(functions.time.head)} (${formatRatio(functions.ratio)}), from the timing pass; profile shares are scaled to it. Time in builtins and libraries is charged to the project function that calls it. ${functions.project_count} project functions, ${functions.external_count} others.</p>`,
    table(
      ["function", "location", "calls/iter", "per call", "time/iter", "own/iter", "cumulative/iter", "change (share)", "why"],
      functions.project.map((f) => [
        `${code(f.name)}${f.presence === "new" ? " <strong>new</strong>" : f.presence === "gone" ? " <em>gone</em>" : ""}`,
        location(context, f.file, f.line),
        `${formatCount(f.calls.base)} → ${formatCount(f.calls.head)}`,
        `${perCall(f.per_call.base)} → ${perCall(f.per_call.head)}`,
        `${formatDuration(f.time.base)} → ${formatDuration(f.time.head)}`,
        `${formatDuration(f.own.base)} → ${formatDuration(f.own.head)}`,
        `${formatDuration(f.cumulative.base)} → ${formatDuration(f.cumulative.head)}`,
        `${signedDuration(f.delta)} (${change !== 0 ? formatPercent(f.delta / change, 0) : "—"})`,
        escapeHtml(explainChange(f)),
      ]),
      [2, 3, 4, 5, 6, 7],
    ),
  ];
  if (functions.external.length > 0) {
    parts.push(
      `<h3>Builtins and libraries</h3>`,
      table(
        ["function", "location", "charged to", "calls/iter", "time/iter", "change"],
        functions.external.map((f) => [
          code(f.name),
          location(context, f.file, f.line),
          f.charged_to === null ? "—" : `${code(f.charged_to.name)} ${location(context, f.charged_to.file, f.charged_to.line)}`,
          `${formatCount(f.calls.base)} → ${formatCount(f.calls.head)}`,
          `${formatDuration(f.time.base)} → ${formatDuration(f.time.head)}`,
          signedDuration(f.delta),
        ]),
        [3, 4, 5],
      ),
    );
  }
  return parts.join("\n");
}

function lineTable(context: ReportContext, lines: readonly LineChange[]): string {
  return table(
    ["line", "function", "source", "size", "change", "blocks"],
    lines.map((l) => [
      location(context, l.file, l.line.head ?? l.line.base),
      code(l.function),
      l.base_source === null ? code(l.source) : `${code(l.source)}<br>rewritten from ${code(l.base_source)}`,
      `${formatBytes(l.size.base)} → ${formatBytes(l.size.head)}`,
      formatBytes(l.size.delta, true),
      `${l.count.delta > 0 ? "+" : ""}${formatCount(l.count.delta)}`,
    ]),
    [3, 4, 5],
  );
}

function benchmarkSection(context: ReportContext, bench: BenchmarkComparison): string {
  const parts = [`<details${bench.gating ? " open" : ""}>`, `<summary class="${bench.verdict}">${escapeHtml(verdictText(bench))}: ${code(displayName(bench))} <span class="muted">${escapeHtml(bench.file)}</span></summary>`];
  const functions = bench.attribution?.functions ?? null;
  const allocations = bench.attribution?.allocations ?? null;
  if (functions !== null) parts.push(functionsSection(context, functions));
  const calls = bench.calls;
  if (calls !== null && calls.top.length > 0) {
    parts.push(
      `<h3>Calls per iteration</h3>`,
      `<p>${calls.increased} functions called more often, ${calls.decreased} less often, ${calls.new} new, ${calls.gone} gone.</p>`,
      table(
        ["function", "location", "calls/iter", "change"],
        calls.top.map((c) => [
          code(c.name),
          location(context, c.file, c.line),
          `${formatCount(c.calls.base)} → ${formatCount(c.calls.head)}`,
          c.relative === null ? escapeHtml(c.presence === "new" ? "new in head" : "gone in head") : formatPercent(c.relative),
        ]),
        [2, 3],
      ),
    );
  }
  if (allocations !== null) {
    parts.push(
      `<h3>Memory</h3>`,
      `<p>Peak ${formatBytes(allocations.peak.base)} → ${formatBytes(allocations.peak.head)} (${formatBytes(allocations.peak.delta, true)}); retained after an iteration ${formatBytes(allocations.retained.base)} → ${formatBytes(allocations.retained.head)} (${formatBytes(allocations.retained.delta, true)}, ${formatCount(allocations.retained_blocks.delta)} blocks).</p>`,
    );
    const atPeak = allocations.at_peak.filter((l) => l.size.delta !== 0);
    const retained = allocations.retained_lines.filter((l) => l.size.delta !== 0);
    if (atPeak.length > 0) parts.push(`<p>Live at the peak, change by line (${allocations.at_peak_count} lines changed; ${escapeHtml(capturedText(allocations))}):</p>`, lineTable(context, atPeak));
    for (const note of memoryNotes(allocations)) parts.push(`<p class="note">⚠️ ${escapeHtml(note)}</p>`);
    if (retained.length > 0) parts.push(`<p>Retained after the iteration, change by line (${allocations.retained_count} lines changed):</p>`, lineTable(context, retained));
  }
  for (const failure of bench.failures) {
    parts.push(`<p class="failed">${failure.side}: ${escapeHtml(failure.status)}${failure.pass === null ? "" : ` in the ${failure.pass} pass`}: ${code(failure.message)}</p>`);
  }
  parts.push("</details>");
  return parts.join("\n");
}

function environmentRow(side: string, facts: RunFacts): string {
  return `<li>${side}: ${describeRun(facts, escapeHtml, code)}, ${facts.processes} processes × ${facts.values} values, profgate ${escapeHtml(facts.tool_version)}, measured ${escapeHtml(facts.created)}</li>`;
}

function footer(comparison: Comparison, context: ReportContext): string {
  const links: string[] = [];
  if (context.runUrl !== undefined) links.push(`<a href="${escapeHtml(context.runUrl)}">workflow run</a>`);
  if (context.artifactUrl !== undefined) links.push(`<a href="${escapeHtml(context.artifactUrl)}">results and profiles</a>`);
  return [
    "<footer>",
    `<h2>Method</h2>`,
    `<p>${escapeHtml(methodText(comparison))}</p>`,
    `<ul>${environmentRow("Base", comparison.method.base)}${environmentRow("Head", comparison.method.head)}</ul>`,
    links.length > 0 ? `<p>${links.join(" · ")}</p>` : "",
    "</footer>",
  ].join("\n");
}

/** Renders the whole comparison as one self-contained HTML page. */
export function renderHtml(comparison: Comparison, context: ReportContext = {}): string {
  const { icon, text } = verdictLine(comparison);
  const changed = changedBenchmarks(comparison);
  const verdictClass = comparison.summary.verdict === "fail" ? "fail" : comparison.summary.counts.regressed > 0 ? "warn" : "pass";
  const body: string[] = [`<h1 class="${verdictClass}">${icon} ${escapeHtml(text)}</h1>`];
  for (const note of context.notes ?? []) body.push(`<blockquote>${escapeHtml(note)}</blockquote>`);
  for (const caveat of comparison.caveats) body.push(`<blockquote class="warn">⚠️ ${escapeHtml(caveat.message)}</blockquote>`);
  body.push(`<h2>Benchmarks</h2>`);
  if (changed.length > 0) body.push(table(BENCHMARK_HEADERS, benchmarkRows(changed), BENCHMARK_NUMERIC));
  for (const { verdict, benches } of quietBenchmarks(comparison)) {
    body.push(`<details><summary>${benches.length} ${verdict}</summary>`, table(BENCHMARK_HEADERS, benchmarkRows(benches), BENCHMARK_NUMERIC), "</details>");
  }
  const explained = changed.filter((b) => (b.attribution !== null && (b.verdict === "regressed" || b.verdict === "improved")) || b.failures.length > 0);
  if (explained.length > 0) body.push(`<h2>What changed, and where</h2>`, ...explained.map((b) => benchmarkSection(context, b)));
  body.push(footer(comparison, context));
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    // No script, no outside request: the page is opened from a downloaded artifact a fork may have filled.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(text)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    ...body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
