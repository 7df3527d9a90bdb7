/**
 * Terminal rendering: aligned tables with optional ANSI colour. Whether colour is on is decided by the caller
 * (a TTY without NO_COLOR), so these stay pure.
 */
import type { Results } from "../core/results.js";
import { median } from "../core/stats.js";
import { formatBytes, formatDuration, formatPercent } from "./format.js";

export type Colour = "red" | "green" | "yellow" | "dim" | "bold" | "cyan";

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Wraps text in an ANSI style, or returns it unchanged when colour is off. */
export function paint(text: string, colour: Colour, enabled: boolean): string {
  if (!enabled) return text;
  const [open, close] = CODES[colour];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

// eslint-disable-next-line no-control-regex -- ANSI escapes are exactly what must be skipped when measuring width.
const ANSI = /\u001b\[[0-9;]*m/g;

function width(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** Control characters from results (ids, names) would move the cursor; show them as escapes instead. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export interface TableOptions {
  /** One letter per column: "l" left, "r" right. */
  align: string;
}

/** Lays out rows (the first is the header) in aligned columns separated by two spaces. */
export function renderTable(rows: readonly (readonly string[])[], options: TableOptions): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => width(r[c] ?? ""))));
  return rows
    .map((row) =>
      row
        .map((cell, c) => {
          const pad = " ".repeat((widths[c] ?? 0) - width(cell));
          return options.align[c] === "r" ? pad + cell : cell + pad;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The spread of per-process medians: interquartile range over the median. */
function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  const mid = at(0.5);
  return mid > 0 ? (at(0.75) - at(0.25)) / mid : NaN;
}

/** The table printed at the end of `profgate run`: one row per benchmark. */
export function renderRunSummary(results: Results, colour: boolean): string {
  const header = ["benchmark", "status", "time/iter", "spread", "processes", "peak memory", "retained"];
  const rows = results.benchmarks.map((bench) => {
    const status = bench.status === "ok" ? paint("ok", "green", colour) : paint(bench.status, "red", colour);
    let time = "—";
    let spread = "—";
    let processes = "—";
    if (bench.timing !== null) {
      const perProcess = bench.timing.processes.map((p) => median(bench.clock === "wall" ? p.wall : p.cpu));
      time = formatDuration(median(perProcess));
      spread = Number.isFinite(relativeSpread(perProcess)) ? `±${formatPercent(relativeSpread(perProcess) / 2).slice(1)}` : "—";
      processes = `${bench.timing.processes.length}×${bench.timing.processes[0]?.cpu.length ?? 0}`;
    }
    const memory = bench.memory;
    return [
      sanitize(bench.id),
      status,
      time,
      spread,
      processes,
      memory === null ? "—" : formatBytes(memory.peak),
      memory === null ? "—" : formatBytes(memory.retained, true),
    ];
  });
  const lines = [renderTable([header.map((h) => paint(h, "bold", colour)), ...rows], { align: "llrrrrr" })];
  const failed = results.benchmarks.filter((b) => b.status !== "ok");
  for (const bench of failed) {
    const failure = bench.failure;
    lines.push("", paint(`✗ ${sanitize(bench.id)}: ${bench.status}${failure ? ` in the ${failure.pass} pass: ${sanitize(failure.message)}` : ""}`, "red", colour));
    const tail = failure?.output.trim().split("\n").slice(-8) ?? [];
    for (const line of tail) lines.push(paint(`    ${sanitize(line)}`, "dim", colour));
  }
  return lines.join("\n");
}
