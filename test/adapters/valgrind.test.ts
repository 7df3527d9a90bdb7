/** valgrind for `instrument: instructions` on the runner: used when present, refused off Linux with the fix. */
import { describe, expect, it } from "vitest";
import { ensureValgrind } from "../../src/adapters/valgrind.js";

describe("ensureValgrind", () => {
  it("refuses other platforms, naming the input and the fix", async () => {
    await expect(ensureValgrind("darwin", () => undefined)).rejects.toThrow(/input "instrument": "instructions" .* this runner is darwin; use a Linux runner/);
  });

  it("uses the valgrind on PATH without installing anything", async () => {
    const lines: string[] = [];
    await expect(ensureValgrind("linux", (line) => lines.push(line))).resolves.toMatch(/^valgrind-3\./);
    expect(lines).toEqual([]);
  });
});
