/**
 * The built Action (dist/index.js) run as the runner runs it: a child process with INPUT_* variables, an event
 * payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and GitHub's REST and artifact services played by a
 * fake on 127.0.0.1 that the real Octokit and @actions/artifact clients talk to.
 *
 * Each case gets a fake GitHub of its own and seeds what it stands on (a baseline run on main, a pull request's
 * earlier comment, a fork's uploaded results…), so any case runs alone and in any order. What is costly to measure
 * (the baseline push, the regressed pull request, the sharded runs…) is a stage: run once per file, on first use, in
 * a fake of its own; the case about that stage reads its outcome, and other cases seed their fakes from its artifacts.
 */
import { execa } from "execa";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { builtDist } from "../support/dist.js";
import { FakeGitHub, sha } from "../support/fake-github.js";
import { root, suites } from "../support/paths.js";
import { running, waitForFile } from "../support/processes.js";

const DEMO = join(root, "examples", "demo");
const REPOSITORY = { owner: "acme", repo: "demo", defaultBranch: "main" };
const FULL_NAME = `${REPOSITORY.owner}/${REPOSITORY.repo}`;

// Enough processes for the exact 99% bounds to clear the noise margin on a planted 2× slowdown, few enough values
// and iterations to keep each run to seconds.
const FAST_CONFIG = `
[tool.profgate]
benchmarks = ["benchmarks"]
pythonpath = ["src"]
processes = 6
values = 2
min-time = 0.002
profile-iterations = 2
`;

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** An artifact's files, by path. */
type Files = Map<string, Buffer>;

let action: string;
let work: string;
let baseTree: string;
let headTree: string;
/** The fake of the case under way. */
let fake: FakeGitHub;
/** Fakes of stages, kept for the cases that read them. */
const stageFakes: FakeGitHub[] = [];
const BASE = sha("base");
const HEAD = sha("head");
const FORK_HEAD = sha("fork-head");

async function prepareTree(target: string, regressed: boolean): Promise<void> {
  await cp(DEMO, target, { recursive: true, filter: (p) => !p.includes(`${join(DEMO, "variants")}`) && !p.includes("__pycache__") });
  if (regressed) await cp(join(DEMO, "variants", "regressed"), target, { recursive: true });
  await writeFile(join(target, "pyproject.toml"), FAST_CONFIG);
}

/** A fake GitHub whose default branch holds two commits, the second `BASE`. */
async function newFake(): Promise<FakeGitHub> {
  const created = await FakeGitHub.start(REPOSITORY);
  created.addLinearHistory([sha("root"), BASE]);
  return created;
}

/** A stage: `make` runs once, on the first call, in a fake of its own that stays up for the cases reading it. */
function stage<T>(make: (fake: FakeGitHub) => Promise<T>): () => Promise<T & { fake: FakeGitHub }> {
  let made: Promise<T & { fake: FakeGitHub }> | undefined;
  return () =>
    (made ??= (async () => {
      const own = await newFake();
      stageFakes.push(own);
      return { ...(await make(own)), fake: own };
    })());
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}

/** Signals sent to the Action once `marker` exists, a second apart, as the runner cancels a step: SIGINT, then SIGTERM. */
interface Cancel {
  marker: string;
  signals: NodeJS.Signals[];
}

async function runAction(
  on: FakeGitHub,
  runId: number,
  options: { cwd: string; inputs?: Record<string, string>; payload: object; env?: Record<string, string>; cancel?: Cancel },
): Promise<ActionRun> {
  const dir = await mkdtemp(join(work, "runner-"));
  const files = { event: join(dir, "event.json"), output: join(dir, "output"), summary: join(dir, "summary.md"), temp: join(dir, "temp") };
  await mkdir(files.temp);
  await writeFile(files.event, JSON.stringify(options.payload));
  await writeFile(files.output, "");
  await writeFile(files.summary, "");
  const inputs = { "github-token": on.token, ...options.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dir,
    ...on.runnerEnv(runId),
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: options.cwd,
    RUNNER_TEMP: files.temp,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...options.env,
  };
  const started = execa("node", [action], { cwd: options.cwd, env, extendEnv: false, reject: false, all: true });
  if (options.cancel !== undefined) {
    await waitForFile(options.cancel.marker, 120_000, "the run's hold");
    for (const [i, signal] of options.cancel.signals.entries()) {
      if (i > 0) await sleep(1_000);
      started.kill(signal);
    }
  }
  const child = await started;
  return {
    code: child.exitCode ?? -1,
    stdout: child.all,
    outputs: parseOutputs(await readFile(files.output, "utf8")),
    summary: await readFile(files.summary, "utf8"),
  };
}

function pushPayload(after: string) {
  return { ref: "refs/heads/main", after, repository: { default_branch: "main" } };
}

function pullRequestPayload(number: number, headSha: string, baseSha: string) {
  return {
    action: "synchronize",
    number,
    pull_request: { number, head: { sha: headSha, ref: "feature" }, base: { sha: baseSha, ref: "main" } },
    repository: { default_branch: "main", full_name: FULL_NAME },
  };
}

function workflowRunPayload(run: { id: number; headSha: string }, headOwner: string, headBranch = "feature") {
  return {
    action: "completed",
    workflow_run: {
      id: run.id,
      workflow_id: 1,
      event: "pull_request",
      head_sha: run.headSha,
      head_branch: headBranch,
      head_repository: { full_name: `${headOwner}/demo`, owner: { login: headOwner } },
      html_url: `https://github.com/${FULL_NAME}/actions/runs/${run.id}`,
      pull_requests: [],
    },
    repository: { default_branch: "main", full_name: FULL_NAME },
  };
}

/** The text a reader sees: character references decoded (GitHub renders them as the characters), zero-width spaces gone. */
function rendered(markdown: string): string {
  return markdown.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/\u200b/g, "");
}

/** The files of a run's artifact by that name (its first artifact when no name is given). */
function artifactOf(on: FakeGitHub, runId: number, name?: string): Files {
  const artifact = on.artifactsOf(runId).find((a) => name === undefined || a.name === name);
  if (artifact === undefined) throw new Error(`run ${runId} has no artifact${name === undefined ? "" : ` ${name}`}`);
  return on.artifactFiles(artifact.id);
}

/** What a results.json says of each benchmark's depth. */
interface DepthResults {
  settings: { depth?: string };
  benchmarks: { id: string; depth?: string; profile: { iterations: number; pstats: string | null } | null; memory: { note?: string; at_peak: unknown[] } | null }[];
}

/** A results.json, parsed. */
function resultsIn(files: Files): { benchmarks: { id: string; profile: { functions: { name: string }[] } | null }[] } {
  return JSON.parse(files.get("results.json")!.toString("utf8")) as ReturnType<typeof resultsIn>;
}

/** A run in `on` that uploaded `files` as its artifact `name`, as a stage's run did. */
function seedArtifact(on: FakeGitHub, run: Parameters<FakeGitHub["addRun"]>[0], name: string, files: Files): number {
  const id = on.addRun(run).id;
  on.addArtifact(id, { name, files: Object.fromEntries(files) });
  return id;
}

/** The baseline a push to main left: a push run of `headSha` holding the artifact. */
function seedBaseline(on: FakeGitHub, files: Files, name = "profgate-results", headSha = BASE): number {
  return seedArtifact(on, { headSha, event: "push" }, name, files);
}

const git = (cwd: string, ...args: string[]) => execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd });

/** A git repository of the demo: the base commit, then the head commit with the planted regression. */
async function originRepository(origin: string): Promise<{ baseSha: string; headSha: string }> {
  await prepareTree(origin, false);
  await git(origin, "init", "-q");
  await git(origin, "add", "-A");
  await git(origin, "commit", "-qm", "base");
  const baseSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
  await cp(join(DEMO, "variants", "regressed"), origin, { recursive: true });
  await git(origin, "commit", "-qam", "head: a stop-word list");
  const headSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
  return { baseSha, headSha };
}

/** What actions/checkout leaves for a pull request: the one commit under test, in a fresh folder. */
async function shallowCheckout(origin: string): Promise<string> {
  const checkout = await mkdtemp(join(work, "pr-checkout-"));
  await git(work, "clone", "-q", "--depth=1", `file://${origin}`, checkout);
  return checkout;
}

/** The push to main that stores the baseline. */
const baselinePush = stage(async (on) => {
  const run = on.addRun({ headSha: BASE, event: "push" }).id;
  const result = await runAction(on, run, { cwd: baseTree, payload: pushPayload(BASE) });
  expect(result.code, result.stdout).toBe(0);
  return { run, result, files: artifactOf(on, run, "profgate-results") };
});

/** The baseline's artifact. */
const baselineFiles = async (): Promise<Files> => (await baselinePush()).files;

/** Pull request 5, whose head has the planted regression, against the baseline. */
const regressedPullRequest = stage(async (on) => {
  seedBaseline(on, await baselineFiles());
  on.addPullRequest({ number: 5, headSha: HEAD, headRef: "feature", baseSha: BASE });
  const run = on.addRun({ headSha: HEAD, headBranch: "feature", event: "pull_request", pullRequests: [5] }).id;
  const result = await runAction(on, run, { cwd: headTree, payload: pullRequestPayload(5, HEAD, BASE) });
  return { run, result };
});

/** The first stage of the fork-safe pair for pull request 7 from a fork: measured, not commented. */
const forkPullRequest = stage(async (on) => {
  seedBaseline(on, await baselineFiles());
  on.addPullRequest({ number: 7, headSha: FORK_HEAD, headRef: "feature", baseSha: BASE, forkOwner: "mallory" });
  const run = on.addRun({ headSha: FORK_HEAD, headBranch: "feature", event: "pull_request", headRepository: "mallory/demo", pullRequests: [] }).id;
  const result = await runAction(on, run, { cwd: headTree, inputs: { comment: "false" }, payload: pullRequestPayload(7, FORK_HEAD, BASE) });
  return { run, result };
});

