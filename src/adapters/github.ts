/**
 * GitHub's REST API as profgate uses it: the default branch, the baseline run of a workflow, the pull request of a
 * commit, the sticky PR comment and commit statuses. Octokit with the retry and throttling plugins; every failure
 * leaves as a `GitHubApiError` whose message never holds the token.
 */
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { VERSION } from "../version.js";
import { COMMENT_LIMIT, ISSUE_BODY_LIMIT, ISSUE_TITLE_LIMIT, STATUS_DESCRIPTION_LIMIT } from "./github-limits.js";

/** How many first parents of the base commit the baseline search looks at. */
export const DEFAULT_MAX_ANCESTORS = 20;
/** Events whose runs may serve as a baseline: never a pull request's, whose head a fork controls. */
export const DEFAULT_BASELINE_EVENTS: readonly string[] = ["push", "schedule", "workflow_dispatch"];

/** Recent successful runs read per baseline search (pages of 100). */
const RUN_PAGES = 2;
/** Newest runs checked for an artifact when falling back to "latest". */
const LATEST_CANDIDATES = 10;
/** Rate-limit waits longer than this fail the call instead of stalling the job. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;
/** Pages of open issues, newest first, searched for one that already carries an issue's marker. */
const ISSUE_PAGES = 3;
/** Retries after a rate limit before giving up. */
const RATE_LIMIT_RETRIES = 2;

/** A GitHub API call failed. The message names the operation and GitHub's answer, with the token scrubbed out. */
export class GitHubApiError extends Error {
  override name = "GitHubApiError";
  constructor(
    message: string,
    /** HTTP status, or null when no response came back. */
    readonly status: number | null,
    readonly operation: string,
  ) {
    super(message);
  }
}

/** The token may not do this (401/403, or 404 on a write): the caller can degrade, e.g. to the job summary. */
export class PermissionError extends GitHubApiError {
  override name = "PermissionError";
  constructor(
    message: string,
    status: number,
    operation: string,
    /** The workflow permission that would allow it, e.g. `pull-requests: write`. */
    readonly permission: string,
  ) {
    super(message, status, operation);
  }
}

/** GitHub's rate limit held beyond what the throttling plugin was willing to wait. */
export class RateLimitError extends GitHubApiError {
  override name = "RateLimitError";
}

export interface GitHubApiOptions {
  token: string;
  owner: string;
  repo: string;
  /** REST root, e.g. `process.env.GITHUB_API_URL ?? "https://api.github.com"`; explicit so no import order matters. */
  baseUrl: string;
  /** Milliseconds per unit of the plugins' backoff (1000 = GitHub's advice in seconds); tests pass 1. */
  retryBaseMs?: number;
  /** Retries of a request that failed with a 5xx or 429. */
  retries?: number;
  /** Where rate-limit notices go; defaults to a workflow warning. */
  warn?: (message: string) => void;
}

export interface WorkflowRun {
  id: number;
  headSha: string;
  headBranch: string;
  event: string;
  runNumber: number;
  htmlUrl: string;
  createdAt: string;
}

export interface RunArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  /** `sha256:…` when GitHub knows it. */
  digest: string | null;
}

export type BaselineMatch = "exact" | "ancestor" | "latest";

export interface Baseline {
  run: WorkflowRun;
  artifact: RunArtifact;
  /** exact: a run of the base commit; ancestor: of a first parent `distance` commits back; latest: newest on the branch. */
  match: BaselineMatch;
  /** First-parent steps from the base commit; 0 for exact, null for latest (not known to be an ancestor). */
  distance: number | null;
}

export interface BaselineQuery {
  /** Workflow id or file name (`profgate.yml`) of the workflow that uploads baselines. */
  workflow: number | string;
  branch: string;
  baseSha: string;
  artifactName: string;
  maxAncestors?: number;
  events?: readonly string[];
}

export interface PullRequest {
  number: number;
  htmlUrl: string;
  headSha: string;
  headRef: string;
  /** `owner/name` of the head repository (a fork's for fork PRs), null if it was deleted. */
  headRepository: string | null;
  baseRef: string;
  baseSha: string;
}

