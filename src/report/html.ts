/**
 * The HTML report uploaded with the results: one self-contained page with the whole comparison — every benchmark,
 * and for each regressed or improved one a differential flame graph, its timing distribution, memory by line, its
 * functions, call counts and allocating lines. Unlike the PR comment it has no size limit, so nothing is shortened.
 *
 * It works offline from the artifact zip: no outside asset, and a Content-Security-Policy that allows only the
 * page's own inline script and style sheet, by hash. Everything from results is escaped (a fork may control it):
 * as HTML text, and inside the JSON data block with every "<" written as \u003c so no tag can end the block.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { matchFunctions, TREE_LIMITS } from "../core/callgraph.js";
import { processTimes } from "../core/compare.js";
import type { BenchmarkComparison, Comparison, FamilyComparison, FunctionAttribution, GrowthFit, LineChange, RunFacts } from "../core/comparison.js";
import { diffFlame, type DiffFlame } from "../core/flame.js";
import type { Benchmark, Results } from "../core/results.js";
import { distributionSvg, growthSvg, memoryBarsSvg, trendSvg, type GrowthSeries, type Trend } from "./charts.js";
import { familiesByImportance, familyExplanation, familyVerdictText, fitText, sizesText } from "./complexity-text.js";
import { flameScript, type FlameData } from "./page-script.js";
import {
  capturedText,
  changedBenchmarks,
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
  type ReportContext,
} from "./common.js";
import { formatBytes, formatCount, formatDuration, formatLevel, formatPercent, formatRatio } from "./format.js";

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
.chart { display: block; max-width: 100%; height: auto; margin: .5em 0; font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.chart text { fill: var(--fg); } .chart .axis { fill: var(--muted); } .chart .grid { stroke: var(--line); }
.chart circle.base, .chart .bar.base { fill: #8c959f; } .chart circle.head, .chart .bar.head { fill: #d1242f; }
.chart .box { fill: none; stroke: var(--muted); } .chart .median { stroke: var(--fg); stroke-width: 2; }
.chart .reference { stroke: var(--muted); stroke-dasharray: 3 3; } .chart .interval { stroke: #d1242f; stroke-width: 2; }
.chart .estimate { fill: #d1242f; }
.chart .trace { fill: none; stroke-width: 1.5; } .chart .trace.base { stroke: #8c959f; } .chart .trace.head { stroke: #d1242f; }
.chart .fit { stroke-dasharray: 4 3; } .chart .fit.base { stroke: #8c959f; } .chart .fit.head { stroke: #d1242f; }
.chart text.label.base { fill: #8c959f; } .chart text.label.head { fill: #d1242f; } .growth-pair { display: flex; flex-wrap: wrap; gap: 1em; }
.flame { margin: 1em 0; } .flame-tools { display: flex; gap: .5em; align-items: center; margin: .4em 0; }
.flame-search { font: inherit; padding: 2px 6px; min-width: 16em; } .flame-status { color: var(--muted); }
.flame-chart { position: relative; overflow: hidden; border: 1px solid var(--line); }
.frame { position: absolute; height: 17px; box-sizing: border-box; padding: 0 3px; border-right: 1px solid var(--bg);
  overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font: 11px/17px ui-monospace, Menlo, Consolas, monospace;
  color: #1f2328; cursor: pointer; } .frame:hover { outline: 1px solid var(--fg); z-index: 1; }
.frame.match { outline: 2px solid #bf3989; outline-offset: -2px; }
.flame-info { min-height: 3em; padding: .3em 0; font-size: .95em; }
.key { display: inline-block; padding: 0 .5em; color: #1f2328; border-radius: 3px; }
.key.slower { background: #d62828; color: #fff; } .key.faster { background: #1e64d6; color: #fff; }
.key.new { background: #b48cf0; } .key.same { background: #d6d3cb; }
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

function benchmarkRows(benches: readonly BenchmarkComparison[], counted: boolean): string[][] {
  return benches.map((b) => {
    const medians = b.timing === null ? "—" : `${formatDuration(b.timing.median.base)} → ${formatDuration(b.timing.median.head)}`;
    const p = b.timing?.p_adjusted ?? null;
    return [
      code(b.id),
      medians,
      escapeHtml(timeOrValueText(b)),
      p === null ? "—" : p.toPrecision(2),
      ...(counted ? [escapeHtml(instructionsText(b.instructions, "⚠️"))] : []),
      memoryText(b.memory?.peak),
      memoryText(b.memory?.retained),
      `<span class="${b.verdict}">${escapeHtml(verdictText(b))}</span>`,
    ];
  });
}

const BENCHMARK_HEADERS = ["benchmark", "time per iteration", "head/base (bounds)", "Holm p", "peak memory", "retained", "verdict"];
const BENCHMARK_NUMERIC = [1, 2, 3, 4, 5];
const COUNTED_HEADERS = ["benchmark", "time per iteration", "head/base (bounds)", "Holm p", "instructions per iteration", "peak memory", "retained", "verdict"];
const COUNTED_NUMERIC = [1, 2, 3, 4, 5, 6];

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

/** Four significant digits: the data block stays small and keeps more precision than the page shows. */
function round(value: number): number {
  return value === 0 || !Number.isFinite(value) ? 0 : Number(value.toPrecision(4));
}

