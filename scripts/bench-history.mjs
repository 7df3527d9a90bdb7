#!/usr/bin/env node
// The history of the default branch, measured two ways.
//
// `--simulate`: the change point method on simulated timing series with known steps: run-to-run noise of shared
// runners (log-normal, σ 2%), slow-runner outliers (one run in 20 is 15–40% slower), steps of ±5%, ±10% and ±20%
// planted at known runs, and drift (+2% every 6 runs). A detected change point is a true one when it lies within
// two runs of a planted step of the same sign; it is exactly placed when it lies on the step's run. Prints
// precision, recall per step size, the share placed exactly, and the false change points per 100 runs of flat series.
//
// `--size`: a suite of 2,000 benchmarks over a 200-run window, each benchmark with a profile of 30 functions and
// 10 timing processes: the history's size (JSON, and deflated as the artifact's zip stores it), and the time to read
// and validate it (the download's CPU side), to append a run, to find the change points, and to compare a pull request
// with the baseline artifact and with main's levels (the runs since each benchmark's last change point).
//
// Usage: node scripts/bench-history.mjs --simulate [--series N] | --size [--benchmarks N] [--runs N]
import { parseArgs } from "node:util";
import { deflateRawSync } from "node:zlib";
import { loadCore } from "./load-core.mjs";

const { values } = parseArgs({
  options: {
    simulate: { type: "boolean" },
    size: { type: "boolean" },
    series: { type: "string", default: "300" },
    benchmarks: { type: "string", default: "2000" },
    runs: { type: "string", default: "200" },
  },
});
if (!values.simulate && !values.size) {
  console.error("usage: node scripts/bench-history.mjs --simulate [--series N] | --size [--benchmarks N] [--runs N]");
  process.exit(2);
}

const { compare, history: H, changepoints: C, builders } = await loadCore();

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

function gaussian(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const RUNS = 120;

/** A history of one benchmark whose timing follows `levelAt(run)` with runner noise and outliers. */
function seriesHistory(rand, levelAt) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const outlier = rand() < 0.05 ? 1.15 + rand() * 0.25 : 1;
    const time = 1e-3 * levelAt(i) * Math.exp(0.02 * gaussian(rand)) * outlier;
    runs.push({
      commit: `c${i}`,
      date: "2026-01-01T00:00:00Z",
      run: i,
      runner: `runner-${i % 7}`,
      python: "CPython 3.12.3",
      platform: "Linux x86_64, cpu",
      instrument: null,
      benchmarks: [{ id: "bench", time, processes: [time], instructions: null, peak: null, retained: null, calls: null, functions: [] }],
    });
  }
  return { schema: H.HISTORY_SCHEMA_NAME, schema_version: H.HISTORY_SCHEMA_VERSION, window: RUNS, functions: [], runs };
}

function simulate(count) {
  const rand = random(21);
  const sizes = [0.05, 0.1, 0.2];
  const found = new Map(sizes.map((s) => [s, { planted: 0, detected: 0, exact: 0 }]));
  let truePositives = 0;
  let falsePositives = 0;
  let flatFalse = 0;
  let flatRuns = 0;
  let drifts = 0;
  let driftSeries = 0;
  for (let n = 0; n < count; n++) {
    const kind = n % 5;
    let steps = [];
    let levelAt;
    if (kind === 0) {
      levelAt = () => 1;
    } else if (kind === 4) {
      levelAt = (i) => 1.02 ** Math.floor(i / 6);
    } else {
      // One or two steps, at least 15 runs apart and from the ends.
      const first = 15 + Math.floor(rand() * 40);
      const positions = kind === 3 ? [first, first + 20 + Math.floor(rand() * 30)] : [first];
      steps = positions.map((at) => ({ at, size: sizes[Math.floor(rand() * sizes.length)], sign: rand() < 0.7 ? 1 : -1 }));
      levelAt = (i) => steps.reduce((level, s) => (i >= s.at ? level * (1 + s.sign * s.size) : level), 1);
    }
    const analysis = C.analyzeHistory(seriesHistory(rand, levelAt));
    const points = analysis.changePoints.filter((c) => c.metric === "time");
    if (kind === 0) {
      flatFalse += points.length;
      flatRuns += RUNS;
      continue;
    }
    if (kind === 4) {
      driftSeries += 1;
      if (analysis.drifts.length > 0) drifts += 1;
      continue;
    }
    const matched = new Set();
    for (const point of points) {
      const step = steps.find((s, k) => !matched.has(k) && Math.abs(point.index - s.at) <= 2 && Math.sign(point.change) === s.sign);
      if (step === undefined) {
        falsePositives += 1;
        continue;
      }
      matched.add(steps.indexOf(step));
      truePositives += 1;
      const tally = found.get(step.size);
      tally.detected += 1;
      if (point.index === step.at) tally.exact += 1;
    }
    for (const s of steps) found.get(s.size).planted += 1;
  }
  const planted = [...found.values()].reduce((sum, f) => sum + f.planted, 0);
  console.log(`Simulated ${count} series of ${RUNS} runs (σ 2% noise, 5% slow-runner outliers of +15–40%):`);
  console.log(`  precision ${((truePositives / Math.max(1, truePositives + falsePositives)) * 100).toFixed(1)}% (${truePositives} of ${truePositives + falsePositives} change points on a planted step ±2 runs)`);
  console.log(`  recall ${((truePositives / planted) * 100).toFixed(1)}% of ${planted} planted steps`);
  for (const [size, f] of found) {
    console.log(`    ±${(size * 100).toFixed(0)}%: ${f.detected}/${f.planted} found (${((f.detected / Math.max(1, f.planted)) * 100).toFixed(1)}%), ${f.exact} on the step's own run`);
  }
  console.log(`  false change points on flat series: ${((flatFalse / flatRuns) * 100).toFixed(2)} per 100 runs (${flatFalse} in ${flatRuns} runs)`);
  console.log(`  drift (+2% every 6 runs) reported: ${drifts}/${driftSeries} series`);
}

