/**
 * What same-runner confirmation measured, kept as data (`confirmations.json` beside `results.json`): for each
 * machine that confirmed, the base and head timings of its interleaved rounds. A later stage that did not measure
 * (the merge of a sharded run, the fork-safe comment workflow) recomputes the interleaved comparison from these
 * timings with its own thresholds and takes the confirmed verdicts from it, exactly as the measuring job did.
 *
 * The timings are numbers the measuring job produced, like the results themselves: they get the same validation
 * (every field and bound) and no more trust than the results. Only the verdicts derived from them here are used.
 *
 * Confirming a comparison: one made against a baseline artifact (separate runs, wide noise margin) has its timing
 * verdicts replaced, benchmark by benchmark, by those of base and head re-measured in interleaved rounds on one
 * runner (`runInterleaved`). Deterministic metrics — call counts, peak and retained memory, and instruction counts
 * (which, on the same build, replace the timing verdict) — need no confirmation and stay as the artifact comparison
 * found them. The confirmed timing keeps the interleaved comparison's Holm decision (`significant`): that family is
 * the benchmarks that were confirmed, tested at the interleaved run's per-look level, so the timing regressions that
 * gate keep the configured error rate. Unconfirmed benchmarks keep their artifact timing and its Holm decision.
 */
import { z } from "zod";
import { DEFAULT_LIMITS, type AttributionLimits } from "./attribution.js";
import { attribute, attributionScale, compare, decidedByInstructions, decideVerdict, holmFamily, summarize } from "./compare.js";
import type { BenchmarkComparison, Comparison, Verdict } from "./comparison.js";
import { MAX_SHARDS, parseResults, Results, ResultsError } from "./results.js";
import { spendLevel } from "./sequential.js";
import type { ThresholdConfig } from "./thresholds.js";

export const CONFIRMATIONS_SCHEMA_NAME = "profgate/confirmations";
export const CONFIRMATIONS_SCHEMA_VERSION = 1;

const text = z.string().max(4_096);

/** The most looks a round plan may take; the level of each is the configured one split over them. */
const MAX_LOOKS = 1_000;

function sessionSchema<R extends z.ZodType>(results: R) {
  return z.strictObject({
    /** The shard whose runner confirmed (null in an unsharded run). */
    shard: z.number().int().min(1).max(MAX_SHARDS).nullable(),
    /** The machine that ran the interleaved rounds (the runner's name), null when unknown. */
    runner: text.nullable(),
    /** The commits measured: base as checked out beside the head, and the head. */
    base_commit: text,
    head_commit: text,
    /** The most looks the round plan allowed: each look tested at the level split over this many. */
    looks: z.number().int().min(1).max(MAX_LOOKS),
    /** Each side's timing over every round (profile and memory null): what the interleaved comparison is made from. */
    base: results,
    head: results,
  });
}

/** One machine's interleaved rounds. */
export const ConfirmationSession = sessionSchema(Results);
export type ConfirmationSession = z.infer<typeof ConfirmationSession>;

/** A machine that had benchmarks to confirm and could not (the base commit could not be fetched, setup failed…). */
export const SkippedConfirmation = z.strictObject({
  shard: z.number().int().min(1).max(MAX_SHARDS).nullable(),
  runner: text.nullable(),
  reason: text,
});
export type SkippedConfirmation = z.infer<typeof SkippedConfirmation>;

export const Confirmations = z.strictObject({
  schema: z.literal(CONFIRMATIONS_SCHEMA_NAME),
  schema_version: z.literal(CONFIRMATIONS_SCHEMA_VERSION),
  sessions: z.array(ConfirmationSession).max(MAX_SHARDS),
  skipped: z.array(SkippedConfirmation).max(MAX_SHARDS),
});
export type Confirmations = z.infer<typeof Confirmations>;

// Parsed with the results left for parseResults, whose checks of the big arrays are faster than zod's.
const DeferredConfirmations = z.strictObject({
  schema: z.literal(CONFIRMATIONS_SCHEMA_NAME),
  schema_version: z.literal(CONFIRMATIONS_SCHEMA_VERSION),
  sessions: z.array(sessionSchema(z.unknown())).max(MAX_SHARDS),
  skipped: z.array(SkippedConfirmation).max(MAX_SHARDS),
});

