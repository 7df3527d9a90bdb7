/**
 * The default branch's history in words and small pictures: change points and drift for the job summary and the
 * terminal, a one-line trend of Unicode blocks that renders in any comment, and the level a pull request is judged
 * against ("main since abc1234, 23 runs on 4 runners").
 */
import type { ChangePoint, Drift, HistoryMetric, Level } from "../core/changepoints.js";
import type { HistorySize } from "../core/history.js";
import { formatBytes, formatCount, formatDuration, formatLargeCount, formatPercent } from "./format.js";

const BLOCKS = "▁▂▃▄▅▆▇█";

/** `values` as a run of block characters, lowest ▁ and highest █; all equal draws a flat ▄ line. */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return " ";
      if (high === low) return BLOCKS[3];
      return BLOCKS[Math.min(BLOCKS.length - 1, Math.floor(((v - low) / (high - low)) * BLOCKS.length))];
    })
    .join("");
}

/** A commit as GitHub abbreviates it. */
export function short(sha: string): string {
  return sha.slice(0, 7);
}

/** "main since abc1234, 23 runs on 4 runners". */
export function describeLevel(level: Level, branch: string): string {
  return `${branch} since ${short(level.commit)}, ${level.runs} run${level.runs === 1 ? "" : "s"} on ${level.runners} runner${level.runners === 1 ? "" : "s"}`;
}

/** Each metric as a sentence names it. */
export const METRIC_NAMES: Record<HistoryMetric, string> = {
  time: "time",
  instructions: "instructions",
  calls: "calls",
  peak_memory: "peak memory",
  retained_memory: "retained memory",
};

/** A level of `metric` with its unit. */
export function formatFigure(metric: HistoryMetric, value: number): string {
  switch (metric) {
    case "time":
      return formatDuration(value);
    case "instructions":
      return formatLargeCount(value);
    case "calls":
      return formatCount(value);
    case "peak_memory":
    case "retained_memory":
      return formatBytes(value);
  }
}

/** What a change point's functions show: time for timing and instructions, calls for calls; none for memory. */
export function functionFigure(metric: HistoryMetric, value: number): string | null {
  switch (metric) {
    case "time":
    case "instructions":
      return formatDuration(value);
    case "calls":
      return formatCount(value);
    case "peak_memory":
    case "retained_memory":
      return null;
  }
}

/** One sentence per change point, for any renderer: what stepped, where, and through which functions. */
export function describeChangePoint(point: ChangePoint, commitText: (sha: string) => string = short): string {
  const change = Number.isFinite(point.change) ? formatPercent(point.change) : "from 0";
  const functions = point.functions
    .map((f) => {
      const figure = functionFigure(point.metric, f.before);
      const after = functionFigure(point.metric, f.after);
      return figure === null || after === null ? f.name : `${f.name} (${f.file}:${f.line}, ${figure} → ${after})`;
    })
    .join(", ");
  return `${point.benchmark}: ${METRIC_NAMES[point.metric]} ${formatFigure(point.metric, point.before)} → ${formatFigure(point.metric, point.after)} (${change}) at ${commitText(point.commit)} (after ${commitText(point.previous)})${functions === "" ? "" : `; changed: ${functions}`}`;
}

function describeDrift(drift: Drift, commitText: (sha: string) => string): string {
  return `${drift.benchmark}: ${formatPercent(drift.change)} since its best level at ${commitText(drift.from)}, over ${drift.steps} steps`;
}

