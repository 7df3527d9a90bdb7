/**
 * The Action's decisions, mode by mode, through a fake of its Services that records every call: which systems each
 * mode asks, in what order, what it uploads, comments and outputs, and when it fails. Results folders are real files;
 * no Python runs (the measuring steps are the e2e test's).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MODES, newJob, runSteps } from "../../src/action/pipeline.js";
import type { ActionInputs, Runner } from "../../src/action/types.js";
import { GitHubApiError, PermissionError, type Baseline } from "../../src/adapters/github.js";
import { confirmationsDocument } from "../../src/core/confirmations.js";
import { appendRun, emptyHistory, parseHistory, type History } from "../../src/core/history.js";
import type { Results } from "../../src/core/results.js";
import { stampShard } from "../../src/core/shards.js";
import { reportMarker } from "../../src/report/markdown.js";
import { RecordingServices } from "../support/recording-services.js";
import { bench, memory, results, spread } from "../support/builders.js";
import { failingResults, FAST_ID, PLAIN, SAME_ID, SLOW_ID } from "../support/scenarios.js";

const BASE = "b".repeat(40);
const HEAD = "c".repeat(40);
const RUN_ID = 77;
const PR_RUN = 300;
const BASELINE_RUN = 900;

let scratch: string;
let fake: RecordingServices;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "profgate-modes-"));
  await mkdir(join(scratch, "project"));
  await mkdir(join(scratch, "temp"));
  fake = new RecordingServices();
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function inputs(mode: ActionInputs["mode"], overrides: Partial<ActionInputs> = {}): ActionInputs {
  return {
    mode,
    shard: null,
    run: {},
    thresholds: {},
    failOnRegression: true,
    comment: true,
    artifactName: "profgate-results",
    baselineBranch: null,
    token: "t0ken",
    workingDirectory: join(scratch, "project"),
    confirm: "auto",
    setup: null,
    affected: "all",
    depth: "auto",
    history: true,
    historyWindow: null,
    changePointIssues: false,
    rerun: "off",
    ...overrides,
  };
}

function runner(event: "pull_request" | "push" | "workflow_run", trigger: "pull_request" | "push" = "pull_request"): Runner {
  return {
    eventName: event,
    owner: "acme",
    repo: "demo",
    sha: HEAD,
    runId: RUN_ID,
    serverUrl: "https://github.com",
    apiUrl: "https://api.github.com",
    workflowFile: "profgate.yml",
    defaultBranch: "main",
    pullRequest: event === "pull_request" ? { number: 12, baseSha: BASE, baseRef: "main", headSha: HEAD } : null,
    workflowRun: event === "workflow_run" ? { id: PR_RUN, workflowId: 9, event: trigger, headSha: HEAD, headBranch: "feature", headOwner: "fork" } : null,
    tempDir: join(scratch, "temp"),
    runUrl: `https://github.com/acme/demo/actions/runs/${RUN_ID}`,
    runnerName: "runner-merge",
    ref: event === "pull_request" ? "refs/pull/12/merge" : "refs/heads/main",
  };
}

async function folder(name: string, documents: { results: Results; confirmations?: unknown }): Promise<string> {
  const dir = join(scratch, "artifacts", name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "results.json"), JSON.stringify(documents.results));
  if (documents.confirmations !== undefined) await writeFile(join(dir, "confirmations.json"), JSON.stringify(documents.confirmations));
  return dir;
}

/** The baseline run of BASE on main, its artifact holding `base`. */
async function seedBaseline(base: Results): Promise<void> {
  fake.baseline = {
    run: { id: BASELINE_RUN, headSha: BASE, headBranch: "main", event: "push", runNumber: 41, htmlUrl: "https://github.com/acme/demo/actions/runs/900", createdAt: "2026-01-01T00:00:00Z" },
    artifact: { id: 901, name: "profgate-results", sizeInBytes: 1, digest: null },
    match: "exact",
    distance: 0,
  } satisfies Baseline;
  fake.runArtifacts.set(BASELINE_RUN, { id: 901, dir: await folder("baseline", { results: base }) });
}

