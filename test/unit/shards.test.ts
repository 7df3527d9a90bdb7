import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/config.js";
import { parseResults, type Results, type Shard } from "../../src/core/results.js";
import { benchmarkCost, mergeShards, parseShardSpec, ShardError, splitBenchmarks, type ShardInput } from "../../src/core/shards.js";
import { bench, results, spread } from "../support/builders.js";

const ids = Array.from({ length: 10 }, (_, i) => `benchmarks/bench_${i < 5 ? "a" : "b"}.py::bench_${i}`);

describe("parseShardSpec", () => {
  it("reads i/n", () => {
    expect(parseShardSpec("2/4", 'input "shard"')).toEqual({ index: 2, count: 4 });
    expect(parseShardSpec(" 1 / 1 ", "--shard")).toEqual({ index: 1, count: 1 });
  });

  it.each(["0/3", "4/3", "3", "a/b", "1/257", "-1/2", "1/2/3"])("refuses %s, naming the input and what is allowed", (value) => {
    expect(() => parseShardSpec(value, 'input "shard"')).toThrow(ConfigError);
    expect(() => parseShardSpec(value, 'input "shard"')).toThrow(new RegExp(`input "shard": "${value.replace(/[/]/g, "\\/")}" is not allowed; expected "i/n"`));
  });
});

describe("splitBenchmarks", () => {
  it("without durations, gives equal runs of consecutive ids, every id once", () => {
    const split = splitBenchmarks(ids, 3, null);
    expect(split.by).toBe("even");
    expect(split.shards.map((s) => s.length)).toEqual([3, 3, 4]);
    expect(split.shards.flat()).toEqual(ids);
  });

  it("is the same split for the same inputs, and keeps collection order within a shard", () => {
    const costs = new Map(ids.map((id, i) => [id, (i * 37) % 11]));
    const first = splitBenchmarks(ids, 4, costs);
    expect(splitBenchmarks(ids, 4, new Map(costs))).toEqual(first);
    for (const shard of first.shards) expect(shard).toEqual([...shard].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)));
    expect(first.shards.flat().sort()).toEqual([...ids].sort());
  });

  it("balances by durations: one long benchmark gets a shard to itself", () => {
    const costs = new Map(ids.map((id) => [id, 1]));
    costs.set(ids[0]!, 9);
    const split = splitBenchmarks(ids, 2, costs);
    expect(split.by).toBe("durations");
    expect(split.shards[0]).toEqual([ids[0]]);
    expect(split.shards[1]).toHaveLength(9);
  });

  it("counts an id the baseline lacks as the median known duration", () => {
    const costs = new Map([[ids[0]!, 10], [ids[1]!, 1], [ids[2]!, 1]]);
    const split = splitBenchmarks(ids.slice(0, 4), 2, costs);
    // 10 on shard 1; then 1, 1 and the unknown (median 1) on shard 2.
    expect(split.shards).toEqual([[ids[0]], [ids[1], ids[2], ids[3]]]);
  });

  it("leaves shards empty when there are fewer benchmarks than shards", () => {
    expect(splitBenchmarks(ids.slice(0, 2), 3, null).shards).toEqual([[], [ids[0]], [ids[1]]]);
  });
});

describe("benchmarkCost", () => {
  it("grows with the time a benchmark was measured for, and a timeout costs the timeout", () => {
    const doc = results([bench("a", { times: spread(0.001, 10) }), bench("b", { times: spread(0.01, 10) }), bench("c", { status: "timeout" })]);
    const [a, b, c] = doc.benchmarks.map((x) => benchmarkCost(x, doc.settings));
    expect(b!).toBeGreaterThan(a! * 5);
    expect(c).toBe(doc.settings.timeout);
  });
});

function shardDoc(index: number, count: number, benchIds: string[], extra: Partial<Shard> = {}): Results {
  const shard: Shard = { index, count, run: "77", runner: `runner-${index}`, total: 6, basis: null, ...extra };
  return { ...results(benchIds.map((id) => ({ ...bench(id), shard: index, runner: shard.runner }))), shard };
}

function threeShards(): ShardInput[] {
  return [
    { label: "shard-1", results: shardDoc(1, 3, ["c", "a"]) },
    { label: "shard-3", results: shardDoc(3, 3, ["f", "e"]) },
    { label: "shard-2", results: shardDoc(2, 3, ["b", "d"]) },
  ];
}

