/**
 * The Actions results service's ArtifactService (Twirp, JSON) under ACTIONS_RESULTS_URL: what `@actions/artifact`
 * calls to create, finalize, list, sign and delete the artifacts of the run its runtime token names.
 */
import { randomBytes } from "node:crypto";
import { escapeRegExp, text, type Context, type Reply, type Route, type Service } from "./http.js";
import { digestOf, type FakeArtifact, type FakeRun, type GitHubState } from "./state.js";

const PREFIX = "/twirp/github.actions.results.api.v1.ArtifactService/";

/** The runtime token of a run: a JWT whose `scp` carries the run's and job's backend ids, as the runner's does. */
export function runtimeToken(run: FakeRun): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = {
    scp: `Actions.ExampleScope Actions.Results:${run.backendId}:${run.jobBackendId}`,
    iss: "fake-github",
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  return `${part({ typ: "JWT", alg: "HS256" })}.${part(claims)}.${randomBytes(16).toString("base64url")}`;
}

export function twirpService(state: GitHubState): Service {
  const route = (name: string, handler: (ctx: Context, run: FakeRun) => Reply): Route => ({
    method: "POST",
    pattern: new RegExp(`^${escapeRegExp(PREFIX + name)}$`),
    // authorize() has already refused a request that names no run.
    handler: (ctx) => handler(ctx, runOf(state, ctx) as FakeRun),
  });
  return {
    name: "twirp",
    owns: (path) => path.startsWith("/twirp/"),
    authorize: (ctx) => (runOf(state, ctx) === undefined ? twirpError(401, "unauthenticated", "invalid runtime token") : undefined),
    routes: [
      route("CreateArtifact", (ctx, run) => create(state, ctx, run)),
      route("FinalizeArtifact", (ctx, run) => finalize(state, ctx, run)),
      route("ListArtifacts", (ctx, run) => list(state, ctx, run)),
      route("GetSignedArtifactURL", (ctx, run) => {
        const artifact = byName(state, ctx, run);
        if (artifact?.finalized !== true || artifact.expired) return twirpError(404, "not_found", "artifact not found");
        return { status: 200, body: { signed_url: state.blobUrl(artifact) } };
      }),
      route("DeleteArtifact", (ctx, run) => {
        const artifact = byName(state, ctx, run);
        if (artifact?.finalized !== true) return twirpError(404, "not_found", "artifact not found");
        state.artifacts.delete(artifact.id);
        return { status: 200, body: { ok: true, artifact_id: String(artifact.id) } };
      }),
    ],
  };
}

/** The run a request acts for: named by its runtime token, and by the body when the body names one. */
function runOf(state: GitHubState, ctx: Context): FakeRun | undefined {
  const token = ctx.authorization.replace(/^Bearer /, "");
  let scope: string;
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { scp?: unknown };
    scope = typeof claims.scp === "string" ? claims.scp : "";
  } catch {
    return undefined;
  }
  const ids = scope.split(" ").find((s) => s.startsWith("Actions.Results:"))?.split(":");
  const run = [...state.runs.values()].find((r) => r.backendId === ids?.[1] && r.jobBackendId === ids[2]);
  const claimed = (ctx.body as { workflow_run_backend_id?: unknown } | null)?.workflow_run_backend_id;
  if (run === undefined || (claimed !== undefined && claimed !== run.backendId)) return undefined;
  return run;
}

function nameOf(ctx: Context): string {
  return text((ctx.body as { name?: unknown }).name) ?? "";
}

function byName(state: GitHubState, ctx: Context, run: FakeRun): FakeArtifact | undefined {
  const name = nameOf(ctx);
  return [...state.artifacts.values()].find((a) => a.runId === run.id && a.name === name);
}

function create(state: GitHubState, ctx: Context, run: FakeRun): Reply {
  const name = nameOf(ctx);
  if (name === "") return twirpError(400, "invalid_argument", "name is required");
  if (byName(state, ctx, run) !== undefined) return twirpError(409, "already_exists", "an artifact with this name already exists on the workflow run");
  return { status: 200, body: { ok: true, signed_upload_url: state.blobUrl(state.startArtifact(run.id, name)) } };
}

function finalize(state: GitHubState, ctx: Context, run: FakeRun): Reply {
  const artifact = byName(state, ctx, run);
  if (artifact === undefined || artifact.finalized) return twirpError(404, "not_found", "no artifact upload in progress with this name");
  if (artifact.zip === null) return twirpError(400, "failed_precondition", "the artifact's blob was never committed");
  const input = ctx.body as { size?: unknown; hash?: unknown };
  artifact.finalized = true;
  artifact.sizeInBytes = artifact.zip.length;
  artifact.digest = digestOf(artifact.zip);
  artifact.reported = { size: text(input.size) ?? "", hash: text(input.hash) ?? null };
  return { status: 200, body: { ok: true, artifact_id: String(artifact.id) } };
}

function list(state: GitHubState, ctx: Context, run: FakeRun): Reply {
  const input = ctx.body as { name_filter?: unknown; id_filter?: unknown };
  const found = state
    .artifactsOf(run.id)
    .filter((a) => !a.expired)
    .filter((a) => input.name_filter === undefined || a.name === input.name_filter)
    .filter((a) => input.id_filter === undefined || String(a.id) === text(input.id_filter));
  return {
    status: 200,
    body: {
      artifacts: found.map((a) => ({
        workflow_run_backend_id: run.backendId,
        workflow_job_run_backend_id: run.jobBackendId,
        database_id: String(a.id),
        name: a.name,
        size: String(a.sizeInBytes),
        created_at: a.createdAt,
        ...(a.digest === null ? {} : { digest: a.digest }),
      })),
    },
  };
}

function twirpError(status: number, code: string, msg: string): Reply {
  return { status, body: { code, msg } };
}
