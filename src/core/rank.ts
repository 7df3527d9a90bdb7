/** Ranking helpers shared by the attribution modules. */

/**
 * The indices of the `limit` largest `size` values among `candidates`, largest first; ties keep candidate order.
 * A bounded insertion list, so ranking thousands of functions to keep a dozen costs about one pass.
 */
export function topIndices(candidates: Iterable<number>, size: (index: number) => number, limit: number): number[] {
  const top: { index: number; size: number }[] = [];
  for (const index of candidates) {
    const value = size(index);
    if (top.length === limit && !(value > (top[limit - 1]?.size ?? -Infinity))) continue;
    let at = top.length;
    while (at > 0 && value > (top[at - 1]?.size ?? Infinity)) at--;
    top.splice(at, 0, { index, size: value });
    if (top.length > limit) top.pop();
  }
  return top.map((entry) => entry.index);
}