/** A frame's own time must change by this fraction of itself, and by this share of the benchmark, to be coloured. */
const CHANGE_RELATIVE = 0.1;
const CHANGE_OF_TOTAL = 0.005;

/**
 * Each frame's change against base, as one character per frame ("0" unchanged, "1" slower, "2" faster, "3" new in
 * head) and its strength 0–9 relative to the largest change. Like Brendan Gregg's differential flame graphs the
 * colour follows the frame's own time, so the frame that got slower is red, not every caller above it.
 */
function frameChanges(flame: DiffFlame): { change: string; strength: string } {
  const { frames, functions, time } = flame;
  const floor = CHANGE_OF_TOTAL * Math.max(time.base, time.head);
  const deltas = frames.headSelf.map((head, i) => head - (frames.baseSelf[i] ?? 0));
  const largest = deltas.reduce((max, d) => Math.max(max, Math.abs(d)), floor);
  let change = "";
  let strength = "";
  deltas.forEach((delta, i) => {
    const own = Math.max(frames.headSelf[i] ?? 0, frames.baseSelf[i] ?? 0);
    const isNew = functions[frames.fn[i] ?? 0]?.presence === "new";
    const shows = Math.abs(delta) > floor && Math.abs(delta) > CHANGE_RELATIVE * own;
    change += isNew ? "3" : !shows ? "0" : delta > 0 ? "1" : "2";
    strength += shows || isNew ? String(Math.max(2, Math.round((9 * Math.abs(delta)) / largest))) : "0";
  });
  return { change, strength };
}

/** The flame graph as the page script reads it (see FlameData). */
function flameData(flame: DiffFlame, context: ReportContext): FlameData {
  const { frames } = flame;
  const { change, strength } = frameChanges(flame);
  // Source links share the repository and commit: the data block holds that prefix once.
  const urls = flame.functions.map((f) => sourceUrl(context, f.file, f.line));
  let prefix: string | undefined;
  for (const url of urls) {
    if (url === undefined) continue;
    let length = 0;
    const known = prefix ?? url;
    while (length < known.length && known[length] === url[length]) length++;
    prefix = known.slice(0, length);
  }
  const shared = prefix === undefined ? "" : prefix.slice(0, prefix.lastIndexOf("/") + 1);
  return {
    t: [round(flame.time.base), round(flame.time.head)],
    u: shared,
    f: flame.functions.map((f, i) => [f.name, f.file, f.line, f.presence, round(f.calls.base), round(f.calls.head), urls[i]?.slice(shared.length) ?? null]),
    n: frames.fn,
    p: frames.parent,
    h: frames.head.map(round),
    hs: frames.headSelf.map(round),
    b: frames.base.map(round),
    bs: frames.baseSelf.map(round),
    c: change,
    k: strength,
  };
}

/** Writes JSON for a `<script type="application/json">` block: with "<" escaped, nothing in it can end the block. */
function jsonBlock(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c");
}

