/** Number formatting shared by every renderer: durations, sizes, percentages, always with units. */

const TIME_UNITS: readonly [number, string][] = [
  [1, "s"],
  [1e-3, "ms"],
  [1e-6, "µs"],
  [1e-9, "ns"],
];

/** Seconds as a short human duration with three significant digits ("1.23 ms"). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  if (seconds === 0) return "0 s";
  const abs = Math.abs(seconds);
  const [scale, unit] = TIME_UNITS.find(([s]) => abs >= s) ?? TIME_UNITS[TIME_UNITS.length - 1]!;
  return `${(seconds / scale).toPrecision(3)} ${unit}`;
}

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Bytes in binary units ("1.5 MiB"); `signed` prefixes "+" to positive values like tracemalloc's compare_to. */
export function formatBytes(bytes: number, signed = false): string {
  if (!Number.isFinite(bytes)) return "—";
  const sign = bytes < 0 ? "-" : signed && bytes > 0 ? "+" : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? value.toFixed(0) : value.toFixed(1);
  return `${sign}${digits} ${SIZE_UNITS[unit]}`;
}

/** A fraction as a signed percentage ("+12.3%", "-4.0%"). */
export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return "—";
  const sign = fraction > 0 ? "+" : "";
  return `${sign}${(fraction * 100).toFixed(digits)}%`;
}

/** A confidence level as a percentage with the digits it needs: 0.99 → "99%", 0.998 → "99.8%" (never "100%"). */
export function formatLevel(level: number): string {
  if (!Number.isFinite(level)) return "—";
  const percent = level * 100;
  let digits = 0;
  while (digits < 4 && Math.abs(Number(percent.toFixed(digits)) - percent) > 1e-9) digits++;
  return `${percent.toFixed(digits)}%`;
}

/** A ratio as a multiplier ("1.12×"). */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "—";
  return `${ratio.toFixed(ratio >= 10 ? 1 : 3)}×`;
}

const COUNT_UNITS: readonly [number, string][] = [
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/** A large count with three significant digits and a decimal unit ("6.85 M" instructions). */
export function formatLargeCount(n: number): string {
  if (!Number.isFinite(n)) return "—";
  const found = COUNT_UNITS.find(([scale]) => Math.abs(n) >= scale);
  return found === undefined ? String(Math.round(n)) : `${(n / found[0]).toPrecision(3)} ${found[1]}`;
}

/** A count that may be fractional (calls per iteration): integers stay integers. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "—";
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}
