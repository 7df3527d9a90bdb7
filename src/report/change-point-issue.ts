/**
 * The issue a run of the baseline branch opens for the change points it revealed (input `change-point-issues`):
 * a short, specific title, and a body that gives per change point the levels on either side, the commit that
 * introduced it with the one before, and the functions that changed across it. A hidden marker, keyed by the change
 * points, lets the next run (a rerun of the same job above all) find the issue instead of opening a second one.
 */
import type { ChangePoint, HistoryMetric } from "../core/changepoints.js";
import { formatPercent } from "./format.js";
import { formatFigure, functionFigure, METRIC_NAMES, short, type CommitLinks } from "./history.js";
import { escapeText } from "./markdown.js";

/** What the issue reports, as plain data. */
export interface ChangePointIssueInput {
  /** The change points this run revealed (at least one). */
  changePoints: readonly ChangePoint[];
  branch: string;
  links: CommitLinks;
  /** The run that found them, its commit, and the runs its history now holds. */
  runUrl: string;
  commit: string;
  runs: number;
  /** What separates the issues of several profgate workflows in one repository: the results artifact's name. */
  key: string;
}

export interface ChangePointIssue {
  title: string;
  body: string;
  /** The hidden marker the body starts with: the same change points give the same marker. */
  marker: string;
}

/** Characters of the title's benchmark name before it is cut. */
const TITLE_NAME = 60;

/** FNV-1a, 64 bits: a stable, short digest of the change points' identities, with no I/O. */
function digest(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/**
 * The marker of an issue about `changePoints`: keyed by each one's benchmark, metric and commit (in any order), so a
 * rerun that finds the same change points carries the same marker, and different ones a different marker.
 */
export function changePointMarker(key: string, changePoints: readonly ChangePoint[]): string {
  const identities = changePoints.map((c) => JSON.stringify([c.benchmark, c.metric, c.commit])).sort();
  return `<!-- profgate:change-points ${escapeText(key).replace(/--/g, "")} ${digest(identities.join("\n"))} -->`;
}

/** The name a title shows: the benchmark's function, without its file, on one line and cut to a readable length. */
function titleName(id: string): string {
  // eslint-disable-next-line no-control-regex -- a title is one line of plain text.
  const name = (id.split("::").at(-1) ?? id).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim() || id;
  return name.length > TITLE_NAME ? `${name.slice(0, TITLE_NAME - 1)}…` : name;
}

function changeText(point: ChangePoint): string {
  return Number.isFinite(point.change) ? formatPercent(point.change) : "from 0";
}

/** "profgate: 2 change points at abc1234 on main (bench_x time +12.0%, …)": the weightiest change names the issue. */
function titleOf(input: ChangePointIssueInput): string {
  const points = input.changePoints;
  const commits = new Set(points.map((c) => c.commit));
  const where = commits.size === 1 ? `at ${short(points[0]?.commit ?? input.commit)}` : `at ${commits.size} commits`;
  const largest = [...points].sort((a, b) => METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric) || size(b) - size(a))[0];
  const headline = largest === undefined ? "" : ` (${titleName(largest.benchmark)} ${METRIC_NAMES[largest.metric]} ${changeText(largest)}${points.length > 1 ? ", …" : ""})`;
  return `profgate: ${points.length} change point${points.length === 1 ? "" : "s"} ${where} on ${input.branch}${headline}`;
}

/** Which metric's change names the issue first: time is what readers act on, a few bytes retained the least. */
const METRIC_ORDER: readonly HistoryMetric[] = ["time", "instructions", "calls", "peak_memory", "retained_memory"];

/** A change's weight for the title: a change from 0 (no ratio) comes after every measurable one of its metric. */
function size(point: ChangePoint): number {
  return Number.isFinite(point.change) ? Math.abs(point.change) : -1;
}

/** One change point: its levels, the commits either side of it, and the functions that changed across it. */
function entry(point: ChangePoint, input: ChangePointIssueInput): string {
  const repository = `${input.links.serverUrl}/${input.links.repository}`;
  const commit = (sha: string): string => `[\`${short(sha)}\`](${repository}/commit/${sha})`;
  const unit = point.metric === "time" || point.metric === "calls" ? " per iteration" : "";
  const firstRun = point.run === null ? "" : `; first measured by [run ${point.run}](${repository}/actions/runs/${point.run})`;
  const lines = [
    `#### ${escapeText(point.benchmark)}: ${METRIC_NAMES[point.metric]} ${changeText(point)}`,
    "",
    `- **Level:** ${formatFigure(point.metric, point.before)} → ${formatFigure(point.metric, point.after)}${unit} (${changeText(point)})`,
    `- **Introduced by:** ${commit(point.commit)}, after ${commit(point.previous)} ([the changes between them](${repository}/compare/${point.previous}...${point.commit}))${firstRun}`,
  ];
  const functions = point.functions.map((f) => {
    const before = functionFigure(point.metric, f.before);
    const after = functionFigure(point.metric, f.after);
    const where = `${escapeText(f.name)} (${escapeText(`${f.file}:${f.line}`)})`;
    return before === null || after === null ? where : `${where}: ${before} → ${after}`;
  });
  lines.push(`- **Functions that changed:** ${functions.length === 0 ? "none among the heaviest functions the history records" : functions.join("; ")}`);
  return lines.join("\n");
}

/**
 * The issue for `input`'s change points, its body at most `limit` characters (GitHub's cap, which the GitHub adapter
 * knows): change points that do not fit are counted in a note pointing at the run's job summary, which lists them all.
 */
export function renderChangePointIssue(input: ChangePointIssueInput, limit = Number.POSITIVE_INFINITY): ChangePointIssue {
  const marker = changePointMarker(input.key, input.changePoints);
  const count = input.changePoints.length;
  const repository = `${input.links.serverUrl}/${input.links.repository}`;
  const head = [
    marker,
    `### ${count} new change point${count === 1 ? "" : "s"} on ${escapeText(input.branch)}`,
    "",
    `[This run](${input.runUrl}) of ${escapeText(input.branch)} at [\`${short(input.commit)}\`](${repository}/commit/${input.commit}) extended the history to ${input.runs} run${input.runs === 1 ? "" : "s"} and found ${count === 1 ? "this step" : "these steps"}. Each names the first commit measured at the new level and the last one measured at the old level.`,
    "",
    "",
  ].join("\n");
  const foot = `\n<sub>Opened by profgate (\`change-point-issues: true\`). Another run that finds the same change points adds no second issue while this one is open.</sub>\n`;
  const entries = input.changePoints.map((point) => `${entry(point, input)}\n`);
  const cutNote = (left: number): string =>
    `\n${left} more change point${left === 1 ? " is" : "s are"} not listed here, to fit GitHub's limit on an issue; [the run's job summary](${input.runUrl}) lists them all.\n`;
  let kept = entries.length;
  let length = head.length + foot.length + entries.reduce((sum, e) => sum + e.length + 1, 0);
  while (length > limit && kept > 0) {
    kept -= 1;
    length = head.length + foot.length + cutNote(entries.length - kept).length + entries.slice(0, kept).reduce((sum, e) => sum + e.length + 1, 0);
  }
  const body = [head, entries.slice(0, kept).join("\n"), kept < entries.length ? cutNote(entries.length - kept) : "", foot].join("");
  return { title: titleOf(input), body: body.length <= limit ? body : `${body.slice(0, Math.max(0, limit - 1))}…`, marker };
}