function flameSection(context: ReportContext, key: string, bench: BenchmarkComparison, flame: DiffFlame): string {
  const parts = [
    `<section class="flame" id="flame-${key}" data-graph="${key}" data-benchmark="${escapeHtml(bench.id)}">`,
    `<h3>Flame graph</h3>`,
    `<p class="muted">The call tree of head's profile, root at the top. Width: head's time per iteration (${formatDuration(flame.time.head)} in all, base ${formatDuration(flame.time.base)}). Colour: the change in a frame's own time against the same call path in base — <span class="key slower">slower</span> <span class="key faster">faster</span> <span class="key new">new in head</span> <span class="key same">unchanged</span>. Hover over a frame for its figures, click to zoom in (click it again to zoom out), search to highlight functions.</p>`,
    `<div class="flame-tools"><input class="flame-search" type="search" placeholder="Search functions or files" aria-label="Search functions or files"><button class="flame-reset" type="button">Reset zoom</button><span class="flame-status" role="status"></span></div>`,
    `<div class="flame-chart"></div>`,
    `<div class="flame-info muted">Hover over a frame to see its function, place, calls and time, base → head.</div>`,
  ];
  if (flame.cut > 0) {
    const { maxFrames, minShare, maxDepth } = TREE_LIMITS;
    parts.push(
      `<p class="muted">Frames worth ${formatDuration(flame.cut)} of head time in all are left out: the graph keeps at most ${maxFrames.toLocaleString("en")} frames, none under ${minShare * 100}% of the time or deeper than ${maxDepth} calls.</p>`,
    );
  }
  if (flame.vanished.length > 0) {
    const name = (fn: number): string => flame.functions[fn]?.name ?? "?";
    parts.push(
      `<details class="vanished"><summary>${flame.vanishedCount} call${flame.vanishedCount === 1 ? "" : "s"} base made that head no longer makes${flame.vanishedCount > flame.vanished.length ? ` (the ${flame.vanished.length} largest)` : ""}</summary>`,
      table(
        ["function", "location", "called from", "base time/iter"],
        flame.vanished.map((v) => {
          const f = flame.functions[v.fn];
          return [
            `${code(f?.name ?? "?")}${f?.presence === "gone" ? " <em>gone</em>" : ""}`,
            location(context, f?.file ?? "", f?.line ?? null),
            v.path.length === 0 ? "(root)" : escapeHtml(v.path.map(name).join(" → ")),
            formatDuration(v.time),
          ];
        }),
        [3],
      ),
      "</details>",
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

/** What the page draws from the two results, when the caller has them. */
interface Pictures {
  /** A benchmark's flame graph section, or undefined. */
  flame(bench: BenchmarkComparison): string | undefined;
  /** A benchmark's timing distribution with its caption, or undefined. */
  distribution(bench: BenchmarkComparison): string | undefined;
  /** The flame graphs' data, by key. */
  graphs: Record<string, FlameData>;
}

function pictures(context: ReportContext, results: { base: Results; head: Results } | undefined, trends: ReadonlyMap<string, Trend>): Pictures {
  const graphs: Record<string, FlameData> = {};
  const byId = (list: readonly Benchmark[]): Map<string, Benchmark> => new Map(list.map((b) => [b.id, b]));
  const base = byId(results?.base.benchmarks ?? []);
  const head = byId(results?.head.benchmarks ?? []);
  return {
    graphs,
    flame(bench) {
      const before = base.get(bench.id)?.profile ?? null;
      const after = head.get(bench.id)?.profile ?? null;
      const time = bench.attribution?.functions?.time;
      if (before === null || after === null || time === undefined) return undefined;
      const flame = diffFlame(before, after, matchFunctions(before.functions, after.functions), time);
      if (flame === null) return undefined;
      const key = String(Object.keys(graphs).length);
      graphs[key] = flameData(flame, context);
      return flameSection(context, key, bench, flame);
    },
    distribution(bench) {
      const before = base.get(bench.id);
      const after = head.get(bench.id);
      // The dots are the first run's processes: after a fresh-runner rerun, its estimate is the one they show.
      const timing = bench.rerun?.first ?? bench.timing;
      if (before === undefined || after === undefined || timing === null) return undefined;
      const values = { base: processTimes(before, timing.clock), head: processTimes(after, timing.clock), timing };
      if (values.base.length === 0 || values.head.length === 0) return undefined;
      const estimate = timing.ratio === null ? "" : ` ◆ is head's estimate, base median × ${formatRatio(timing.ratio)}, with its ${formatLevel(timing.level)} bounds; the dashed line is base's median.`;
      const confirmed = (bench.confirmed ? " The verdict comes from base and head re-measured interleaved on the runner; the dots are the two separate runs." : "") + rerunSentence(bench);
      const trend = trends.get(bench.id);
      return [
        distributionSvg(values),
        `<p class="muted">Each dot is one timing process's best ${timing.clock} time per iteration (${values.base.length} base, ${values.head.length} head processes); boxes span the quartiles, the bar is the median.${estimate}${confirmed}</p>`,
        ...(trend === undefined
          ? []
          : [
              trendSvg(trend, escapeHtml),
              `<p class="muted">The history of ${escapeHtml(trend.branch)}: each dot is one run's estimate; dashed lines are its change points; the bar is its level now, over the runs since the last one; ◆ is this head, with its interval.</p>`,
            ]),
      ].join("\n");
    },
  };
}

function seriesOf(side: "base" | "head", fit: GrowthFit | null): GrowthSeries[] {
  if (fit === null) return [];
  return [{ side, points: fit.points, power: fit.scale !== null && fit.exponent !== null ? { scale: fit.scale, exponent: fit.exponent } : null }];
}

/** A family's log-log pictures: time against size, and the culprit's calls against size, base and head. */
function growthPictures(family: FamilyComparison): string {
  const charts: string[] = [];
  if (family.time !== null) charts.push(growthSvg(`time per iteration against ${family.parameter}`, [...seriesOf("base", family.time.base), ...seriesOf("head", family.time.head)], formatDuration, escapeHtml));
  const culprit = family.culprit;
  if (culprit !== null) charts.push(growthSvg(`calls of ${culprit.name} per iteration against ${family.parameter}`, [...seriesOf("base", culprit.base), ...seriesOf("head", culprit.head)], formatCount, escapeHtml));
  return charts.length === 0 ? "" : `<div class="growth-pair">${charts.join("")}</div>`;
}

/** The growth of a family: its verdict, the explanation and the pictures. */
function familySection(family: FamilyComparison): string {
  return [
    `<h3 class="${family.verdict}">${escapeHtml(familyVerdictText(family))}: ${code(family.id)} <span class="muted">${escapeHtml(sizesText(family))}</span></h3>`,
    `<ul>${familyExplanation(family).map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
    growthPictures(family),
    `<p class="muted">Log-log axes: a straight line's slope is the exponent of growth; dashed lines are the fitted power laws. Each time is the median over processes of each process's best time per iteration.</p>`,
  ].join("\n");
}

/** Growth with size: every family whose growth changed in full, the others in one table. */
function growthSection(comparison: Comparison): string[] {
  const { changed, quiet, small } = familiesByImportance(comparison);
  if (changed.length + quiet.length + small.length === 0) return [];
  const out = [`<h2>Growth with size</h2>`, ...changed.map(familySection)];
  const rest = [...quiet, ...small];
  if (rest.length > 0) {
    out.push(
      `<details><summary>${rest.length} other famil${rest.length === 1 ? "y" : "ies"}</summary>`,
      table(
        ["family", "sizes", "time growth (base → head)", "verdict"],
        rest.map((f) => [code(f.id), escapeHtml(sizesText(f)), f.time === null ? "—" : escapeHtml(`${fitText(f.time.base)} → ${fitText(f.time.head)}`), escapeHtml(f.note ?? familyVerdictText(f))]),
      ),
      "</details>",
    );
  }
  return out;
}

function benchmarkSection(context: ReportContext, bench: BenchmarkComparison, drawn: Pictures, family: FamilyComparison | undefined): string {
  const parts = [`<details${bench.gating ? " open" : ""}>`, `<summary class="${bench.verdict}">${escapeHtml(verdictText(bench))}: ${code(displayName(bench))} <span class="muted">${escapeHtml(bench.file)}</span></summary>`];
  const functions = bench.attribution?.functions ?? null;
  const allocations = bench.attribution?.allocations ?? null;
  const distribution = drawn.distribution(bench);
  if (distribution !== undefined) parts.push(`<h3>Time per iteration, process by process</h3>`, distribution);
  const flame = drawn.flame(bench);
  if (flame !== undefined) parts.push(flame);
  if (family !== undefined && (family.verdict === "regressed" || family.verdict === "improved")) {
    parts.push(`<h3>Growth with ${escapeHtml(family.parameter)}: ${escapeHtml(familyVerdictText(family))}</h3>`, growthPictures(family));
  }
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
    if (atPeak.length > 0) {
      parts.push(
        `<p>Live at the peak, change by line (${allocations.at_peak_count} lines changed; ${escapeHtml(capturedText(allocations))}):</p>`,
        memoryBarsSvg(atPeak, escapeHtml),
        lineTable(context, atPeak),
      );
    }
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

/** The page script as the page carries it: the function's text, called once. */
const SCRIPT = `(${flameScript.toString()})();`;

/** A Content-Security-Policy source expression allowing exactly this inline script or style sheet. */
function hashSource(text: string): string {
  const digest = sha256(new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/**
 * Renders the whole comparison as one self-contained HTML page. With both results (`results`), the regressed and
 * improved benchmarks get a differential flame graph and every benchmark its timing distribution, with the baseline
 * branch's trend under it where `trends` has one.
 */
export function renderHtml(comparison: Comparison, context: ReportContext = {}, results?: { base: Results; head: Results }, trends: ReadonlyMap<string, Trend> = new Map()): string {
  const { icon, text } = verdictLine(comparison);
  const changed = changedBenchmarks(comparison);
  const verdictClass = comparison.summary.verdict === "fail" ? "fail" : comparison.summary.counts.regressed > 0 ? "warn" : "pass";
  const drawn = pictures(context, results, trends);
  const body: string[] = [`<h1 class="${verdictClass}">${icon} ${escapeHtml(text)}</h1>`];
  for (const note of context.notes ?? []) body.push(`<blockquote>${escapeHtml(note)}</blockquote>`);
  for (const caveat of comparison.caveats) body.push(`<blockquote class="warn">⚠️ ${escapeHtml(caveat.message)}</blockquote>`);
  for (const caveat of instructionCaveats(comparison)) body.push(`<blockquote class="warn">⚠️ ${escapeHtml(caveat)}</blockquote>`);
  body.push(`<h2>Benchmarks</h2>`);
  const counted = hasInstructions(comparison);
  const headers = counted ? COUNTED_HEADERS : BENCHMARK_HEADERS;
  const numeric = counted ? COUNTED_NUMERIC : BENCHMARK_NUMERIC;
  if (changed.length > 0) body.push(table(headers, benchmarkRows(changed, counted), numeric));
  const quiet = quietBenchmarks(comparison);
  for (const { verdict, benches } of quiet) {
    body.push(`<details><summary>${benches.length} ${verdict}</summary>`, table(headers, benchmarkRows(benches, counted), numeric), "</details>");
  }
  body.push(...growthSection(comparison));
  const families = new Map((comparison.complexity ?? []).map((f) => [f.id, f]));
  const explained = changed.filter((b) => (b.attribution !== null && (b.verdict === "regressed" || b.verdict === "improved")) || b.failures.length > 0);
  if (explained.length > 0) body.push(`<h2>What changed, and where</h2>`, ...explained.map((b) => benchmarkSection(context, b, drawn, b.complexity === undefined ? undefined : families.get(b.complexity.family))));
  const others = [...changed, ...quiet.flatMap((group) => group.benches)].filter((b) => !explained.includes(b)).flatMap((b) => {
    const distribution = drawn.distribution(b);
    return distribution === undefined ? [] : [`<details><summary class="${b.verdict}">${escapeHtml(verdictText(b))}: ${code(displayName(b))} <span class="muted">${escapeHtml(b.file)}</span></summary>`, distribution, "</details>"];
  });
  if (others.length > 0) body.push(`<h2>Timing of the other benchmarks</h2>`, ...others);
  body.push(footer(comparison, context));
  const scripted = Object.keys(drawn.graphs).length > 0;
  // Only the page's own script and style sheet may run, by hash: the page shows what a fork may have filled in.
  const policy = ["default-src 'none'", `script-src ${scripted ? hashSource(SCRIPT) : "'none'"}`, `style-src ${hashSource(STYLE)}`, "base-uri 'none'", "form-action 'none'"].join("; ");
  if (scripted) body.push(`<script type="application/json" id="profgate-flames">${jsonBlock(drawn.graphs)}</script>`, `<script>${SCRIPT}</script>`);
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
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

/** What a fresh-runner rerun made of a benchmark's timing, for the sentence under its distribution. */
function rerunSentence(bench: BenchmarkComparison): string {
  const rerun = bench.rerun;
  if (rerun === undefined) return "";
  const fresh = rerun.fresh?.ratio == null ? "could not time it" : `found ${formatRatio(rerun.fresh.ratio)}`;
  switch (rerun.state) {
    case "pending":
      return " This timing waits for a rerun on a fresh runner before it can fail the check.";
    case "agreed":
      return ` A rerun on a fresh runner ${fresh}: regressed in both runs.`;
    case "disagreed":
      return ` A rerun on a fresh runner ${fresh}, not confirming it: the timing verdict is the fresh runner's, and does not gate.`;
  }
}
