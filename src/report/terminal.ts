/**
 * Terminal rendering: aligned tables with optional ANSI colour. Whether colour is on is decided by the caller
 * (a TTY without NO_COLOR), so these stay pure.
 */
import type { Comparison, LineChange, MemoryMetric, Timing as ComparisonTiming, Verdict } from "../core/comparison.js";
import type { Results } from "../core/results.js";
import { processTimes } from "../core/compare.js";
import { median, quantile } from "../core/stats.js";
import { capturedText, hasInstructions, instructionCaveats, instructionsText, memoryNotes, resultValueText, valueText } from "./common.js";
import { familiesByImportance, familyExplanation, familyVerdictText, sizesText } from "./complexity-text.js";
import { formatBytes, formatCount, formatDuration, formatLargeCount, formatLevel, formatPercent, formatRatio } from "./format.js";

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

/** The spread of per-process times: interquartile range over the median. */
function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const mid = quantile(values, 0.5);
  return mid > 0 ? (quantile(values, 0.75) - quantile(values, 0.25)) / mid : NaN;
}

/** The table printed at the end of `profgate run`: one row per benchmark. */
export function renderRunSummary(results: Results, colour: boolean): string {
  const counted = results.benchmarks.some((b) => b.instructions !== undefined);
  const header = ["benchmark", "status", "time/iter", "spread", "processes", ...(counted ? ["instructions/iter"] : []), "peak memory", "retained"];
  const rows = results.benchmarks.map((bench) => {
    const status =
      bench.status === "stopped"
        ? paint(bench.status, "yellow", colour)
        : bench.status !== "ok"
          ? paint(bench.status, "red", colour)
          : bench.skipped !== undefined
            ? paint("skipped", "dim", colour)
            : bench.carried_over !== undefined
              ? paint("not re-run", "dim", colour)
              : paint("ok", "green", colour);
    let time = resultValueText(bench) ?? "—";
    let spread = "—";
    let processes = "—";
    if (bench.timing !== null) {
      const perProcess = processTimes(bench);
      const relative = relativeSpread(perProcess);
      time = perProcess.length > 0 ? formatDuration(median(perProcess)) : "—";
      spread = Number.isFinite(relative) ? `±${formatPercent(relative / 2).slice(1)}` : "—";
      processes = `${bench.timing.processes.length}×${bench.timing.processes[0]?.cpu.length ?? 0}`;
    }
    const memory = bench.memory;
    return [
      sanitize(bench.id),
      status,
      time,
      spread,
      processes,
      ...(counted ? [bench.instructions === undefined ? "—" : formatLargeCount(bench.instructions.per_iteration)] : []),
      memory === null ? "—" : formatBytes(memory.peak),
      memory === null ? "—" : formatBytes(memory.retained, true),
    ];
  });
  const lines = [renderTable([header.map((h) => paint(h, "bold", colour)), ...rows], { align: counted ? "llrrrrrr" : "llrrrrr" })];
  // A benchmark measured at depth exact has no line breakdown by design: its note says so, and no budget cut it.
  const cut = results.benchmarks.filter((b) => b.memory?.note !== undefined && b.depth !== "exact");
  if (cut.length > 0) {
    const which = cut.length === 1 ? "1 benchmark was" : `${cut.length} benchmarks were`;
    lines.push(
      "",
      paint(`⚠ the memory line breakdown of ${which} cut short or left out (peak and retained are exact; each one's memory note in results.json says why, and what gives the full breakdown):`, "yellow", colour),
      ...cut.map((b) => paint(`    ${sanitize(b.id)}`, "yellow", colour)),
    );
  }
  if (results.stopped !== undefined) {
    const notRun = results.benchmarks.filter((b) => b.status === "stopped").length;
    lines.push("", paint(`⏹ stopped by ${results.stopped.signal}: ${notRun} of ${results.benchmarks.length} benchmarks were not run through all their passes`, "yellow", colour));
  }
  const failed = results.benchmarks.filter((b) => b.status !== "ok" && b.status !== "stopped");
  for (const bench of failed) {
    const failure = bench.failure;
    lines.push("", paint(`✗ ${sanitize(bench.id)}: ${bench.status}${failure ? ` in the ${failure.pass} pass: ${sanitize(failure.message)}` : ""}`, "red", colour));
    const tail = failure?.output.trim().split("\n").slice(-8) ?? [];
    for (const line of tail) lines.push(paint(`    ${sanitize(line)}`, "dim", colour));
  }
  return lines.join("\n");
}

