/**
 * What the Markdown and HTML reports share: where they link to, the verdict sentence, the method sentence and
 * the order benchmarks are listed in, so the two reports never disagree. Everything here returns plain text;
 * each renderer escapes for its own format.
 */
import { isProjectFile } from "../core/callgraph.js";
import type { AllocationAttribution, BenchmarkComparison, Comparison, FunctionChange, Instructions, MemoryMetric, Metric, RunFacts, Timing, ValueMetric, Verdict } from "../core/comparison.js";
import type { Benchmark } from "../core/results.js";
import { formatBytes, formatCount, formatDuration, formatLargeCount, formatLevel, formatPercent, formatRatio } from "./format.js";

/** Where a report links to, when known. All optional: the CLI knows none of them. */
export interface ReportContext {
  /** `owner/name`, with `serverUrl` and `sha` for links to the head commit's source lines. */
  repository?: string;
  serverUrl?: string;
  sha?: string;
  /** This workflow run, and the artifact with the raw results and profiles. */
  runUrl?: string;
  artifactUrl?: string;
  /** Sentences shown under the verdict, e.g. how the baseline was found. Plain text; escaped by the renderer. */
  notes?: readonly string[];
}

export const VERDICT_ICON: Record<Verdict, string> = {
  regressed: "🔴",
  improved: "🟢",
  unchanged: "⚪",
  inconclusive: "🟡",
  new: "🆕",
  removed: "➖",
  failed: "❌",
  skipped: "⏭️",
};

/**
 * A link to `file` at the head commit, or undefined when the file is not a plain path inside the repository:
 * builtins (`~`), `<stdlib>/…`, absolute paths and paths climbing out with `..` have no page to link to.
 */
