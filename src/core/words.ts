/** Counted nouns for the sentences the reports and the Action's log write. */

/** `"1 benchmark"`, `"3 benchmarks"`: `count` and the noun in its number (`nouns` when it is not `noun` + "s"). */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
