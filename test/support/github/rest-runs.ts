/** REST: workflow runs and their artifacts (listing, one artifact, its zip as a redirect to the blob store). */
import { notFound, page, type Context, type Reply, type Route } from "./http.js";
import type { FakeArtifact, FakeRun, GitHubState, WorkflowSeed } from "./state.js";

const RUN_STATUSES = new Set(["completed", "in_progress", "queued", "requested", "waiting", "pending"]);

/** Routes under the repository path. */
export function runRoutes(state: GitHubState): Route[] {
  return [
    { method: "GET", pattern: /^\/actions\/workflows\/([^/]+)\/runs$/, handler: (ctx) => listRuns(state, ctx, workflowByParam(state, ctx.match[1] ?? "")) },
    { method: "GET", pattern: /^\/actions\/runs$/, handler: (ctx) => listRuns(state, ctx, null) },
    {
      method: "GET",
      pattern: /^\/actions\/runs\/(\d+)$/,
      handler: (ctx) => {
        const run = state.runs.get(Number(ctx.match[1]));
        return run === undefined ? notFound() : { status: 200, body: runJson(state, run) };
      },
    },
    { method: "GET", pattern: /^\/actions\/runs\/(\d+)\/artifacts$/, handler: (ctx) => listRunArtifacts(state, ctx) },
    {
      method: "GET",
      pattern: /^\/actions\/artifacts\/(\d+)$/,
      handler: (ctx) => {
        const artifact = state.artifacts.get(Number(ctx.match[1]));
        return artifact?.finalized === true ? { status: 200, body: artifactJson(state, artifact) } : notFound();
      },
    },
    {
      method: "GET",
      pattern: /^\/actions\/artifacts\/(\d+)\/zip$/,
      handler: (ctx) => {
        const artifact = state.artifacts.get(Number(ctx.match[1]));
        if (artifact?.finalized !== true) return notFound();
        if (artifact.expired) return { status: 410, body: { message: "Artifact has expired" } };
        return { status: 302, headers: { location: state.blobUrl(artifact) } };
      },
    },
  ];
}

function workflowByParam(state: GitHubState, param: string): Required<WorkflowSeed> | undefined {
  const decoded = decodeURIComponent(param);
  return [...state.workflows.values()].find((w) => String(w.id) === decoded || w.path.endsWith(`/${decoded}`));
}

function listRuns(state: GitHubState, ctx: Context, workflow: Required<WorkflowSeed> | undefined | null): Reply {
  if (workflow === undefined) return notFound();
  const { branch, status, head_sha: headSha, event } = ctx.query;
  const runs = [...state.runs.values()]
    .filter((run) => workflow === null || run.workflowId === workflow.id)
    .filter((run) => branch === undefined || run.headBranch === branch)
    .filter((run) => headSha === undefined || run.headSha === headSha)
    .filter((run) => event === undefined || run.event === event)
    .filter((run) => status === undefined || (RUN_STATUSES.has(status) ? run.status === status : run.conclusion === status))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  const { items, headers } = page(ctx, runs);
  return { status: 200, body: { total_count: runs.length, workflow_runs: items.map((run) => runJson(state, run)) }, headers };
}

function runJson(state: GitHubState, run: FakeRun): object {
  const { fullName, url } = state;
  const workflow = state.workflows.get(run.workflowId);
  const [headOwner = state.owner, headName = state.repo] = run.headRepository.split("/");
  return {
    id: run.id,
    name: workflow?.name ?? "profgate",
    node_id: `WFR_${run.id}`,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: workflow?.path ?? "",
    run_number: run.runNumber,
    run_attempt: 1,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url: `${url}/repos/${fullName}/actions/runs/${run.id}`,
    html_url: `https://github.com/${fullName}/actions/runs/${run.id}`,
    created_at: run.createdAt,
    updated_at: run.createdAt,
    run_started_at: run.createdAt,
    pull_requests: run.pullRequests.flatMap((n) => {
      const pr = state.pulls.get(n);
      return pr === undefined ? [] : [{ number: pr.number, head: { ref: pr.headRef, sha: pr.headSha }, base: { ref: pr.baseRef, sha: pr.baseSha } }];
    }),
    head_commit: { id: run.headSha, message: state.commits.get(run.headSha)?.message ?? "" },
    repository: { id: 1, full_name: fullName, name: state.repo, owner: { login: state.owner } },
    head_repository: { id: run.headRepository === fullName ? 1 : 2, full_name: run.headRepository, name: headName, owner: { login: headOwner } },
  };
}

function listRunArtifacts(state: GitHubState, ctx: Context): Reply {
  const runId = Number(ctx.match[1]);
  if (!state.runs.has(runId)) return notFound();
  const name = ctx.query["name"];
  const found = state
    .artifactsOf(runId)
    .filter((a) => name === undefined || a.name === name)
    .sort((a, b) => b.id - a.id);
  const { items, headers } = page(ctx, found);
  return { status: 200, body: { total_count: found.length, artifacts: items.map((a) => artifactJson(state, a)) }, headers };
}

function artifactJson(state: GitHubState, artifact: FakeArtifact): object {
  const run = state.requireRun(artifact.runId);
  const base = `${state.url}/repos/${state.fullName}/actions/artifacts/${artifact.id}`;
  return {
    id: artifact.id,
    node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
    name: artifact.name,
    size_in_bytes: artifact.sizeInBytes,
    url: base,
    archive_download_url: `${base}/zip`,
    expired: artifact.expired,
    digest: artifact.digest,
    created_at: artifact.createdAt,
    updated_at: artifact.createdAt,
    expires_at: artifact.expired ? artifact.createdAt : "2099-01-01T00:00:00Z",
    workflow_run: { id: run.id, repository_id: 1, head_repository_id: 1, head_branch: run.headBranch, head_sha: run.headSha },
  };
}