/** A confirmations document holding the sessions and skipped confirmations given. */
export function confirmationsDocument(sessions: readonly ConfirmationSession[], skipped: readonly SkippedConfirmation[] = []): Confirmations {
  return { schema: CONFIRMATIONS_SCHEMA_NAME, schema_version: CONFIRMATIONS_SCHEMA_VERSION, sessions: [...sessions], skipped: [...skipped] };
}

/** Several machines' confirmations (a sharded run's) as one document. */
export function mergeConfirmations(documents: readonly Confirmations[]): Confirmations {
  return confirmationsDocument(
    documents.flatMap((d) => d.sessions),
    documents.flatMap((d) => d.skipped),
  );
}

/** Validates parsed JSON as a confirmations document, every field of both sides' results included. */
export function parseConfirmations(data: unknown, source: string): Confirmations {
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (typeof data === "object" && data !== null && (data as { schema?: unknown }).schema === CONFIRMATIONS_SCHEMA_NAME && version !== CONFIRMATIONS_SCHEMA_VERSION) {
    throw new ResultsError(source, [`schema_version ${JSON.stringify(version) ?? "is missing"} is not known to this profgate (it reads version ${CONFIRMATIONS_SCHEMA_VERSION})`]);
  }
  const parsed = DeferredConfirmations.safeParse(data);
  if (!parsed.success) {
    throw new ResultsError(
      source,
      parsed.error.issues.slice(0, 20).map((issue) => `${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(top level)"}: ${issue.message}`),
    );
  }
  const sessions = parsed.data.sessions.map((session, s) => ({
    ...session,
    base: parseResults(session.base, `${source}: sessions[${s}].base`),
    head: parseResults(session.head, `${source}: sessions[${s}].head`),
  }));
  return confirmationsDocument(sessions, parsed.data.skipped);
}

/** What applying the sessions did: which confirmed benchmarks, and why any machine confirmed nothing here. */
export interface AppliedConfirmations {
  comparison: Comparison;
  /** Per session used: its shard, runner, the benchmarks it confirmed and the rounds they had. */
  used: { shard: number | null; runner: string | null; confirmed: number; rounds: [number, number] }[];
  /** One sentence per session left out, and per machine that could not confirm. */
  notes: string[];
}

export interface ApplyOptions {
  thresholds: ThresholdConfig;
  /** The results the comparison was made from, for attribution against the confirmed timing. */
  results: { base: Results; head: Results };
  /** The commits the comparison compares: a session that measured other commits confirms nothing here. */
  commits: { base: string; head: string };
}

/**
 * `comparison` with the timing of every benchmark some session confirmed taken from that session's interleaved
 * comparison (recomputed here: `compare` in mode "interleaved", its level split over the session's looks). The
 * sessions' timing regressions form one Holm family, so confirming on several machines keeps the configured
 * family-wise error rate. A session that measured other commits, or a benchmark another session already
 * confirmed, is left out and said so.
 */
