/**
 * Memory by source line: which lines hold more memory at the peak of an iteration, and which keep more after it,
 * paired across base and head the way tracemalloc's `compare_to` pairs snapshots.
 */
import type { AllocationAttribution, LineChange } from "./comparison.js";
import { topIndices } from "./rank.js";
import type { Memory as MemoryPass, MemoryLine } from "./results.js";

interface LineTotal {
  file: string;
  function: string;
  source: string;
  line: number;
  size: number;
  count: number;
  largest: number;
}

type LineTotals = Map<string, Map<string, Map<string, LineTotal>>>;

/**
 * Sums lines by (file, function, source text), keeping the line number of the largest entry. Nested maps keyed
 * by the strings as they are, rather than one joined key, spare building a string per line.
 */
function totalsByLine(lines: readonly MemoryLine[]): LineTotals {
  const totals: LineTotals = new Map();
  for (const l of lines) {
    let functions = totals.get(l.file);
    if (functions === undefined) totals.set(l.file, (functions = new Map<string, Map<string, LineTotal>>()));
    let sources = functions.get(l.function);
    if (sources === undefined) functions.set(l.function, (sources = new Map<string, LineTotal>()));
    const total = sources.get(l.source);
    if (total === undefined) {
      sources.set(l.source, { file: l.file, function: l.function, source: l.source, line: l.line, size: l.size, count: l.count, largest: Math.abs(l.size) });
    } else {
      total.size += l.size;
      total.count += l.count;
      if (Math.abs(l.size) > total.largest) {
        total.largest = Math.abs(l.size);
        total.line = l.line;
      }
    }
  }
  return totals;
}

function* eachTotal(totals: LineTotals): Generator<LineTotal> {
  for (const functions of totals.values()) for (const sources of functions.values()) yield* sources.values();
}

const findTotal = (totals: LineTotals, t: LineTotal): LineTotal | undefined => totals.get(t.file)?.get(t.function)?.get(t.source);

/**
 * Pairs base and head lines: the same (file, function, source text) first; then, within one function, a single
 * line left over on each side is the same line rewritten (an edit changes its text, not what it allocates for).
 */
function pairLines(before: LineTotals, after: LineTotals): [LineTotal | undefined, LineTotal | undefined][] {
  const pairs: [LineTotal | undefined, LineTotal | undefined][] = [];
  const matched = new Set<LineTotal>();
  const leftover = new Map<string, { base: LineTotal[]; head: LineTotal[] }>();
  const slot = (t: LineTotal) => {
    const key = `${t.file}\u0000${t.function}`;
    let entry = leftover.get(key);
    if (entry === undefined) leftover.set(key, (entry = { base: [], head: [] }));
    return entry;
  };
  for (const h of eachTotal(after)) {
    const b = findTotal(before, h);
    if (b === undefined) slot(h).head.push(h);
    else {
      matched.add(b);
      pairs.push([b, h]);
    }
  }
  for (const b of eachTotal(before)) if (!matched.has(b)) slot(b).base.push(b);
  for (const { base, head } of leftover.values()) {
    if (base.length === 1 && head.length === 1) pairs.push([base[0], head[0]]);
    else pairs.push(...base.map((b): [LineTotal, undefined] => [b, undefined]), ...head.map((h): [undefined, LineTotal] => [undefined, h]));
  }
  return pairs;
}

/** Lines whose size or block count changed, largest |size change| first (tracemalloc `compare_to` style). */
function lineChanges(base: readonly MemoryLine[], head: readonly MemoryLine[], limit: number): { rows: LineChange[]; count: number } {
  const changed = pairLines(totalsByLine(base), totalsByLine(head)).filter(([b, h]) => (h?.size ?? 0) !== (b?.size ?? 0) || (h?.count ?? 0) !== (b?.count ?? 0));
  const sizeChange = (i: number): number => {
    const [b, h] = changed[i] ?? [];
    return Math.abs((h?.size ?? 0) - (b?.size ?? 0));
  };
  const rows = topIndices(changed.keys(), sizeChange, limit).flatMap((i): LineChange[] => {
    const [b, h] = changed[i] ?? [];
    const where = h ?? b;
    if (where === undefined) return [];
    return [
      {
        file: where.file,
        function: where.function,
        source: where.source,
        base_source: b !== undefined && h !== undefined && b.source !== h.source ? b.source : null,
        line: { base: b?.line ?? null, head: h?.line ?? null },
        size: { base: b?.size ?? 0, head: h?.size ?? 0, delta: (h?.size ?? 0) - (b?.size ?? 0) },
        count: { base: b?.count ?? 0, head: h?.count ?? 0, delta: (h?.count ?? 0) - (b?.count ?? 0) },
      },
    ];
  });
  return { rows, count: changed.length };
}

/** The memory changes of a benchmark: peak and retained totals, and the source lines behind them. */
export function attributeAllocations(base: MemoryPass, head: MemoryPass, limit: number): AllocationAttribution {
  const delta = (b: number, h: number) => ({ base: b, head: h, delta: h - b });
  const atPeak = lineChanges(base.at_peak, head.at_peak, limit);
  const retained = lineChanges(base.retained_lines, head.retained_lines, limit);
  return {
    peak: delta(base.peak, head.peak),
    retained: delta(base.retained, head.retained),
    retained_blocks: delta(base.retained_blocks, head.retained_blocks),
    captured: delta(base.peak_captured, head.peak_captured),
    notes: { base: base.note ?? null, head: head.note ?? null },
    at_peak: atPeak.rows,
    at_peak_count: atPeak.count,
    retained_lines: retained.rows,
    retained_count: retained.count,
  };
}
