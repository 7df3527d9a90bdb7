/** REST: pull requests (listing, one PR, the PRs of a commit) and their conversation's comments. */
import { notFound, page, validationFailed, type Context, type Reply, type Route } from "./http.js";
import type { FakeComment, FakePullRequest, GitHubState } from "./state.js";

/** GitHub's cap on a comment body, in characters. */
const COMMENT_LIMIT = 65_536;

/** Routes under the repository path. */
export function pullRoutes(state: GitHubState): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/commits\/([^/]+)\/pulls$/,
      handler: (ctx) => {
        // GitHub's "PRs for a commit" misses fork PRs, whose commits are not in this repository: so does the fake.
        const found = [...state.pulls.values()].filter((p) => p.headSha === ctx.match[1] && p.forkOwner === null);
        const { items, headers } = page(ctx, found);
        return { status: 200, body: items.map((p) => pullJson(state, p)), headers };
      },
    },
    { method: "GET", pattern: /^\/pulls$/, handler: (ctx) => listPulls(state, ctx) },
    {
      method: "GET",
      pattern: /^\/pulls\/(\d+)$/,
      handler: (ctx) => {
        const pr = state.pulls.get(Number(ctx.match[1]));
        return pr === undefined ? notFound() : { status: 200, body: pullJson(state, pr) };
      },
    },
    {
      method: "GET",
      pattern: /^\/issues\/(\d+)\/comments$/,
      handler: (ctx) => {
        const issue = Number(ctx.match[1]);
        if (!state.pulls.has(issue)) return notFound();
        const { items, headers } = page(
          ctx,
          state.comments.filter((c) => c.issueNumber === issue),
        );
        return { status: 200, body: items.map((c) => commentJson(state, c)), headers };
      },
    },
    { method: "POST", pattern: /^\/issues\/(\d+)\/comments$/, handler: (ctx) => createComment(state, ctx) },
    { method: "PATCH", pattern: /^\/issues\/comments\/(\d+)$/, handler: (ctx) => updateComment(state, ctx) },
  ];
}

function listPulls(state: GitHubState, ctx: Context): Reply {
  const wanted = ctx.query["state"] ?? "open";
  const { head, base } = ctx.query;
  const found = [...state.pulls.values()]
    .filter((p) => wanted === "all" || p.state === wanted)
    .filter((p) => base === undefined || p.baseRef === base)
    .filter((p) => head === undefined || `${p.forkOwner ?? state.owner}:${p.headRef}` === head)
    .sort((a, b) => (ctx.query["sort"] === "updated" ? b.updatedAt.localeCompare(a.updatedAt) : b.number - a.number));
  const { items, headers } = page(ctx, found);
  return { status: 200, body: items.map((p) => pullJson(state, p)), headers };
}

function pullJson(state: GitHubState, pr: FakePullRequest): object {
  const headOwner = pr.forkOwner ?? state.owner;
  const repoJson = (owner: string, fork: boolean) => ({ full_name: `${owner}/${state.repo}`, name: state.repo, owner: { login: owner }, fork });
  return {
    number: pr.number,
    state: pr.state,
    title: pr.title,
    html_url: `https://github.com/${state.fullName}/pull/${pr.number}`,
    user: { login: headOwner, type: "User" },
    updated_at: pr.updatedAt,
    head: { ref: pr.headRef, sha: pr.headSha, label: `${headOwner}:${pr.headRef}`, repo: repoJson(headOwner, pr.forkOwner !== null) },
    base: { ref: pr.baseRef, sha: pr.baseSha, label: `${state.owner}:${pr.baseRef}`, repo: repoJson(state.owner, false) },
  };
}

function commentJson(state: GitHubState, comment: FakeComment): object {
  const api = `${state.url}/repos/${state.fullName}/issues`;
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    body: comment.body,
    user: comment.user,
    html_url: `https://github.com/${state.fullName}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    url: `${api}/comments/${comment.id}`,
    issue_url: `${api}/${comment.issueNumber}`,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
  };
}

function commentBody(ctx: Context): string | Reply {
  const body = (ctx.body as { body?: unknown } | null)?.body;
  if (typeof body !== "string" || body === "") return validationFailed("IssueComment", "body", "missing_field");
  if (body.length > COMMENT_LIMIT) return validationFailed("IssueComment", "body", "custom", `body is too long (maximum is ${COMMENT_LIMIT} characters)`);
  return body;
}

function createComment(state: GitHubState, ctx: Context): Reply {
  const issue = Number(ctx.match[1]);
  if (!state.pulls.has(issue)) return notFound();
  const body = commentBody(ctx);
  if (typeof body !== "string") return body;
  const comment = state.addComment(issue, body, state.identity);
  return { status: 201, body: commentJson(state, comment) };
}

function updateComment(state: GitHubState, ctx: Context): Reply {
  const comment = state.comments.find((c) => c.id === Number(ctx.match[1]));
  if (comment === undefined) return notFound();
  const body = commentBody(ctx);
  if (typeof body !== "string") return body;
  comment.body = body;
  comment.updatedAt = state.tick();
  return { status: 200, body: commentJson(state, comment) };
}