/** Links to a commit on GitHub, for the markdown renderers. */
export interface CommitLinks {
  serverUrl: string;
  repository: string;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A sentence escaped for markdown with its commits as links: they are marked while the text is escaped. */
function linked(sentence: (mark: (sha: string) => string) => string, link: (sha: string) => string): string {
  const shas: string[] = [];
  const text = escapeMarkdown(sentence((sha) => {
    shas.push(sha);
    return "\u0000";
  }));
  return text.split("\u0000").map((part, i) => (i === 0 ? part : `${link(shas[i - 1] ?? "")}${part}`)).join("");
}

/**
 * The job summary's history section on the default branch: the history kept, the change points this run revealed,
 * and drift. Empty change point lists say so: a reader should see that the check ran.
 */
export function renderHistoryMarkdown(input: {
  runs: number;
  size: HistorySize;
  changePoints: readonly ChangePoint[];
  drifts: readonly Drift[];
  branch: string;
  links: CommitLinks;
  /** The issue that reports these change points, when one was opened (or found) for them. */
  issue?: { number: number; url: string } | null;
}): string {
  const commit = (sha: string): string => `[\`${short(sha)}\`](${input.links.serverUrl}/${input.links.repository}/commit/${sha})`;
  const lines = [`### History of ${escapeMarkdown(input.branch)}`, "", `${input.runs} runs kept (${formatBytes(input.size.bytes)}; ${formatBytes(input.size.perRun)} per run, ${formatBytes(input.size.perEntry)} per benchmark and run).`, ""];
  if (input.changePoints.length === 0) lines.push("No new change points.");
  else {
    lines.push(`**${input.changePoints.length} new change point${input.changePoints.length === 1 ? "" : "s"}:**`, "");
    for (const point of input.changePoints) lines.push(`- ${linked((mark) => describeChangePoint(point, mark), commit)}`);
    if (input.issue != null) lines.push("", `Reported in [issue #${input.issue.number}](${input.issue.url}).`);
  }
  if (input.drifts.length > 0) {
    lines.push("", `**Drift** (slowdowns accumulated over steps too small to report alone):`, "");
    for (const drift of input.drifts) lines.push(`- ${linked((mark) => describeDrift(drift, mark), commit)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The same for the terminal (`profgate history`): every change point in the history, not only new ones. */
export function renderHistoryText(input: { runs: number; size: HistorySize; changePoints: readonly ChangePoint[]; drifts: readonly Drift[] }): string {
  const lines = [
    `${input.runs} runs, ${input.size.entries} benchmark entries: ${formatBytes(input.size.bytes)} (${formatBytes(input.size.perRun)} per run, ${formatBytes(input.size.perEntry)} per benchmark and run)`,
  ];
  lines.push(input.changePoints.length === 0 ? "No change points." : `${input.changePoints.length} change point${input.changePoints.length === 1 ? "" : "s"}:`);
  for (const point of input.changePoints) lines.push(`  ${describeChangePoint(point)}`);
  if (input.drifts.length > 0) lines.push("Drift:", ...input.drifts.map((d) => `  ${describeDrift(d, short)}`));
  return `${lines.join("\n")}\n`;
}

/** How many of main's newest runs a trend line draws. */
const TREND_RUNS = 20;

/** A flagged benchmark of a pull request, as the trends need it. */
export interface FlaggedBenchmark {
  id: string;
  /** The head's timing estimate, seconds per iteration; null when it has none. */
  head: number | null;
  /** Whether its timing verdict is the one against the level, not the artifact's nor a confirmation's on the runner. */
  judged: boolean;
}

/**
 * The pull request comment's trends: for each flagged benchmark, main's newest timings as a line of blocks with the
 * head as its last block, and the level main holds now, from the history.
 */
export function renderTrendsMarkdown(input: { flagged: readonly FlaggedBenchmark[]; series: ReadonlyMap<string, readonly number[]>; levels: ReadonlyMap<string, Level>; branch: string }): string {
  const rows: string[] = [];
  for (const bench of input.flagged) {
    const level = input.levels.get(bench.id);
    const series = (input.series.get(bench.id) ?? []).slice(-TREND_RUNS);
    if (level === undefined || series.length === 0) continue;
    const line = sparkline(bench.head === null ? series : [...series, bench.head]);
    const head = bench.head === null ? "" : `; this head ${formatDuration(bench.head)} (${formatPercent(bench.head / level.time - 1)})`;
    rows.push(`- \`${bench.id.replace(/`/g, "'")}\` \`${line}\` ${bench.judged ? "judged against " : ""}${describeLevel(level, input.branch)}: ${formatDuration(level.time)} ± ${formatPercent(level.spread).replace("+", "")} between runs${head}`);
  }
  if (rows.length === 0) return "";
  return `**Trend on ${escapeMarkdown(input.branch)}** (its newest runs; the last block is this pull request):\n\n${rows.join("\n")}\n`;
}