/** This run's shard artifacts: the slow benchmark in shard 1, the other two in shard 2 (or as `stamped` says). */
async function seedShards(head: Results, options: { only?: number[]; stamped?: (index: number) => number } = {}): Promise<void> {
  const split = [[SLOW_ID], [FAST_ID, SAME_ID]];
  for (const [i, ids] of split.entries()) {
    const index = i + 1;
    if (options.only !== undefined && !options.only.includes(index)) continue;
    const share = results(head.benchmarks.filter((b) => ids.includes(b.id)));
    const stamped = stampShard(share, { index: options.stamped?.(index) ?? index, count: 2, run: String(RUN_ID), runner: `runner-${index}`, total: 3, basis: null });
    const name = `profgate-results-shard-${index}-of-2`;
    fake.thisRun.push({ id: 10 + index, name, sizeInBytes: 1, dir: await folder(name, { results: stamped }) });
  }
}

/** The text a reader sees: character references decoded, zero-width spaces gone. */
function rendered(markdown: string | undefined): string {
  return (markdown ?? "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/\u200b/g, "");
}

async function runMode(mode: ActionInputs["mode"], given: ActionInputs, on: Runner): Promise<void> {
  await runSteps(await newJob(given, on, fake.services), MODES[mode]);
}

describe("mode merge", () => {
  it("on a pull request: merges the shards, compares once, uploads, comments once and fails naming the regression", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    await seedShards(head);

    await runMode("merge", inputs("merge"), runner("pull_request"));

    expect(fake.names()).toEqual([
      "artifacts.listThisRun",
      "artifacts.downloadFromThisRun",
      "artifacts.downloadFromThisRun",
      "github.findBaselineRun",
      "artifacts.downloadFromRun",
      // The history of main, for the trends: none was stored.
      "github.findBaselineRun",
      "artifacts.upload",
      "github.upsertStickyComment",
    ]);
    expect(fake.calls.filter((c) => c.method === "findBaselineRun")[1]?.args[0]).toMatchObject({ branch: "main", baseSha: BASE, artifactName: "profgate-results-history" });
    expect(fake.uploads.map((u) => u.name)).toEqual(["profgate-results"]);
    expect(fake.calls.find((c) => c.method === "findBaselineRun")?.args[0]).toMatchObject({ workflow: "profgate.yml", branch: "main", baseSha: BASE });
    const files = await fake.uploaded("profgate-results");
    expect(files).toEqual(expect.arrayContaining(["results.json", "report.md", "comparison.json", "report.html"]));
    expect(files.some((f) => f.startsWith("baseline-profiles/"))).toBe(true);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.marker).toBe(reportMarker("profgate-results"));
    expect(rendered(fake.comments[0]?.body)).toContain("Baseline: run #41 of bbbbbbb, the base commit of this pull request.");
    expect(fake.comments[0]?.body).toContain("/actions/runs/77/artifacts/501");
    expect(fake.summaries).toEqual([fake.comments[0]?.body]);
    // Annotation paths are from the repository root: the project's directory, then the file in it.
    expect(fake.annotations).toHaveLength(1);
    expect(fake.annotations[0]?.file).toMatch(new RegExp(`(^|/)project/${PLAIN.file}$`));
    expect(fake.annotations[0]?.startLine).toBe(20);
    expect(fake.outputs.get("verdict")).toBe("fail");
    expect(fake.outputs.get("regressions")).toBe("1");
    expect(fake.outputs.get("comment-url")).toContain("#issuecomment-1");
    expect(fake.failures).toEqual([`profgate: 1 benchmark regressed past the thresholds: ${SLOW_ID}`]);
  });

  it("with fail-on-regression off: reports the regression and does not fail", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    await seedShards(head);

    await runMode("merge", inputs("merge", { failOnRegression: false }), runner("pull_request"));

    expect(fake.outputs.get("regressions")).toBe("1");
    expect(fake.failures).toEqual([]);
  });

  it("on a push: stores the merged baseline without looking one up, and passes", async () => {
    await seedShards(failingResults().head);

    await runMode("merge", inputs("merge"), runner("push"));

    // No baseline is looked up; the previous history is, and the history this run starts is uploaded.
    expect(fake.names()).toEqual(["artifacts.listThisRun", "artifacts.downloadFromThisRun", "artifacts.downloadFromThisRun", "github.findBaselineRun", "artifacts.upload", "artifacts.upload"]);
    expect(fake.calls.find((c) => c.method === "findBaselineRun")?.args[0]).toMatchObject({ artifactName: "profgate-results-history", baseSha: HEAD });
    expect(await fake.uploaded("profgate-results-history")).toEqual(["history.json"]);
    expect(fake.outputs.get("change-points")).toBe("0");
    expect(await fake.uploaded("profgate-results")).toEqual(["report.md", "results.json"]);
    expect(fake.summaries[0]).toContain("3 benchmarks measured — stored as the baseline");
    expect(fake.outputs.get("verdict")).toBe("no-baseline");
    expect(fake.failures).toEqual([]);
  });

  it("refuses a missing shard, and a shard artifact holding another shard's results, before anything is published", async () => {
    await seedShards(failingResults().head, { only: [1] });
    await expect(runMode("merge", inputs("merge"), runner("pull_request"))).rejects.toThrow('shard 2/2 is missing: this run has no artifact "profgate-results-shard-2-of-2"');

    fake = new RecordingServices();
    await seedShards(failingResults().head, { stamped: () => 1 });
    await expect(runMode("merge", inputs("merge"), runner("pull_request"))).rejects.toThrow('artifact "profgate-results-shard-2-of-2" holds the results of shard 1/2');
    expect(fake.names()).not.toContain("artifacts.upload");
    expect(fake.names()).not.toContain("github.upsertStickyComment");
  });
});