export interface StickyComment {
  id: number;
  url: string;
  created: boolean;
}

export interface OpenedIssue {
  number: number;
  url: string;
  /** False when an open issue of this token's already carried the marker, and nothing was created. */
  created: boolean;
}

export type CommitState = "error" | "failure" | "pending" | "success";

export interface CommitStatus {
  state: CommitState;
  description: string;
  targetUrl: string | null;
  context: string;
}

type Octokit = ReturnType<typeof getOctokit>;
type RawRun = Awaited<ReturnType<Octokit["rest"]["actions"]["listWorkflowRuns"]>>["data"]["workflow_runs"][number];
type RawPull = Awaited<ReturnType<Octokit["rest"]["pulls"]["list"]>>["data"][number];

interface LimitedRequest {
  method: string;
  url: string;
}

/** One repository's REST API, with retries, throttling and typed, token-free errors. */
export class GitHubApi {
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly repo: string;
  private readonly token: string;
  private readonly artifactCache = new Map<string, RunArtifact | null>();
  private viewer: Promise<string> | undefined;

  constructor(options: GitHubApiOptions) {
    this.owner = options.owner;
    this.repo = options.repo;
    this.token = options.token;
    const base = options.retryBaseMs ?? 1000;
    const warn = options.warn ?? ((message: string) => core.warning(message));
    const onLimit = (kind: string) => (retryAfter: number, request: LimitedRequest, _octokit: unknown, retryCount: number) => {
      const again = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
      warn(`GitHub ${kind} rate limit on ${request.method} ${request.url}: ${again ? `retrying in ${retryAfter}s` : "giving up"}`);
      return again;
    };
    // `request` stays unset: replacing it would drop @actions/github's proxy-aware fetch.
    this.octokit = getOctokit(
      options.token,
      {
        baseUrl: options.baseUrl.replace(/\/+$/, ""),
        userAgent: `profgate/${VERSION}`,
        retry: { retries: options.retries ?? 3, retryAfterBaseValue: base },
        throttle: { retryAfterBaseValue: base, onRateLimit: onLimit("primary"), onSecondaryRateLimit: onLimit("secondary") },
      },
      retry,
      throttling,
    );
  }

  /** The repository's default branch. */
  async defaultBranch(): Promise<string> {
    const { data } = await this.call("read the repository", "contents: read", () => this.octokit.rest.repos.get({ owner: this.owner, repo: this.repo }));
    return data.default_branch;
  }

  /**
   * The baseline for a PR whose base is `baseSha`: a successful run of `workflow` on `branch` with a live artifact
   * named `artifactName`, for the base commit itself, else its nearest first-parent ancestor, else the newest.
   */
  async findBaselineRun(query: BaselineQuery): Promise<Baseline | null> {
    const events = query.events ?? DEFAULT_BASELINE_EVENTS;
    const recent = await this.successfulRuns(query.workflow, query.branch, events);
    const bySha = new Map<string, RawRun[]>();
    for (const run of recent) bySha.set(run.head_sha, [...(bySha.get(run.head_sha) ?? []), run]);

    // A base commit older than the recent runs is still looked up directly: it is the one exact answer.
    const exact = bySha.get(query.baseSha) ?? (await this.successfulRuns(query.workflow, query.branch, events, query.baseSha));
    const exactHit = await this.firstWithArtifact(exact, query.artifactName);
    if (exactHit !== null) return { ...exactHit, match: "exact", distance: 0 };

    const ancestors = await this.firstParents(query.baseSha, query.maxAncestors ?? DEFAULT_MAX_ANCESTORS);
    for (const [index, ancestor] of ancestors.entries()) {
      const hit = await this.firstWithArtifact(bySha.get(ancestor) ?? [], query.artifactName);
      if (hit !== null) return { ...hit, match: "ancestor", distance: index + 1 };
    }

    const latest = await this.firstWithArtifact(recent.slice(0, LATEST_CANDIDATES), query.artifactName);
    return latest === null ? null : { ...latest, match: "latest", distance: null };
  }

