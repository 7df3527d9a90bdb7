/**
 * REST: a repository's issues, listed (pull requests among them, as GitHub lists them) and created, for the issue a
 * run of the default branch opens about its change points.
 */
import { page, validationFailed, type Context, type Reply, type Route } from "./http.js";
import type { FakeIssue, FakePullRequest, GitHubState } from "./state.js";

/** GitHub's cap on an issue body, in characters. */
const BODY_LIMIT = 65_536;
/** GitHub's cap on an issue title, in characters. */
const TITLE_LIMIT = 256;

/** Routes under the repository path. */
export function issueRoutes(state: GitHubState): Route[] {
  return [
    { method: "GET", pattern: /^\/issues$/, handler: (ctx) => listIssues(state, ctx) },
    { method: "POST", pattern: /^\/issues$/, handler: (ctx) => createIssue(state, ctx) },
  ];
}

/** An issue or a pull request as the issues listing shows it, with the date it is sorted by. */
interface Listed {
  createdAt: string;
  state: string;
  login: string;
  json: object;
}

function listIssues(state: GitHubState, ctx: Context): Reply {
  const wanted = ctx.query["state"] ?? "open";
  if (!["open", "closed", "all"].includes(wanted)) return validationFailed("Issue", "state", "invalid");
  if ((ctx.query["sort"] ?? "created") !== "created") return { status: 400, body: { message: "the fake GitHub sorts issues only by created" } };
  const creator = ctx.query["creator"];
  const listed: Listed[] = [
    ...state.issues.map((i) => ({ createdAt: i.createdAt, state: i.state, login: i.user.login, json: issueJson(state, i) })),
    ...[...state.pulls.values()].map((p) => ({ createdAt: p.updatedAt, state: p.state, login: p.forkOwner ?? state.owner, json: pullAsIssueJson(state, p) })),
  ];
  const ascending = ctx.query["direction"] === "asc";
  const found = listed
    .filter((l) => wanted === "all" || l.state === wanted)
    .filter((l) => creator === undefined || l.login.toLowerCase() === creator.toLowerCase())
    .sort((a, b) => (ascending ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt)));
  const { items, headers } = page(ctx, found);
  return { status: 200, body: items.map((l) => l.json), headers };
}

function createIssue(state: GitHubState, ctx: Context): Reply {
  const input = (ctx.body ?? {}) as { title?: unknown; body?: unknown };
  if (typeof input.title !== "string" || input.title.trim() === "") return validationFailed("Issue", "title", "missing_field");
  if (input.title.length > TITLE_LIMIT) return validationFailed("Issue", "title", "custom", `title is too long (maximum is ${TITLE_LIMIT} characters)`);
  if (input.body !== undefined && typeof input.body !== "string") return validationFailed("Issue", "body", "invalid");
  const body = input.body ?? "";
  if (body.length > BODY_LIMIT) return validationFailed("Issue", "body", "custom", `body is too long (maximum is ${BODY_LIMIT} characters)`);
  const issue = state.addIssue({ title: input.title, body, user: state.identity });
  return { status: 201, body: issueJson(state, issue) };
}

function issueJson(state: GitHubState, issue: FakeIssue): object {
  return {
    id: issue.number * 7 + 1_000_000,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    user: issue.user,
    labels: [],
    html_url: `https://github.com/${state.fullName}/issues/${issue.number}`,
    url: `${state.url}/repos/${state.fullName}/issues/${issue.number}`,
    created_at: issue.createdAt,
    updated_at: issue.createdAt,
  };
}

function pullAsIssueJson(state: GitHubState, pr: FakePullRequest): object {
  const author = pr.forkOwner ?? state.owner;
  return {
    id: pr.number * 7 + 2_000_000,
    number: pr.number,
    title: pr.title,
    body: pr.body,
    state: pr.state,
    user: { login: author, type: "User" },
    labels: [],
    html_url: `https://github.com/${state.fullName}/pull/${pr.number}`,
    url: `${state.url}/repos/${state.fullName}/issues/${pr.number}`,
    pull_request: { url: `${state.url}/repos/${state.fullName}/pulls/${pr.number}`, html_url: `https://github.com/${state.fullName}/pull/${pr.number}` },
    created_at: pr.updatedAt,
    updated_at: pr.updatedAt,
  };
}
