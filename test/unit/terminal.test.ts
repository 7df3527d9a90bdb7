import { describe, expect, it } from "vitest";
import { paint, renderComparison, renderRunSummary, renderTable, sanitize } from "../../src/report/terminal.js";
import type { Benchmark } from "../../src/core/results.js";
import { bench, memory, results } from "../support/builders.js";
import { failingComparison, passingComparison, PLAIN, regressedPair } from "../support/scenarios.js";
import { compare } from "../../src/core/compare.js";
import { formatLevel } from "../../src/report/format.js";

const ESC = "\u001b";

describe("renderTable", () => {
  it("pads columns to their widest cell, left or right as asked, two spaces apart, no trailing blanks", () => {
    const text = renderTable(
      [
        ["name", "value", "note"],
        ["a", "1", ""],
        ["longer", "12345", "x"],
      ],
      { align: "lrl" },
    );
    expect(text.split("\n")).toEqual(["name    value  note", "a           1", "longer  12345  x"]);
  });

  it("measures cells without their colour codes, and counts characters, not UTF-16 units", () => {
    const text = renderTable(
      [
        [paint("id", "bold", true), "time"],
        ["ab", paint("1 ms", "red", true)],
        ["µ→é", "10 ms"],
      ],
      { align: "lr" },
    );
    const plain = text.replaceAll(`${ESC}[1m`, "").replaceAll(`${ESC}[22m`, "").replaceAll(`${ESC}[31m`, "").replaceAll(`${ESC}[39m`, "").split("\n");
    expect(plain).toEqual(["id    time", "ab    1 ms", "µ→é  10 ms"]);
  });

  it("lets rows be shorter than the header", () => {
    expect(renderTable([["a", "b", "c"], ["x"]], { align: "lll" })).toBe("a  b  c\nx");
  });
});

describe("paint", () => {
  it("returns the text untouched when colour is off", () => {
    expect(paint("regressed", "red", false)).toBe("regressed");
  });

  it("wraps the text in an ANSI style and its reset when on", () => {
    expect(paint("regressed", "red", true)).toBe(`${ESC}[31mregressed${ESC}[39m`);
    expect(paint("header", "bold", true)).toBe(`${ESC}[1mheader${ESC}[22m`);
  });
});

describe("sanitize", () => {
  it("shows control characters from results as escapes, so they cannot move the cursor or clear the screen", () => {
    expect(sanitize(`a${ESC}[2Jb\nc\u0007d\u009be\u007f`)).toBe("a\\x1b[2Jb\\x0ac\\x07d\\x9be\\x7f");
    expect(sanitize("plain µs → ok")).toBe("plain µs → ok");
  });
});

describe("renderComparison", () => {
  it("opens with the verdict and lists every benchmark", () => {
    const lines = renderComparison(failingComparison(), false).split("\n");
    expect(lines[0]).toBe("✗ 1 benchmark regressed past the thresholds (1 regressed, 1 improved, 1 unchanged)");
    const text = lines.join("\n");
    expect(text).toMatch(/benchmarks\/bench_text\.py::bench_tokenize +1\.50\d× \(1\.\d+×–1\.\d+×\) +\+2\.0 MiB \(\+209\.8%\) += +regressed/);
    expect(text).toMatch(/benchmarks\/bench_text\.py::bench_count +0\.600× .* improved/);
    expect(text).toMatch(/benchmarks\/bench_text\.py::bench_top +1\.000× .* unchanged/);
    expect(renderComparison(passingComparison(), false).split("\n")[0]).toBe("✓ no regression past the thresholds (2 unchanged)");
  });

  it("names the culprit function first and the allocating line, for the regressed benchmark only", () => {
    const text = renderComparison(failingComparison(), false);
    const details = text.slice(text.indexOf("\nbenchmarks/bench_text.py::bench_tokenize\n"));
    expect(details).toContain("functions, time per iteration 10.0 ms → 15.0 ms:");
    expect(details).toMatch(/^ {4}is_stop_word +src\/wordfreq\/text\.py:20 +100 → 100 calls +4\.29 ms → 10\.0 ms +\+5\.71 ms$/m);
    expect(details.indexOf("is_stop_word")).toBeLessThan(details.indexOf("normalize"));
    expect(details).toContain("memory live at the peak 976.6 KiB → 3.0 MiB, by line (the lines explain 100% of the peak):");
    expect(details).toMatch(/^ {4}src\/wordfreq\/text\.py:32 +count_words +history = sorted\(tokens \* 4\) +\+2\.0 MiB$/m);
    // The improvement is in the table but not explained at length.
    expect(text).not.toContain("\nbenchmarks/bench_text.py::bench_count\n");
  });

  it("says how much of the peak the lines explain, and why the breakdown was cut short", () => {
    const slow = regressedPair();
    const head = slow.head.memory;
    if (head === null) throw new Error("the scenario has a memory pass");
    const note = "the line breakdown was cut short: locating the peak took longer than the memory pass's budget";
    const cut = { ...slow.head, memory: { ...head, peak_captured: Math.round(head.peak * 0.4), note } };
    const text = renderComparison(compare(results([slow.base]), results([cut]), { mode: "separate" }), false);
    expect(text).toContain("by line (the lines explain 40% of the peak (base 100%)):");
    expect(text).toContain(`  ⚠ head: ${note}`);
    expect(text).not.toContain("base: the line breakdown");
  });

  it("ends with the method", () => {
    const text = renderComparison(failingComparison(), false);
    expect(text.split("\n").at(-1)).toBe(
      "separate runs; 10 processes per side; bounds one-sided at 99%; regressed above +5% with the lower bound above +15%; memory above +10% and 64.0 KiB",
    );
  });

  it("uses colour only when asked", () => {
    expect(renderComparison(failingComparison(), false)).not.toContain(ESC);
    const coloured = renderComparison(failingComparison(), true);
    expect(coloured).toContain(`${ESC}[31m✗ 1 benchmark regressed`);
    expect(coloured).toContain(`${ESC}[31mregressed${ESC}[39m`);
  });

  it("escapes control characters in names from results", () => {
    const text = renderComparison(failingComparison({ ...PLAIN, id: `benchmarks/bench_x.py::bench_${ESC}[2J`, culprit: `evil${ESC}]0;title\u0007` }), false);
    expect(text).not.toContain(ESC);
    expect(text).not.toContain("\u0007");
    expect(text).toContain("bench_\\x1b[2J");
    expect(text).toContain("evil\\x1b]0;title\\x07");
  });
});