export function sourceUrl(context: ReportContext, file: string, line: number | null): string | undefined {
  if (context.repository === undefined || context.sha === undefined) return undefined;
  const segments = file.split("/");
  if (!isProjectFile(file) || file === "" || file.includes("\\") || segments.includes("..")) return undefined;
  const server = (context.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const path = segments.map(encodePart).join("/");
  return `${server}/${context.repository}/blob/${encodePart(context.sha)}/${path}${line !== null && line > 0 ? `#L${line}` : ""}`;
}

/** encodeURIComponent plus the characters it leaves alone that end a Markdown link or an HTML attribute: ( ) ' ! *. */
function encodePart(part: string): string {
  return encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Shortens text to at most `max` UTF-16 units by cutting out its middle, so both ends stay recognisable. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = max - 1;
  let end = Math.ceil(keep / 2);
  let start = text.length - (keep - end);
  // Never split a surrogate pair: a lone half would render as garbage.
  if (isLowSurrogate(text.charCodeAt(end))) end -= 1;
  if (isLowSurrogate(text.charCodeAt(start))) start += 1;
  return `${text.slice(0, end)}…${text.slice(start)}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const ORDER: readonly Verdict[] = ["regressed", "failed", "inconclusive", "improved", "new", "removed"];

/** Verdicts the reports fold away under a count: nothing to look at (a skipped combination is asv's convention). */
export const QUIET_VERDICTS = ["unchanged", "skipped"] as const satisfies readonly Verdict[];

/** The benchmarks of each quiet verdict that has any, in the order of `QUIET_VERDICTS`. */
export function quietBenchmarks(comparison: Comparison): { verdict: Verdict; benches: BenchmarkComparison[] }[] {
  return QUIET_VERDICTS.map((verdict) => ({ verdict, benches: comparison.benchmarks.filter((b) => b.verdict === verdict) })).filter((group) => group.benches.length > 0);
}

/** Benchmarks other than unchanged or skipped, most important first: gating regressions, then by verdict. */
export function changedBenchmarks(comparison: Comparison): BenchmarkComparison[] {
  const quiet: readonly Verdict[] = QUIET_VERDICTS;
  return comparison.benchmarks
    .filter((b) => !quiet.includes(b.verdict))
    .sort((a, b) => Number(b.gating) - Number(a.gating) || ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
}

/** The benchmark's name (asv's `pretty_name` when it has one) with its parameters, as in its id but without the file. */
export function displayName(bench: BenchmarkComparison): string {
  const params = Object.entries(bench.params);
  return (bench.pretty_name ?? bench.name) + (params.length > 0 ? `[${params.map(([k, v]) => `${k}=${String(v)}`).join(",")}]` : "");
}

/** One asv `mem_` or `track_` value as the reports show it: a size in bytes, or a number with its unit. */
export function formatValue(value: number, kind: "mem" | "track", unit: string): string {
  return kind === "mem" ? formatBytes(value) : `${formatCount(value)} ${unit}`;
}

/** "mem 1.0 KiB → 2.9 KiB (+190%)" or "track 100 → 300 cells (+200%)": an asv value's change. */
export function valueText(value: ValueMetric): string {
  const relative = value.relative === null || value.delta === 0 ? "" : ` (${formatPercent(value.relative)})`;
  const base = value.kind === "mem" ? formatBytes(value.base) : formatCount(value.base);
  return `${value.kind} ${base} → ${formatValue(value.head, value.kind, value.unit)}${relative}`;
}

/** What the time column shows for a compared benchmark: its timing, or an asv value's change. */
export function timeOrValueText(bench: BenchmarkComparison): string {
  return bench.value != null ? valueText(bench.value) : timingText(bench.timing);
}

/** The value of an asv `mem_` or `track_` benchmark in a results file, or undefined for other benchmarks. */
export function resultValueText(bench: Benchmark): string | undefined {
  if ((bench.kind !== "mem" && bench.kind !== "track") || bench.value == null) return undefined;
  return formatValue(bench.value, bench.kind, bench.kind === "mem" ? "bytes" : (bench.unit ?? "unit"));
}

const METRIC_LABEL: Record<Metric, string> = {
  time: "time",
  instructions: "instructions",
  peak_memory: "peak memory",
  retained_memory: "retained memory",
  calls: "calls",
  value: "value",
  complexity: "growth",
};

/** The report's first line, as an icon and a sentence. */
export function verdictLine(comparison: Comparison): { icon: string; text: string } {
  const { summary } = comparison;
  const c = summary.counts;
  const total = comparison.benchmarks.length;
  const rest: string[] = [];
  // Regressed timings the first job of a fresh-runner rerun leaves to the rerun: neither passed nor dismissed yet.
  const waiting = comparison.benchmarks.filter((b) => b.rerun?.state === "pending" && !b.gating).length;
  const ungated = c.regressed - summary.gating_regressions - waiting;
  if (summary.verdict === "fail" && waiting > 0) rest.push(`${waiting} more wait for a rerun on a fresh runner`);
  if (summary.verdict === "fail" && ungated > 0) rest.push(`${ungated} more look slower, but not significantly`);
  if (summary.verdict === "pass" && waiting > 0 && ungated > 0) rest.push(`${ungated} more look slower, but not past the thresholds`);
  if (c.improved > 0) rest.push(`${c.improved} improved`);
  if (c.inconclusive > 0) rest.push(`${c.inconclusive} inconclusive`);
  if (c.failed > 0) rest.push(`${c.failed} failed`);
  if (c.new > 0) rest.push(`${c.new} new`);
  if (c.removed > 0) rest.push(`${c.removed} removed`);
  if (c.skipped > 0) rest.push(`${c.skipped} skipped`);
  const tail = rest.length > 0 ? `; ${rest.join(", ")}` : "";
  if (summary.verdict === "fail") {
    return { icon: "❌", text: `profgate: ${summary.gating_regressions} of ${total} benchmarks regressed past the thresholds${tail}` };
  }
  if (waiting > 0) return { icon: "⏳", text: `profgate: ${waiting} of ${total} benchmarks look slower and wait for a rerun on a fresh runner${tail}` };
  if (c.regressed > 0) return { icon: "⚠️", text: `profgate: ${c.regressed} of ${total} benchmarks look slower, but not past the thresholds${tail}` };
  return { icon: "✅", text: `profgate: no regression in ${total} benchmarks${tail}` };
}

/** "1.23× (1.15×–1.31×)": the ratio with its one-sided bounds, ⚠️ when environments differ; else why there is none. */
export function timingText(timing: Timing | null): string {
  if (timing === null) return "—";
  if (timing.ratio === null) return timing.note ?? "—";
  const lower = timing.lower === null ? "0" : formatRatio(timing.lower);
  const upper = timing.upper === null ? "∞" : formatRatio(timing.upper);
  return `${formatRatio(timing.ratio)} (${lower}–${upper})${timing.caveat ? " ⚠️" : ""}`;
}

/** Whether any benchmark of the comparison has instruction counts: the reports then add their column. */
export function hasInstructions(comparison: Comparison): boolean {
  return comparison.benchmarks.some((b) => b.instructions !== undefined);
}

/**
 * "+2.0% (6.72 M → 6.85 M)": the change in instructions per iteration, with `mark` when the counts do not decide
 * (their caveat says why); the count alone when unchanged, "—" when not counted.
 */
export function instructionsText(instructions: Instructions | undefined, mark: string): string {
  if (instructions === undefined) return "—";
  const flag = instructions.decides ? "" : ` ${mark}`;
  if (instructions.base === null || instructions.head === null) return `${instructions.base === null ? "head" : "base"} only${flag}`;
  const counts = `${formatLargeCount(instructions.base)} → ${formatLargeCount(instructions.head)}`;
  const relative = instructions.relative === null ? "" : `${formatPercent(instructions.relative, 2)} `;
  return instructions.delta === 0 ? `= ${formatLargeCount(instructions.head)}${flag}` : `${relative}(${counts})${flag}`;
}

/** The distinct reasons why some benchmarks' instruction counts did not decide, with how many each. */
export function instructionCaveats(comparison: Comparison): string[] {
  const counts = new Map<string, number>();
  for (const b of comparison.benchmarks) {
    const caveat = b.instructions?.caveat;
    if (caveat !== undefined && caveat !== null) counts.set(caveat, (counts.get(caveat) ?? 0) + 1);
  }
  return [...counts].map(([caveat, n]) => `Instruction counts of ${n} benchmark${n === 1 ? "" : "s"} do not decide: ${caveat}.`);
}

/** A memory change as a signed size and percentage, or the size itself when unchanged. */
export function memoryText(metric: MemoryMetric | undefined): string {
  if (metric === undefined) return "—";
  if (metric.delta === 0) return formatBytes(metric.head);
  const relative = metric.relative === null ? "" : ` (${formatPercent(metric.relative)})`;
  return `${formatBytes(metric.delta, true)}${relative}`;
}

/** "the lines explain 98% of the peak (base 97%)": how much of each side's peak its live-at-peak lines hold. */
export function capturedText(allocations: AllocationAttribution): string {
  const share = (captured: number, peak: number): string => (peak > 0 ? `${Math.round((100 * Math.min(captured, peak)) / peak)}%` : "all");
  const head = share(allocations.captured.head, allocations.peak.head);
  const base = share(allocations.captured.base, allocations.peak.base);
  return `the lines explain ${head} of the peak${base === head ? "" : ` (base ${base})`}`;
}

/** "head: the line breakdown was cut short …" for each side whose memory pass noted one. */
export function memoryNotes(allocations: AllocationAttribution): string[] {
  return (["base", "head"] as const).flatMap((side) => {
    const note = allocations.notes[side];
    return note === null ? [] : [`${side}: ${note}`];
  });
}

/** "🔴 regressed (time, peak memory)", noting a regression that does not gate, or why a benchmark was skipped. */
export function verdictText(bench: BenchmarkComparison): string {
  const what = bench.regressions.length > 0 ? bench.regressions : bench.improvements;
  const metrics = what.length > 0 ? ` (${what.map((m) => (m === "value" && bench.value != null ? `${bench.value.kind} value` : METRIC_LABEL[m])).join(", ")})` : "";
  if (bench.verdict === "skipped") return `${VERDICT_ICON.skipped} skipped${bench.skipped === undefined ? "" : `: ${clip(bench.skipped, 120)}`}`;
  const pending = bench.rerun?.state === "pending";
  const ungated = bench.verdict === "regressed" && !bench.gating && !pending ? ", not significant across the suite" : "";
  const confirmed = bench.confirmed ? " · timing confirmed on the same runner" : "";
  const rerun = bench.rerun === undefined ? "" : ` · ${RERUN_TEXT[bench.rerun.state]}`;
  return `${VERDICT_ICON[bench.verdict]} ${bench.verdict}${metrics}${ungated}${confirmed}${rerun}`;
}

/** What a fresh-runner rerun made of a benchmark's regressed timing, as a verdict's suffix says it. */
const RERUN_TEXT: Record<NonNullable<BenchmarkComparison["rerun"]>["state"], string> = {
  pending: "timing waits for a rerun on a fresh runner",
  agreed: "timing regressed again on a fresh runner",
  disagreed: "timing not confirmed on a fresh runner",
};

/** A duration with its sign, "+1.20 ms" or "-300 µs". */
export function signedDuration(seconds: number): string {
  return `${seconds >= 0 ? "+" : "-"}${formatDuration(Math.abs(seconds))}`;
}

/** How a function's change splits: the larger of its call-count and per-call effects, or its presence. */
export function explainChange(f: FunctionChange): string {
  if (f.presence === "new") return "new in head";
  if (f.presence === "gone") return "gone in head";
  if (f.call_effect === 0 && f.per_call_effect === 0) return "—";
  if (Math.abs(f.call_effect) >= Math.abs(f.per_call_effect)) return f.call_effect > 0 ? "more calls" : "fewer calls";
  return f.per_call_effect > 0 ? "slower per call" : "faster per call";
}

/** Which timings were judged against the baseline branch's level from its history, and on what margins. */
function levelText(comparison: Comparison): string {
  const judged = comparison.benchmarks.flatMap((b) => (b.timing?.baseline_runs === undefined ? [] : [b.timing]));
  if (judged.length === 0) return "";
  const margins = judged.map((t) => t.margin);
  const runs = judged.map((t) => t.baseline_runs ?? 0);
  const range = (values: number[], text: (v: number) => string): string => {
    const low = text(Math.min(...values));
    const high = text(Math.max(...values));
    return low === high ? low : `${low}–${high}`;
  };
  const count = judged.length === 1 ? "1 benchmark's timing was" : `${judged.length} benchmarks' timings were`;
  return ` ${count} judged against the baseline branch's runs since its last change point (${range(runs, String)} runs, every process of them as the base), the lower bound above a margin learned from how those runs spread (${range(margins, (m) => formatPercent(m, 1).replace("+", ""))}) instead.`;
}

/** The statistics and thresholds behind the verdicts, in one paragraph. */
export function methodText(comparison: Comparison): string {
  const { method } = comparison;
  const t = method.thresholds;
  const level = formatLevel(method.level);
  const mode = method.mode === "separate" ? "base and head from separate runs" : "base and head interleaved on the same machine";
  const { base, head } = method;
  const samples =
    base.processes === head.processes && base.values === head.values
      ? `${head.processes} processes × ${head.values} values per side`
      : `${base.processes} processes × ${base.values} values for base, ${head.processes} × ${head.values} for head`;
  return `Timing: Hodges–Lehmann estimate of head/base over each process's best CPU time per iteration (wall time where a benchmark asks for it), with exact Mann–Whitney bounds, each one-sided at ${level}; ${samples}; Holm across ${method.family} benchmarks. A regression needs the estimate above ${formatPercent(t.time_threshold, 0)} and the lower bound above ${formatPercent(method.margin, 0)} (${mode}). Memory: peak and retained by tracemalloc, exact, regressed above ${formatPercent(t.memory_threshold, 0)} and ${formatBytes(t.memory_floor)}. Calls per iteration are exact${t.call_threshold === null ? " and reported, not gated" : `, gated above ${formatPercent(t.call_threshold, 0)}`}.${comparison.benchmarks.some((b) => b.value != null) ? ` asv mem_ and track_ values are exact, regressed above ${formatPercent(t.value_threshold, 0)}.` : ""}${t.instructions_threshold === undefined ? "" : ` Instructions per iteration: counted under valgrind, exact; regressed above ${formatPercent(t.instructions_threshold, 0)}, and where base and head ran the same build they judge CPU cost in place of timing.`}${method.overridden > 0 ? ` ${method.overridden} benchmarks have their own thresholds.` : ""}${levelText(comparison)}`;
}

/** One side's environment: commit, interpreter, platform and CPU, each field passed through `escape`. */
export function describeRun(facts: RunFacts, escape: (text: string) => string, commit: (sha: string) => string): string {
  const cpu = facts.cpu_model === "" ? "" : `, ${facts.cpu_model}`;
  const sha = facts.commit === null ? "?" : facts.commit.slice(0, 7);
  return `${commit(sha)} ${escape(`${facts.implementation} ${facts.python} on ${facts.system} ${facts.machine}${cpu}`)} (${facts.cpu_count} CPUs)`;
}