describe("mode comment", () => {
  beforeEach(() => {
    fake.pullRequest = { number: 5, htmlUrl: "https://github.com/acme/demo/pull/5", headSha: HEAD, headRef: "feature", headRepository: "fork/demo", baseRef: "main", baseSha: BASE };
  });

  it("applies the measuring runner's confirmations and says which runner confirmed what", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    const session = { shard: null, runner: "fork-runner", base_commit: BASE, head_commit: HEAD, looks: 1, base, head };
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: head, confirmations: confirmationsDocument([session]) }) });

    await runMode("comment", inputs("comment"), runner("workflow_run"));

    expect(fake.names()).toEqual(["artifacts.downloadFromRun", "github.findPullRequest", "github.findBaselineRun", "artifacts.downloadFromRun", "github.findBaselineRun", "github.upsertStickyComment", "github.setStatus"]);
    expect(fake.calls.find((c) => c.method === "findBaselineRun")?.args[0]).toMatchObject({ workflow: 9, baseSha: BASE });
    const body = rendered(fake.comments[0]?.body);
    expect(body).toMatch(/Timing of 3 benchmarks confirmed on the runner that measured the pull request in run 300: runner "fork-runner" \(3 benchmarks, 10 rounds\); base bbbbbbb and head measured interleaved/);
    expect(body).toContain("timing confirmed on the same runner");
    expect(body).toContain("/actions/runs/300/artifacts/301");
    expect(fake.uploads).toEqual([]);
    expect(fake.annotations).toEqual([]);
    expect(fake.statuses).toHaveLength(1);
    expect(fake.statuses[0]).toMatchObject({ sha: HEAD, status: { state: "failure", description: "1 benchmarks regressed", context: "profgate" } });
    expect(fake.failures).toHaveLength(1);
  });

  it("refuses confirmations that fail validation: a warning and a note, and the verdicts rest on the artifacts alone", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    const hostile = { ...confirmationsDocument([]), sessions: [{ shard: null, runner: "fork-runner", base_commit: BASE, head_commit: HEAD, looks: 0, base, head }] };
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: head, confirmations: hostile }) });

    await runMode("comment", inputs("comment"), runner("workflow_run"));

    expect(fake.warnings).toEqual([expect.stringMatching(/^profgate: refused the confirmations of run 300: .*looks/s)]);
    const body = rendered(fake.comments[0]?.body);
    expect(body).toContain("The same-runner confirmations of run 300 were refused");
    expect(body).not.toContain("timing confirmed on the same runner");
    expect(body).toContain("regressed past the thresholds");
    expect(fake.statuses[0]?.status.state).toBe("failure");
  });

  it("says how many benchmarks the pull request run measured when it carried others over (affected: auto)", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    const [first, ...rest] = head.benchmarks;
    const carried = { ...base.benchmarks.find((b) => b.id === first?.id)!, carried_over: { from: "baseline run 900", reason: "it calls none of the 2 changed functions" } };
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: { ...head, benchmarks: [carried, ...rest] } }) });

    await runMode("comment", inputs("comment"), runner("workflow_run"));

    const body = rendered(fake.comments[0]?.body);
    expect(body).toContain("2 of 3 benchmarks ran (affected: auto); the other 1 keep the baseline's figures, marked not re-run: it calls none of the 2 changed functions.");
    expect(body).toContain("1 skipped");
  });

  it("without a baseline: reports the head alone, says why, and sets a passing status", async () => {
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: failingResults().head }) });

    await runMode("comment", inputs("comment"), runner("workflow_run"));

    expect(fake.names()).toEqual(["artifacts.downloadFromRun", "github.findPullRequest", "github.findBaselineRun", "github.findBaselineRun", "github.upsertStickyComment", "github.setStatus"]);
    expect(rendered(fake.comments[0]?.body)).toContain("No baseline yet");
    expect(fake.comments[0]?.body).toContain("no baseline to compare with");
    expect(fake.statuses[0]?.status).toMatchObject({ state: "success", description: "no baseline to compare with" });
    expect(fake.outputs.get("verdict")).toBe("no-baseline");
    expect(fake.failures).toEqual([]);
  });

  it("when the token may not comment: warns naming the fix, and still summarises, sets the status and gates", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: head }) });
    fake.commentError = new PermissionError("could not create the PR comment: GitHub answered 403", 403, "create the PR comment", "pull-requests: write");

    await runMode("comment", inputs("comment"), runner("workflow_run"));

    expect(fake.warnings).toEqual([expect.stringMatching(/^profgate could not comment on pull request #5 .*Grant "pull-requests: write".*fork-safe setup/)]);
    expect(fake.summaries[0]).toContain("regressed past the thresholds");
    expect(fake.outputs.get("comment-url")).toBe("");
    expect(fake.statuses[0]?.status).toMatchObject({ state: "failure", targetUrl: `https://github.com/acme/demo/actions/runs/${RUN_ID}` });
    expect(fake.failures).toHaveLength(1);
  });

  it("stops at once when the triggering run was not a pull request's, and when no open pull request has its head", async () => {
    await runMode("comment", inputs("comment"), runner("workflow_run", "push"));
    expect(fake.calls).toEqual([]);
    expect(fake.info).toEqual(["profgate: the triggering run was a push event, not a pull request: nothing to comment on"]);

    fake = new RecordingServices();
    fake.runArtifacts.set(PR_RUN, { id: 301, dir: await folder("pr", { results: failingResults().head }) });
    await runMode("comment", inputs("comment"), runner("workflow_run"));
    expect(fake.names()).toEqual(["artifacts.downloadFromRun", "github.findPullRequest"]);
    expect(fake.outputs.size).toBe(0);
    expect(fake.failures).toEqual([]);
  });

  it("refuses to run on any other event, naming the setup to use", async () => {
    await expect(runMode("comment", inputs("comment"), runner("pull_request"))).rejects.toThrow('mode "comment" runs on workflow_run events (this is a pull_request event)');
    expect(fake.calls).toEqual([]);
  });
});

