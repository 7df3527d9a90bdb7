/** What the runner tells the Action about this run: environment variables and the event payload, read once. */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { PullRequestEvent, Runner, WorkflowRunEvent } from "./types.js";

/** A runner variable or event field is missing or malformed: the Action is not running where it can work. */
export class RunnerError extends Error {
  override name = "RunnerError";
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function integer(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

function pullRequestOf(payload: Json): PullRequestEvent | null {
  const pr = object(payload.pull_request);
  if (pr === null) return null;
  const base = object(pr.base);
  const head = object(pr.head);
  const number = integer(pr.number);
  const baseSha = text(base?.sha);
  const baseRef = text(base?.ref);
  const headSha = text(head?.sha);
  if (number === null || baseSha === null || baseRef === null || headSha === null) {
    throw new RunnerError("the pull_request event payload lacks number, base.sha, base.ref or head.sha");
  }
  return { number, baseSha, baseRef, headSha };
}

function workflowRunOf(payload: Json): WorkflowRunEvent | null {
  const run = object(payload.workflow_run);
  if (run === null) return null;
  const id = integer(run.id);
  const workflowId = integer(run.workflow_id);
  const headSha = text(run.head_sha);
  if (id === null || workflowId === null || headSha === null) {
    throw new RunnerError("the workflow_run event payload lacks id, workflow_id or head_sha");
  }
  return {
    id,
    workflowId,
    event: text(run.event) ?? "",
    headSha,
    headBranch: text(run.head_branch) ?? "",
    headOwner: text(object(object(run.head_repository)?.owner)?.login),
  };
}

/** Reads the run's context from `env` (process.env on a runner) and the event payload file it names. */
export function readRunner(env: Record<string, string | undefined>): Runner {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === "") throw new RunnerError(`${name} is not set: run profgate as a step of a GitHub Actions job (locally, use the profgate CLI)`);
    return value;
  };
  const [owner, repo] = need("GITHUB_REPOSITORY").split("/");
  if (owner === undefined || repo === undefined) throw new RunnerError(`GITHUB_REPOSITORY is ${JSON.stringify(env.GITHUB_REPOSITORY)}, expected owner/name`);
  let payload: Json = {};
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath !== undefined && eventPath !== "") {
    try {
      payload = object(JSON.parse(readFileSync(eventPath, "utf8"))) ?? {};
    } catch (error) {
      throw new RunnerError(`GITHUB_EVENT_PATH ${eventPath} could not be read as JSON: ${String(error)}`);
    }
  }
  const runId = Number(need("GITHUB_RUN_ID"));
  if (!Number.isSafeInteger(runId)) throw new RunnerError(`GITHUB_RUN_ID is ${JSON.stringify(env.GITHUB_RUN_ID)}, expected a number`);
  const serverUrl = (env.GITHUB_SERVER_URL ?? "https://github.com").replace(/\/+$/, "");
  // GITHUB_WORKFLOW_REF is "owner/repo/.github/workflows/profgate.yml@refs/heads/main".
  const workflowFile = /\/\.github\/workflows\/([^@/]+)@/.exec(env.GITHUB_WORKFLOW_REF ?? "")?.[1] ?? null;
  return {
    eventName: need("GITHUB_EVENT_NAME"),
    owner,
    repo,
    sha: need("GITHUB_SHA"),
    runId,
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    workflowFile,
    defaultBranch: text(object(payload.repository)?.default_branch),
    pullRequest: pullRequestOf(payload),
    workflowRun: workflowRunOf(payload),
    tempDir: env.RUNNER_TEMP ?? tmpdir(),
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}`,
    runnerName: text(env.RUNNER_NAME),
    ref: text(env.GITHUB_REF),
  };
}
