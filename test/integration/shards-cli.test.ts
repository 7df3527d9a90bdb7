/**
 * The built CLI (`node dist/cli.js`) on a real fixture suite split in shards: `profgate run --shard I/N` measures
 * only its share, every benchmark in exactly one shard (a parametrised benchmark's cases may land in different
 * ones), and `profgate merge` joins the shards into one document that `profgate compare` takes like any other;
 * a missing or duplicated shard is refused by name.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseResults, type Results } from "../../src/core/results.js";
import { cliRunner } from "../support/cli.js";
import { scratchFolder } from "../support/harness.js";
import { suites } from "../support/paths.js";

const suite = join(suites, "measure");
const quick = ["--processes", "2", "--values", "1", "--min-time", "0.001", "--profile-iterations", "1", "--pythonpath", "src", "--quiet"];

const scratch = scratchFolder("shards-cli");
const profgate = cliRunner(suite);

function read(dir: string): Results {
  return parseResults(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")), dir);
}

const shardDirs = [1, 2, 3].map((i) => join(scratch, `shard-${i}`));

describe("profgate run --shard and profgate merge", () => {
  beforeAll(async () => {
    for (const [i, dir] of shardDirs.entries()) {
      const run = await profgate(["run", "benchmarks", "--shard", `${i + 1}/3`, "--out", dir, ...quick]);
      expect(run.exitCode, String(run.stderr)).toBe(0);
    }
  });

  it("measures every benchmark in exactly one shard, each shard recording what it is", () => {
    const shards = shardDirs.map(read);
    const ids = shards.flatMap((s) => s.benchmarks.map((b) => b.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(shards[0]!.shard!.total);
    expect(ids.length).toBeGreaterThan(6);
    for (const [i, shard] of shards.entries()) {
      expect(shard.shard).toMatchObject({ index: i + 1, count: 3, basis: null });
      expect(shard.benchmarks.length).toBeGreaterThan(0);
      for (const bench of shard.benchmarks) expect(bench).toMatchObject({ shard: i + 1, status: "ok" });
    }
    // The four cases of one parametrised benchmark are split over shards.
    const owners = new Set(shards.map((s, i) => (s.benchmarks.some((b) => b.name === "bench_sum_of_squares") ? i : -1)).filter((i) => i >= 0));
    expect(owners.size).toBeGreaterThan(1);
  });

  it("merges the shards into one document with their profiles, which compare takes", async () => {
    const out = join(scratch, "merged");
    const merge = await profgate(["merge", ...shardDirs, "--out", out]);
    expect(merge.exitCode, String(merge.stderr)).toBe(0);
    expect(merge.stdout).toContain("Merged 3 shards");
    const merged = read(out);
    expect(merged.shards?.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(merged.benchmarks).toHaveLength(merged.shards![0]!.total);
    for (const bench of merged.benchmarks.filter((b) => b.profile?.pstats != null)) expect(existsSync(join(out, bench.profile!.pstats!))).toBe(true);
    const compare = await profgate(["compare", out, shardDirs[0]!, "--no-fail"]);
    expect(compare.exitCode, String(compare.stderr)).toBe(0);
    expect(compare.stdout).toContain("removed");
  });

  it("refuses a missing shard and a duplicated one, by name", async () => {
    const missing = await profgate(["merge", shardDirs[0]!, shardDirs[2]!, "--out", join(scratch, "x")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("shard 2/3 is missing");
    const twice = await profgate(["merge", ...shardDirs, shardDirs[1]!, "--out", join(scratch, "y")]);
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain(`shard 2/3 appears 2 times: ${shardDirs[1]}, ${shardDirs[1]}`);
  });

  it("balances the split by a baseline's durations, the same in every shard", async () => {
    const first = await profgate(["run", "benchmarks", "--shard", "1/2", "--baseline", join(scratch, "merged"), "--out", join(scratch, "balanced-1"), ...quick]);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(read(join(scratch, "balanced-1")).shard?.basis).toMatch(/^the baseline of /);
    const usage = await profgate(["run", "--shard", "3/2", "--out", join(scratch, "z")]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--shard: "3/2" is not allowed; expected "i/n"');
  });
});