/** The fork's uploaded artifact. */
const forkFiles = async (): Promise<Files> => {
  const { fake: on, run } = await forkPullRequest();
  return artifactOf(on, run);
};

/** A repository with the planted regression in its head commit, and the baseline a push of its base commit stored. */
const confirmRepository = stage(async (on) => {
  const origin = join(work, "origin-fork");
  const { baseSha, headSha } = await originRepository(origin);
  const baseCheckout = join(work, "fork-base-checkout");
  await git(work, "clone", "-q", origin, baseCheckout);
  await git(baseCheckout, "checkout", "-q", baseSha);
  const pushRun = on.addRun({ headSha: baseSha, event: "push" }).id;
  const push = await runAction(on, pushRun, { cwd: baseCheckout, inputs: { "artifact-name": "fork-confirm-results" }, payload: pushPayload(baseSha) });
  expect(push.code, push.stdout).toBe(0);
  return { origin, baseSha, headSha, baseline: artifactOf(on, pushRun, "fork-confirm-results") };
});

/** Runs the shard jobs and then the merge job of one workflow run, each shard on a runner of its own name. */
async function matrixAndMerge(on: FakeGitHub, runId: number, cwd: string, payload: object, inputs: Record<string, string>): Promise<{ shards: ActionRun[]; merge: ActionRun }> {
  const shards: ActionRun[] = [];
  for (const index of [1, 2, 3]) {
    shards.push(await runAction(on, runId, { cwd, inputs: { ...inputs, shard: `${index}/3` }, payload, env: { RUNNER_NAME: `runner-${index}` } }));
  }
  const merge = await runAction(on, runId, { cwd: work, inputs: { ...inputs, mode: "merge" }, payload, env: { RUNNER_NAME: "merge-runner" } });
  return { shards, merge };
}

const SHARDED = "sharded-results";

/** A push measured in three shards and merged. */
const shardedPush = stage(async (on) => {
  const run = on.addRun({ headSha: BASE, event: "push" }).id;
  return { run, ...(await matrixAndMerge(on, run, baseTree, pushPayload(BASE), { "artifact-name": SHARDED })) };
});

/** Pull request 30 measured in three shards and merged, against the unsharded baseline. */
const shardedPullRequest = stage(async (on) => {
  seedBaseline(on, await baselineFiles());
  on.addPullRequest({ number: 30, headSha: HEAD, headRef: "sharded", baseSha: BASE });
  const run = on.addRun({ headSha: HEAD, headBranch: "sharded", event: "pull_request", pullRequests: [30] }).id;
  return { run, ...(await matrixAndMerge(on, run, headTree, pullRequestPayload(30, HEAD, BASE), {})) };
});

const MAIN_2 = sha("main-2");
const STEP = sha("step");

/** Three pushes to main, each on one of two runners: the base twice, then the planted regression at STEP. */
const historyOnMain = stage(async (on) => {
  on.addLinearHistory([MAIN_2, STEP]);
  const pushes: { run: number; result: ActionRun }[] = [];
  for (const [index, [headSha, tree]] of ([[BASE, baseTree], [MAIN_2, baseTree], [STEP, headTree]] as const).entries()) {
    const run = on.addRun({ headSha, event: "push" }).id;
    const result = await runAction(on, run, { cwd: tree, payload: pushPayload(headSha), env: { RUNNER_NAME: `main-runner-${index % 2}` } });
    expect(result.code, result.stdout).toBe(0);
    pushes.push({ run, result });
  }
  return { pushes };
});

beforeAll(async () => {
  action = (await builtDist()).action;
  work = await mkdtemp(join(tmpdir(), "profgate-e2e-"));
  baseTree = join(work, "base");
  headTree = join(work, "head");
  await prepareTree(baseTree, false);
  await prepareTree(headTree, true);
});

beforeEach(async () => {
  fake = await newFake();
});

afterEach(async () => {
  await fake.close();
});

afterAll(async () => {
  await Promise.all(stageFakes.map((f) => f.close()));
  await rm(work, { recursive: true, force: true });
});

/** For cases that run a stage of several minutes before their own work, on a machine others share. */
const LONG = 360_000;

