/** Progress as text: one line saying where a harness run stands, for the terminal and for the Action's log. */
import type { PassName, ProgressSnapshot } from "../core/progress.js";

const PASS_LABELS: Record<PassName, string> = {
  value: "value",
  calibrate: "calibration",
  timing: "timing",
  instructions: "instructions",
  profile: "cProfile",
  memory: "tracemalloc",
};

/** The pass's name as the reader knows it: cProfile and tracemalloc are the instruments. */
export function passLabel(pass: PassName): string {
  return PASS_LABELS[pass];
}

/** Wall-clock seconds as a person reads them: "42 s", "4 min 05 s", "1 h 07 min". */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The step of the running worker: a timing process, an ab round, or nothing for a pass of one worker. */
function stepLabel(pass: NonNullable<ProgressSnapshot["pass"]>): string {
  if (pass.side !== null && pass.name === "timing") return `, round ${pass.step}/${pass.steps} (${pass.side})`;
  if (pass.steps > 1) return `, process ${pass.step}/${pass.steps}`;
  return "";
}

/**
 * One line: the pass and its step, benchmarks done of the pass's total, elapsed time, and what is left of the pass
 * and of the run where known, e.g. "timing pass, process 3/10: 842/3660 · 4 min 12 s · about 9 min 30 s left in
 * the pass; cProfile, tracemalloc to follow".
 */
export function progressLine(snapshot: ProgressSnapshot, label = ""): string {
  const prefix = label === "" ? "" : `${label} `;
  const pass = snapshot.pass;
  if (pass === null) {
    const total = snapshot.total === null ? "" : `${snapshot.finished}/${snapshot.total} benchmarks · `;
    return `${prefix}${total}${formatClock(snapshot.elapsed)}`;
  }
  const benchmark = snapshot.isolate && snapshot.total !== null ? `benchmark ${Math.min(snapshot.finished + 1, snapshot.total)}/${snapshot.total}, ` : "";
  const parts = [`${prefix}${benchmark}${passLabel(pass.name)} pass${stepLabel(pass)}: ${pass.done}/${pass.total}`, formatClock(pass.elapsed)];
  const following = snapshot.next.map(passLabel).join(", ");
  // A pass that has done its all has nothing left to estimate (what follows it is named instead).
  const passLeft = pass.done >= pass.total ? null : pass.remaining;
  const runLeft = pass.done >= pass.total && snapshot.next.length === 0 ? null : snapshot.remaining;
  if (runLeft !== null && passLeft !== null && snapshot.next.length > 0) {
    parts.push(`about ${formatClock(passLeft)} left in the pass, ${formatClock(runLeft)} in the run`);
  } else if (runLeft !== null) {
    parts.push(`about ${formatClock(runLeft)} left`);
  } else if (passLeft !== null) {
    parts.push(`about ${formatClock(passLeft)} left in the pass${following === "" ? "" : `; ${following} to follow`}`);
  } else if (following !== "") {
    parts.push(`${following} to follow`);
  }
  return parts.join(" · ");
}

/** The line closing a pass in a plain log: its name and how long it took. */
export function passEndLine(pass: PassName, seconds: number, label = ""): string {
  return `${label === "" ? "" : `${label} `}${passLabel(pass)} pass done in ${formatClock(seconds)}`;
}