describe("mergeShards", () => {
  it("merges one run's shards into one valid document that says which shard and runner measured each benchmark", () => {
    const merged = mergeShards(threeShards(), { run: "77" });
    expect(merged.benchmarks.map((b) => [b.id, b.shard, b.runner])).toEqual([
      ["a", 1, "runner-1"],
      ["b", 2, "runner-2"],
      ["c", 1, "runner-1"],
      ["d", 2, "runner-2"],
      ["e", 3, "runner-3"],
      ["f", 3, "runner-3"],
    ]);
    expect(merged.shard).toBeUndefined();
    expect(merged.shards?.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(() => parseResults(JSON.parse(JSON.stringify(merged)), "merged")).not.toThrow();
  });

  it("makes the merge of a run with a stopped shard a stopped run, its stopped benchmarks kept as they are", () => {
    const inputs = threeShards();
    const cut = inputs[2]!.results;
    inputs[2] = {
      label: "shard-2",
      results: { ...cut, stopped: { signal: "SIGTERM" }, benchmarks: cut.benchmarks.map((b) => (b.id === "d" ? { ...b, status: "stopped" as const, timing: null, failure: { pass: "timing" as const, message: "not run (stopped by SIGTERM)", output: "" } } : b)) },
    };
    const merged = parseResults(JSON.parse(JSON.stringify(mergeShards(inputs, { run: "77" }))), "merged");
    expect(merged.stopped).toEqual({ signal: "SIGTERM" });
    expect(merged.benchmarks.filter((b) => b.status === "stopped").map((b) => b.id)).toEqual(["d"]);
    expect(mergeShards(threeShards(), { run: "77" }).stopped).toBeUndefined();
  });

  it("refuses a missing shard by name", () => {
    const inputs = threeShards().filter((s) => s.label !== "shard-2");
    expect(() => mergeShards(inputs, { run: "77", nameOf: (i, n) => `artifact "results-shard-${i}-of-${n}"` })).toThrow(
      'shard 2/3 is missing: artifact "results-shard-2-of-3"',
    );
  });

  it("refuses a duplicated shard, naming both", () => {
    const inputs = [...threeShards(), { label: "again", results: shardDoc(2, 3, ["b", "d"]) }];
    expect(() => mergeShards(inputs, { run: "77" })).toThrow("shard 2/3 appears 2 times: shard-2, again");
  });

  it("refuses a shard from another run, naming it", () => {
    const inputs = threeShards();
    inputs[1] = { label: "shard-3", results: shardDoc(3, 3, ["f", "e"], { run: "76" }) };
    expect(() => mergeShards(inputs, { run: "77" })).toThrow("shard 3/3 (shard-3) is from another run (run 76), not from run 77");
  });

  it("refuses shards that split the suite differently or measured a benchmark twice", () => {
    const overlapping = threeShards();
    overlapping[2] = { label: "shard-2", results: shardDoc(2, 3, ["b", "a"]) };
    expect(() => mergeShards(overlapping)).toThrow('"a" was measured by both shard 1/3 (shard-1) and shard 2/3 (shard-2)');
    const short = threeShards();
    short[2] = { label: "shard-2", results: shardDoc(2, 3, ["b"]) };
    expect(() => mergeShards(short)).toThrow("the shards hold 5 benchmarks, but each found 6 in the suite");
    const basis = threeShards();
    basis[0] = { label: "shard-1", results: shardDoc(1, 3, ["c", "a"], { basis: "baseline run 5" }) };
    expect(() => mergeShards(basis)).toThrow(/did not split the suite alike/);
  });

  it("refuses a document that is no shard, and shards measured with other settings", () => {
    const plain = [...threeShards().slice(1), { label: "plain/results.json", results: results([bench("a")]) }];
    expect(() => mergeShards(plain)).toThrow(/plain\/results.json is not one shard's results/);
    const other = threeShards();
    other[1] = { label: "shard-3", results: { ...other[1]!.results, settings: { ...other[1]!.results.settings, processes: 3 } } };
    expect(() => mergeShards(other)).toThrow("shard 3/3 (shard-3) was measured with processes 3, shard 1/3 (shard-1) with 10");
    expect(() => mergeShards([])).toThrow(ShardError);
  });
});