describe("the Action against a fake GitHub", () => {
  it("a push to the default branch stores the baseline artifact and writes the job summary", async () => {
    const { fake, run: pushRun, result } = await baselinePush();
    expect(result.code, result.stdout).toBe(0);
    // The results, and the history of main that this first run starts.
    expect(fake.artifactsOf(pushRun).map((a) => a.name).sort()).toEqual(["profgate-results", "profgate-results-history"]);
    const artifact = fake.artifactsOf(pushRun).find((a) => a.name === "profgate-results");
    const files = [...fake.artifactFiles(artifact!.id).keys()];
    expect(files).toContain("results.json");
    expect(files).toContain("report.md");
    expect(files.filter((f) => f.startsWith("profiles/") && f.endsWith(".pstats"))).toHaveLength(5);
    // Each profile also as collapsed stacks, named like its .pstats.
    expect(files.filter((f) => f.startsWith("profiles/") && f.endsWith(".folded")).sort()).toEqual(
      files.filter((f) => f.startsWith("profiles/") && f.endsWith(".pstats")).map((f) => f.replace(/\.pstats$/, ".folded")).sort(),
    );
    expect(result.summary).toContain("5 benchmarks measured");
    expect(result.summary).toContain("stored as the baseline");
    expect(result.outputs.verdict).toBe("no-baseline");
    expect(fake.requestsTo("POST", /\/comments$/)).toHaveLength(0);
  });

  it("a pull request with a planted regression gets one comment naming the culprit, annotations, and fails", async () => {
    const { fake, run: prRun, result } = await regressedPullRequest();
    expect(result.code, result.stdout).toBe(1);
    const comments = fake.comments(5);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain("<!-- profgate:report profgate-results -->");
    expect(body).toMatch(/regressed past the thresholds/);
    expect(body).toMatch(/is(_|&#95;)stop(_|&#95;)word/);
    expect(body).toContain(`https://github.com/acme/demo/blob/${HEAD}/src/wordfreq/text.py#L`);
    expect(rendered(body)).toMatch(/Baseline: run #\d+ of [0-9a-f]{7}, the base commit of this pull request/);
    expect(body).toMatch(new RegExp(`/actions/runs/${prRun}/artifacts/\\d+`));
    expect(result.stdout).toMatch(/::warning title=profgate%3A [^,\n]+ regressed,file=src\/wordfreq\/text\.py,line=\d+::/);
    expect(result.stdout).toMatch(/::error::profgate: \d benchmarks? regressed past the thresholds/);
    expect(result.outputs.verdict).toBe("fail");
    expect(Number(result.outputs.regressions)).toBeGreaterThan(0);
    // This tree is no git checkout: confirmation is skipped with a warning, and the artifact verdicts stand.
    expect(result.stdout).toMatch(/::warning::profgate: could not check out the base commit to confirm on this runner/);
    expect(result.outputs["comment-url"]).toContain(String(comments[0]!.id));
    expect(result.summary).toContain("regressed past the thresholds");
    const artifact = artifactOf(fake, prRun);
    const uploadedFiles = [...artifact.keys()];
    expect(uploadedFiles).toEqual(expect.arrayContaining(["results.json", "comparison.json", "report.md", "report.html"]));
    // Both sides' collapsed stacks, and a report that draws the regression's flame graph.
    expect(uploadedFiles.filter((f) => /^profiles\/.+\.folded$/.test(f))).toHaveLength(5);
    expect(uploadedFiles.filter((f) => /^baseline-profiles\/.+\.folded$/.test(f))).toHaveLength(5);
    expect(artifact.get("report.html")?.toString("utf8")).toMatch(/<section class="flame" [^>]*data-benchmark="benchmarks\/bench_text\.py::bench_count_words"/);
    expect(rendered(body)).toMatch(/\*\*Pictures\*\* in <code>report\.html<\/code> in the \[results artifact\]\([^)]*\/artifacts\/\d+\):\n\n(- .*\n)*- <code>bench_count_words<\/code>: its (flame graph|memory bars)/);
    const uploaded = resultsIn(artifact);
    expect(uploaded.benchmarks).toHaveLength(5);
    expect(fake.requestsTo("GET", /\/actions\/artifacts\/\d+\/zip$/).length).toBeGreaterThan(0);
  });

  it("a pull request's run (depth auto) runs the deep passes only for the benchmarks whose verdict needs them", async () => {
    // A time threshold no timing crosses: the verdicts come from the exact metrics alone, so the benchmarks the
    // planted change does not reach are unchanged whatever the machine's load.
    seedBaseline(fake, await baselineFiles());
    fake.addPullRequest({ number: 8, headSha: HEAD, headRef: "feature", baseSha: BASE });
    const prRun = fake.addRun({ headSha: HEAD, headBranch: "feature", event: "pull_request", pullRequests: [8] }).id;
    const result = await runAction(fake, prRun, { cwd: headTree, inputs: { "time-threshold": "1000" }, payload: pullRequestPayload(8, HEAD, BASE) });
    const base = JSON.parse((await baselineFiles()).get("results.json")!.toString("utf8")) as DepthResults;
    // The push that stored the baseline measured every benchmark in full.
    expect(base.settings.depth).toBe("full");
    expect(base.benchmarks.every((b) => b.depth === undefined && b.profile?.iterations === 2)).toBe(true);
    const artifact = artifactOf(fake, prRun);
    const head = JSON.parse(artifact.get("results.json")!.toString("utf8")) as DepthResults;
    const comparison = JSON.parse(artifact.get("comparison.json")!.toString("utf8")) as { benchmarks: { id: string; verdict: string }[] };
    const needed = comparison.benchmarks.filter((b) => ["regressed", "improved", "inconclusive"].includes(b.verdict)).map((b) => b.id);
    const unchanged = comparison.benchmarks.filter((b) => b.verdict === "unchanged").map((b) => b.id);
    expect(needed).toContain("benchmarks/bench_text.py::bench_count_words");
    expect(unchanged.length).toBeGreaterThan(0);
    expect(head.settings.depth).toBe("exact");
    for (const bench of head.benchmarks) {
      if (needed.includes(bench.id)) {
        expect(bench.depth, bench.id).toBeUndefined();
        expect(bench.profile?.iterations, bench.id).toBe(2);
        expect(bench.memory?.note, bench.id).toBeUndefined();
        expect(bench.memory?.at_peak.length, bench.id).toBeGreaterThan(0);
      } else {
        expect(bench.depth, bench.id).toBe("exact");
        expect(bench.profile?.iterations, bench.id).toBe(1);
        expect(bench.memory?.at_peak, bench.id).toEqual([]);
      }
      // Every benchmark keeps its raw profile: one profiled iteration at depth exact, the deep pass's otherwise.
      expect(artifact.has(bench.profile?.pstats ?? "(none)"), bench.id).toBe(true);
    }
    expect(result.stdout).toContain(`profgate: ${needed.length} of ${head.benchmarks.length} benchmarks need`);
  });

  it("a second run on the pull request updates the same comment instead of adding one", async () => {
    seedBaseline(fake, await baselineFiles());
    fake.addPullRequest({ number: 5, headSha: HEAD, headRef: "feature", baseSha: BASE });
    // The comment the first run left.
    const first = await regressedPullRequest();
    const [earlier] = first.fake.comments(5);
    fake.addComment(5, earlier!.body, earlier!.user);
    const prRun = fake.addRun({ headSha: HEAD, headBranch: "feature", event: "pull_request", pullRequests: [5] }).id;
    const result = await runAction(fake, prRun, { cwd: headTree, payload: pullRequestPayload(5, HEAD, BASE) });
    expect(result.code, result.stdout).toBe(1);
    expect(fake.comments(5)).toHaveLength(1);
    expect(fake.requestsTo("PATCH", /\/issues\/comments\/\d+$/)).toHaveLength(1);
    expect(fake.requestsTo("POST", /\/issues\/5\/comments$/)).toHaveLength(0);
    expect(fake.comments(5)[0]!.body).toContain(`/actions/runs/${prRun}`);
  });

  it("a pull request with no baseline passes and says so", async () => {
    fake.addPullRequest({ number: 6, headSha: HEAD, headRef: "other", baseSha: BASE });
    const prRun = fake.addRun({ headSha: HEAD, headBranch: "other", event: "pull_request", pullRequests: [6] }).id;
    const result = await runAction(fake, prRun, { cwd: headTree, inputs: { "artifact-name": "nightly-results" }, payload: pullRequestPayload(6, HEAD, BASE) });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.verdict).toBe("no-baseline");
    const [comment] = fake.comments(6);
    expect(rendered(comment?.body ?? "")).toContain("No baseline yet");
    expect(rendered(comment?.body ?? "")).toContain("no baseline to compare with");
    expect(rendered(result.summary)).toContain("No baseline yet");
  });

  it("when the token may not comment, the report goes to the job summary with a warning naming the fix", async () => {
    seedBaseline(fake, await baselineFiles());
    fake.addPullRequest({ number: 8, headSha: HEAD, headRef: "readonly", baseSha: BASE });
    const prRun = fake.addRun({ headSha: HEAD, headBranch: "readonly", event: "pull_request", pullRequests: [8] }).id;
    fake.readOnly = true;
    const result = await runAction(fake, prRun, { cwd: headTree, payload: pullRequestPayload(8, HEAD, BASE) });
    expect(result.code, result.stdout).toBe(1);
    expect(fake.comments(8)).toHaveLength(0);
    expect(result.stdout).toMatch(/::warning::profgate could not comment on pull request #8 .*pull-requests: write.*fork-safe setup/);
    expect(result.summary).toContain("regressed past the thresholds");
    // The runner masks the token once told to (::add-mask::); it must appear nowhere else.
    const logged = result.stdout.split("\n").filter((line) => !line.startsWith("::add-mask::"));
    expect(logged.join("\n")).not.toContain(fake.token);
    expect(result.summary).not.toContain(fake.token);
  });

  it("a run cancelled midway (SIGINT, then SIGTERM) uploads what it measured, says so in the summary and comment, and fails", async () => {
    const tree = join(work, "cancelled");
    await cp(headTree, tree, { recursive: true });
    // Last in collection order: every benchmark of the demo is through the memory pass when bench_hold holds there.
    await cp(join(suites, "stop", "benchmarks", "bench_stop.py"), join(tree, "benchmarks", "bench_zz_stop.py"));
    const hold = await mkdtemp(join(work, "hold-"));
    fake.addPullRequest({ number: 40, headSha: HEAD, headRef: "cancelled", baseSha: BASE });
    const prRun = fake.addRun({ headSha: HEAD, headBranch: "cancelled", event: "pull_request", pullRequests: [40] }).id;
    const result = await runAction(fake, prRun, {
      cwd: tree,
      payload: pullRequestPayload(40, HEAD, BASE),
      env: { PROFGATE_HOLD_IN: "memory", PROFGATE_HOLD_DIR: hold },
      cancel: { marker: join(hold, "hold.json"), signals: ["SIGINT", "SIGTERM"] },
    });
    expect(result.code, result.stdout).toBe(1);
    expect(result.outputs.verdict).toBe("stopped");
    expect(result.stdout).toMatch(/::error::profgate: the run was stopped by SIGINT before it finished, 2 of 9 benchmarks not run through all their passes/);
    const uploaded = JSON.parse(artifactOf(fake, prRun).get("results.json")!.toString("utf8")) as {
      stopped?: { signal: string };
      benchmarks: { id: string; status: string; timing: object | null; profile: object | null; memory: object | null; failure: { pass: string } | null }[];
    };
    expect(uploaded.stopped).toEqual({ signal: "SIGINT" });
    const stopped = uploaded.benchmarks.filter((b) => b.status === "stopped");
    expect(stopped.map((b) => b.id)).toEqual(["benchmarks/bench_zz_stop.py::bench_hold", "benchmarks/bench_zz_stop.py::bench_after"]);
    // Their timing and profile passes had finished: the artifact keeps them.
    for (const bench of stopped) expect([bench.failure?.pass, bench.timing !== null, bench.profile !== null, bench.memory]).toEqual(["memory", true, true, null]);
    expect(uploaded.benchmarks.filter((b) => b.status === "ok" && b.memory !== null)).toHaveLength(7);
    const sentence = /The run was stopped by SIGINT \(a cancelled workflow, a time limit, Ctrl-C\) before it finished: 2 of 9 benchmarks were not run through all their passes/;
    expect(rendered(result.summary)).toMatch(sentence);
    expect(rendered(result.summary)).toContain("9 benchmarks measured, 2 not run (stopped)");
    const [comment] = fake.comments(40);
    expect(rendered(comment?.body ?? "")).toMatch(sentence);
    const held = JSON.parse(await readFile(join(hold, "hold.json"), "utf8")) as { worker: number; child: number };
    expect([running(held.worker), running(held.child)]).toEqual([false, false]);
  });

  describe("fork-safe mode", () => {
    it("the pull_request stage runs with comment: false and uploads its results", async () => {
      const { fake, run: forkRun, result } = await forkPullRequest();
      expect(result.code, result.stdout).toBe(1);
      expect(fake.comments(7)).toHaveLength(0);
      expect(fake.artifactsOf(forkRun)).toHaveLength(1);
    });

    it("the workflow_run stage compares, comments and sets a failing status without running any Python", async () => {
      seedBaseline(fake, await baselineFiles());
      fake.addPullRequest({ number: 7, headSha: FORK_HEAD, headRef: "feature", baseSha: BASE, forkOwner: "mallory" });
      const forkRun = seedArtifact(fake, { headSha: FORK_HEAD, headBranch: "feature", event: "pull_request", headRepository: "mallory/demo" }, "profgate-results", await forkFiles());
      const commentRun = fake.addRun({ headSha: BASE, event: "workflow_run" }).id;
      const emptyCheckout = await mkdtemp(join(work, "checkout-"));
      const result = await runAction(fake, commentRun, {
        cwd: emptyCheckout,
        // No interpreter exists by this name: the stage must not need one.
        inputs: { mode: "comment", python: "no-such-python-anywhere" },
        payload: workflowRunPayload({ id: forkRun, headSha: FORK_HEAD }, "mallory"),
      });
      expect(result.code, result.stdout).toBe(1);
      const [comment] = fake.comments(7);
      expect(comment?.body).toContain("regressed past the thresholds");
      expect(comment?.body).toMatch(new RegExp(`/actions/runs/${forkRun}/artifacts/\\d+`));
      const [status] = fake.statuses(FORK_HEAD);
      expect(status).toMatchObject({ state: "failure", context: "profgate" });
      expect(status?.targetUrl).toBe(result.outputs["comment-url"]);
    });

    it("escapes markup and mentions a fork planted in its results", async () => {
      seedBaseline(fake, await baselineFiles());
      const planted = resultsIn(await forkFiles());
      const hostile = "<img src=x onerror=alert(1)> @octocat | [x](javascript:alert(1)) <!--";
      for (const bench of planted.benchmarks) {
        for (const fn of bench.profile?.functions ?? []) if (fn.name === "is_stop_word") fn.name = hostile;
      }
      const pr = fake.addPullRequest({ number: 9, headSha: sha("hostile"), headRef: "evil", baseSha: BASE, forkOwner: "mallory" });
      const run = fake.addRun({ headSha: pr.headSha, headBranch: "evil", event: "pull_request", headRepository: "mallory/demo" });
      fake.addArtifact(run.id, { name: "profgate-results", files: { "results.json": JSON.stringify(planted) } });
      const commentRun = fake.addRun({ headSha: BASE, event: "workflow_run" }).id;
      const result = await runAction(fake, commentRun, { cwd: work, inputs: { mode: "comment" }, payload: workflowRunPayload(run, "mallory") });
      expect(result.code, result.stdout).toBe(1);
      const body = fake.comments(9)[0]?.body ?? "";
      expect(body).toContain("&#60;img src=x onerror=alert(1)&#62; @\u200boctocat");
      expect(body).not.toContain("<img");
      expect(body).not.toMatch(/@octocat/);
      expect(body).not.toContain("](javascript:");
      expect(body.match(/<!--/g)).toHaveLength(1);
    });

    it("refuses a head artifact with an unknown schema, and one too large to download", async () => {
      seedBaseline(fake, await baselineFiles());
      const bad = fake.addRun({ headSha: sha("bad"), headBranch: "bad", event: "pull_request", headRepository: "mallory/demo" });
      fake.addPullRequest({ number: 10, headSha: bad.headSha, headRef: "bad", baseSha: BASE, forkOwner: "mallory" });
      fake.addArtifact(bad.id, { name: "profgate-results", files: { "results.json": JSON.stringify({ schema: "profgate/results", schema_version: 99 }) } });
      let result = await runAction(fake, fake.addRun({ headSha: BASE, event: "workflow_run" }).id, { cwd: work, inputs: { mode: "comment" }, payload: workflowRunPayload(bad, "mallory") });
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/::warning::profgate: .*schema_version 99 is not known/);
      expect(fake.comments(10)).toHaveLength(0);

      const huge = fake.addRun({ headSha: sha("huge"), headBranch: "huge", event: "pull_request", headRepository: "mallory/demo" });
      fake.addPullRequest({ number: 11, headSha: huge.headSha, headRef: "huge", baseSha: BASE, forkOwner: "mallory" });
      fake.addArtifact(huge.id, { name: "profgate-results", files: { "results.json": "{}" }, sizeInBytes: 5 * 1024 ** 3 });
      result = await runAction(fake, fake.addRun({ headSha: BASE, event: "workflow_run" }).id, { cwd: work, inputs: { mode: "comment" }, payload: workflowRunPayload(huge, "mallory") });
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/::warning::profgate: .*(large|limit)/i);
      expect(fake.requestsTo("GET", new RegExp(`/actions/artifacts/${fake.artifactsOf(huge.id)[0]!.id}/zip$`))).toHaveLength(0);
    });

    it("treats a baseline with an invalid document as no baseline and says why", async () => {
      seedBaseline(fake, await baselineFiles());
      const badBase = sha("bad-base");
      fake.addCommit({ sha: badBase, parents: [BASE], branch: "main" });
      const basePush = fake.addRun({ headSha: badBase, event: "push" });
      fake.addArtifact(basePush.id, { name: "profgate-results", files: { "results.json": JSON.stringify({ schema: "profgate/results", schema_version: 1, benchmarks: "none" }) } });
      const pr = fake.addPullRequest({ number: 12, headSha: sha("fork-head-2"), headRef: "feature2", baseSha: badBase, forkOwner: "mallory" });
      const run = fake.addRun({ headSha: pr.headSha, headBranch: "feature2", event: "pull_request", headRepository: "mallory/demo" });
      fake.addArtifact(run.id, { name: "profgate-results", files: { "results.json": JSON.stringify(resultsIn(await forkFiles())) } });
      const result = await runAction(fake, fake.addRun({ headSha: badBase, event: "workflow_run" }).id, { cwd: work, inputs: { mode: "comment" }, payload: workflowRunPayload(run, "mallory", "feature2") });
      expect(result.code, result.stdout).toBe(0);
      const body = fake.comments(12)[0]?.body ?? "";
      expect(rendered(body)).toContain("was refused");
      expect(rendered(body)).toContain("no baseline to compare with");
      expect(fake.statuses(pr.headSha).at(-1)).toMatchObject({ state: "success" });
    });
  });

  describe("same-runner confirmation", () => {
    it("fetches the base commit a shallow checkout lacks and takes the timing verdict from the interleaved runs", async () => {
      const origin = join(work, "origin");
      const { baseSha, headSha } = await originRepository(origin);

      const pushRun = fake.addRun({ headSha: baseSha, event: "push" }).id;
      const baseCheckout = join(work, "base-checkout");
      await git(work, "clone", "-q", origin, baseCheckout);
      await git(baseCheckout, "checkout", "-q", baseSha);
      const push = await runAction(fake, pushRun, { cwd: baseCheckout, inputs: { "artifact-name": "confirm-results" }, payload: pushPayload(baseSha) });
      expect(push.code, push.stdout).toBe(0);

      // actions/checkout fetches the one commit under test.
      const checkout = await shallowCheckout(origin);
      await expect(git(checkout, "cat-file", "-e", `${baseSha}^{commit}`)).rejects.toThrow();

      fake.addPullRequest({ number: 20, headSha, headRef: "stop-words", baseSha });
      const prRun = fake.addRun({ headSha, headBranch: "stop-words", event: "pull_request", pullRequests: [20] }).id;
      const result = await runAction(fake, prRun, { cwd: checkout, inputs: { "artifact-name": "confirm-results" }, payload: pullRequestPayload(20, headSha, baseSha) });
      expect(result.code, result.stdout).toBe(1);
      expect(result.stdout).toContain(`profgate: fetching the base commit ${baseSha}`);
      const body = rendered(fake.comments(20)[0]?.body ?? "");
      expect(body).toMatch(/Timing of \d+ benchmarks? confirmed on this runner: base [0-9a-f]{7} and head measured interleaved/);
      expect(body).toMatch(/regressed \(time[^)]*\) · timing confirmed on the same runner/);
      // Deepened after its confirmation, and still confirmed: the attribution comes from the deep profile.
      expect(body).toContain("is_stop_word");
      const regressed = (JSON.parse(artifactOf(fake, prRun, "confirm-results").get("results.json")!.toString("utf8")) as DepthResults).benchmarks.find((b) => b.id === "benchmarks/bench_text.py::bench_count_words");
      expect(regressed?.depth).toBeUndefined();
      expect(result.outputs.verdict).toBe("fail");
    }, LONG);

    it("confirms before it deepens: timings this runner settles as unchanged get no deep passes", async () => {
      // A pull request that changes no code, against a baseline whose timings a fast runner measured (every value
      // 0.4 of this runner's): the artifact comparison flags every timing, and only the interleaved rounds settle it.
      const origin = join(work, "origin-unchanged");
      await prepareTree(origin, false);
      await git(origin, "init", "-q");
      await git(origin, "add", "-A");
      await git(origin, "commit", "-qm", "base");
      const baseSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
      await writeFile(join(origin, "NOTES.md"), "No code changes here.\n");
      await git(origin, "add", "NOTES.md");
      await git(origin, "commit", "-qm", "head: notes only");
      const headSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
      const files = new Map(await baselineFiles());
      const fast = JSON.parse(files.get("results.json")!.toString("utf8")) as { benchmarks: { timing: { processes: Record<string, number[]>[] } | null }[] };
      for (const bench of fast.benchmarks) {
        for (const process of bench.timing?.processes ?? []) for (const clock of Object.keys(process)) process[clock] = process[clock]!.map((v) => v * 0.4);
      }
      files.set("results.json", Buffer.from(JSON.stringify(fast)));
      seedBaseline(fake, files, "profgate-results", baseSha);

      const checkout = await shallowCheckout(origin);
      fake.addPullRequest({ number: 21, headSha, headRef: "notes", baseSha });
      const prRun = fake.addRun({ headSha, headBranch: "notes", event: "pull_request", pullRequests: [21] }).id;
      // A time threshold of 60%: the artifact's 2.5x still regresses, and interleaved rounds of the same code settle
      // as unchanged whatever the load (their interval need only stay within ±60%).
      const result = await runAction(fake, prRun, { cwd: checkout, inputs: { "time-threshold": "60" }, payload: pullRequestPayload(21, headSha, baseSha) });
      expect(result.stdout).toContain("profgate: confirming 5 benchmark(s) on this runner");
      const artifact = artifactOf(fake, prRun);
      const comparison = JSON.parse(artifact.get("comparison.json")!.toString("utf8")) as { benchmarks: { id: string; verdict: string; confirmed?: boolean; attribution: unknown }[] };
      expect(comparison.benchmarks.every((b) => b.confirmed === true)).toBe(true);
      const needed = comparison.benchmarks.filter((b) => ["regressed", "improved", "inconclusive"].includes(b.verdict)).map((b) => b.id);
      expect(needed.length, JSON.stringify(comparison.benchmarks.map((b) => [b.id, b.verdict]))).toBeLessThan(3);
      expect(result.stdout).toContain(`profgate: ${needed.length} of 5 benchmarks need`);
      const head = JSON.parse(artifact.get("results.json")!.toString("utf8")) as DepthResults;
      for (const bench of head.benchmarks) expect(bench.depth, bench.id).toBe(needed.includes(bench.id) ? undefined : "exact");
      const regressed = comparison.benchmarks.filter((b) => b.verdict === "regressed");
      expect(result.code, result.stdout).toBe(regressed.length > 0 ? 1 : 0);
    }, LONG);

    it("the fork-safe pair: the comment stage shows the verdicts the measuring runner confirmed, and where", async () => {
      const { origin, baseSha, headSha, baseline } = await confirmRepository();
      const inputs = { "artifact-name": "fork-confirm-results" };
      seedBaseline(fake, baseline, "fork-confirm-results", baseSha);

      const checkout = await shallowCheckout(origin);
      fake.addPullRequest({ number: 40, headSha, headRef: "stop-words", baseSha, forkOwner: "mallory" });
      const measuring = fake.addRun({ headSha, headBranch: "stop-words", event: "pull_request", headRepository: "mallory/demo", pullRequests: [] });
      const measured = await runAction(fake, measuring.id, { cwd: checkout, inputs: { ...inputs, comment: "false" }, payload: pullRequestPayload(40, headSha, baseSha), env: { RUNNER_NAME: "fork-runner" } });
      expect(measured.code, measured.stdout).toBe(1);
      const uploaded = artifactOf(fake, measuring.id);
      expect([...uploaded.keys()]).toContain("confirmations.json");

      const commentStage = async (runId: number) =>
        runAction(fake, fake.addRun({ headSha: baseSha, event: "workflow_run" }).id, {
          cwd: await mkdtemp(join(work, "checkout-")),
          inputs: { ...inputs, mode: "comment", python: "no-such-python-anywhere" },
          payload: workflowRunPayload({ id: runId, headSha }, "mallory"),
        });
      const result = await commentStage(measuring.id);
      expect(result.code, result.stdout).toBe(1);
      const body = rendered(fake.comments(40)[0]?.body ?? "");
      expect(body).toMatch(/regressed \(time[^)]*\) · timing confirmed on the same runner/);
      expect(body).toMatch(new RegExp(`Timing of \\d+ benchmarks? confirmed on the runner that measured the pull request in run ${measuring.id}: runner "fork-runner" \\(\\d+ benchmarks?, \\d+(–\\d+)? rounds\\); base ${baseSha.slice(0, 7)} and head measured interleaved`));
      expect(fake.statuses(headSha).at(-1)).toMatchObject({ state: "failure", context: "profgate" });

      // Confirmations are validated like the results: a planted out-of-bounds field is refused, and the artifact verdicts stand.
      const planted = JSON.parse(uploaded.get("confirmations.json")!.toString("utf8")) as { sessions: { looks: number }[] };
      planted.sessions[0]!.looks = 0;
      const hostile = fake.addRun({ headSha, headBranch: "stop-words", event: "pull_request", headRepository: "mallory/demo" });
      fake.addArtifact(hostile.id, { name: "fork-confirm-results", files: { ...Object.fromEntries(uploaded), "confirmations.json": JSON.stringify(planted) } });
      const refused = await commentStage(hostile.id);
      expect(refused.stdout).toMatch(/::warning::profgate: refused the confirmations of run \d+: .*looks/);
      const after = rendered(fake.comments(40)[0]?.body ?? "");
      expect(after).toContain(`The same-runner confirmations of run ${hostile.id} were refused`);
      expect(after).not.toContain("timing confirmed on the same runner");
    }, LONG);

    it("a sharded fork-safe pair: each shard confirms on its runner, the merge keeps it, the comment stage shows it", async () => {
      const { origin, baseSha, headSha, baseline } = await confirmRepository();
      seedBaseline(fake, baseline, "fork-confirm-results", baseSha);
      const checkout = await shallowCheckout(origin);
      const inputs = { "artifact-name": "fork-confirm-results", comment: "false" };
      fake.addPullRequest({ number: 41, headSha, headRef: "stop-words-sharded", baseSha, forkOwner: "mallory" });
      const measuring = fake.addRun({ headSha, headBranch: "stop-words-sharded", event: "pull_request", headRepository: "mallory/demo", pullRequests: [] });
      const payload = pullRequestPayload(41, headSha, baseSha);
      for (const index of [1, 2]) {
        const shard = await runAction(fake, measuring.id, { cwd: checkout, inputs: { ...inputs, shard: `${index}/2` }, payload, env: { RUNNER_NAME: `fork-runner-${index}` } });
        expect(shard.code, shard.stdout).toBe(0);
      }
      const merge = await runAction(fake, measuring.id, { cwd: work, inputs: { ...inputs, mode: "merge" }, payload });
      expect(merge.code, merge.stdout).toBe(1);
      expect(fake.comments(41)).toHaveLength(0);
      const uploaded = artifactOf(fake, measuring.id, "fork-confirm-results");
      const sessions = (JSON.parse(uploaded.get("confirmations.json")!.toString("utf8")) as { sessions: { shard: number; runner: string }[] }).sessions;
      expect(sessions.length).toBeGreaterThan(0);
      for (const session of sessions) expect(session.runner).toBe(`fork-runner-${session.shard}`);

      const result = await runAction(fake, fake.addRun({ headSha: baseSha, event: "workflow_run" }).id, {
        cwd: await mkdtemp(join(work, "checkout-")),
        inputs: { "artifact-name": "fork-confirm-results", mode: "comment", python: "no-such-python-anywhere" },
        payload: workflowRunPayload({ id: measuring.id, headSha }, "mallory", "stop-words-sharded"),
      });
      expect(result.code, result.stdout).toBe(1);
      const body = rendered(fake.comments(41)[0]?.body ?? "");
      expect(body).toMatch(/regressed \(time[^)]*\) · timing confirmed on the same runner/);
      expect(body).toMatch(new RegExp(`confirmed on the runners? that measured the pull request in run ${measuring.id}: shard \\d on runner "fork-runner-\\d"`));
    }, LONG);

    it("runs `setup` in both trees before confirming, and keeps the artifact verdicts with a warning when it fails", async () => {
      // A project with a build step: the package imports a module the build writes and git ignores.
      const build = `printf 'BUILT = True\\n' > src/wordfreq/_build.py`;
      const origin = join(work, "origin-setup");
      await prepareTree(origin, false);
      await writeFile(join(origin, ".gitignore"), "src/wordfreq/_build.py\n__pycache__/\n");
      await appendFile(join(origin, "src", "wordfreq", "__init__.py"), "from wordfreq._build import BUILT\n");
      await git(origin, "init", "-q");
      await git(origin, "add", "-A");
      await git(origin, "commit", "-qm", "base");
      const baseSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
      await cp(join(DEMO, "variants", "regressed"), origin, { recursive: true });
      await git(origin, "commit", "-qam", "head: a stop-word list");
      const headSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();

      const baseCheckout = join(work, "setup-base-checkout");
      await git(work, "clone", "-q", origin, baseCheckout);
      await git(baseCheckout, "checkout", "-q", baseSha);
      await execa("bash", ["-c", build], { cwd: baseCheckout });
      const pushRun = fake.addRun({ headSha: baseSha, event: "push" }).id;
      const push = await runAction(fake, pushRun, { cwd: baseCheckout, inputs: { "artifact-name": "setup-results" }, payload: pushPayload(baseSha) });
      expect(push.code, push.stdout).toBe(0);

      const checkout = await shallowCheckout(origin);
      // The workflow's own build step, before profgate runs; the base tree gets its build only through `setup`.
      await execa("bash", ["-c", build], { cwd: checkout });
      fake.addPullRequest({ number: 21, headSha, headRef: "stop-words-setup", baseSha });
      const payload = pullRequestPayload(21, headSha, baseSha);

      const failing = await runAction(fake, fake.addRun({ headSha, event: "pull_request", pullRequests: [21] }).id, { cwd: checkout, inputs: { "artifact-name": "setup-results", setup: "echo building; exit 3" }, payload });
      expect(failing.code, failing.stdout).toBe(1);
      expect(failing.stdout).toContain("profgate: setup in the base tree: echo building; exit 3");
      expect(failing.stdout).toMatch(/::warning::profgate: could not confirm on this runner: input "setup" failed in the base tree \(exit code 3\)/);
      const noted = rendered(fake.comments(21)[0]?.body ?? "");
      expect(noted).toContain('Timing was not confirmed on this runner: input "setup" failed in the base tree (exit code 3)');
      expect(noted).not.toContain("timing confirmed on the same runner");

      const result = await runAction(fake, fake.addRun({ headSha, event: "pull_request", pullRequests: [21] }).id, { cwd: checkout, inputs: { "artifact-name": "setup-results", setup: build }, payload });
      expect(result.code, result.stdout).toBe(1);
      expect(result.stdout).toContain(`profgate: setup in the base tree: ${build}`);
      expect(result.stdout).toContain(`profgate: setup in the head tree: ${build}`);
      expect(result.stdout).not.toContain("::warning::profgate: could not confirm");
      const body = rendered(fake.comments(21)[0]?.body ?? "");
      expect(body).toMatch(/Timing of \d+ benchmarks? confirmed on this runner: base [0-9a-f]{7} and head measured interleaved/);
      expect(body).toMatch(/regressed \(time[^)]*\) · timing confirmed on the same runner/);
    }, LONG);
  });

  it("with affected: auto, runs only the benchmark whose baseline call graph reaches the changed function, and says so", async () => {
    const origin = join(work, "origin-affected");
    await prepareTree(origin, false);
    await git(origin, "init", "-q");
    await git(origin, "add", "-A");
    await git(origin, "commit", "-qm", "base");
    const baseSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
    const report = join(origin, "src", "wordfreq", "report.py");
    await writeFile(report, (await readFile(report, "utf8")).replace('return f"{word:<{width}} {count:>8}"', 'return "{} {}".format(str(word).ljust(width), str(count).rjust(8))'));
    await git(origin, "commit", "-qam", "head: render rows with str.format");
    const headSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
    const baseCheckout = join(work, "affected-base-checkout");
    await git(work, "clone", "-q", origin, baseCheckout);
    await git(baseCheckout, "checkout", "-q", baseSha);
    const inputs = { "artifact-name": "affected-results", affected: "auto", confirm: "off" };
    const pushRun = fake.addRun({ headSha: baseSha, event: "push" }).id;
    const push = await runAction(fake, pushRun, { cwd: baseCheckout, inputs, payload: pushPayload(baseSha) });
    expect(push.code, push.stdout).toBe(0);
    // A push stores the baseline: every benchmark runs, affected or not.
    expect(resultsIn(artifactOf(fake, pushRun, "affected-results")).benchmarks.every((b) => !("carried_over" in b))).toBe(true);

    const checkout = await shallowCheckout(origin);
    fake.addPullRequest({ number: 40, headSha, headRef: "format", baseSha });
    const prRun = fake.addRun({ headSha, headBranch: "format", event: "pull_request", pullRequests: [40] }).id;
    const result = await runAction(fake, prRun, { cwd: checkout, inputs, payload: pullRequestPayload(40, headSha, baseSha) });
    expect([0, 1], result.stdout).toContain(result.code);
    expect(result.stdout).toContain("benchmarks/bench_report.py::bench_render_table: it calls render_row (src/wordfreq/report.py:4), which changed");
    const uploaded = JSON.parse(artifactOf(fake, prRun, "affected-results").get("results.json")!.toString("utf8")) as { benchmarks: { id: string; carried_over?: { from: string; reason: string } }[] };
    expect(uploaded.benchmarks.filter((b) => b.carried_over === undefined).map((b) => b.id)).toEqual(["benchmarks/bench_report.py::bench_render_table"]);
    expect(uploaded.benchmarks.filter((b) => b.carried_over !== undefined)).toHaveLength(4);
    expect(uploaded.benchmarks.find((b) => b.carried_over !== undefined)?.carried_over?.from).toBe(`baseline run ${pushRun}`);
    const sentence = "1 of 5 benchmarks ran (affected: auto): the other 4 call none of the 1 changed function (1 changed Python file), so they keep the baseline's figures, marked not re-run.";
    expect(rendered(fake.comments(40)[0]?.body ?? "")).toContain(sentence);
    expect(rendered(result.summary)).toContain(sentence);
  }, LONG);

  it("with instrument: instructions, counts instructions under valgrind and judges CPU cost by them, unconfirmed", async () => {
    const counted = { instrument: "instructions", "artifact-name": "instructions-results", processes: "2" };
    const trees = { base: join(work, "counted-base"), head: join(work, "counted-head") };
    await prepareTree(trees.base, false);
    await prepareTree(trees.head, true);
    const baseSha = sha("counted-base");
    const headSha = sha("counted-head");
    fake.addCommit({ sha: baseSha, parents: [BASE], branch: "main" });
    const push = await runAction(fake, fake.addRun({ headSha: baseSha, event: "push" }).id, {
      cwd: trees.base,
      inputs: counted,
      payload: pushPayload(baseSha),
    });
    expect(push.code, push.stdout).toBe(0);
    expect(push.stdout).toMatch(/profgate: counting instructions with valgrind-3\./);
    expect(push.summary).toContain("instructions/iter");

    fake.addPullRequest({ number: 32, headSha, headRef: "counted", baseSha });
    const result = await runAction(fake, fake.addRun({ headSha, headBranch: "counted", event: "pull_request", pullRequests: [32] }).id, {
      cwd: trees.head,
      inputs: counted,
      payload: pullRequestPayload(32, headSha, baseSha),
    });
    expect(result.code, result.stdout).toBe(1);
    const body = rendered(fake.comments(32)[0]?.body ?? "");
    expect(body).toContain("| benchmark | time head/base (bounds) | instructions per iteration |");
    expect(body).toMatch(/bench_count_words<\/code> \| [^|]+ \| \+\d+\.\d+% \([\d.]+ M → [\d.]+ M\) \|/);
    expect(body).toContain("regressed (instructions");
    // Every benchmark's CPU verdict came from its counts: nothing for the same-runner confirmation to settle.
    expect(result.stdout).not.toContain("could not check out the base commit to confirm");
  }, LONG);

  describe("sharded over a matrix", () => {
    function merged(on: FakeGitHub, runId: number, name: string): { shards: { index: number; runner: string }[]; benchmarks: { id: string; shard: number; runner: string; profile: { pstats: string } | null }[] } {
      return JSON.parse(artifactOf(on, runId, name).get("results.json")!.toString("utf8")) as ReturnType<typeof merged>;
    }

    it("a push measured in three shards and merged stores one merged baseline with every benchmark and profile", async () => {
      const { fake, run, shards, merge } = await shardedPush();
      for (const shard of shards) expect(shard.code, shard.stdout).toBe(0);
      expect(merge.code, merge.stdout).toBe(0);
      expect(fake.artifactsOf(run).map((a) => a.name).sort()).toEqual([SHARDED, `${SHARDED}-history`, `${SHARDED}-shard-1-of-3`, `${SHARDED}-shard-2-of-3`, `${SHARDED}-shard-3-of-3`]);
      const doc = merged(fake, run, SHARDED);
      expect(doc.benchmarks).toHaveLength(5);
      expect(doc.shards.map((s) => [s.index, s.runner])).toEqual([
        [1, "runner-1"],
        [2, "runner-2"],
        [3, "runner-3"],
      ]);
      for (const bench of doc.benchmarks) expect(bench.runner).toBe(`runner-${bench.shard}`);
      const files = [...artifactOf(fake, run, SHARDED).keys()];
      for (const bench of doc.benchmarks) expect(files).toContain(bench.profile!.pstats);
      expect(merge.outputs.verdict).toBe("no-baseline");
      expect(merge.summary).toContain("5 benchmarks measured");
      expect(merge.summary).toContain("stored as the baseline");
      for (const shard of shards) expect(shard.summary).toBe("");
    }, LONG);

    it("a pull request in three shards with regressions in two of them gets one comment naming both culprits, and the merge fails", async () => {
      // Compared with the unsharded baseline.
      const { fake, run, shards, merge } = await shardedPullRequest();
      for (const shard of shards) expect(shard.code, shard.stdout).toBe(0);
      expect(merge.code, merge.stdout).toBe(1);
      const comments = fake.comments(30);
      expect(comments).toHaveLength(1);
      const body = rendered(comments[0]!.body);
      expect(body).toContain("regressed past the thresholds");
      expect(body).toContain("is_stop_word");
      // The culprits of two benchmarks that different shards measured, and the line that allocates more.
      expect(body).toContain("<code>count_words</code>");
      expect(body).toContain("history = sorted(tokens * 4)");
      // These trees are no git checkouts: the shards could not confirm, and the one report says which and why.
      expect(body).toMatch(/Shard \d \(runner "runner-\d"\) could not confirm its flagged timings \(could not check out the base commit/);
      expect(merge.stdout).toMatch(/::error::profgate: \d benchmarks? regressed past the thresholds/);
      expect(merge.outputs.verdict).toBe("fail");
      expect(Number(merge.outputs.regressions)).toBeGreaterThanOrEqual(2);
      expect(merge.outputs["comment-url"]).toContain(String(comments[0]!.id));
      expect(merge.summary).toContain("regressed past the thresholds");
      const comparison = JSON.parse(artifactOf(fake, run, "profgate-results").get("comparison.json")!.toString("utf8")) as {
        benchmarks: { id: string; gating: boolean }[];
      };
      const doc = merged(fake, run, "profgate-results");
      const gatingShards = new Set(comparison.benchmarks.filter((b) => b.gating).map((b) => doc.benchmarks.find((d) => d.id === b.id)?.shard));
      expect(gatingShards.size).toBeGreaterThanOrEqual(2);
    }, LONG);

    it("refuses to merge when a shard is missing, duplicated or from another run, naming it", async () => {
      // The shards of a pull request run, and the comment that run's merge left.
      const source = await shardedPullRequest();
      const prRun = source.run;
      fake.addPullRequest({ number: 30, headSha: HEAD, headRef: "sharded", baseSha: BASE });
      fake.addRun({ id: prRun, headSha: HEAD, headBranch: "sharded", event: "pull_request", pullRequests: [30] });
      for (const comment of source.fake.comments(30)) fake.addComment(30, comment.body, comment.user);
      const previous = fake.comments(30).map((c) => c.body);
      expect(previous).toHaveLength(1);
      const names = [1, 2, 3].map((i) => `profgate-results-shard-${i}-of-3`);
      const copy = (target: number, which: string[]) => {
        for (const name of which) fake.addArtifact(target, { name, files: Object.fromEntries(artifactOf(source.fake, prRun, name)) });
      };
      const missingRun = fake.addRun({ headSha: HEAD, headBranch: "sharded", event: "pull_request", pullRequests: [30] }).id;
      copy(missingRun, [names[0]!, names[2]!]);
      const missing = await runAction(fake, missingRun, { cwd: work, inputs: { mode: "merge" }, payload: pullRequestPayload(30, HEAD, BASE) });
      expect(missing.code, missing.stdout).toBe(1);
      expect(missing.stdout).toContain('shard 2/3 is missing: this run has no artifact "profgate-results-shard-2-of-3"');

      const otherRun = fake.addRun({ headSha: HEAD, headBranch: "sharded", event: "pull_request", pullRequests: [30] }).id;
      copy(otherRun, names);
      const other = await runAction(fake, otherRun, { cwd: work, inputs: { mode: "merge" }, payload: pullRequestPayload(30, HEAD, BASE) });
      expect(other.code, other.stdout).toBe(1);
      expect(other.stdout).toContain(`shard 1/3 (artifact "profgate-results-shard-1-of-3") is from another run (run ${prRun}), not from run ${otherRun}`);

      // The same shard given to two jobs: one artifact holds another shard's results.
      const twiceRun = fake.addRun({ headSha: HEAD, headBranch: "sharded", event: "pull_request", pullRequests: [30] }).id;
      copy(twiceRun, [names[0]!, names[2]!]);
      fake.addArtifact(twiceRun, { name: names[1]!, files: Object.fromEntries(artifactOf(source.fake, prRun, names[0])) });
      const twice = await runAction(fake, twiceRun, { cwd: work, inputs: { mode: "merge" }, payload: pullRequestPayload(30, HEAD, BASE) });
      expect(twice.code, twice.stdout).toBe(1);
      expect(twice.stdout).toContain('artifact "profgate-results-shard-2-of-3" holds the results of shard 1/3');
      expect(fake.comments(30).map((c) => c.body)).toEqual(previous);
    }, LONG);

    it("an unsharded pull request run compares with the merged, sharded baseline", async () => {
      const pushed = await shardedPush();
      seedBaseline(fake, artifactOf(pushed.fake, pushed.run, SHARDED), SHARDED);
      fake.addPullRequest({ number: 31, headSha: HEAD, headRef: "unsharded", baseSha: BASE });
      const run = fake.addRun({ headSha: HEAD, headBranch: "unsharded", event: "pull_request", pullRequests: [31] }).id;
      const result = await runAction(fake, run, { cwd: headTree, inputs: { "artifact-name": SHARDED }, payload: pullRequestPayload(31, HEAD, BASE) });
      expect(result.code, result.stdout).toBe(1);
      const body = rendered(fake.comments(31)[0]?.body ?? "");
      expect(body).toContain("regressed past the thresholds");
      expect(body).not.toMatch(/removed|new benchmark/i);
      expect(result.outputs.verdict).toBe("fail");
    }, LONG);
  });
  describe("history of the default branch", () => {
    it("pushes to main build the history, and a planted step is reported as a change point naming its commit and function", async () => {
      const { fake, pushes } = await historyOnMain();
      const history = JSON.parse(artifactOf(fake, pushes[2]!.run, "profgate-results-history").get("history.json")!.toString("utf8")) as {
        runs: { commit: string; runner: string | null; benchmarks: { id: string }[] }[];
      };
      expect(history.runs.map((r) => r.commit)).toEqual([BASE, MAIN_2, STEP]);
      expect(history.runs.map((r) => r.runner)).toEqual(["main-runner-0", "main-runner-1", "main-runner-0"]);
      expect(history.runs.every((r) => r.benchmarks.length === 5)).toBe(true);
      // Each push looked up the history an earlier push left, and the second found no change in the same code.
      expect(fake.requestsTo("GET", /\/actions\/runs\/\d+\/artifacts$/).length).toBeGreaterThan(0);
      expect(pushes[1]!.result.outputs["change-points"], pushes[1]!.result.summary).toBe("0");
      expect(pushes[1]!.result.summary).toContain("No new change points.");
      const step = pushes[2]!.result;
      expect(Number(step.outputs["change-points"])).toBeGreaterThan(0);
      expect(step.outputs.history).toMatch(/history\.json$/);
      const summary = rendered(step.summary);
      expect(summary).toContain("### History of main");
      expect(summary).toMatch(/3 runs kept \([\d.]+ KiB; [\d.]+ KiB per run, [\d.]+ (B|KiB) per benchmark and run\)/);
      expect(summary).toMatch(new RegExp(`- benchmarks/bench_text\\.py::bench_count_words: calls \\d+ → \\d+ \\(\\+[\\d.]+%\\) at \\[\`${STEP.slice(0, 7)}\`\\]\\(https://github\\.com/acme/demo/commit/${STEP}\\) \\(after \\[\`${MAIN_2.slice(0, 7)}\`\\][^)]*\\)\\); changed: is_stop_word \\(src/wordfreq/text\\.py:\\d+`));
    }, LONG);

    it("a pull request's comment shows main's trend and the level it holds, from the history", async () => {
      const { fake: main, pushes } = await historyOnMain();
      seedBaseline(fake, await baselineFiles());
      seedArtifact(fake, { headSha: BASE, event: "push" }, "profgate-results-history", artifactOf(main, pushes[2]!.run, "profgate-results-history"));
      fake.addPullRequest({ number: 41, headSha: HEAD, headRef: "trend", baseSha: BASE });
      const prRun = fake.addRun({ headSha: HEAD, headBranch: "trend", event: "pull_request", pullRequests: [41] }).id;
      const result = await runAction(fake, prRun, { cwd: headTree, payload: pullRequestPayload(41, HEAD, BASE) });
      expect(result.code, result.stdout).toBe(1);
      const body = rendered(fake.comments(41)[0]!.body);
      expect(body).toContain("**Trend on main** (its newest runs; the last block is this pull request):");
      expect(body).toMatch(new RegExp(`- \`benchmarks/bench_text\\.py::bench_count_words\` \`[▁▂▃▄▅▆▇█]{4}\` main since ${BASE.slice(0, 7)}, 3 runs on 2 runners: [\\d.]+ [µm]s ± [\\d.]+% between runs; this head [\\d.]+ [µm]s \\(\\+[\\d.]+%\\)`));
      // A pull request reads the history and never writes one.
      expect(fake.artifactsOf(prRun).map((a) => a.name)).toEqual(["profgate-results"]);
    }, LONG);

    it("a pull request is judged against main's runs since its last change point when the history holds five or more", async () => {
      const files = await baselineFiles();
      // Backfilled from the baseline artifact, as a project does with the artifacts it still has.
      const backfill = join(work, "backfill");
      await mkdir(backfill, { recursive: true });
      await writeFile(join(backfill, "results.json"), files.get("results.json")!);
      for (let i = 0; i < 6; i++) await execa(process.execPath, [(await builtDist()).cli, "history", join(backfill, "results.json"), "--out", join(backfill, "history.json")]);
      seedBaseline(fake, files);
      seedArtifact(fake, { headSha: BASE, event: "push" }, "profgate-results-history", new Map([["history.json", await readFile(join(backfill, "history.json"))]]));
      fake.addPullRequest({ number: 43, headSha: HEAD, headRef: "level", baseSha: BASE });
      const prRun = fake.addRun({ headSha: HEAD, headBranch: "level", event: "pull_request", pullRequests: [43] }).id;
      const result = await runAction(fake, prRun, { cwd: headTree, payload: pullRequestPayload(43, HEAD, BASE) });
      expect(result.code, result.stdout).toBe(1);
      const body = rendered(fake.comments(43)[0]!.body);
      expect(body).toMatch(new RegExp(`- \`benchmarks/bench_text\\.py::bench_count_words\` \`[▁▂▃▄▅▆▇█]{7}\` judged against main since \\w+, 6 runs on 1 runner: `));
      expect(body).toMatch(/5 benchmarks' timings were judged against the baseline branch's runs since its last change point \(6 runs, every process of them as the base\)/);
      const comparison = JSON.parse(artifactOf(fake, prRun, "profgate-results").get("comparison.json")!.toString("utf8")) as { benchmarks: { id: string; timing: { baseline_runs?: number } | null }[] };
      expect(comparison.benchmarks.every((b) => b.timing === null || b.timing.baseline_runs === 6)).toBe(true);
    }, LONG);

    it("with change-point-issues, a push that reveals a change point opens one issue naming its commit and function, and a rerun opens no second", async () => {
      const { fake: main, pushes } = await historyOnMain();
      // Off by default: the pushes that built main's history found change points and asked nothing about issues.
      expect(Number(pushes[2]!.result.outputs["change-points"])).toBeGreaterThan(0);
      expect(pushes[2]!.result.outputs["change-point-issue"]).toBe("");
      expect(main.requests.filter((r) => /\/issues$/.test(r.path))).toEqual([]);

      // Main's history before the step (BASE, MAIN_2), as the push of MAIN_2 left it.
      fake.addLinearHistory([MAIN_2, STEP]);
      seedArtifact(fake, { headSha: MAIN_2, event: "push" }, "profgate-results-history", artifactOf(main, pushes[1]!.run, "profgate-results-history"));
      const push = async (): Promise<ActionRun & { id: number }> => {
        const run = fake.addRun({ headSha: STEP, event: "push", status: "in_progress" });
        const result = await runAction(fake, run.id, { cwd: headTree, payload: pushPayload(STEP), inputs: { "change-point-issues": "true" }, env: { RUNNER_NAME: "main-runner-0" } });
        // The job is rerun because the run failed after profgate's step: its history is not one a later run reads.
        run.status = "completed";
        run.conclusion = "failure";
        return { ...result, id: run.id };
      };
      const first = await push();
      expect(first.code, first.stdout).toBe(0);
      expect(fake.issues()).toHaveLength(1);
      const issue = fake.issues()[0]!;
      expect(issue.user).toEqual(fake.identity);
      expect(issue.title).toMatch(new RegExp(`^profgate: \\d+ change points? at ${STEP.slice(0, 7)} on main \\(`));
      const body = rendered(issue.body);
      expect(body).toMatch(/^<!-- profgate:change-points profgate-results [0-9a-f]{16} -->\n/);
      expect(body).toContain(`[This run](https://github.com/acme/demo/actions/runs/${first.id}) of main at [\`${STEP.slice(0, 7)}\`](https://github.com/acme/demo/commit/${STEP})`);
      expect(body).toMatch(
        new RegExp(
          `#### benchmarks/bench_text\\.py::bench_count_words: calls \\+[\\d.]+%\\n\\n- \\*\\*Level:\\*\\* [\\d.]+ → [\\d.]+ per iteration \\(\\+[\\d.]+%\\)\\n- \\*\\*Introduced by:\\*\\* \\[\`${STEP.slice(0, 7)}\`\\]\\(https://github\\.com/acme/demo/commit/${STEP}\\), after \\[\`${MAIN_2.slice(0, 7)}\`\\]\\(https://github\\.com/acme/demo/commit/${MAIN_2}\\)[^\\n]*\\n- \\*\\*Functions that changed:\\*\\* is_stop_word \\(src/wordfreq/text\\.py:\\d+\\)`,
        ),
      );
      expect(first.outputs["change-point-issue"]).toBe(`https://github.com/acme/demo/issues/${issue.number}`);
      expect(first.summary).toContain(`Reported in [issue #${issue.number}](https://github.com/acme/demo/issues/${issue.number}).`);

      const rerun = await push();
      expect(rerun.code, rerun.stdout).toBe(0);
      expect(rerun.outputs["change-points"]).toBe(first.outputs["change-points"]);
      expect(fake.issues()).toHaveLength(1);
      expect(fake.requestsTo("POST", /\/issues$/)).toHaveLength(1);
      expect(fake.requestsTo("GET", /\/issues$/)).toHaveLength(2);
      expect(rerun.outputs["change-point-issue"]).toBe(first.outputs["change-point-issue"]);
      expect(rerun.stdout).toContain(`profgate: https://github.com/acme/demo/issues/${issue.number} already reports these change points; no second issue`);
      expect(rerun.summary).toContain(`Reported in [issue #${issue.number}](https://github.com/acme/demo/issues/${issue.number}).`);
    }, LONG);
  });

  describe("fresh-runner rerun", () => {
    const RENDER_TABLE = "benchmarks/bench_report.py::bench_render_table";
    const RERUN_HEAD = sha("rerun-head");

    /** Makes the demo in `tree` slower in render_row on timing alone (several times: a loaded machine must still see it), a loop that calls nothing and allocates nothing. */
    async function slowDown(tree: string): Promise<void> {
      const report = join(tree, "src", "wordfreq", "report.py");
      const source = await readFile(report, "utf8");
      const slower = source.replace("def render_row(word, count, width):\n", "def render_row(word, count, width):\n    spin = 0\n    while spin < 300:\n        spin += 1\n");
      expect(slower).not.toBe(source);
      await writeFile(report, slower);
    }

    async function slowTree(): Promise<string> {
      const tree = join(work, "slow-render");
      await prepareTree(tree, false);
      await slowDown(tree);
      return tree;
    }

    /** Pull request 50's first job with rerun: fresh, on the slower tree: it defers the slowdown and passes. */
    const firstJob = stage(async (on) => {
      const tree = await slowTree();
      seedBaseline(on, await baselineFiles());
      on.addPullRequest({ number: 50, headSha: RERUN_HEAD, headRef: "slower-rows", baseSha: BASE });
      const run = on.addRun({ headSha: RERUN_HEAD, headBranch: "slower-rows", event: "pull_request", pullRequests: [50] }).id;
      const result = await runAction(on, run, { cwd: tree, inputs: { rerun: "fresh" }, payload: pullRequestPayload(50, RERUN_HEAD, BASE), env: { RUNNER_NAME: "first-runner" } });
      return { tree, result, files: artifactOf(on, run, "profgate-results"), comment: on.comments(50)[0] };
    });

    /** This case's fake as the first job left it: the baseline, the pull request, its comment and its run's artifact. */
    async function afterFirstJob(): Promise<{ run: number; deferred: string[] }> {
      const first = await firstJob();
      expect(first.result.code, first.result.stdout).toBe(0);
      seedBaseline(fake, await baselineFiles());
      fake.addPullRequest({ number: 50, headSha: RERUN_HEAD, headRef: "slower-rows", baseSha: BASE });
      const run = seedArtifact(fake, { headSha: RERUN_HEAD, headBranch: "slower-rows", event: "pull_request", pullRequests: [50] }, "profgate-results", first.files);
      fake.addComment(50, first.comment!.body, first.comment!.user);
      return { run, deferred: JSON.parse(first.result.outputs["rerun-benchmarks"]!) as string[] };
    }

    async function rerunJob(run: number, cwd: string): Promise<ActionRun> {
      return runAction(fake, run, { cwd, inputs: { mode: "rerun" }, payload: pullRequestPayload(50, RERUN_HEAD, BASE), env: { RUNNER_NAME: "fresh-runner" } });
    }

    it("the first job defers a timing slowdown to the rerun; the rerun measures only it, finds it again, and fails", async () => {
      const first = await firstJob();
      expect(first.result.code, first.result.stdout).toBe(0);
      expect(first.result.outputs.verdict).toBe("pass");
      const { run, deferred } = await afterFirstJob();
      expect(deferred).toContain(RENDER_TABLE);
      expect(deferred.length).toBeLessThan(5);
      const waiting = rendered(first.comment!.body);
      expect(waiting).toContain("for a rerun on a fresh runner (rerun: fresh)");
      expect(waiting).toContain("timing waits for a rerun on a fresh runner");
      expect(waiting).toMatch(/### ⏳ profgate: \d of 5 benchmarks look slower and wait for a rerun on a fresh runner/);

      const result = await rerunJob(run, first.tree);
      expect(result.code, result.stdout).toBe(1);
      expect(JSON.parse(result.outputs["rerun-benchmarks"]!)).toEqual(deferred);
      expect(result.stdout).toMatch(/::error::profgate: \d benchmarks? regressed past the thresholds: [^\n]*bench_render_table/);
      // The one comment, updated in place.
      const comments = fake.comments(50);
      expect(comments).toHaveLength(1);
      const body = rendered(comments[0]!.body);
      expect(body).toContain('Rerun on a fresh runner ("fresh-runner")');
      expect(body).toMatch(/Regressed in both runs: [^\n]*`benchmarks\/bench_report\.py::bench_render_table` \(first run [\d.]+×, fresh runner [\d.]+×\)/);
      expect(body).toContain("timing regressed again on a fresh runner");
      // Its own artifact: the first job's results with the combined comparison, and the fresh runner's results of the deferred benchmarks alone.
      const artifact = artifactOf(fake, run, "profgate-results-rerun");
      const fresh = JSON.parse(artifact.get("rerun/results.json")!.toString("utf8")) as { benchmarks: { id: string }[] };
      expect(fresh.benchmarks.map((b) => b.id).sort()).toEqual([...deferred].sort());
      const comparison = JSON.parse(artifact.get("comparison.json")!.toString("utf8")) as { schema_version: number; benchmarks: { id: string; gating: boolean; rerun?: { state: string; runner: string } }[] };
      expect(comparison.schema_version).toBe(2);
      expect(comparison.benchmarks.find((b) => b.id === RENDER_TABLE)).toMatchObject({ gating: true, rerun: { state: "agreed", runner: "fresh-runner" } });
    }, LONG);

    it("when the fresh runner does not find the slowdown, the rerun passes and the comment says it was not confirmed", async () => {
      const { run, deferred } = await afterFirstJob();
      // The first job's slowdown stands in for a slow runner: the fresh runner measures the code without it.
      const result = await rerunJob(run, baseTree);
      expect(result.code, result.stdout).toBe(0);
      expect(result.outputs.verdict).toBe("pass");
      expect(JSON.parse(result.outputs["rerun-benchmarks"]!)).toEqual(deferred);
      const comments = fake.comments(50);
      expect(comments).toHaveLength(1);
      const body = rendered(comments[0]!.body);
      expect(body).toMatch(/Not confirmed on a fresh runner, so their timing does not gate: [^\n]*`benchmarks\/bench_report\.py::bench_render_table` \(first run [\d.]+×, fresh runner [\d.]+×\)/);
      expect(body).toContain("timing not confirmed on a fresh runner");
      const comparison = JSON.parse(artifactOf(fake, run, "profgate-results-rerun").get("comparison.json")!.toString("utf8")) as { benchmarks: { id: string; verdict: string; gating: boolean; rerun?: { state: string } }[] };
      expect(comparison.benchmarks.find((b) => b.id === RENDER_TABLE)).toMatchObject({ gating: false, rerun: { state: "disagreed" } });
      expect(comparison.benchmarks.filter((b) => b.gating)).toEqual([]);
    }, LONG);

    it("a timing the first job confirmed beside the base commit is measured the same way on the fresh runner", async () => {
      const origin = join(work, "origin-rerun");
      await prepareTree(origin, false);
      await git(origin, "init", "-q");
      await git(origin, "add", "-A");
      await git(origin, "commit", "-qm", "base");
      const baseSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
      await slowDown(origin);
      await git(origin, "commit", "-qam", "head: slower rows");
      const headSha = (await git(origin, "rev-parse", "HEAD")).stdout.trim();
      const inputs = { "artifact-name": "rerun-confirm-results" };

      const baseCheckout = join(work, "rerun-base-checkout");
      await git(work, "clone", "-q", origin, baseCheckout);
      await git(baseCheckout, "checkout", "-q", baseSha);
      const pushRun = fake.addRun({ headSha: baseSha, event: "push" }).id;
      const push = await runAction(fake, pushRun, { cwd: baseCheckout, inputs, payload: pushPayload(baseSha) });
      expect(push.code, push.stdout).toBe(0);

      fake.addPullRequest({ number: 51, headSha, headRef: "slower-rows", baseSha });
      const run = fake.addRun({ headSha, headBranch: "slower-rows", event: "pull_request", pullRequests: [51] }).id;
      const payload = pullRequestPayload(51, headSha, baseSha);
      const first = await runAction(fake, run, { cwd: await shallowCheckout(origin), inputs: { ...inputs, rerun: "fresh" }, payload, env: { RUNNER_NAME: "first-runner" } });
      expect(first.code, first.stdout).toBe(0);
      expect(JSON.parse(first.outputs["rerun-benchmarks"]!)).toContain(RENDER_TABLE);
      const waiting = rendered(fake.comments(51)[0]!.body);
      expect(waiting).toMatch(/bench_render_table<\/code>[^\n]*regressed \(time\) · timing confirmed on the same runner · timing waits for a rerun on a fresh runner/);

      // Another fresh checkout of the one commit under test, as the second job's runner gets.
      const result = await runAction(fake, run, { cwd: await shallowCheckout(origin), inputs: { ...inputs, mode: "rerun" }, payload, env: { RUNNER_NAME: "fresh-runner" } });
      expect(result.code, result.stdout).toBe(1);
      expect(result.stdout).toContain(`profgate: fetching the base commit ${baseSha}`);
      const comments = fake.comments(51);
      expect(comments).toHaveLength(1);
      const body = rendered(comments[0]!.body);
      expect(body).toMatch(/\d+ timings? the first job confirmed beside the base commit (was|were) measured the same way here\./);
      expect(body).toMatch(/bench_render_table<\/code>[^\n]*regressed \(time\) · timing confirmed on the same runner · timing regressed again on a fresh runner/);
      const comparison = JSON.parse(artifactOf(fake, run, "rerun-confirm-results-rerun").get("comparison.json")!.toString("utf8")) as {
        method: { thresholds: { interleaved_margin: number } };
        benchmarks: { id: string; gating: boolean; rerun?: { state: string; first: { margin: number }; fresh: { margin: number } | null } }[];
      };
      const margin = comparison.method.thresholds.interleaved_margin;
      expect(comparison.benchmarks.find((b) => b.id === RENDER_TABLE)).toMatchObject({ gating: true, rerun: { state: "agreed", first: { margin }, fresh: { margin } } });
    }, LONG);
  });
});
