/**
 * The report's static pictures as inline SVG: the timing distribution of a benchmark (every process of both sides,
 * with head's estimate and its interval) and memory live at the peak by source line. Colours come from the page's
 * style sheet through class names, never from style attributes, so the page's Content-Security-Policy can forbid
 * inline styles other than its own sheet. Text from results is escaped by the caller's `escape`.
 */
import type { LineChange, Timing } from "../core/comparison.js";
import { formatBytes, formatDuration, formatLevel, formatRatio } from "./format.js";

const WIDTH = 720;
const LEFT = 56;
const RIGHT = 24;

/** The values at fractions 0.25, 0.5 and 0.75 of sorted `values` (linear interpolation). */
function quartiles(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const position = q * (sorted.length - 1);
    const low = Math.floor(position);
    const lowValue = sorted[low] ?? 0;
    return lowValue + ((sorted[Math.min(low + 1, sorted.length - 1)] ?? lowValue) - lowValue) * (position - low);
  };
  return [at(0.25), at(0.5), at(0.75)];
}

/** About `count` round tick values covering [low, high]. */
function ticks(low: number, high: number, count: number): number[] {
  const span = high - low;
  if (!(span > 0)) return [low];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(v);
  return out;
}

const fixed = (x: number): string => x.toFixed(1);

/** What a distribution plot draws: each side's per-process values and the comparison's timing. */
export interface Distribution {
  base: readonly number[];
  head: readonly number[];
  timing: Timing;
}

/**
 * Per-process times of base and head as a strip plot over a box (quartiles and median), and head's estimate
 * (base median × the head/base ratio) with its interval, so noise and shift can be told apart at a glance.
 */
export function distributionSvg(d: Distribution): string {
  const { timing } = d;
  const ratio = timing.ratio;
  const reference = timing.median.base;
  const estimate = ratio === null ? null : reference * ratio;
  const low = timing.lower === null ? null : reference * timing.lower;
  const high = timing.upper === null ? null : reference * timing.upper;
  const all = [...d.base, ...d.head, ...[estimate, low, high].filter((v): v is number => v !== null)];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (!(max > min)) {
    min *= 0.95;
    max = max * 1.05 || 1e-9;
  }
  const pad = (max - min) * 0.06;
  min = Math.max(0, min - pad);
  max += pad;
  const x = (v: number): number => LEFT + ((v - min) / (max - min)) * (WIDTH - LEFT - RIGHT);
  const rows = { base: 26, head: 66 };
  const height = 112;
  const parts: string[] = [];
  for (const tick of ticks(min, max, 5)) {
    parts.push(`<line class="grid" x1="${fixed(x(tick))}" x2="${fixed(x(tick))}" y1="8" y2="86"/>`, `<text class="axis" x="${fixed(x(tick))}" y="102" text-anchor="middle">${formatDuration(tick)}</text>`);
  }
  for (const side of ["base", "head"] as const) {
    const values = d[side];
    const y = rows[side];
    parts.push(`<text class="label" x="4" y="${y + 4}">${side}</text>`);
    if (values.length === 0) continue;
    const [q1, q2, q3] = quartiles(values);
    parts.push(
      `<rect class="box ${side}" x="${fixed(x(q1))}" y="${y - 10}" width="${fixed(Math.max(1, x(q3) - x(q1)))}" height="20"><title>${side}: quartiles ${formatDuration(q1)} – ${formatDuration(q3)}, median ${formatDuration(q2)}</title></rect>`,
      `<line class="median ${side}" x1="${fixed(x(q2))}" x2="${fixed(x(q2))}" y1="${y - 10}" y2="${y + 10}"/>`,
    );
    values.forEach((v, i) => {
      // A fixed, repeatable jitter: points with equal values stay distinguishable and the picture never changes.
      const dy = ((i * 7) % 11) - 5;
      parts.push(`<circle class="${side}" cx="${fixed(x(v))}" cy="${y + dy}" r="3"><title>${side} process ${i + 1}: ${formatDuration(v)}</title></circle>`);
    });
  }
  if (estimate !== null) {
    const y = rows.head + 16;
    const from = x(low ?? min);
    const to = x(high ?? max);
    const e = x(estimate);
    const interval = `${low === null ? "unbounded" : formatDuration(low)} – ${high === null ? "unbounded" : formatDuration(high)}`;
    parts.push(
      `<line class="reference" x1="${fixed(x(reference))}" x2="${fixed(x(reference))}" y1="8" y2="86"><title>base median ${formatDuration(reference)}</title></line>`,
      `<line class="interval" x1="${fixed(from)}" x2="${fixed(to)}" y1="${y}" y2="${y}"/>`,
      `<path class="estimate" d="M${fixed(e)} ${y - 5}L${fixed(e + 5)} ${y}L${fixed(e)} ${y + 5}L${fixed(e - 5)} ${y}Z"><title>head estimate ${formatDuration(estimate)} (${formatRatio(ratio ?? 1)}), ${formatLevel(timing.level)} bounds ${interval}</title></path>`,
    );
  }
  return `<svg class="chart distribution" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="time per iteration of each process, base and head">${parts.join("")}</svg>`;
}