function suiteResults(benchmarks, rand, commit) {
  const list = [];
  for (let b = 0; b < benchmarks; b++) {
    const functions = [];
    const edges = [];
    for (let f = 0; f < 30; f++) {
      const own = 1e-6 * (1 + (f % 7));
      functions.push(builders.fn(`function_${f}`, 1 + (f % 5), own, own * 3, { file: `src/pkg/module${f % 10}.py`, line: 10 + f }));
      if (f > 0) edges.push(builders.edge(Math.floor((f - 1) / 3), f, 1 + (f % 5), own, own * 3));
    }
    const time = 1e-3 * (1 + (b % 13) / 10);
    list.push(
      builders.bench(`benchmarks/bench_${b % 50}.py::bench_${b}`, {
        times: Array.from({ length: 10 }, () => time * (1 + 0.02 * rand())),
        profile: builders.profile(functions, edges),
        memory: builders.memory(100_000 + b, 1000),
      }),
    );
  }
  return builders.results(list, { commit });
}

/** The value, and the wall and CPU seconds `f` took: on a shared machine the CPU time is the comparable figure. */
const timed = (f) => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(cpu);
  return [value, { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 }];
};

const seconds = (t) => `${t.cpu.toFixed(2)} s CPU (${t.wall.toFixed(2)} s wall)`;

function size(benchmarks, runs) {
  const rand = random(5);
  // One run recorded by the real code; the earlier runs are copies of its record with fresh timings, so that
  // building the window does not take `runs` full appends.
  const template = H.appendRun(H.emptyHistory(runs), suiteResults(benchmarks, rand, "a".repeat(40)), { run: 1, runner: "runner-1" });
  const [record] = template.runs;
  const earlier = [];
  for (let r = 0; r < runs - 1; r++) {
    earlier.push({
      ...record,
      commit: r.toString(16).padStart(40, "0"),
      run: 1000 + r,
      runner: `runner-${r % 9}`,
      benchmarks: record.benchmarks.map((b) => {
        const processes = b.processes.map((v) => Number((v * (1 + 0.03 * rand())).toPrecision(4)));
        return { ...b, time: processes[4], processes };
      }),
    });
  }
  const full = { ...template, runs: earlier };
  const json = JSON.stringify(full);
  const zipped = deflateRawSync(Buffer.from(json)).length;
  const [parsed, readSeconds] = timed(() => H.parseHistory(JSON.parse(json), "history.json"));
  const next = suiteResults(benchmarks, rand, "f".repeat(40));
  const [appended, appendSeconds] = timed(() => H.appendRun(parsed, next, { run: 9999, runner: "runner-x" }));
  const [, analyzeSeconds] = timed(() => C.analyzeHistory(appended));
  const [, serializeSeconds] = timed(() => H.serializeHistory(appended));
  // A pull request: its head against the baseline artifact, then against main's runs since each last change point.
  const head = suiteResults(benchmarks, rand, "e".repeat(40));
  const [, artifactSeconds] = timed(() => compare(next, head, { mode: "separate" }));
  const [segments, segmentSeconds] = timed(() => C.levelSegments(parsed, C.analyzeHistory(parsed)));
  const [, levelSeconds] = timed(() => compare(next, head, { mode: "separate", segments }));
  const measured = H.historySize(appended);
  const MiB = 1024 * 1024;
  console.log(`History of ${benchmarks} benchmarks over ${appended.runs.length} runs:`);
  console.log(`  ${(measured.bytes / MiB).toFixed(1)} MiB of JSON (${(measured.perRun / 1024).toFixed(0)} KiB per run, ${measured.perEntry.toFixed(0)} B per benchmark and run); ${(zipped / MiB).toFixed(1)} MiB deflated, as the artifact's zip holds it`);
  console.log(`  read and validate ${seconds(readSeconds)}; append a run ${seconds(appendSeconds)}; change points ${seconds(analyzeSeconds)}; write ${seconds(serializeSeconds)}`);
  console.log(`  a pull request: compare with the baseline artifact ${seconds(artifactSeconds)}; main's levels (change points, segments) ${seconds(segmentSeconds)}; compare with the levels (${[...segments.values()][0]?.runs.length ?? 0} runs each) ${seconds(levelSeconds)}`);
}

if (values.simulate) simulate(Number(values.series));
if (values.size) size(Number(values.benchmarks), Number(values.runs));