describe("the history step", () => {
  const HISTORY_RUN = 950;

  /** A history artifact of main's run HISTORY_RUN holding `document` as history.json. */
  async function seedHistory(document: unknown): Promise<void> {
    fake.baselinesByName.set("profgate-results-history", {
      run: { id: HISTORY_RUN, headSha: BASE, headBranch: "main", event: "push", runNumber: 42, htmlUrl: "https://github.com/acme/demo/actions/runs/950", createdAt: "2026-01-02T00:00:00Z" },
      artifact: { id: 951, name: "profgate-results-history", sizeInBytes: 1, digest: null },
      match: "exact",
      distance: 0,
    });
    const dir = join(scratch, "artifacts", "history");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "history.json"), typeof document === "string" ? document : JSON.stringify(document));
    fake.runArtifacts.set(HISTORY_RUN, { id: 951, dir });
  }

  /** Main's history over `count` runs of the failing scenario's base. */
  function mainHistory(count: number): History {
    let history = emptyHistory();
    for (let i = 0; i < count; i++) history = appendRun(history, failingResults().base, { run: 800 + i, runner: `runner-${i % 2}`, commit: `${i}`.padStart(40, "a") });
    return history;
  }

  it("refuses a hostile history on a pull request with a warning and a note, and keeps the baseline artifact's verdicts", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    await seedShards(head);
    await seedHistory({ schema: "profgate/history", schema_version: 1, window: 1, functions: [], runs: [{ commit: "x" }, { commit: "y" }] });

    await runMode("merge", inputs("merge"), runner("pull_request"));

    expect(fake.warnings.some((w) => /refused the history of run 950: .*not a valid profgate history/.test(w))).toBe(true);
    const body = rendered(fake.comments[0]?.body);
    expect(body).toMatch(/The history of main in run 950 was refused \(runs\[0\]\.date: .*\)\. Judged against the baseline artifact alone\./);
    expect(body).not.toContain("Trend on main");
    expect(fake.failures).toEqual([`profgate: 1 benchmark regressed past the thresholds: ${SLOW_ID}`]);
    expect(fake.uploads.map((u) => u.name)).toEqual(["profgate-results"]);
  });

  it("when the history cannot be looked up, warns and still stores the results on a push", async () => {
    await seedShards(failingResults().head);
    fake.findErrors.set("profgate-results-history", new GitHubApiError("GitHub answered 502 to list the runs", 502, "list the runs"));

    await runMode("merge", inputs("merge"), runner("push"));

    expect(fake.warnings).toContain("profgate: could not look up the history of main (GitHub answered 502 to list the runs); it is not extended by this run");
    expect(fake.uploads.map((u) => u.name)).toEqual(["profgate-results"]);
    expect(fake.failures).toEqual([]);
  });

  it("on a push, starts a new history when the previous one is not JSON, saying so", async () => {
    await seedShards(failingResults().head);
    await seedHistory("{ not json");

    await runMode("merge", inputs("merge", { historyWindow: 50 }), runner("push"));

    expect(rendered(fake.summaries[0])).toMatch(/The history of main in run 950 was refused \(not valid JSON: .*\)\. A new history starts with this run\./);
    const upload = fake.uploads.find((u) => u.name === "profgate-results-history")!;
    const written = parseHistory(JSON.parse(await readFile(join(upload.root, "history.json"), "utf8")), "history.json");
    expect(written.window).toBe(50);
    expect(written.runs.map((r) => r.commit)).toEqual([HEAD]);
  });

  it("on a push, extends main's history; a pull request's comment shows the trend of its flagged benchmark", async () => {
    await seedShards(failingResults().head);
    await seedHistory(mainHistory(6));
    await runMode("merge", inputs("merge"), runner("push"));
    const upload = fake.uploads.find((u) => u.name === "profgate-results-history")!;
    const extended = parseHistory(JSON.parse(await readFile(join(upload.root, "history.json"), "utf8")), "history.json");
    expect(extended.runs).toHaveLength(7);
    expect(extended.runs[6]).toMatchObject({ commit: HEAD, run: RUN_ID, runner: "runner-merge" });
    expect(fake.summaries[0]).toContain("7 runs kept");

    fake = new RecordingServices();
    const { base, head } = failingResults();
    await seedBaseline(base);
    await seedShards(head);
    await seedHistory(mainHistory(6));
    await runMode("merge", inputs("merge"), runner("pull_request"));
    const body = rendered(fake.comments[0]?.body);
    expect(body).toMatch(new RegExp(`- \`${SLOW_ID}\` \`▁▁▁▁▁▁█\` judged against main since aaaaaaa, 6 runs on 2 runners: [\\d.]+ [µm]s ± 0\\.2% between runs; this head [\\d.]+ [µm]s \\(\\+[\\d.]+%\\)`));
    // The HTML report draws main's runs with the level and the head, for each compared benchmark main has a level for.
    const report = fake.uploads.find((u) => u.name === "profgate-results")!;
    const html = await readFile(join(report.root, "report.html"), "utf8");
    const trends = html.match(/<svg class="chart trend"[\s\S]*?<\/svg>/g) ?? [];
    expect(trends).toHaveLength(3);
    expect(trends[0]!.match(/<circle class="base"/g)).toHaveLength(6);
    expect(trends[0]).toMatch(/main(&#39;|&#x27;|')s level since aaaaaaa: /);
    expect(trends[0]).toContain("<title>this head: ");
  });

  it("on a pull request, judges the timing against main's level with the margin learned from its runs, not the slow baseline run", async () => {
    /** The three benchmarks with the slow one at `centre` seconds per iteration, five processes 1% apart. */
    const suite = (centre: number, commit?: string): Results =>
      results([bench(SLOW_ID, { times: spread(centre, 5, 0.01) }), bench(FAST_ID, { times: spread(0.02, 5, 0.01) }), bench(SAME_ID, { times: spread(0.005, 5, 0.01) })], { commit });
    let main = emptyHistory();
    for (let i = 0; i < 8; i++) main = appendRun(main, suite(0.01 * (1 + 0.004 * [0, 1, -1, 0.5][i % 4]!)), { run: 800 + i, runner: `runner-${i % 3}`, commit: `${i}`.padStart(40, "a") });
    // The baseline artifact was measured on a slow runner, 5% above main's level; the head is 8% above it.
    const judge = async (history: boolean): Promise<void> => {
      fake = new RecordingServices();
      await seedBaseline(suite(0.0105));
      await seedShards(suite(0.0108, HEAD));
      await seedHistory(main);
      await runMode("merge", inputs("merge", { history }), runner("pull_request"));
    };

    await judge(false);
    expect(fake.failures).toEqual([]);
    expect(fake.outputs.get("regressions")).toBe("0");

    await judge(true);
    expect(fake.failures).toEqual([`profgate: 1 benchmark regressed past the thresholds: ${SLOW_ID}`]);
    const body = rendered(fake.comments[0]?.body);
    expect(body).toMatch(new RegExp(`- \`${SLOW_ID}\` \`[▁▂▃▄▅▆▇█]{9}\` judged against main since aaaaaaa, 8 runs on 3 runners: `));
    expect(body).toMatch(/3 benchmarks' timings were judged against the baseline branch's runs since its last change point \(8 runs, every process of them as the base\), the lower bound above a margin learned from how those runs spread \([\d.]+%(–[\d.]+%)?\) instead\./);
  });

  describe("with change-point-issues", () => {
    /** A push whose head steps from main's six runs of the base: its peak memory is an exact change point at HEAD. */
    async function pushWithStep(given: Partial<ActionInputs>): Promise<void> {
      await seedShards(failingResults().head);
      await seedHistory(mainHistory(6));
      await runMode("merge", inputs("merge", given), runner("push"));
    }

    it("opens one issue for the change points a push revealed, after uploading the history, and outputs its URL", async () => {
      await pushWithStep({ changePointIssues: true });
      const names = fake.names();
      expect(names.filter((n) => n === "github.openIssue")).toHaveLength(1);
      expect(names.indexOf("github.openIssue")).toBeGreaterThan(names.indexOf("artifacts.upload"));
      const issue = fake.issues[0]!;
      expect(issue.title).toMatch(new RegExp(`^profgate: \\d+ change points? at ccccccc on main \\(`));
      expect(issue.body.startsWith(issue.marker)).toBe(true);
      expect(rendered(issue.body)).toContain(`#### ${SLOW_ID}: peak memory +`);
      expect(rendered(issue.body)).toContain("[This run](https://github.com/acme/demo/actions/runs/77) of main at");
      expect(Number(fake.outputs.get("change-points"))).toBeGreaterThan(0);
      expect(fake.outputs.get("change-point-issue")).toBe("https://github.com/o/r/issues/101");
      // The job summary's list of change points links the issue.
      expect(fake.summaries[0]).toContain("\n\nReported in [issue #101](https://github.com/o/r/issues/101).\n");
      expect(fake.info).toContain(`profgate: opened https://github.com/o/r/issues/101 for ${fake.outputs.get("change-points")} new change point${fake.outputs.get("change-points") === "1" ? "" : "s"}`);
      expect(fake.failures).toEqual([]);
    });

    it("is off by default: the same push opens no issue and outputs none", async () => {
      await pushWithStep({});
      expect(Number(fake.outputs.get("change-points"))).toBeGreaterThan(0);
      expect(fake.names()).not.toContain("github.openIssue");
      expect(fake.outputs.get("change-point-issue")).toBe("");
    });

    it("warns naming the permission when the token may not open issues, and the job still passes", async () => {
      fake.issueError = new PermissionError("could not open an issue: GitHub answered 403: Resource not accessible by integration (the token needs `issues: write`)", 403, "open an issue", "issues: write");
      await pushWithStep({ changePointIssues: true });
      expect(fake.warnings.filter((w) => w.includes("issue"))).toEqual([
        'profgate could not open an issue for the new change points (could not open an issue: GitHub answered 403: Resource not accessible by integration (the token needs `issues: write`)); they are in the job summary. Grant "issues: write" in the workflow\'s permissions, or set change-point-issues: false.',
      ]);
      expect(fake.outputs.get("change-point-issue")).toBe("");
      expect(fake.summaries[0]).not.toContain("Reported in");
      expect(fake.failures).toEqual([]);
      expect(fake.uploads.map((u) => u.name)).toEqual(["profgate-results-history", "profgate-results"]);
    });

    it("warns when the repository has its issues turned off, and the job still passes", async () => {
      fake.issueError = new GitHubApiError("could not open an issue: GitHub answered 410: Issues are disabled for this repo", 410, "open an issue");
      await pushWithStep({ changePointIssues: true });
      expect(fake.warnings.filter((w) => w.includes("issue"))).toEqual([
        "profgate could not open an issue for the new change points: issues are turned off in this repository (could not open an issue: GitHub answered 410: Issues are disabled for this repo); they are in the job summary.",
      ]);
      expect(fake.outputs.get("change-point-issue")).toBe("");
      expect(fake.failures).toEqual([]);
    });

    it("never opens one from a pull request, which reads the history and does not extend it", async () => {
      const { base, head } = failingResults();
      await seedBaseline(base);
      await seedShards(head);
      await seedHistory(mainHistory(6));
      await runMode("merge", inputs("merge", { changePointIssues: true }), runner("pull_request"));
      expect(fake.names()).not.toContain("github.openIssue");
      expect(fake.outputs.get("change-point-issue")).toBe("");
    });
  });
});