  /**
   * The open PR whose head is `headSha`. A `workflow_run` event lists no PRs for forks, so this asks GitHub: the
   * commit's PRs, then PRs from `headOwner:headBranch`, then the most recently updated open PRs.
   */
  async findPullRequest(headSha: string, head?: { owner: string; branch: string }): Promise<PullRequest | null> {
    const isHead = (pr: RawPull) => pr.state === "open" && pr.head.sha === headSha;
    const forCommit = await this.call("find the pull request", "pull-requests: read", () =>
      this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: this.owner, repo: this.repo, commit_sha: headSha }),
    ).catch((error: unknown) => {
      // An unknown commit (422) is not an error here: the other ways may still find the PR.
      if (error instanceof GitHubApiError && (error.status === 404 || error.status === 422)) return { data: [] };
      throw error;
    });
    const found =
      forCommit.data.find(isHead) ??
      (head === undefined ? undefined : (await this.listPulls({ head: `${head.owner}:${head.branch}` })).find(isHead)) ??
      (await this.listPulls({ sort: "updated", direction: "desc" })).find(isHead);
    return found === undefined ? null : toPullRequest(found);
  }

  /**
   * The login this token acts as, as GitHub shows it on comments: a person's for a personal access token, an app's
   * bot (`github-actions[bot]` for the workflow's token) for an installation token. GraphQL's `viewer` answers both
   * kinds (REST `GET /user` refuses installation tokens); asked once.
   */
  async identity(): Promise<string> {
    this.viewer ??= this.call("read who the token acts as", "pull-requests: read", () => this.octokit.graphql<{ viewer: { login: string } }>("query { viewer { login } }")).then(
      (data) => data.viewer.login,
    );
    return this.viewer;
  }

  /**
   * Updates the comment carrying `marker` that this token wrote (searched across every page of the PR's
   * comments), or creates one. Anyone can paste the marker into a comment; only the token's own comment is ever
   * updated. The marker is prepended to `body` when missing, so the next run finds the comment.
   */
  async upsertStickyComment(prNumber: number, marker: string, body: string): Promise<StickyComment> {
    const text = body.includes(marker) ? body : `${marker}\n${body}`;
    if (text.length > COMMENT_LIMIT) throw new RangeError(`the PR comment is ${text.length} characters; GitHub takes at most ${COMMENT_LIMIT}`);
    const permission = "pull-requests: write";
    const me = sameAccount(await this.identity());
    const comments = await this.call("read the PR comments", "pull-requests: read", () =>
      this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: prNumber, per_page: 100 }),
    );
    const existing = comments.find((c) => c.body?.includes(marker) === true && sameAccount(c.user?.login ?? "") === me);
    if (existing !== undefined) {
      const { data } = await this.call("update the PR comment", permission, () =>
        this.octokit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: existing.id, body: text }),
      );
      return { id: data.id, url: data.html_url, created: false };
    }
    const { data } = await this.call("create the PR comment", permission, () =>
      this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: prNumber, body: text }),
    );
    return { id: data.id, url: data.html_url, created: true };
  }

  /**
   * Opens an issue carrying `marker`, unless an open issue this token wrote already carries it (searched among the
   * newest open issues): then that one is answered and nothing is created, so a rerun never opens a second issue.
   * Like the sticky comment, a person's or another app's issue quoting the marker does not count. The marker is
   * prepended to `body` when missing; a title over GitHub's limit is shortened rather than refused.
   */
  async openIssue(marker: string, issue: { title: string; body: string }): Promise<OpenedIssue> {
    const body = issue.body.includes(marker) ? issue.body : `${marker}\n${issue.body}`;
    if (body.length > ISSUE_BODY_LIMIT) throw new RangeError(`the issue body is ${body.length} characters; GitHub takes at most ${ISSUE_BODY_LIMIT}`);
    // Reading issues needs only `issues: read`, but the point is to write one: a refusal names what the job needs.
    const permission = "issues: write";
    const me = sameAccount(await this.identity());
    for (let page = 1; page <= ISSUE_PAGES; page++) {
      const { data } = await this.call("list the open issues", permission, () =>
        this.octokit.rest.issues.listForRepo({ owner: this.owner, repo: this.repo, state: "open", sort: "created", direction: "desc", per_page: 100, page }),
      );
      // The listing holds pull requests too: their bodies are a contributor's to write, never ours to match.
      const existing = data.find((i) => i.pull_request === undefined && i.body?.includes(marker) === true && sameAccount(i.user?.login ?? "") === me);
      if (existing !== undefined) return { number: existing.number, url: existing.html_url, created: false };
      if (data.length < 100) break;
    }
    const title = issue.title.length > ISSUE_TITLE_LIMIT ? `${issue.title.slice(0, ISSUE_TITLE_LIMIT - 1)}…` : issue.title;
    const { data } = await this.call("open an issue", permission, () => this.octokit.rest.issues.create({ owner: this.owner, repo: this.repo, title, body }));
    return { number: data.number, url: data.html_url, created: true };
  }

  /** Sets a commit status; a description over GitHub's limit is shortened rather than refused. */
  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    const description =
      status.description.length > STATUS_DESCRIPTION_LIMIT ? `${status.description.slice(0, STATUS_DESCRIPTION_LIMIT - 1)}…` : status.description;
    await this.call("set the commit status", "statuses: write", () =>
      this.octokit.rest.repos.createCommitStatus({
        owner: this.owner,
        repo: this.repo,
        sha,
        state: status.state,
        description,
        context: status.context,
        ...(status.targetUrl === null ? {} : { target_url: status.targetUrl }),
      }),
    );
  }

  /** Newest first; only completed successful runs of trusted events from this repository. */
  private async successfulRuns(workflow: number | string, branch: string, events: readonly string[], headSha?: string): Promise<RawRun[]> {
    const runs: RawRun[] = [];
    for (let page = 1; page <= RUN_PAGES; page++) {
      const { data } = await this.call("list workflow runs", "actions: read", () =>
        this.octokit.rest.actions.listWorkflowRuns({
          owner: this.owner,
          repo: this.repo,
          workflow_id: workflow,
          branch,
          status: "success",
          per_page: 100,
          page,
          ...(headSha === undefined ? {} : { head_sha: headSha }),
        }),
      );
      runs.push(...data.workflow_runs);
      if (data.workflow_runs.length < 100) break;
    }
    const self = `${this.owner}/${this.repo}`.toLowerCase();
    // A fork's PR from a branch it named like ours shows up under our branch name: the head repository tells them apart.
    return runs.filter(
      (run) =>
        run.conclusion === "success" &&
        run.head_branch === branch &&
        events.includes(run.event) &&
        run.head_repository?.full_name.toLowerCase() === self,
    );
  }

  private async firstWithArtifact(runs: readonly RawRun[], name: string): Promise<{ run: WorkflowRun; artifact: RunArtifact } | null> {
    for (const run of runs) {
      const artifact = await this.liveArtifact(run.id, name);
      if (artifact !== null) return { run: toRun(run), artifact };
    }
    return null;
  }

  /** The newest unexpired artifact called `name` in a run. */
  private async liveArtifact(runId: number, name: string): Promise<RunArtifact | null> {
    const key = `${runId}\u0000${name}`;
    const cached = this.artifactCache.get(key);
    if (cached !== undefined) return cached;
    const { data } = await this.call("list run artifacts", "actions: read", () =>
      this.octokit.rest.actions.listWorkflowRunArtifacts({ owner: this.owner, repo: this.repo, run_id: runId, name, per_page: 100 }),
    );
    const live = data.artifacts.filter((a) => a.name === name && !a.expired).sort((a, b) => b.id - a.id)[0];
    const artifact = live === undefined ? null : { id: live.id, name: live.name, sizeInBytes: live.size_in_bytes, digest: live.digest ?? null };
    this.artifactCache.set(key, artifact);
    return artifact;
  }

  /**
   * Up to `limit` first parents of `sha`, nearest first. One listing usually covers them; a parent it misses (a
   * merge brought in older commits) is fetched on its own. An unknown commit ends the walk.
   */
  private async firstParents(sha: string, limit: number): Promise<string[]> {
    const parentOf = new Map<string, string | null>();
    const remember = (commit: { sha: string; parents: { sha: string }[] }) => parentOf.set(commit.sha, commit.parents[0]?.sha ?? null);
    const listing = await this.optionalCommit(() =>
      this.octokit.rest.repos.listCommits({ owner: this.owner, repo: this.repo, sha, per_page: Math.min(100, limit + 1) }),
    );
    for (const commit of listing ?? []) remember(commit);
    const chain: string[] = [];
    let current = sha;
    while (chain.length < limit) {
      if (!parentOf.has(current)) {
        const commit = await this.optionalCommit(() => this.octokit.rest.repos.getCommit({ owner: this.owner, repo: this.repo, ref: current }));
        if (commit === null) break;
        remember(commit);
      }
      const parent = parentOf.get(current);
      if (parent === null || parent === undefined) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  /** A commit read whose 404/422 (force-pushed away, never pushed) means "no such commit". */
  private async optionalCommit<T>(request: () => Promise<{ data: T }>): Promise<T | null> {
    try {
      const { data } = await this.call("read commits", "contents: read", request);
      return data;
    } catch (error) {
      if (error instanceof GitHubApiError && (error.status === 404 || error.status === 422)) return null;
      throw error;
    }
  }

  private async listPulls(filter: { head?: string; sort?: "updated"; direction?: "desc" }): Promise<RawPull[]> {
    const { data } = await this.call("list pull requests", "pull-requests: read", () =>
      this.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, state: "open", per_page: 100, ...filter }),
    );
    return data;
  }

  /** Runs one API call, turning any failure into a GitHubApiError (or subclass) with the token scrubbed out. */
  private async call<T>(operation: string, permission: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.translate(error, operation, permission);
    }
  }

  private translate(error: unknown, operation: string, permission: string): GitHubApiError {
    const { status, headers, detail } = describe(error);
    const message = this.scrub(`could not ${operation}: ${status === null ? "" : `GitHub answered ${status}: `}${detail}`);
    const rateLimited = (status === 403 || status === 429) && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(detail));
    if (status !== null && rateLimited) return new RateLimitError(message, status, operation);
    const isWrite = permission.endsWith(": write");
    if (status === 401 || status === 403 || (status === 404 && isWrite)) {
      return new PermissionError(`${message} (the token needs \`${permission}\`)`, status, operation, permission);
    }
    return new GitHubApiError(message, status, operation);
  }

  private scrub(text: string): string {
    return text.split(this.token).join("***");
  }
}

