import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubApi, GitHubApiError, PermissionError } from "../../src/adapters/github.js";
import { FakeGitHub, sha } from "../support/fake-github.js";

const MARKER = "<!-- profgate:change-points profgate-results 0123456789abcdef -->";
const ISSUES = /^\/repos\/[^/]+\/[^/]+\/issues$/;

let fake: FakeGitHub;

function api(): GitHubApi {
  return new GitHubApi({ token: fake.token, owner: fake.owner, repo: fake.repo, baseUrl: fake.url, retryBaseMs: 1, warn: () => undefined });
}

const issue = { title: "profgate: 1 change point at abc1234 on main (bench_x time +12.0%)", body: `${MARKER}\n### 1 new change point on main\n` };

beforeEach(async () => {
  fake = await FakeGitHub.start({ token: `s3cret-${Math.random().toString(36).slice(2)}` });
});

afterEach(async () => {
  expect(fake.unrouted()).toEqual([]);
  expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
  await fake.close();
});

describe("openIssue", () => {
  it("opens an issue when no open issue carries the marker, after looking among the newest open ones", async () => {
    fake.addIssue({ title: "a bug", body: "something is off" });
    const opened = await api().openIssue(MARKER, issue);
    expect(opened).toEqual({ number: 2, url: `https://github.com/${fake.fullName}/issues/2`, created: true });
    const listed = fake.requestsTo("GET", ISSUES);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.query).toMatchObject({ state: "open", sort: "created", direction: "desc", per_page: "100", page: "1" });
    const created = fake.requestsTo("POST", ISSUES);
    expect(created.map((r) => r.body)).toEqual([{ title: issue.title, body: issue.body }]);
    expect(fake.issues().at(-1)).toMatchObject({ title: issue.title, body: issue.body, user: fake.identity, state: "open" });
  });

  it("answers the open issue of its own that carries the marker, on a later page, instead of opening a second", async () => {
    const mine = fake.addIssue({ title: "earlier", body: `${MARKER}\nearlier run`, user: fake.identity });
    for (let i = 0; i < 150; i++) fake.addIssue({ title: `newer ${i}`, body: "unrelated" });
    const found = await api().openIssue(MARKER, issue);
    expect(found).toEqual({ number: mine.number, url: `https://github.com/${fake.fullName}/issues/${mine.number}`, created: false });
    expect(fake.requestsTo("GET", ISSUES).map((r) => r.query.page)).toEqual(["1", "2"]);
    expect(fake.requestsTo("POST", ISSUES)).toHaveLength(0);
    expect(fake.issues()).toHaveLength(151);
  });

  it("a rerun with the same marker opens nothing more; another marker opens its own issue", async () => {
    const first = await api().openIssue(MARKER, issue);
    const again = await api().openIssue(MARKER, { ...issue, title: "another title" });
    expect(again).toEqual({ ...first, created: false });
    const other = "<!-- profgate:change-points profgate-results fedcba9876543210 -->";
    const second = await api().openIssue(other, { title: "other", body: "no marker in the text" });
    expect(second.created).toBe(true);
    // The marker is put in front of a body that lacks it, so the next run finds this issue too.
    expect(fake.issues().map((i) => i.body)).toEqual([issue.body, `${other}\nno marker in the text`]);
  });

  it("does not count a person's issue or a pull request quoting the marker, nor a closed issue of its own", async () => {
    fake.addIssue({ title: "copied", body: `look: ${MARKER}` });
    fake.addIssue({ title: "closed", body: MARKER, user: fake.identity, state: "closed" });
    fake.addPullRequest({ number: 40, headSha: sha("pr"), headRef: "feature", baseSha: sha("base"), body: `quoting ${MARKER}` });
    fake.addIssue({ title: "another app", body: MARKER, user: { login: "other-app[bot]", type: "Bot" } });
    const opened = await api().openIssue(MARKER, issue);
    expect(opened).toMatchObject({ number: 42, created: true });
    expect(fake.requestsTo("POST", ISSUES)).toHaveLength(1);
  });

  it("shortens a title over GitHub's limit, and refuses a body GitHub would reject before sending anything", async () => {
    await api().openIssue(MARKER, { title: "t".repeat(300), body: issue.body });
    expect(fake.issues()[0]?.title).toBe(`${"t".repeat(255)}…`);
    fake.clearRequests();
    await expect(api().openIssue(MARKER, { title: "x", body: `${MARKER}\n${"x".repeat(65_536)}` })).rejects.toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });

  it("raises PermissionError naming issues: write when the token may not open issues, or not even list them", async () => {
    fake.readOnly = true;
    const refused = await api().openIssue(MARKER, issue).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermissionError);
    expect(refused).toMatchObject({ status: 403, permission: "issues: write" });
    expect((refused as Error).message).toMatch(/could not open an issue: GitHub answered 403: Resource not accessible by integration \(the token needs `issues: write`\)/);
    expect(fake.requestsTo("POST", ISSUES).map((r) => r.status)).toEqual([403]);
    expect(fake.issues()).toHaveLength(0);

    // A private repository answers 404 to a token without the issues permission.
    fake.readOnly = false;
    fake.failNext({ method: "GET", path: ISSUES, status: 404, body: { message: "Not Found" } });
    await expect(api().openIssue(MARKER, issue)).rejects.toMatchObject({ name: "PermissionError", status: 404, permission: "issues: write" });
  });

  it("reports issues turned off (410) as a GitHubApiError with its status, and retries a 5xx on creating", async () => {
    fake.failNext({ method: "POST", path: ISSUES, status: 410, body: { message: "Issues are disabled for this repo" } });
    const gone = await api().openIssue(MARKER, issue).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(GitHubApiError);
    expect(gone).not.toBeInstanceOf(PermissionError);
    expect(gone).toMatchObject({ status: 410, message: expect.stringContaining("Issues are disabled for this repo") as unknown });

    fake.failNext({ method: "POST", path: ISSUES, status: 502 });
    const opened = await api().openIssue(MARKER, issue);
    expect(opened.created).toBe(true);
    expect(fake.requestsTo("POST", ISSUES).map((r) => r.status)).toEqual([410, 502, 201]);
  });
});