export function applyConfirmations(comparison: Comparison, confirmations: Confirmations, options: ApplyOptions): AppliedConfirmations {
  const notes: string[] = confirmations.skipped.map((skip) => {
    const who = `${skip.shard === null ? "The measuring runner" : `Shard ${skip.shard}`}${skip.runner === null ? "" : ` (runner "${skip.runner}")`}`;
    return `${who} could not confirm its flagged timings (${skip.reason}); they keep the baseline artifact's verdicts.`;
  });
  const sessions = confirmations.sessions;
  const taken = new Set<string>();
  const pooled: BenchmarkComparison[] = [];
  const perSession: { session: ConfirmationSession; ids: string[] }[] = [];
  for (const session of sessions) {
    const who = session.shard === null ? "the measuring runner" : `shard ${session.shard}`;
    if (session.base_commit !== options.commits.base || session.head_commit !== options.commits.head) {
      notes.push(
        `The confirmation by ${who} measured base ${session.base_commit.slice(0, 7)} and head ${session.head_commit.slice(0, 7)}, not base ${options.commits.base.slice(0, 7)} and head ${options.commits.head.slice(0, 7)}: its benchmarks keep the baseline artifact's verdicts.`,
      );
      continue;
    }
    const interleaved = compare(session.base, session.head, { mode: "interleaved", thresholds: spendLevel(options.thresholds, session.looks), commits: { base: session.base_commit, head: session.head_commit } });
    const ids: string[] = [];
    for (const bench of interleaved.benchmarks) {
      if (bench.timing === null || bench.verdict === "failed" || taken.has(bench.id)) continue;
      taken.add(bench.id);
      ids.push(bench.id);
      pooled.push(bench);
    }
    perSession.push({ session, ids });
  }
  const tested = pooled.flatMap((b) => (b.timing?.p != null ? [{ bench: b, timing: b.timing }] : []));
  const decided = holmFamily(tested.map((t) => t.timing));
  const family = tested.map(({ bench }, i) => ({ ...bench, timing: decided[i] ?? bench.timing }));
  const untested = pooled.filter((b) => b.timing?.p == null);
  const confirmed = confirmTiming(comparison, { ...comparison, benchmarks: [...family, ...untested] }, { results: options.results });
  const confirmedIds = new Set(confirmed.benchmarks.filter((b) => b.confirmed).map((b) => b.id));
  const used = perSession.map(({ session, ids }) => {
    const mine = ids.filter((id) => confirmedIds.has(id));
    const rounds = session.head.benchmarks.filter((b) => mine.includes(b.id)).map((b) => b.timing?.processes.length ?? 0);
    return {
      shard: session.shard,
      runner: session.runner,
      confirmed: mine.length,
      rounds: [rounds.length === 0 ? 0 : Math.min(...rounds), rounds.length === 0 ? 0 : Math.max(...rounds)] as [number, number],
    };
  });
  return { comparison: confirmed, used: used.filter((u) => u.confirmed > 0), notes };
}

/** What `confirmTiming` may use besides the two comparisons. */
export interface ConfirmOptions {
  /**
   * The results the artifact comparison was made from. With them, a confirmed benchmark that is regressed or
   * improved gets its function attribution recomputed against the confirmed timing (and gets one at all when the
   * artifact verdict had none); without them, the artifact's attribution is kept as it was.
   */
  results?: { base: Results; head: Results };
  limits?: Partial<AttributionLimits>;
}

/** Verdicts of benchmarks compared on both sides: the ones whose timing can be confirmed. */
const COMPARED: ReadonlySet<Verdict> = new Set(["regressed", "improved", "unchanged", "inconclusive"]);

/**
 * `artifact` with the timing of every benchmark that `interleaved` timed (by id) replaced by the interleaved
 * timing, its verdict and gating decided again, `confirmed: true`, and the summary recounted. A benchmark the
 * interleaved run could not time (failed there, or absent) keeps its artifact entry, `confirmed: false`.
 */
export function confirmTiming(artifact: Comparison, interleaved: Comparison, options: ConfirmOptions = {}): Comparison {
  const limits: AttributionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const sameRunner = new Map(interleaved.benchmarks.filter((b) => b.verdict !== "failed" && b.timing !== null).map((b) => [b.id, b]));
  const before = new Map(options.results?.base.benchmarks.map((b) => [b.id, b]));
  const after = new Map(options.results?.head.benchmarks.map((b) => [b.id, b]));
  const benchmarks = artifact.benchmarks.map((entry): BenchmarkComparison => {
    const confirmation = sameRunner.get(entry.id);
    // Instruction counts settle the CPU verdict exactly; a re-measured timing cannot improve on them.
    if (confirmation === undefined || !COMPARED.has(entry.verdict) || decidedByInstructions(entry)) return entry;
    const confirmed: BenchmarkComparison = { ...entry, timing: confirmation.timing, confirmed: true };
    decideVerdict(confirmed);
    const base = before.get(entry.id);
    const head = after.get(entry.id);
    if (confirmed.verdict !== "regressed" && confirmed.verdict !== "improved") confirmed.attribution = null;
    else if (base !== undefined && head !== undefined) confirmed.attribution = attribute(base, head, attributionScale(confirmed), limits);
    return confirmed;
  });
  return { ...artifact, summary: summarize(benchmarks), benchmarks };
}