function describe(error: unknown): { status: number | null; headers: Record<string, string | undefined>; detail: string } {
  const candidate = error as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string | undefined>; data?: unknown } } | null;
  const status = typeof candidate?.status === "number" && candidate.status >= 100 ? candidate.status : null;
  const data = candidate?.response?.data as { message?: unknown } | undefined;
  const detail =
    typeof data?.message === "string" ? data.message : typeof candidate?.message === "string" ? candidate.message : String(error);
  // Octokit reports network failures as status 500 without a response; they are not GitHub's answer.
  const answered = candidate?.response !== undefined;
  return { status: answered ? status : null, headers: candidate?.response?.headers ?? {}, detail };
}

/** A login as one account: an app's bot shows as `name[bot]` on comments and, depending on the API, as `name`. */
function sameAccount(login: string): string {
  return login.replace(/\[bot\]$/i, "").toLowerCase();
}

function toRun(run: RawRun): WorkflowRun {
  return {
    id: run.id,
    headSha: run.head_sha,
    headBranch: run.head_branch ?? "",
    event: run.event,
    runNumber: run.run_number,
    htmlUrl: run.html_url,
    createdAt: run.created_at,
  };
}

function toPullRequest(pr: RawPull): PullRequest {
  return {
    number: pr.number,
    htmlUrl: pr.html_url,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    headRepository: pr.head.repo?.full_name ?? null,
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
  };
}
