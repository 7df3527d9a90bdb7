import { describe, expect, it } from "vitest";
import { plural } from "../../src/core/words.js";

describe("plural", () => {
  it("puts the noun in the count's number, with an irregular plural when given one", () => {
    expect(plural(1, "benchmark")).toBe("1 benchmark");
    expect(plural(0, "benchmark")).toBe("0 benchmarks");
    expect(plural(3, "benchmark")).toBe("3 benchmarks");
    expect(plural(2, "benchmark whose timing regressed waits", "benchmarks whose timing regressed wait")).toBe("2 benchmarks whose timing regressed wait");
    expect(plural(1, "benchmark whose timing regressed waits", "benchmarks whose timing regressed wait")).toBe("1 benchmark whose timing regressed waits");
  });
});
