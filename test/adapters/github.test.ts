import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubApi, GitHubApiError, PermissionError, RateLimitError } from "../../src/adapters/github.js";
import { FakeGitHub, sha } from "../support/fake-github.js";

const MARKER = "<!-- profgate-comment -->";
const ARTIFACT = "profgate-results";

let fake: FakeGitHub;
let warnings: string[];

function api(options: { retries?: number } = {}): GitHubApi {
  return new GitHubApi({ token: fake.token, owner: fake.owner, repo: fake.repo, baseUrl: fake.url, retryBaseMs: 1, warn: (m) => warnings.push(m), ...options });
}

/** c1 … c<count> on main, oldest first. */
function history(count: number): string[] {
  const shas = Array.from({ length: count }, (_, i) => sha(`c${i + 1}`));
  fake.addLinearHistory(shas);
  return shas;
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

beforeEach(async () => {
  // A token of no recognisable shape: scrubbing must know the token, not guess at GitHub's formats.
  fake = await FakeGitHub.start({ defaultBranch: "trunk", token: `s3cret-${Math.random().toString(36).slice(2)}` });
  warnings = [];
});

afterEach(async () => {
  expect(fake.unrouted()).toEqual([]);
  // The fake keeps headers minus Authorization; nothing else a client sent may carry the token either.
  expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
  await fake.close();
});

describe("defaultBranch", () => {
  it("reads the repository's default branch", async () => {
    expect(await api().defaultBranch()).toBe("trunk");
    expect(at(fake.requests, 0)).toMatchObject({ method: "GET", path: `/repos/${fake.fullName}`, auth: "token" });
  });
});

describe("findBaselineRun", () => {
  const query = (baseSha: string, maxAncestors?: number) => ({
    workflow: "profgate.yml",
    branch: "trunk",
    baseSha,
    artifactName: ARTIFACT,
    ...(maxAncestors === undefined ? {} : { maxAncestors }),
  });

  it("takes the run of the base commit itself when it has the artifact", async () => {
    const shas = history(5);
    fake.addArtifact(fake.addRun({ headSha: at(shas, 2), headBranch: "trunk" }).id, { name: ARTIFACT, files: { "results.json": "{}" } });
    const exact = fake.addRun({ headSha: at(shas, 4), headBranch: "trunk" });
    const artifact = fake.addArtifact(exact.id, { name: ARTIFACT, files: { "results.json": "{}" } });

    const found = await api().findBaselineRun(query(at(shas, 4)));

    expect(found).toMatchObject({ match: "exact", distance: 0, run: { id: exact.id, headSha: at(shas, 4), event: "push" } });
    expect(found?.artifact).toEqual({ id: artifact.id, name: ARTIFACT, sizeInBytes: artifact.sizeInBytes, digest: artifact.digest });
    expect(found?.run.htmlUrl).toBe(`https://github.com/${fake.fullName}/actions/runs/${exact.id}`);
  });

  it("walks first parents to the nearest run that has the artifact, skipping runs that do not count", async () => {
    const shas = history(6);
    const base = at(shas, 5);
    fake.addArtifact(fake.addRun({ headSha: at(shas, 1), headBranch: "trunk" }).id, { name: ARTIFACT, files: { "results.json": "old" } });
    const ancestor = fake.addRun({ headSha: at(shas, 2), headBranch: "trunk" });
    fake.addArtifact(ancestor.id, { name: ARTIFACT, files: { "results.json": "{}" } });
    // Closer ancestors whose runs must not count: failed, a pull request's, another artifact, expired.
    fake.addArtifact(fake.addRun({ headSha: at(shas, 4), headBranch: "trunk", conclusion: "failure" }).id, { name: ARTIFACT, files: { x: "1" } });
    fake.addArtifact(fake.addRun({ headSha: at(shas, 4), headBranch: "trunk", event: "pull_request" }).id, { name: ARTIFACT, files: { x: "1" } });
    fake.addArtifact(fake.addRun({ headSha: at(shas, 3), headBranch: "trunk" }).id, { name: "something-else", files: { x: "1" } });
    fake.addArtifact(fake.addRun({ headSha: at(shas, 3), headBranch: "trunk" }).id, { name: ARTIFACT, files: { x: "1" }, expired: true });

    const found = await api().findBaselineRun(query(base));

    expect(found).toMatchObject({ match: "ancestor", distance: 3, run: { id: ancestor.id, headSha: at(shas, 2) } });
    // One commit listing covers the walk: no commit is fetched on its own.
    expect(fake.requestsTo("GET", /\/commits\/[0-9a-f]{40}$/)).toHaveLength(0);
  });

  it("never takes a fork's run, even for an event the caller allows", async () => {
    const shas = history(2);
    // A fork's PR from a branch it named like ours is listed under our branch name.
    const forkRun = fake.addRun({ headSha: at(shas, 1), headBranch: "trunk", event: "pull_request", headRepository: "mallory/octo-repo" });
    fake.addArtifact(forkRun.id, { name: ARTIFACT, files: { x: "1" } });
    const ours = fake.addRun({ headSha: at(shas, 0), headBranch: "trunk", event: "pull_request" });
    fake.addArtifact(ours.id, { name: ARTIFACT, files: { x: "1" } });

    const found = await api().findBaselineRun({ ...query(at(shas, 1)), events: ["push", "pull_request"] });

    expect(found).toMatchObject({ match: "ancestor", distance: 1, run: { id: ours.id } });
  });

  it("follows first parents only, fetching a parent the commit listing did not include", async () => {
    const shas = history(3);
    // A merge whose side branch is newer than c3: `git log` lists the side commits first and crowds c1 and c2 out.
    const side1 = sha("side1");
    const side2 = sha("side2");
    fake.addCommit({ sha: side1, parents: [at(shas, 0)] });
    fake.addCommit({ sha: side2, parents: [side1] });
    const merge = sha("merge");
    fake.addCommit({ sha: merge, parents: [at(shas, 2), side2], branch: "trunk" });
    fake.addArtifact(fake.addRun({ headSha: side2, headBranch: "trunk" }).id, { name: ARTIFACT, files: { x: "1" } });
    const onFirst = fake.addRun({ headSha: at(shas, 0), headBranch: "trunk" });
    fake.addArtifact(onFirst.id, { name: ARTIFACT, files: { x: "1" } });

    const found = await api().findBaselineRun(query(merge, 3));

    expect(found).toMatchObject({ match: "ancestor", distance: 3, run: { id: onFirst.id } });
    expect(fake.requestsTo("GET", /\/commits\/[0-9a-f]{40}$/).map((r) => r.path.split("/").at(-1))).toEqual([at(shas, 1)]);
  });

  it("falls back to the newest run on the branch with a live artifact, skipping an expired one", async () => {
    const shas = history(30);
    const older = fake.addRun({ headSha: at(shas, 1), headBranch: "trunk" });
    fake.addArtifact(older.id, { name: ARTIFACT, files: { x: "1" } });
    fake.addArtifact(fake.addRun({ headSha: at(shas, 2), headBranch: "trunk" }).id, { name: ARTIFACT, files: { x: "1" }, expired: true });
    fake.addArtifact(fake.addRun({ headSha: sha("elsewhere"), headBranch: "feature" }).id, { name: ARTIFACT, files: { x: "1" } });

    // The base is 28 commits past the runs: beyond a walk of 20.
    const found = await api().findBaselineRun(query(at(shas, 29)));

    expect(found).toMatchObject({ match: "latest", distance: null, run: { id: older.id } });
  });

  it("answers null when no run on the branch has the artifact, and for an unknown base commit", async () => {
    const shas = history(3);
    fake.addRun({ headSha: at(shas, 0), headBranch: "trunk" });
    expect(await api().findBaselineRun(query(at(shas, 2)))).toBeNull();
    expect(await api().findBaselineRun(query(sha("force-pushed-away")))).toBeNull();
  });

  it("says which workflow is unknown", async () => {
    await expect(api().findBaselineRun({ ...query(sha("x")), workflow: "nope.yml" })).rejects.toThrow(/list workflow runs: GitHub answered 404/);
  });
});

describe("findPullRequest", () => {
  it("finds a PR of this repository through the commit", async () => {
    fake.addPullRequest({ number: 3, headSha: sha("other"), headRef: "other", baseSha: sha("base") });
    fake.addPullRequest({ number: 4, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    expect(await api().findPullRequest(sha("head"))).toEqual({
      number: 4,
      htmlUrl: `https://github.com/${fake.fullName}/pull/4`,
      headSha: sha("head"),
      headRef: "feature",
      headRepository: fake.fullName,
      baseRef: "trunk",
      baseSha: sha("base"),
    });
  });

  it("finds a fork's PR by its head owner and branch, which the commit lookup misses", async () => {
    fake.addPullRequest({ number: 9, headSha: sha("fork-head"), headRef: "main", forkOwner: "mallory", baseSha: sha("base") });
    const found = await api().findPullRequest(sha("fork-head"), { owner: "mallory", branch: "main" });
    expect(found).toMatchObject({ number: 9, headRepository: "mallory/octo-repo" });
    expect(fake.requestsTo("GET", `/repos/${fake.fullName}/pulls`).map((r) => r.query["head"])).toEqual(["mallory:main"]);
  });

  it("scans open PRs when the head is not known, and answers null when no open PR has the commit", async () => {
    fake.addPullRequest({ number: 9, headSha: sha("fork-head"), headRef: "patch-1", forkOwner: "mallory", baseSha: sha("base") });
    fake.addPullRequest({ number: 10, headSha: sha("closed"), headRef: "old", baseSha: sha("base"), state: "closed" });
    expect(await api().findPullRequest(sha("fork-head"))).toMatchObject({ number: 9 });
    expect(await api().findPullRequest(sha("closed"))).toBeNull();
  });
});

describe("upsertStickyComment", () => {
  it("updates the marked comment on the last of three pages instead of adding one", async () => {
    fake.addPullRequest({ number: 7, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    for (let i = 0; i < 249; i++) fake.addComment(7, `chatter ${i}`);
    const sticky = fake.addComment(7, `${MARKER}\nold report`, { login: "github-actions[bot]", type: "Bot" });

    const result = await api().upsertStickyComment(7, MARKER, `${MARKER}\nnew report`);

    expect(result).toEqual({ id: sticky.id, url: `https://github.com/${fake.fullName}/pull/7#issuecomment-${sticky.id}`, created: false });
    expect(fake.comments(7)).toHaveLength(250);
    expect(fake.comments(7).at(-1)?.body).toBe(`${MARKER}\nnew report`);
    const pages = fake.requestsTo("GET", `/repos/${fake.fullName}/issues/7/comments`).map((r) => r.query["page"] ?? "1");
    expect(pages).toEqual(["1", "2", "3"]);
    expect(fake.requestsTo("POST", /comments$/)).toHaveLength(0);
    expect(fake.requestsTo("PATCH", `/repos/${fake.fullName}/issues/comments/${sticky.id}`)).toHaveLength(1);
  });

  it("creates the comment when none carries the marker, then updates that one", async () => {
    fake.addPullRequest({ number: 8, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    fake.addComment(8, "looks good");

    const first = await api().upsertStickyComment(8, MARKER, "report without the marker");
    const second = await api().upsertStickyComment(8, MARKER, "second report");

    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(fake.comments(8).map((c) => c.body)).toEqual(["looks good", `${MARKER}\nsecond report`]);
  });

  it("prefers the bot's comment over a human's that quotes the marker", async () => {
    fake.addPullRequest({ number: 5, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    const quoted = fake.addComment(5, `why does ${MARKER} show up?`);
    const ours = fake.addComment(5, `${MARKER}\nreport`, { login: "github-actions[bot]", type: "Bot" });

    expect((await api().upsertStickyComment(5, MARKER, `${MARKER}\nupdated`)).id).toBe(ours.id);
    expect(fake.comments(5).find((c) => c.id === quoted.id)?.body).toBe(`why does ${MARKER} show up?`);
  });

  it("updates only the token's own comment: another bot's or a person's copy of the marker is left alone", async () => {
    fake.addPullRequest({ number: 4, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    const otherBot = fake.addComment(4, `${MARKER}\nstale copy`, { login: "renovate[bot]", type: "Bot" });
    const person = fake.addComment(4, `${MARKER}\nquoted`, { login: "octocat", type: "User" });
    const client = api();

    const first = await client.upsertStickyComment(4, MARKER, `${MARKER}\nreport`);
    const second = await client.upsertStickyComment(4, MARKER, `${MARKER}\nsecond report`);

    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(fake.comments(4).find((c) => c.id === first.id)).toMatchObject({ body: `${MARKER}\nsecond report`, user: { login: "github-actions[bot]" } });
    expect(fake.comments(4).find((c) => c.id === otherBot.id)?.body).toBe(`${MARKER}\nstale copy`);
    expect(fake.comments(4).find((c) => c.id === person.id)?.body).toBe(`${MARKER}\nquoted`);
    // Who the token is was asked once, through GraphQL's viewer (REST GET /user refuses an installation token).
    expect(fake.requestsTo("POST", "/graphql")).toHaveLength(1);
  });

  it("with a personal access token, updates the comment that person wrote, not the workflow bot's", async () => {
    await fake.close();
    fake = await FakeGitHub.start({ token: `pat-${Math.random().toString(36).slice(2)}`, identity: { login: "Release-Person", type: "User" } });
    fake.addPullRequest({ number: 3, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    const bots = fake.addComment(3, `${MARKER}\nfrom the workflow token`, { login: "github-actions[bot]", type: "Bot" });
    const mine = fake.addComment(3, `${MARKER}\nold`, { login: "release-person", type: "User" });

    expect((await api().upsertStickyComment(3, MARKER, `${MARKER}\nnew`)).id).toBe(mine.id);
    expect(fake.comments(3).find((c) => c.id === mine.id)?.body).toBe(`${MARKER}\nnew`);
    expect(fake.comments(3).find((c) => c.id === bots.id)?.body).toBe(`${MARKER}\nfrom the workflow token`);
  });

  it("raises PermissionError naming the permission when the token is read-only", async () => {
    fake.addPullRequest({ number: 6, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    fake.readOnly = true;

    const error = await api().upsertStickyComment(6, MARKER, "report").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ status: 403, permission: "pull-requests: write", operation: "create the PR comment" });
    expect(String(error)).toMatch(/Resource not accessible by integration/);
    // A refusal is not retried.
    expect(fake.requestsTo("POST", /comments$/)).toHaveLength(1);
  });

  it("refuses a body GitHub would reject for length", async () => {
    await expect(api().upsertStickyComment(1, MARKER, "x".repeat(70_000))).rejects.toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("setStatus", () => {
  it("creates a commit status, shortening a long description", async () => {
    const head = sha("head");
    await api().setStatus(head, { state: "failure", description: `2 regressions: ${"slow ".repeat(40)}`, targetUrl: "https://example.test/run", context: "profgate" });

    const [status] = fake.statuses(head);
    expect(status).toMatchObject({ state: "failure", targetUrl: "https://example.test/run", context: "profgate" });
    expect(status?.description).toHaveLength(140);
    expect(status?.description?.endsWith("…")).toBe(true);
  });
});

describe("failures", () => {
  it("retries a 5xx and then succeeds", async () => {
    fake.failNext({ method: "GET", path: `/repos/${fake.fullName}`, status: 500, times: 2 });
    expect(await api().defaultBranch()).toBe("trunk");
    expect(fake.requestsTo("GET", `/repos/${fake.fullName}`).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("gives up after the configured retries with a typed error", async () => {
    fake.failNext({ method: "GET", path: `/repos/${fake.fullName}`, status: 502, times: 10 });
    const error = await api({ retries: 2 }).defaultBranch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: 502, operation: "read the repository" });
    expect(fake.requestsTo("GET", `/repos/${fake.fullName}`)).toHaveLength(3);
  });

  it("waits out a primary rate limit and retries, with a warning", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    fake.failNext({
      path: `/repos/${fake.fullName}`,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
      body: { message: "API rate limit exceeded for installation ID 1." },
    });
    expect(await api().defaultBranch()).toBe("trunk");
    expect(fake.requestsTo("GET", `/repos/${fake.fullName}`)).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/primary rate limit on GET .*: retrying in \ds/)]);
  });

  it("does not stall the job on a rate limit that resets in an hour", async () => {
    fake.failNext({
      path: `/repos/${fake.fullName}`,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) },
      body: { message: "API rate limit exceeded for installation ID 1." },
    });
    const error = await api().defaultBranch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).not.toBeInstanceOf(PermissionError);
    expect(warnings).toEqual([expect.stringMatching(/giving up/)]);
  });

  it("keeps the token out of every error, even when the server echoes it", async () => {
    fake.addPullRequest({ number: 2, headSha: sha("head"), headRef: "feature", baseSha: sha("base") });
    fake.failNext({ path: `/repos/${fake.fullName}`, status: 400, echoAuthorization: true });
    fake.failNext({ path: `/repos/${fake.fullName}/issues/2/comments`, method: "POST", status: 403, echoAuthorization: true });

    const errors = [
      await api().defaultBranch().catch((e: unknown) => e),
      await api().upsertStickyComment(2, MARKER, "report").catch((e: unknown) => e),
    ];

    expect(errors[0]).toBeInstanceOf(GitHubApiError);
    expect(errors[1]).toBeInstanceOf(PermissionError);
    for (const error of errors) {
      expect(String(error)).toMatch(/request had Authorization: token \*\*\*/);
      for (const rendering of [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { depth: 10 })]) {
        expect(rendering).not.toContain(fake.token);
      }
    }
  });

  it("reports a server that is not there as an error without a status", async () => {
    const port = new URL(fake.url).port;
    await fake.close();
    const gone = new GitHubApi({ token: fake.token, owner: fake.owner, repo: fake.repo, baseUrl: `http://127.0.0.1:${port}`, retryBaseMs: 1, retries: 0 });
    const error = await gone.defaultBranch().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "GitHubApiError", status: null });
    fake = await FakeGitHub.start();
  });
});
