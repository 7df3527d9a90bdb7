/** REST: the repository itself and its commits (one commit, and `git log` from a SHA or branch). */
import { page, type Context, type Reply, type Route } from "./http.js";
import type { FakeCommit, GitHubState } from "./state.js";

/** Routes under the repository path. */
export function commitRoutes(state: GitHubState): Route[] {
  return [
    { method: "GET", pattern: /^$/, handler: () => ({ status: 200, body: repositoryJson(state) }) },
    { method: "GET", pattern: /^\/commits$/, handler: (ctx) => listCommits(state, ctx) },
    {
      method: "GET",
      pattern: /^\/commits\/([^/]+)$/,
      handler: (ctx) => {
        const commit = state.resolveCommit(ctx.match[1] ?? "");
        return commit === undefined ? unknownCommit(ctx.match[1] ?? "") : { status: 200, body: commitJson(state, commit) };
      },
    },
  ];
}

function repositoryJson(state: GitHubState): object {
  return {
    id: 1,
    name: state.repo,
    full_name: state.fullName,
    owner: { login: state.owner, type: "Organization" },
    private: false,
    html_url: `https://github.com/${state.fullName}`,
    default_branch: state.defaultBranch,
  };
}

function unknownCommit(ref: string): Reply {
  return { status: 422, body: { message: `No commit found for SHA: ${ref}`, documentation_url: "https://docs.github.com/rest" } };
}

function commitJson(state: GitHubState, commit: FakeCommit): object {
  const person = { name: "Octo Cat", email: "octocat@example.com", date: commit.date };
  const api = `${state.url}/repos/${state.fullName}/commits`;
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha}`,
    commit: { message: commit.message, author: person, committer: person },
    url: `${api}/${commit.sha}`,
    html_url: `https://github.com/${state.fullName}/commit/${commit.sha}`,
    parents: commit.parents.map((p) => ({ sha: p, url: `${api}/${p}` })),
  };
}

/** `git log <sha>`: every commit reachable from it, newest first. */
function listCommits(state: GitHubState, ctx: Context): Reply {
  const from = ctx.query["sha"] ?? state.defaultBranch;
  const start = state.resolveCommit(from);
  if (start === undefined) return unknownCommit(from);
  const seen = new Map<string, FakeCommit>();
  const queue = [start];
  for (let commit = queue.shift(); commit !== undefined; commit = queue.shift()) {
    if (seen.has(commit.sha)) continue;
    seen.set(commit.sha, commit);
    for (const parent of commit.parents) {
      const next = state.commits.get(parent);
      if (next !== undefined) queue.push(next);
    }
  }
  const ordered = [...seen.values()].sort((a, b) => b.date.localeCompare(a.date));
  const { items, headers } = page(ctx, ordered);
  return { status: 200, body: items.map((c) => commitJson(state, c)), headers };
}
