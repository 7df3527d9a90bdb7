/**
 * A fake GitHub on 127.0.0.1 for tests: one server on a random port composing a module per service — the REST API
 * (github/rest*.ts: runs and artifacts, commits, pulls and comments, statuses, issues), the Actions results service's Twirp
 * ArtifactService (github/twirp.ts) and the blob storage behind its signed URLs (github/blob.ts) — over one state
 * (github/state.ts). The real Octokit and artifact clients talk to it; it records every request and lets tests
 * seed state and inject failures.
 *
 * Pointing the real clients at it (`runnerEnv(runId)` returns all of these for a child process):
 * - `GITHUB_API_URL` = `fake.url`. `@actions/github` reads it once, when first imported: set it before that import
 *   (the artifact client's `findBy` downloads build their Octokit from it; `GitHubApi` takes `baseUrl` explicitly).
 * - `ACTIONS_RESULTS_URL` = `fake.url` (only its origin is used) and `ACTIONS_RUNTIME_TOKEN` = `fake.runtimeToken(runId)`,
 *   a JWT whose `scp` claim names the run's backend ids: that is how an upload lands in that run.
 * - `GITHUB_SERVER_URL` unset or `https://github.com`: the artifact client's `isGhes()` accepts only the hosts
 *   github.com, `*.ghe.com` and `*.localhost`; `http://127.0.0.1:…` or plain `localhost` there makes every call throw
 *   GHESNotSupportedError.
 * - Failures injected on artifact paths meet the artifact client's own, unconfigurable backoff (Twirp 3 s and up,
 *   REST artifact listing 1 s, 4 s, …, blob download 5 × 5 s): inject them sparingly there.
 * - The REST token is `fake.token`; any other token gets 401.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { blobService } from "./github/blob.js";
import { matches, parseBody, type Reply, type Service, type ServiceName } from "./github/http.js";
import { restService } from "./github/rest.js";
import {
  GitHubState,
  type ArtifactSeed,
  type CommentUser,
  type FakeArtifact,
  type FakeComment,
  type FakeIssue,
  type FakePullRequest,
  type IssueSeed,
  type FakeRun,
  type FakeStatus,
  type PullRequestSeed,
  type RepositoryOptions,
  type RunSeed,
  type WorkflowSeed,
} from "./github/state.js";
import { runtimeToken, twirpService } from "./github/twirp.js";
import { readZip } from "./github/zip.js";

export { sha } from "./github/state.js";
export type { ArtifactSeed, CommentUser, FakeArtifact, FakeComment, FakeIssue, FakePullRequest, IssueSeed, FakeRun, FakeStatus, PullRequestSeed, RunSeed, WorkflowSeed };

/** One request as the fake saw it. The Authorization header is reduced to its scheme so no token is kept. */
export interface RecordedRequest {
  service: ServiceName;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names, without `authorization`. */
  headers: Record<string, string>;
  /** Scheme of the Authorization header (`token`, `bearer`), or null when there was none. */
  auth: string | null;
  /** Parsed JSON, text for XML/text bodies, `{ byteLength }` for binary ones, null when empty. */
  body: unknown;
  /** Status the fake answered with; 0 until the response is sent. */
  status: number;
  /** False when no route matched (the fake answered 404). */
  routed: boolean;
  /** True when an injected failure answered it. */
  injected: boolean;
}

export interface FailureSpec {
  /** Any method when omitted. */
  method?: string;
  /** Exact path (no query) or a pattern tested against it. */
  path: string | RegExp;
  status: number;
  /** How many matching requests fail; defaults to 1. */
  times?: number;
  /** JSON body; defaults to `{ message: "injected <status>" }`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Append the received Authorization header to the message, as a careless proxy might: tests that tokens are scrubbed. */
  echoAuthorization?: boolean;
}

export type FakeGitHubOptions = RepositoryOptions;

