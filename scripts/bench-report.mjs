// How big the HTML report gets and how fast it draws for large profiles: one regressed benchmark (or --benchmarks N)
// whose base and head profiles have 2,000 functions each (--functions), compared and rendered with the same code as
// the CLI, then opened in Chromium (Debian's, as the browser tests use it).
//
//   node scripts/bench-report.mjs [--functions 2000] [--benchmarks 1] [--repeat 5] [--chromium /usr/bin/chromium]
/* global document, MouseEvent -- the page timings run inside the browser page */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: {
    functions: { type: "string", default: "2000" },
    benchmarks: { type: "string", default: "1" },
    repeat: { type: "string", default: "5" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
const FUNCTIONS = Number(values.functions);
const BENCHMARKS = Number(values.benchmarks);
const REPEAT = Number(values.repeat);

/** A deterministic pseudo-random generator (mulberry32), so every run draws the same profiles. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A profile shaped like a real one: function 0 is the benchmark; every other function has a caller among the
 * functions before it (a tree), a tenth are helpers called from several places, a tenth are builtins. Edges only go
 * to later functions, so cumulative times can be summed backwards; a callee's time is split over its callers.
 * `slower` multiplies the own time of some functions (head's regression).
 */
function makeProfile(count, slower) {
  const next = random(42);
  const functions = [];
  const calls = [];
  for (let i = 0; i < count; i++) {
    const builtin = i > 0 && i % 10 === 3;
    functions.push({
      file: builtin ? "~" : i === 0 ? "benchmarks/bench_big.py" : `src/big/module_${i % 40}.py`,
      line: builtin ? 0 : 10 + ((i * 17) % 900),
      name: builtin ? `<built-in method m${i}>` : i === 0 ? "bench_big" : `function_${i}`,
      own: 1e-6 * (0.5 + next() * 4) * (slower.get(i) ?? 1),
    });
    if (i === 0) continue;
    const callers = new Set([Math.floor(next() * Math.min(i, 1 + i / 4))]);
    if (i % 10 === 7) for (let k = 0; k < 4; k++) callers.add(Math.floor(next() * i));
    for (const caller of callers) calls.push({ caller, callee: i, calls: 1 + Math.floor(next() * 20), weight: 0.2 + next() });
  }
  const byCallee = new Map();
  for (const e of calls) byCallee.set(e.callee, [...(byCallee.get(e.callee) ?? []), e]);
  const cumulative = functions.map((f) => f.own);
  const edgeCumulative = new Map();
  for (let i = count - 1; i > 0; i--) {
    const incoming = byCallee.get(i) ?? [];
    const weights = incoming.reduce((sum, e) => sum + e.weight, 0);
    for (const e of incoming) {
      const share = (cumulative[i] * e.weight) / weights;
      edgeCumulative.set(e, share);
      cumulative[e.caller] += share;
    }
  }
  const totalCalls = new Map();
  for (const e of calls) totalCalls.set(e.callee, (totalCalls.get(e.callee) ?? 0) + e.calls);
  return {
    iterations: 5,
    warmups: 1,
    total_time: functions.reduce((sum, f) => sum + f.own, 0),
    functions: functions.map((f, i) => ({
      file: f.file,
      line: f.line,
      name: f.name,
      calls: totalCalls.get(i) ?? 1,
      primitive_calls: totalCalls.get(i) ?? 1,
      own_time: f.own,
      cumulative_time: cumulative[i],
    })),
    edges: calls.map((e) => {
      const incoming = byCallee.get(e.callee) ?? [];
      const weights = incoming.reduce((sum, x) => sum + x.weight, 0);
      return {
        caller: e.caller,
        callee: e.callee,
        calls: e.calls,
        primitive_calls: e.calls,
        own_time: (functions[e.callee].own * e.weight) / weights,
        cumulative_time: edgeCumulative.get(e),
      };
    }),
    pstats: null,
  };
}

function results(profiles, scale) {
  return builders.results(
    profiles.map((profile, b) =>
      builders.bench(`benchmarks/bench_big.py::bench_big[case=${b}]`, {
        params: { case: b },
        timing: { loops: 10, warmups: 1, processes: Array.from({ length: 10 }, (_, p) => ({ cpu: [0.01 * scale * (1 + 0.004 * p)], wall: [0.01 * scale * (1 + 0.004 * p)] })) },
        profile,
      }),
    ),
    { settings: { values: 5 } },
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { compare, renderHtml, builders } = await loadCore();
const slower = new Map(Array.from({ length: 12 }, (_, k) => [37 + k * 131, 6]));
const base = results(Array.from({ length: BENCHMARKS }, () => makeProfile(FUNCTIONS, new Map())), 1);
const head = results(Array.from({ length: BENCHMARKS }, () => makeProfile(FUNCTIONS, slower)), 1.3);
const comparison = compare(base, head, { mode: "separate" });
const regressed = comparison.benchmarks.filter((b) => b.verdict === "regressed").length;

const renderTimes = [];
let html = "";
for (let r = 0; r < REPEAT; r++) {
  const started = performance.now();
  html = renderHtml(comparison, { repository: "o/r", sha: "f".repeat(40) }, { base, head });
  renderTimes.push(performance.now() - started);
}
const frames = [...html.matchAll(/"n":\[([^\]]*)\]/g)].map((m) => m[1].split(",").length);
console.log(`${BENCHMARKS} benchmark(s) × ${FUNCTIONS} functions per profile, ${regressed} regressed; ${frames.join(", ")} flame frames`);
console.log(`report: ${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB; renderHtml ${median(renderTimes).toFixed(0)} ms (median of ${REPEAT})`);

if (!existsSync(values.chromium)) {
  console.log(`no browser at ${values.chromium}: skipping the page timings`);
} else {
  const dir = await mkdtemp(join(tmpdir(), "profgate-bench-report-"));
  const file = join(dir, "report.html");
  await writeFile(file, html);
  const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox"] });
  const load = [];
  const zoom = [];
  const search = [];
  try {
    for (let r = 0; r < REPEAT; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(file).href);
      load.push(await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd));
      // Each redraw runs synchronously in its event handler; reading a size forces layout, so it is counted too.
      zoom.push(
        await page.evaluate(() => {
          const chart = document.querySelector(".flame-chart");
          const frame = chart.querySelectorAll(".frame")[3];
          const started = performance.now();
          frame.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          void chart.offsetHeight;
          return performance.now() - started;
        }),
      );
      search.push(
        await page.evaluate(() => {
          const input = document.querySelector(".flame-search");
          const started = performance.now();
          input.value = "function_1";
          input.dispatchEvent(new Event("input"));
          void document.querySelector(".flame-chart").offsetHeight;
          return performance.now() - started;
        }),
      );
      await page.close();
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`Chromium: page loaded and drawn in ${median(load).toFixed(0)} ms; zoom redraw ${median(zoom).toFixed(1)} ms; search redraw ${median(search).toFixed(1)} ms (medians of ${REPEAT})`);
}