describe("the fresh-runner rerun", () => {
  /** Base and head where SLOW_ID is `factor` times slower on timing alone (calls and memory as on the base). */
  function timingOnly(factor: number): { base: Results; head: Results } {
    const sides = (f: number) => [
      bench(SLOW_ID, { times: spread(0.01 * f, 10), memory: memory(50_000) }),
      bench(FAST_ID, { times: spread(0.02, 10), memory: memory(200_000) }),
      bench(SAME_ID, { times: spread(0.005, 10), memory: memory(50_000) }),
    ];
    return { base: results(sides(1)), head: results(sides(factor), { commit: HEAD }) };
  }

  /** This run's artifact of the first job, as mode run uploaded it. */
  async function seedFirstJob(head: Results): Promise<void> {
    fake.thisRun.push({ id: 21, name: "profgate-results", sizeInBytes: 1, dir: await folder("first-job", { results: head }) });
  }

  it("mode merge with rerun: fresh defers a timing regression: it passes, names it in the output and the comment", async () => {
    const { base, head } = timingOnly(1.6);
    await seedBaseline(base);
    await seedShards(head);

    await runMode("merge", inputs("merge", { rerun: "fresh" }), runner("pull_request"));

    expect(fake.outputs.get("rerun-benchmarks")).toBe(JSON.stringify([SLOW_ID]));
    expect(fake.failures).toEqual([]);
    expect(fake.outputs.get("verdict")).toBe("pass");
    expect(fake.outputs.get("regressions")).toBe("0");
    const body = rendered(fake.comments[0]?.body);
    expect(body).toContain(`1 benchmark whose timing regressed waits for a rerun on a fresh runner (rerun: fresh): \`${SLOW_ID}\``);
    expect(body).toContain("timing waits for a rerun on a fresh runner");
    expect(body).not.toContain("not significant across the suite");
    expect(body).toContain("⏳ profgate: 1 of 3 benchmarks look slower and wait for a rerun on a fresh runner");
    // No annotation points at a culprit of a regression that may not stand.
    expect(fake.annotations).toEqual([]);
    const upload = fake.uploads.find((u) => u.name === "profgate-results")!;
    const comparison = JSON.parse(await readFile(join(upload.root, "comparison.json"), "utf8")) as { schema_version: number; benchmarks: { id: string; gating: boolean; rerun?: { state: string } }[] };
    expect(comparison.schema_version).toBe(2);
    expect(comparison.benchmarks.find((b) => b.id === SLOW_ID)).toMatchObject({ gating: false, rerun: { state: "pending" } });
  });

  it("the deferral still fails on what a rerun cannot change, and rerun off defers nothing", async () => {
    const { base, head } = failingResults();
    await seedBaseline(base);
    await seedShards(head);
    await runMode("merge", inputs("merge", { rerun: "fresh" }), runner("pull_request"));
    // The slow benchmark holds 2 MiB more at its peak: exact, so it fails here while its timing waits.
    expect(fake.outputs.get("rerun-benchmarks")).toBe(JSON.stringify([SLOW_ID]));
    expect(fake.failures).toEqual([`profgate: 1 benchmark regressed past the thresholds: ${SLOW_ID}`]);
    expect(rendered(fake.comments[0]?.body)).toContain("timing waits for a rerun on a fresh runner");

    fake = new RecordingServices();
    await seedBaseline(timingOnly(1.6).base);
    await seedShards(timingOnly(1.6).head);
    await runMode("merge", inputs("merge"), runner("pull_request"));
    expect(fake.outputs.has("rerun-benchmarks")).toBe(false);
    expect(fake.failures).toEqual([`profgate: 1 benchmark regressed past the thresholds: ${SLOW_ID}`]);
  });

  it("mode rerun: with no timing regression in the first job's results, measures nothing, uploads its own artifact and passes", async () => {
    const { base, head } = timingOnly(1);
    await seedBaseline(base);
    await seedFirstJob(head);

    await runMode("rerun", inputs("rerun"), runner("pull_request"));

    expect(fake.names()).toEqual([
      "artifacts.listThisRun",
      "artifacts.downloadFromThisRun",
      "github.findBaselineRun",
      "artifacts.downloadFromRun",
      "github.findBaselineRun",
      "artifacts.upload",
      "github.upsertStickyComment",
    ]);
    // The first job's artifact holds this run's name already: the rerun's is its own.
    expect(fake.uploads.map((u) => u.name)).toEqual(["profgate-results-rerun"]);
    expect(fake.outputs.get("rerun-benchmarks")).toBe("[]");
    expect(fake.comments[0]?.marker).toBe(reportMarker("profgate-results"));
    expect(rendered(fake.comments[0]?.body)).toContain("Rerun on a fresh runner: the first job found no timing regression, so nothing was measured again.");
    expect(fake.failures).toEqual([]);
  });

  it("mode rerun: refuses to start without the first job's artifact, naming the setup, and does nothing on a push", async () => {
    await seedBaseline(timingOnly(1).base);
    await expect(runMode("rerun", inputs("rerun"), runner("pull_request"))).rejects.toThrow(
      'mode "rerun": this run has no artifact "profgate-results"; run it in a job that needs: the job with mode "run" (or "merge") and rerun: fresh, with the same artifact-name',
    );

    fake = new RecordingServices();
    await runMode("rerun", inputs("rerun"), runner("push"));
    expect(fake.names()).toEqual([]);
    expect(fake.info).toContain('profgate: mode "rerun" measures again what a pull request\'s first job found slower; this is a push event: nothing to rerun');
  });
});