/** At most this many lines are drawn; the table under the picture lists them all. */
export const MEMORY_BARS = 10;

/** Memory live at the peak by source line: a bar per side for the lines whose size changed most. */
export function memoryBarsSvg(lines: readonly LineChange[], escape: (text: string) => string): string {
  const shown = lines.slice(0, MEMORY_BARS);
  const labelWidth = 300;
  const valueWidth = 150;
  const barWidth = WIDTH - labelWidth - valueWidth;
  const rowHeight = 30;
  const largest = Math.max(1, ...shown.flatMap((l) => [Math.abs(l.size.base), Math.abs(l.size.head)]));
  const parts: string[] = [];
  shown.forEach((l, i) => {
    const y = 6 + i * rowHeight;
    const where = `${l.file}:${l.line.head ?? l.line.base ?? 0} ${l.function}`;
    const label = where.length > 48 ? `…${where.slice(-47)}` : where;
    parts.push(`<text class="label" x="0" y="${y + 14}"><title>${escape(`${where}: ${l.source}`)}</title>${escape(label)}</text>`);
    (["base", "head"] as const).forEach((side, k) => {
      const width = (Math.abs(l.size[side]) / largest) * barWidth;
      parts.push(`<rect class="bar ${side}" x="${labelWidth}" y="${y + k * 11}" width="${fixed(Math.max(width, 0.5))}" height="10"><title>${side}: ${formatBytes(l.size[side])}</title></rect>`);
    });
    parts.push(`<text class="axis" x="${labelWidth + barWidth + 8}" y="${y + 14}">${formatBytes(l.size.base)} → ${formatBytes(l.size.head)}</text>`);
  });
  const height = 6 + shown.length * rowHeight;
  return `<svg class="chart memory" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="memory live at the peak by line, base and head">${parts.join("")}</svg>`;
}

/** One side's points and power law, as `growthSvg` draws them. */
export interface GrowthSeries {
  side: "base" | "head";
  points: readonly { size: number; value: number }[];
  /** value ≈ scale × size^exponent, drawn dashed across the sizes; null when not fitted. */
  power: { scale: number; exponent: number } | null;
}

/** Powers of ten covering [low, high] (both > 0), or the two ends when the range lies within one decade. */
function decades(low: number, high: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    const v = 10 ** e;
    if (v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9)) out.push(v);
  }
  return out.length >= 2 ? out : [low, high];
}

/**
 * A metric against size on log-log axes, base and head: each measured size a dot, joined, with the fitted power
 * law dashed. A straight line's slope is the exponent, so a change of growth shows as lines that part.
 */
export function growthSvg(title: string, series: readonly GrowthSeries[], format: (value: number) => string, escape: (text: string) => string): string {
  const width = 360;
  const height = 240;
  const [left, right, top, bottom] = [64, 12, 24, 36];
  const all = series.flatMap((s) => s.points).filter((p) => p.size > 0 && p.value > 0);
  if (all.length === 0) return "";
  const sizes = all.map((p) => p.size);
  const values = all.map((p) => p.value);
  const [xMin, xMax] = [Math.min(...sizes), Math.max(...sizes)];
  let [yMin, yMax] = [Math.min(...values), Math.max(...values)];
  if (!(yMax > yMin)) [yMin, yMax] = [yMin / 2, yMax * 2];
  const lx = (v: number) => Math.log(v);
  const x = (v: number) => left + ((lx(v) - lx(xMin)) / (lx(xMax) - lx(xMin) || 1)) * (width - left - right);
  const y = (v: number) => height - bottom - ((lx(v) - lx(yMin)) / (lx(yMax) - lx(yMin))) * (height - top - bottom);
  const clampY = (v: number) => Math.min(height - bottom, Math.max(top, y(v)));
  const parts: string[] = [`<text class="label" x="${left}" y="14">${escape(title)}</text>`];
  for (const size of [...new Set(sizes)].sort((a, b) => a - b)) {
    parts.push(`<line class="grid" x1="${fixed(x(size))}" x2="${fixed(x(size))}" y1="${top}" y2="${height - bottom}"/>`, `<text class="axis" x="${fixed(x(size))}" y="${height - bottom + 14}" text-anchor="middle">${size}</text>`);
  }
  for (const v of decades(yMin, yMax)) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${fixed(y(v))}" y2="${fixed(y(v))}"/>`, `<text class="axis" x="${left - 4}" y="${fixed(y(v) + 4)}" text-anchor="end">${escape(format(v))}</text>`);
  }
  for (const s of series) {
    const points = s.points.filter((p) => p.size > 0 && p.value > 0);
    if (s.power !== null) {
      const { scale, exponent } = s.power;
      parts.push(`<line class="fit ${s.side}" x1="${fixed(x(xMin))}" x2="${fixed(x(xMax))}" y1="${fixed(clampY(scale * xMin ** exponent))}" y2="${fixed(clampY(scale * xMax ** exponent))}"><title>${s.side}: fitted exponent ${exponent.toFixed(2)}</title></line>`);
    }
    parts.push(`<polyline class="trace ${s.side}" points="${points.map((p) => `${fixed(x(p.size))},${fixed(y(p.value))}`).join(" ")}"/>`);
    for (const p of points) parts.push(`<circle class="${s.side}" cx="${fixed(x(p.size))}" cy="${fixed(y(p.value))}" r="3.5"><title>${s.side} at ${p.size}: ${escape(format(p.value))}</title></circle>`);
  }
  parts.push(`<text class="label base" x="${width - right - 80}" y="14">● base</text>`, `<text class="label head" x="${width - right - 36}" y="14">● head</text>`);
  return `<svg class="chart growth" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}, log-log, base and head">${parts.join("")}</svg>`;
}