const VERDICT_COLOUR: Record<Verdict, Colour> = {
  regressed: "red",
  improved: "green",
  unchanged: "dim",
  inconclusive: "yellow",
  new: "cyan",
  removed: "dim",
  failed: "red",
  skipped: "dim",
};

function ratioCell(timing: ComparisonTiming | null): string {
  if (timing === null || timing.ratio === null) return "—";
  const lower = timing.lower === null ? "0" : formatRatio(timing.lower);
  const upper = timing.upper === null ? "∞" : formatRatio(timing.upper);
  return `${formatRatio(timing.ratio)} (${lower}–${upper})${timing.caveat ? " !" : ""}`;
}

function memoryDelta(metric: MemoryMetric | undefined): string {
  if (metric === undefined) return "—";
  if (metric.delta === 0) return "=";
  return `${formatBytes(metric.delta, true)}${metric.relative === null ? "" : ` (${formatPercent(metric.relative)})`}`;
}

/** Families too small to judge that the terminal names; the rest are counted. */
const SMALL_NAMED = 5;

/** The comparison as `profgate compare` prints it: verdict line, benchmark table, then what changed and where. */
export function renderComparison(comparison: Comparison, colour: boolean, detailRows = 5): string {
  const { summary } = comparison;
  const lines: string[] = [];
  const c = summary.counts;
  const counts = Object.entries(c).filter(([, n]) => n > 0).map(([verdict, n]) => `${n} ${verdict}`).join(", ");
  lines.push(
    summary.verdict === "fail"
      ? paint(`✗ ${summary.gating_regressions} benchmark${summary.gating_regressions === 1 ? "" : "s"} regressed past the thresholds (${counts})`, "red", colour)
      : paint(`✓ no regression past the thresholds (${counts})`, "green", colour),
    "",
  );
  const notes = [...comparison.caveats.map((caveat) => caveat.message), ...instructionCaveats(comparison)];
  for (const note of notes) lines.push(paint(`! ${sanitize(note)}`, "yellow", colour));
  if (notes.length > 0) lines.push("");
  const counted = hasInstructions(comparison);
  const header = ["benchmark", "time head/base (bounds)", ...(counted ? ["instructions/iter"] : []), "peak memory", "retained", "verdict"].map((h) => paint(h, "bold", colour));
  const rows = comparison.benchmarks.map((b) => [
    sanitize(b.id),
    b.value != null ? valueText(b.value) : ratioCell(b.timing),
    ...(counted ? [instructionsText(b.instructions, "!")] : []),
    memoryDelta(b.memory?.peak),
    memoryDelta(b.memory?.retained),
    paint(b.verdict + (b.verdict === "regressed" && !b.gating ? " (not significant)" : "") + (b.confirmed ? " (same runner)" : ""), VERDICT_COLOUR[b.verdict], colour),
  ]);
  lines.push(renderTable([header, ...rows], { align: counted ? "lrrrrl" : "lrrrl" }));

  for (const bench of comparison.benchmarks) {
    const functions = bench.attribution?.functions ?? null;
    const allocations = bench.attribution?.allocations ?? null;
    if (bench.verdict !== "regressed" || (functions === null && allocations === null)) continue;
    lines.push("", paint(`${sanitize(bench.id)}`, "bold", colour));
    if (functions !== null && functions.project.length > 0) {
      lines.push(`  functions, time per iteration ${formatDuration(functions.time.base)} → ${formatDuration(functions.time.head)}:`);
      const fnRows = functions.project.slice(0, detailRows).map((f) => [
        `    ${sanitize(f.name)}${f.presence === "new" ? " (new)" : f.presence === "gone" ? " (gone)" : ""}`,
        sanitize(`${f.file}:${f.line}`),
        `${formatCount(f.calls.base)} → ${formatCount(f.calls.head)} calls`,
        `${formatDuration(f.time.base)} → ${formatDuration(f.time.head)}`,
        paint(`${f.delta >= 0 ? "+" : "-"}${formatDuration(Math.abs(f.delta))}`, f.delta > 0 ? "red" : "green", colour),
      ]);
      lines.push(renderTable(fnRows, { align: "llrrr" }));
    }
    const atPeak = allocations?.at_peak.filter((l) => l.size.delta !== 0).slice(0, detailRows) ?? [];
    if (allocations !== null && atPeak.length > 0) {
      lines.push(`  memory live at the peak ${formatBytes(allocations.peak.base)} → ${formatBytes(allocations.peak.head)}, by line (${capturedText(allocations)}):`);
      lines.push(renderTable(atPeak.map((l) => lineRow(l, colour)), { align: "lllr" }));
    }
    const retained = allocations?.retained_lines.filter((l) => l.size.delta !== 0).slice(0, detailRows) ?? [];
    if (allocations !== null && retained.length > 0) {
      lines.push(`  retained after an iteration ${formatBytes(allocations.retained.base)} → ${formatBytes(allocations.retained.head)}, by line:`);
      lines.push(renderTable(retained.map((l) => lineRow(l, colour)), { align: "lllr" }));
    }
    for (const note of allocations === null ? [] : memoryNotes(allocations)) lines.push(paint(`  ⚠ ${sanitize(note)}`, "yellow", colour));
  }
  const { changed, quiet, small } = familiesByImportance(comparison);
  for (const family of changed) {
    lines.push("", paint(`${familyVerdictText(family)}: ${sanitize(family.id)}, ${sanitize(sizesText(family))}`, family.verdict === "regressed" ? "red" : "green", colour));
    for (const line of familyExplanation(family)) lines.push(`  ${sanitize(line)}`);
  }
  if (quiet.length + small.length > 0) {
    const named = small.slice(0, SMALL_NAMED).map((f) => sanitize(f.id));
    const more = small.length > SMALL_NAMED ? ` and ${small.length - SMALL_NAMED} more` : "";
    lines.push("", paint(`${quiet.length} benchmark famil${quiet.length === 1 ? "y" : "ies"} with no change in growth${small.length > 0 ? `; too small to judge: ${named.join(", ")}${more}` : ""}`, "dim", colour));
  }
  for (const bench of comparison.benchmarks.filter((b) => b.failures.length > 0)) {
    for (const failure of bench.failures) {
      lines.push("", paint(`✗ ${sanitize(bench.id)} (${failure.side}): ${failure.status}${failure.pass === null ? "" : ` in the ${failure.pass} pass`}: ${sanitize(failure.message)}`, "red", colour));
    }
  }
  const m = comparison.method;
  lines.push(
    "",
    paint(
      `${m.mode === "separate" ? "separate runs" : "interleaved on one machine"}; ${m.head.processes} processes per side; bounds one-sided at ${formatLevel(m.level)}; regressed above ${formatPercent(m.thresholds.time_threshold, 0)} with the lower bound above ${formatPercent(m.margin, 0)}; memory above ${formatPercent(m.thresholds.memory_threshold, 0)} and ${formatBytes(m.thresholds.memory_floor)}${m.thresholds.instructions_threshold === undefined ? "" : `; instructions above ${formatPercent(m.thresholds.instructions_threshold, 0)}, in place of timing on the same build`}`,
      "dim",
      colour,
    ),
  );
  return lines.join("\n");
}

function lineRow(l: LineChange, colour: boolean): string[] {
  return [
    `    ${sanitize(`${l.file}:${l.line.head ?? l.line.base ?? "?"}`)}`,
    sanitize(l.function),
    sanitize((l.base_source === null ? "" : "(rewritten) ") + (l.source.length > 60 ? `${l.source.slice(0, 57)}...` : l.source)),
    paint(formatBytes(l.size.delta, true), l.size.delta > 0 ? "red" : "green", colour),
  ];
}