/** The fake GitHub server. `await FakeGitHub.start()`, seed it, point clients at `url`, `await close()`. */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];

  private readonly state: GitHubState;
  /** In the order a request's path is offered to them: REST takes whatever the others do not own. */
  private readonly services: Service[];
  private readonly failures: (FailureSpec & { remaining: number })[] = [];
  private readonly server: Server;

  private constructor(options: FakeGitHubOptions) {
    this.state = new GitHubState(options);
    this.services = [twirpService(this.state), blobService(this.state), restService(this.state, () => this.requests.filter((r) => r.service === "rest").length)];
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake GitHub crashed: ${String(error)}` }));
      });
    });
  }

  /** Starts a fake on a random port of 127.0.0.1. */
  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.state.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Stops the server, dropping kept-alive connections so the test process can exit. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Base URL of the REST API, the results service and the blob store. */
  get url(): string {
    return this.state.url;
  }

  get owner(): string {
    return this.state.owner;
  }

  get repo(): string {
    return this.state.repo;
  }

  get defaultBranch(): string {
    return this.state.defaultBranch;
  }

  get token(): string {
    return this.state.token;
  }

  /** Who the token acts as: the author of the comments it posts, and GraphQL's `viewer`. */
  get identity(): CommentUser {
    return this.state.identity;
  }

  get fullName(): string {
    return this.state.fullName;
  }

  /** When true every REST write answers 403 "Resource not accessible by integration", like a fork PR's token. */
  get readOnly(): boolean {
    return this.state.readOnly;
  }

  set readOnly(value: boolean) {
    this.state.readOnly = value;
  }

  // ---- seeding -------------------------------------------------------------------------------------------------

  /** Adds (or replaces) a workflow; workflow 1, `.github/workflows/profgate.yml`, exists from the start. */
  addWorkflow(seed: WorkflowSeed): void {
    this.state.addWorkflow(seed);
  }

  /** Adds a workflow run; ids and creation times increase in call order, so the latest added is the newest. */
  addRun(seed: RunSeed): FakeRun {
    return this.state.addRun(seed);
  }

  /** Stores a finished artifact in a run, as if the run had uploaded it. */
  addArtifact(runId: number, seed: ArtifactSeed): FakeArtifact {
    return this.state.addArtifact(runId, seed);
  }

  /** Adds a commit; with `branch`, the branch now points at it. */
  addCommit(commit: { sha: string; parents?: string[]; message?: string; branch?: string }): void {
    this.state.addCommit(commit);
  }

  /** Adds a first-parent chain, oldest first, on top of `branch`'s current head (or as a new root). */
  addLinearHistory(shas: readonly string[], branch: string = this.state.defaultBranch): void {
    for (const commitSha of shas) {
      const head = this.state.branches.get(branch);
      this.state.addCommit({ sha: commitSha, parents: head === undefined ? [] : [head], branch });
    }
  }

  /** Adds an open pull request (its issue exists too, for comments). */
  addPullRequest(seed: PullRequestSeed): FakePullRequest {
    return this.state.addPullRequest(seed);
  }

  /** Adds a comment to a PR's conversation; the author defaults to a human. */
  addComment(issueNumber: number, body: string, user: CommentUser = { login: "octocat", type: "User" }): FakeComment {
    return this.state.addComment(issueNumber, body, user);
  }

  /** Adds an issue (open, by a person, unless the seed says otherwise). */
  addIssue(seed: IssueSeed): FakeIssue {
    return this.state.addIssue(seed);
  }

  /** Makes the next matching requests fail (first registered spec that matches wins). */
  failNext(spec: FailureSpec): void {
    this.failures.push({ ...spec, remaining: spec.times ?? 1 });
  }

  // ---- inspection ----------------------------------------------------------------------------------------------

  /** Recorded requests with this method whose path equals `path` or matches it. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(path, r.path));
  }

  /** Forgets the requests recorded so far (seeded state stays). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests no route answered: a test can assert this is empty to catch calls the fake does not model. */
  unrouted(): RecordedRequest[] {
    return this.requests.filter((r) => !r.routed);
  }

  /** The comments of a PR, oldest first. */
  comments(issueNumber: number): FakeComment[] {
    return this.state.comments.filter((c) => c.issueNumber === issueNumber);
  }

  /** The repository's issues (pull requests aside), oldest first. */
  issues(): FakeIssue[] {
    return [...this.state.issues];
  }

  /** Commit statuses created so far, oldest first. */
  statuses(commitSha?: string): FakeStatus[] {
    return this.state.statuses.filter((s) => commitSha === undefined || s.sha === commitSha);
  }

  /** A seeded run. */
  run(runId: number): FakeRun {
    return this.state.requireRun(runId);
  }

  /** Finalized artifacts of a run, oldest first. */
  artifactsOf(runId: number): FakeArtifact[] {
    return this.state.artifactsOf(runId);
  }

  /** The files inside a stored zip artifact, by path. */
  artifactFiles(artifactId: number): Map<string, Buffer> {
    const artifact = this.state.artifacts.get(artifactId);
    if (artifact?.zip == null) throw new Error(`artifact ${artifactId} has no stored bytes`);
    return readZip(artifact.zip);
  }

  /** The runtime token of a run: a JWT whose `scp` carries the run's and job's backend ids, as the runner's does. */
  runtimeToken(runId: number): string {
    return runtimeToken(this.state.requireRun(runId));
  }

  /** The variables a runner gives a step of this run, aimed at the fake. Events and inputs are the test's business. */
  runnerEnv(runId: number): Record<string, string> {
    const run = this.state.requireRun(runId);
    const workflow = this.state.workflows.get(run.workflowId);
    const pr = run.pullRequests[0];
    const ref = run.event.startsWith("pull_request") && pr !== undefined ? `refs/pull/${pr}/merge` : `refs/heads/${run.headBranch}`;
    return {
      GITHUB_ACTIONS: "true",
      GITHUB_API_URL: this.url,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_GRAPHQL_URL: `${this.url}/graphql`,
      ACTIONS_RESULTS_URL: `${this.url}/`,
      ACTIONS_RUNTIME_TOKEN: runtimeToken(run),
      GITHUB_REPOSITORY: this.fullName,
      GITHUB_REPOSITORY_OWNER: this.owner,
      GITHUB_RUN_ID: String(run.id),
      GITHUB_RUN_NUMBER: String(run.runNumber),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_SHA: run.headSha,
      GITHUB_REF: ref,
      GITHUB_EVENT_NAME: run.event,
      GITHUB_WORKFLOW: workflow?.name ?? "profgate",
      GITHUB_WORKFLOW_REF: `${this.fullName}/${workflow?.path ?? ".github/workflows/profgate.yml"}@refs/heads/${this.defaultBranch}`,
    };
  }

  // ---- serving -------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name !== "authorization" && value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const authorization = req.headers.authorization ?? "";
    const service = this.services.find((s) => s.owns(url.pathname)) as Service;
    const body = parseBody(raw, headers["content-type"] ?? "");
    const record: RecordedRequest = {
      service: service.name,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      auth: authorization === "" ? null : (authorization.split(" ")[0] ?? "").toLowerCase(),
      body,
      status: 0,
      routed: true,
      injected: false,
    };
    this.requests.push(record);

    const reply = this.injectedFailure(record, authorization) ?? this.route(service, record, { method, url, query: record.query, raw, body, authorization });
    record.status = reply.status;
    const payload = reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
    const outHeaders: Record<string, string> = { ...service.headers?.(), ...reply.headers };
    if (payload !== undefined) {
      outHeaders["content-type"] ??= "application/json; charset=utf-8";
      outHeaders["content-length"] = String(payload.length);
    }
    res.writeHead(reply.status, outHeaders);
    res.end(payload);
  }

  private injectedFailure(record: RecordedRequest, authorization: string): Reply | undefined {
    const failure = this.failures.find((f) => f.remaining > 0 && (f.method === undefined || f.method === record.method) && matches(f.path, record.path));
    if (failure === undefined) return undefined;
    failure.remaining -= 1;
    record.injected = true;
    let body = failure.body ?? { message: `injected ${failure.status}` };
    if (failure.echoAuthorization === true) body = { message: `${messageOf(body)} (request had Authorization: ${authorization})` };
    return { status: failure.status, body, headers: failure.headers ?? {} };
  }

  private route(service: Service, record: RecordedRequest, request: { method: string; url: URL; query: Record<string, string>; raw: Buffer; body: unknown; authorization: string }): Reply {
    for (const route of service.routes) {
      const match = request.url.pathname.match(route.pattern);
      if (route.method !== request.method || match === null) continue;
      const ctx = { ...request, match };
      return service.authorize(ctx) ?? route.handler(ctx);
    }
    record.routed = false;
    return { status: 404, body: { message: "Not Found" } };
  }
}

function messageOf(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(body);
}