/** What a trend picture draws: the baseline branch's runs of one benchmark, its change points, and this head. */
export interface Trend {
  branch: string;
  /** Each run's timing estimate with its commit, oldest first. */
  runs: readonly { time: number; commit: string }[];
  /** Indices into `runs` of the first run after each timing change point. */
  changes: readonly number[];
  /** The level now: from run `since` on, at `time`. */
  level: { since: number; time: number };
  /** This head's estimate and its bounds, when compared. */
  head: { time: number; lower: number | null; upper: number | null } | null;
}

/**
 * The baseline branch's history of one benchmark: a dot per run, a dashed line where a change point is, the current
 * level as a bar over its runs, and this head at the right with its interval, on one time axis.
 */
export function trendSvg(t: Trend, escape: (text: string) => string): string {
  const headValues = t.head === null ? [] : [t.head.time, t.head.lower, t.head.upper].filter((v): v is number => v !== null);
  const all = [...t.runs.map((r) => r.time), t.level.time, ...headValues];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (!(max > min)) {
    min *= 0.95;
    max = max * 1.05 || 1e-9;
  }
  const pad = (max - min) * 0.08;
  min = Math.max(0, min - pad);
  max += pad;
  const height = 140;
  const top = 10;
  const bottom = 110;
  const slots = t.runs.length + (t.head === null ? 0 : 2);
  const x = (i: number): number => LEFT + ((i + 0.5) / Math.max(1, slots)) * (WIDTH - LEFT - RIGHT);
  const y = (v: number): number => bottom - ((v - min) / (max - min)) * (bottom - top);
  const parts: string[] = [];
  for (const tick of ticks(min, max, 4)) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}"/>`, `<text class="axis" x="${LEFT - 4}" y="${fixed(y(tick) + 4)}" text-anchor="end">${formatDuration(tick)}</text>`);
  }
  for (const c of t.changes) {
    const at = (x(c - 1) + x(c)) / 2;
    parts.push(`<line class="reference" x1="${fixed(at)}" x2="${fixed(at)}" y1="${top}" y2="${bottom}"><title>change point at ${escape(t.runs[c]?.commit.slice(0, 7) ?? "?")}</title></line>`);
  }
  parts.push(
    `<line class="interval" x1="${fixed(x(t.level.since) - 4)}" x2="${fixed(x(t.runs.length - 1) + 4)}" y1="${fixed(y(t.level.time))}" y2="${fixed(y(t.level.time))}"><title>${escape(`${t.branch}'s level since ${t.runs[t.level.since]?.commit.slice(0, 7) ?? "?"}`)}: ${formatDuration(t.level.time)}</title></line>`,
  );
  t.runs.forEach((r, i) => parts.push(`<circle class="base" cx="${fixed(x(i))}" cy="${fixed(y(r.time))}" r="3"><title>${escape(r.commit.slice(0, 7))}: ${formatDuration(r.time)}</title></circle>`));
  if (t.head !== null) {
    const hx = x(t.runs.length + 1);
    if (t.head.lower !== null || t.head.upper !== null) {
      parts.push(`<line class="interval" x1="${fixed(hx)}" x2="${fixed(hx)}" y1="${fixed(y(t.head.upper ?? max))}" y2="${fixed(y(t.head.lower ?? min))}"/>`);
    }
    const hy = y(t.head.time);
    parts.push(
      `<path class="estimate" d="M${fixed(hx)} ${fixed(hy - 5)}L${fixed(hx + 5)} ${fixed(hy)}L${fixed(hx)} ${fixed(hy + 5)}L${fixed(hx - 5)} ${fixed(hy)}Z"><title>this head: ${formatDuration(t.head.time)}</title></path>`,
      `<text class="label" x="${fixed(hx)}" y="${bottom + 24}" text-anchor="middle">head</text>`,
    );
  }
  parts.push(`<text class="label" x="${LEFT}" y="${bottom + 24}">${escape(t.branch)}: ${t.runs.length} runs, oldest first</text>`);
  return `<svg class="chart trend" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="time per iteration on ${escape(t.branch)}, run by run, and this head">${parts.join("")}</svg>`;
}
