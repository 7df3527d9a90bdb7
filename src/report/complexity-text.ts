/**
 * How every report words a family's growth: plain text, each renderer escaping it for its own format, so the PR
 * comment, the terminal and the HTML page say the same thing.
 */
import type { Comparison, FamilyComparison, FunctionGrowth, GrowthFit, GrowthPrediction } from "../core/comparison.js";
import { formatCount } from "./format.js";

/** "1.98": an exponent with two decimals, or "—". */
function exponentOf(fit: GrowthFit | null): string {
  return fit?.exponent == null ? "—" : fit.exponent.toFixed(2);
}

/** "O(N²), n^1.98 (RMS 3%)": a fit's class, exponent and fit error; "not called" for a missing side. */
export function fitText(fit: GrowthFit | null): string {
  if (fit === null) return "not called";
  return `${fit.class}, n^${exponentOf(fit)} (RMS ${Math.round(fit.rms * 100)}%)`;
}

/** A multiplier with the digits it needs: "9.1×", "90×", "1,200×". */
export function timesText(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return "—";
  if (ratio >= 100) return `${Math.round(ratio).toLocaleString("en-US")}×`;
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(ratio >= 1 ? 1 : 2)}×`;
}

/** "640": a size as the sentence shows it. */
function sizeText(size: number): string {
  return Number.isInteger(size) ? size.toLocaleString("en-US") : formatCount(size);
}

/**
 * "at n = 640 the head takes 9.1× the base (power law 8.7×); at n = 6,400, 90× (85×)": head over base past the
 * largest size from the class fits, the power laws in parentheses. `what` names the cost ("takes", "calls rescan").
 */
export function predictionText(parameter: string, predictions: readonly GrowthPrediction[], what = "takes"): string {
  return predictions
    .map((p, i) => {
      const main = timesText(p.class_fit ?? p.power_fit);
      const other = p.class_fit !== null && p.power_fit !== null ? (i === 0 ? ` (power law ${timesText(p.power_fit)})` : ` (${timesText(p.power_fit)})`) : "";
      return i === 0 ? `at ${parameter} = ${sizeText(p.size)} the head ${what} ${main} the base${other}` : `at ${parameter} = ${sizeText(p.size)}, ${main}${other}`;
    })
    .join("; ");
}

/** "`rescan` (src/scan.py): O(N) → O(N²)": a function's change of class, for the culprit line. */
export function functionGrowthText(f: FunctionGrowth): string {
  const where = f.file === "~" ? "builtin" : f.file;
  if (f.base === null) return `${f.name} (${where}) is new on head, called ${fitText(f.head)} times per iteration`;
  if (f.head === null) return `${f.name} (${where}) is gone from head; base called it ${fitText(f.base)} times per iteration`;
  return `${f.name} (${where}) calls per iteration: ${fitText(f.base)} → ${fitText(f.head)}`;
}

/** "time: O(N), n^1.01 → O(N²), n^1.97; exponent +0.96 (99% interval +0.80 to +1.12)". */
export function timeGrowthText(family: FamilyComparison): string | null {
  const time = family.time;
  if (time === null) return null;
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
  const interval = time.lower !== null && time.upper !== null ? ` (${Math.round(time.level * 100)}% interval ${signed(time.lower)} to ${signed(time.upper)})` : " (no interval: too few processes)";
  const delta = time.delta === null ? "" : `; exponent ${signed(time.delta)}${interval}`;
  return `time per iteration: ${fitText(time.base)} → ${fitText(time.head)}${delta}`;
}

const FAMILY_WORD: Record<FamilyComparison["verdict"], string> = {
  regressed: "growth regressed",
  improved: "growth improved",
  unchanged: "growth unchanged",
  inconclusive: "growth inconclusive",
  too_small: "too small to judge",
};

/** "growth regressed": the family's verdict in words. */
export function familyVerdictText(family: FamilyComparison): string {
  return FAMILY_WORD[family.verdict];
}

/** "n = 8–64 (4 sizes)". */
export function sizesText(family: FamilyComparison): string {
  const sizes = family.sizes;
  return `${family.parameter} = ${sizeText(sizes[0] ?? 0)}–${sizeText(sizes[sizes.length - 1] ?? 0)} (${sizes.length} sizes)`;
}

/** The sentences that explain a judged family: what changed growth, the time fits, and what that means further out. */
export function familyExplanation(family: FamilyComparison): string[] {
  const lines: string[] = [];
  if (family.culprit !== null) lines.push(functionGrowthText(family.culprit));
  const time = timeGrowthText(family);
  if (time !== null) lines.push(time);
  if (family.predictions.length > 0) lines.push(`predicted time: ${predictionText(family.parameter, family.predictions)}`);
  for (const [what, fits] of [["instructions per iteration", family.instructions], ["peak memory", family.peak_memory]] as const) {
    // Shown where the class moved: the exact metrics' growth backs up (or explains) the verdict.
    if (fits?.base != null && fits.head !== null && fits.base.class !== fits.head.class) lines.push(`${what}: ${fitText(fits.base)} → ${fitText(fits.head)}`);
  }
  if (family.culprit !== null && family.culprit_predictions.length > 0) lines.push(`predicted calls of ${family.culprit.name}: ${predictionText(family.parameter, family.culprit_predictions, "makes")}`);
  if (family.note !== null) lines.push(family.note);
  return lines;
}

/** Families whose growth changed (regressed first), then the rest the reports list. */
export function familiesByImportance(comparison: Comparison): { changed: FamilyComparison[]; quiet: FamilyComparison[]; small: FamilyComparison[] } {
  const all = comparison.complexity ?? [];
  return {
    changed: [...all.filter((f) => f.verdict === "regressed"), ...all.filter((f) => f.verdict === "improved")],
    quiet: all.filter((f) => f.verdict === "unchanged" || f.verdict === "inconclusive"),
    small: all.filter((f) => f.verdict === "too_small"),
  };
}