describe("renderRunSummary", () => {
  function failed(id: string, output: string): Benchmark {
    const b = bench(id, { status: "error" });
    return { ...b, failure: { pass: "profile", message: "ZeroDivisionError: division by zero", output } };
  }

  it("shows one row per benchmark with its time, spread, processes and memory", () => {
    const text = renderRunSummary(results([bench("benchmarks/bench_a.py::bench_ok", { memory: memory(1_048_576, 2_048) })]), false);
    const [header, row] = text.split("\n");
    expect(header).toBe(`${"benchmark".padEnd("benchmarks/bench_a.py::bench_ok".length)}  status  time/iter  spread  processes  peak memory  retained`);
    expect(row).toMatch(/^benchmarks\/bench_a\.py::bench_ok +ok +10\.0 ms +±\d\.\d% +10×3 +1\.0 MiB +\+2\.0 KiB$/);
    expect(text).not.toContain(ESC);
  });

  it("lists the benchmarks whose memory line breakdown was cut short, and only those", () => {
    const cut = { ...memory(1_048_576), note: "the line breakdown was cut short" };
    const text = renderRunSummary(results([bench("benchmarks/bench_a.py::bench_cut", { memory: cut }), bench("benchmarks/bench_a.py::bench_full", { memory: memory(4_096) })]), false);
    expect(text).toContain("⚠ the memory line breakdown of 1 benchmark was cut short or left out (peak and retained are exact; each one's memory note in results.json says why");
    expect(text.split("\n").filter((l) => l.startsWith("    "))).toEqual(["    benchmarks/bench_a.py::bench_cut"]);
    expect(renderRunSummary(results([bench("benchmarks/bench_a.py::bench_full", { memory: memory(4_096) })]), false)).not.toContain("cut short");
  });

  it("does not count a benchmark measured at depth exact as cut short: it has no line breakdown by design", () => {
    const exact = { ...memory(1_048_576), at_peak: [], peak_captured: 0, note: "the live-at-peak lines were left out (depth exact: …)" };
    const text = renderRunSummary(results([{ ...bench("benchmarks/bench_a.py::bench_exact", { memory: exact }), depth: "exact" }]), false);
    expect(text).toContain("bench_exact");
    expect(text).not.toContain("cut short");
  });

  it("marks failed benchmarks and prints the end of their output", () => {
    const output = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
    const text = renderRunSummary(results([bench("benchmarks/bench_a.py::bench_ok"), failed("benchmarks/bench_a.py::bench_bad", `${output}\n${ESC}[2J`)]), false);
    expect(text).toMatch(/^benchmarks\/bench_a\.py::bench_bad +error +— +— +— +— +—$/m);
    expect(text).toContain("✗ benchmarks/bench_a.py::bench_bad: error in the profile pass: ZeroDivisionError: division by zero");
    const tail = text.split("\n").filter((l) => l.startsWith("    "));
    expect(tail).toEqual(["    line 6", "    line 7", "    line 8", "    line 9", "    line 10", "    line 11", "    line 12", "    \\x1b[2J"]);
    const coloured = renderRunSummary(results([failed("benchmarks/bench_a.py::bench_bad", "boom")]), true);
    expect(coloured).toContain(`${ESC}[31merror${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[2m    boom${ESC}[22m`);
  });
});

describe("formatLevel", () => {
  it.each([
    [0.99, "99%"],
    [0.998, "99.8%"],
    [0.9975, "99.75%"],
    [0.95, "95%"],
    [0.99999, "99.999%"],
  ])("shows %d as %s, never rounding a level up to 100%%", (level, shown) => {
    expect(formatLevel(level)).toBe(shown);
  });
});
