/**
 * A fake GitHub on 127.0.0.1 for tests: the REST endpoints profgate calls, the Actions results service (Twirp) and
 * the blob storage behind `@actions/artifact`, all on one random port. The real Octokit and artifact clients talk to
 * it; it records every request and lets tests seed state and inject failures.
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
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

/** One request as the fake saw it. The Authorization header is reduced to its scheme so no token is kept. */
export interface RecordedRequest {
  service: "rest" | "twirp" | "blob";
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

export interface WorkflowSeed {
  id: number;
  /** Repository path, e.g. `.github/workflows/profgate.yml`; the REST API also accepts its file name as the id. */
  path: string;
  name?: string;
}

export interface RunSeed {
  id?: number;
  workflowId?: number;
  headSha: string;
  /** Defaults to the default branch. */
  headBranch?: string;
  /** Defaults to `push`. */
  event?: string;
  status?: "completed" | "in_progress" | "queued";
  /** Defaults to `success` for completed runs, null otherwise. */
  conclusion?: "success" | "failure" | "cancelled" | "skipped" | null;
  /** `owner/name` of the head repository; defaults to this repository (a fork PR run names the fork). */
  headRepository?: string;
  /** Pull request numbers listed in the run (GitHub leaves this empty for fork PRs). */
  pullRequests?: number[];
  createdAt?: string;
}

export interface FakeRun {
  id: number;
  workflowId: number;
  headSha: string;
  headBranch: string;
  event: string;
  status: string;
  conclusion: string | null;
  headRepository: string;
  pullRequests: number[];
  createdAt: string;
  runNumber: number;
  /** The ids the results service knows the run and its job by (they go into the runtime token). */
  backendId: string;
  jobBackendId: string;
}

export interface ArtifactSeed {
  name: string;
  /** Files to zip (path inside the artifact → content). Give either files or zip. */
  files?: Record<string, string | Uint8Array>;
  /** The raw bytes served for the artifact, zip or not. */
  zip?: Uint8Array;
  /** Size the listings report; defaults to the real byte count (lets a test claim a huge artifact cheaply). */
  sizeInBytes?: number;
  expired?: boolean;
}

export interface FakeArtifact {
  id: number;
  runId: number;
  name: string;
  /** The stored bytes; null until the upload's block list is committed. */
  zip: Buffer | null;
  finalized: boolean;
  expired: boolean;
  sizeInBytes: number;
  /** `sha256:…` of the stored bytes, as the REST API reports it. */
  digest: string | null;
  createdAt: string;
  /** What the uploader sent to FinalizeArtifact. */
  reported: { size: string; hash: string | null } | null;
  blocks: Map<string, Buffer>;
}

export interface PullRequestSeed {
  number: number;
  headSha: string;
  headRef: string;
  baseRef?: string;
  baseSha: string;
  state?: "open" | "closed";
  /** Owner of the fork the PR comes from; omitted for a branch of this repository. */
  forkOwner?: string;
  title?: string;
}

export interface FakePullRequest extends Required<Omit<PullRequestSeed, "forkOwner">> {
  forkOwner: string | null;
  updatedAt: string;
}

export interface CommentUser {
  login: string;
  type: "User" | "Bot";
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: CommentUser;
  createdAt: string;
  updatedAt: string;
}

export interface FakeStatus {
  id: number;
  sha: string;
  state: string;
  description: string | null;
  targetUrl: string | null;
  context: string;
  createdAt: string;
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

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  token?: string;
  /** Who the token acts as: the workflow's token by default (github-actions[bot]); a user for a personal access token. */
  identity?: CommentUser;
}

interface Context {
  method: string;
  url: URL;
  query: Record<string, string>;
  raw: Buffer;
  body: unknown;
  authorization: string;
  match: RegExpMatchArray;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: Context) => Reply;

/** A fresh 40-hex SHA derived from a label, so tests can name commits. */
export function sha(label: string): string {
  return createHash("sha1").update(label).digest("hex");
}

const TWIRP_PREFIX = "/twirp/github.actions.results.api.v1.ArtifactService/";
const COMMENT_LIMIT = 65_536;
const RUN_STATUSES = new Set(["completed", "in_progress", "queued", "requested", "waiting", "pending"]);

/** The fake GitHub server. `await FakeGitHub.start()`, seed it, point clients at `url`, `await close()`. */
export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly token: string;
  /** Who the token acts as: the author of the comments it posts, and GraphQL's `viewer`. */
  readonly identity: CommentUser;
  /** When true every REST write answers 403 "Resource not accessible by integration", like a fork PR's token. */
  readOnly = false;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private port = 0;
  private clock = Date.parse("2026-01-05T10:00:00Z");
  private nextId = 1000;
  private readonly blobSig = randomBytes(12).toString("hex");
  private readonly failures: (FailureSpec & { remaining: number })[] = [];
  private readonly workflows = new Map<number, Required<WorkflowSeed>>();
  private readonly runs = new Map<number, FakeRun>();
  private readonly artifacts = new Map<number, FakeArtifact>();
  private readonly commits = new Map<string, { sha: string; parents: string[]; message: string; date: string }>();
  private readonly branches = new Map<string, string>();
  private readonly pulls = new Map<number, FakePullRequest>();
  private readonly issueComments: FakeComment[] = [];
  private readonly commitStatuses: FakeStatus[] = [];
  private readonly routes: [string, RegExp, Handler][];

  private constructor(options: FakeGitHubOptions) {
    this.owner = options.owner ?? "octo-org";
    this.repo = options.repo ?? "octo-repo";
    this.defaultBranch = options.defaultBranch ?? "main";
    this.token = options.token ?? `ghs_fake${randomBytes(16).toString("hex")}`;
    this.identity = options.identity ?? { login: "github-actions[bot]", type: "Bot" };
    this.addWorkflow({ id: 1, path: ".github/workflows/profgate.yml", name: "profgate" });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake GitHub crashed: ${String(error)}` }));
      });
    });
    this.routes = this.buildRoutes();
  }

  /** Starts a fake on a random port of 127.0.0.1. */
  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Stops the server, dropping kept-alive connections so the test process can exit. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Base URL of the REST API, the results service and the blob store. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  // ---- seeding -------------------------------------------------------------------------------------------------

  /** Adds (or replaces) a workflow; workflow 1, `.github/workflows/profgate.yml`, exists from the start. */
  addWorkflow(seed: WorkflowSeed): void {
    this.workflows.set(seed.id, { ...seed, name: seed.name ?? seed.path.replace(/^.*\//, "").replace(/\.ya?ml$/, "") });
  }

  /** Adds a workflow run; ids and creation times increase in call order, so the latest added is the newest. */
  addRun(seed: RunSeed): FakeRun {
    const id = seed.id ?? this.newId();
    const status = seed.status ?? "completed";
    const run: FakeRun = {
      id,
      workflowId: seed.workflowId ?? 1,
      headSha: seed.headSha,
      headBranch: seed.headBranch ?? this.defaultBranch,
      event: seed.event ?? "push",
      status,
      conclusion: seed.conclusion === undefined ? (status === "completed" ? "success" : null) : seed.conclusion,
      headRepository: seed.headRepository ?? this.fullName,
      pullRequests: seed.pullRequests ?? [],
      createdAt: seed.createdAt ?? this.tick(),
      runNumber: this.runs.size + 1,
      backendId: uuidFor("run", id),
      jobBackendId: uuidFor("job", id),
    };
    this.runs.set(id, run);
    return run;
  }

  /** Stores a finished artifact in a run, as if the run had uploaded it. */
  addArtifact(runId: number, seed: ArtifactSeed): FakeArtifact {
    this.requireRun(runId);
    const bytes = seed.zip !== undefined ? Buffer.from(seed.zip) : makeZip(seed.files ?? {});
    const artifact: FakeArtifact = {
      id: this.newId(),
      runId,
      name: seed.name,
      zip: bytes,
      finalized: true,
      expired: seed.expired ?? false,
      sizeInBytes: seed.sizeInBytes ?? bytes.length,
      digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
      createdAt: this.tick(),
      reported: null,
      blocks: new Map(),
    };
    this.artifacts.set(artifact.id, artifact);
    return artifact;
  }

  /** Adds a commit; with `branch`, the branch now points at it. */
  addCommit(commit: { sha: string; parents?: string[]; message?: string; branch?: string }): void {
    this.commits.set(commit.sha, { sha: commit.sha, parents: commit.parents ?? [], message: commit.message ?? commit.sha.slice(0, 7), date: this.tick() });
    if (commit.branch !== undefined) this.branches.set(commit.branch, commit.sha);
  }

  /** Adds a first-parent chain, oldest first, on top of `branch`'s current head (or as a new root). */
  addLinearHistory(shas: readonly string[], branch: string = this.defaultBranch): void {
    for (const commitSha of shas) {
      const head = this.branches.get(branch);
      this.addCommit({ sha: commitSha, parents: head === undefined ? [] : [head], branch });
    }
  }

  /** Adds an open pull request (its issue exists too, for comments). */
  addPullRequest(seed: PullRequestSeed): FakePullRequest {
    const pr: FakePullRequest = {
      number: seed.number,
      headSha: seed.headSha,
      headRef: seed.headRef,
      baseRef: seed.baseRef ?? this.defaultBranch,
      baseSha: seed.baseSha,
      state: seed.state ?? "open",
      title: seed.title ?? `PR ${seed.number}`,
      forkOwner: seed.forkOwner ?? null,
      updatedAt: this.tick(),
    };
    this.pulls.set(pr.number, pr);
    return pr;
  }

  /** Adds a comment to a PR's conversation; the author defaults to a human. */
  addComment(issueNumber: number, body: string, user: CommentUser = { login: "octocat", type: "User" }): FakeComment {
    const now = this.tick();
    const comment: FakeComment = { id: this.newId(), issueNumber, body, user, createdAt: now, updatedAt: now };
    this.issueComments.push(comment);
    return comment;
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
    return this.issueComments.filter((c) => c.issueNumber === issueNumber);
  }

  /** Commit statuses created so far, oldest first. */
  statuses(commitSha?: string): FakeStatus[] {
    return this.commitStatuses.filter((s) => commitSha === undefined || s.sha === commitSha);
  }

  /** A seeded run. */
  run(runId: number): FakeRun {
    return this.requireRun(runId);
  }

  /** Finalized artifacts of a run, oldest first. */
  artifactsOf(runId: number): FakeArtifact[] {
    return [...this.artifacts.values()].filter((a) => a.runId === runId && a.finalized);
  }

  /** The files inside a stored zip artifact, by path. */
  artifactFiles(artifactId: number): Map<string, Buffer> {
    const artifact = this.artifacts.get(artifactId);
    if (artifact?.zip == null) throw new Error(`artifact ${artifactId} has no stored bytes`);
    return readZip(artifact.zip);
  }

  /** The runtime token of a run: a JWT whose `scp` carries the run's and job's backend ids, as the runner's does. */
  runtimeToken(runId: number): string {
    const run = this.requireRun(runId);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const claims = {
      scp: `Actions.ExampleScope Actions.Results:${run.backendId}:${run.jobBackendId}`,
      iss: "fake-github",
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    return `${part({ typ: "JWT", alg: "HS256" })}.${part(claims)}.${randomBytes(16).toString("base64url")}`;
  }

  /** The variables a runner gives a step of this run, aimed at the fake. Events and inputs are the test's business. */
  runnerEnv(runId: number): Record<string, string> {
    const run = this.requireRun(runId);
    const workflow = this.workflows.get(run.workflowId);
    const pr = run.pullRequests[0];
    const ref = run.event.startsWith("pull_request") && pr !== undefined ? `refs/pull/${pr}/merge` : `refs/heads/${run.headBranch}`;
    return {
      GITHUB_ACTIONS: "true",
      GITHUB_API_URL: this.url,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_GRAPHQL_URL: `${this.url}/graphql`,
      ACTIONS_RESULTS_URL: `${this.url}/`,
      ACTIONS_RUNTIME_TOKEN: this.runtimeToken(runId),
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

  // ---- plumbing ------------------------------------------------------------------------------------------------

  private newId(): number {
    return ++this.nextId;
  }

  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private requireRun(runId: number): FakeRun {
    const run = this.runs.get(runId);
    if (run === undefined) throw new Error(`no run ${runId} in the fake`);
    return run;
  }

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
    const service = url.pathname.startsWith("/twirp/") ? "twirp" : url.pathname.startsWith("/blob/") ? "blob" : "rest";
    const body = parseBody(raw, headers["content-type"] ?? "");
    const record: RecordedRequest = {
      service,
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

    const reply = this.injectedFailure(method, url.pathname, authorization) ?? this.route({ method, url, query: record.query, raw, body, authorization }, record);
    record.status = reply.status;
    const payload = reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
    const outHeaders: Record<string, string> = { ...(service === "rest" ? this.rateLimitHeaders() : {}), ...reply.headers };
    if (payload !== undefined) {
      outHeaders["content-type"] ??= "application/json; charset=utf-8";
      outHeaders["content-length"] = String(payload.length);
    }
    res.writeHead(reply.status, outHeaders);
    res.end(payload);
  }

  private injectedFailure(method: string, path: string, authorization: string): Reply | undefined {
    const failure = this.failures.find((f) => f.remaining > 0 && (f.method === undefined || f.method === method) && matches(f.path, path));
    if (failure === undefined) return undefined;
    failure.remaining -= 1;
    const record = this.requests.at(-1);
    if (record !== undefined) record.injected = true;
    let body = failure.body ?? { message: `injected ${failure.status}` };
    if (failure.echoAuthorization === true) body = { message: `${messageOf(body)} (request had Authorization: ${authorization})` };
    return { status: failure.status, body, headers: failure.headers ?? {} };
  }

  private route(ctx: Omit<Context, "match">, record: RecordedRequest): Reply {
    for (const [method, pattern, handler] of this.routes) {
      const match = ctx.url.pathname.match(pattern);
      if (method === ctx.method && match !== null) {
        const denied = this.authorize({ ...ctx, match }, record.service);
        if (denied !== undefined) return denied;
        // A GraphQL query reads: a read-only token may make it.
        if (record.service === "rest" && this.readOnly && method !== "GET" && ctx.url.pathname !== "/graphql") {
          return { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } };
        }
        return handler({ ...ctx, match });
      }
    }
    record.routed = false;
    return { status: 404, body: { message: "Not Found" } };
  }

  private authorize(ctx: Context, service: RecordedRequest["service"]): Reply | undefined {
    switch (service) {
      case "rest":
        if (ctx.authorization === `token ${this.token}` || ctx.authorization === `Bearer ${this.token}`) return undefined;
        return { status: 401, body: { message: "Bad credentials" } };
      case "blob":
        return ctx.query["sig"] === this.blobSig ? undefined : { status: 403, body: Buffer.from("AuthenticationFailed"), headers: { "content-type": "application/xml" } };
      case "twirp":
        return this.twirpRun(ctx) === undefined ? twirpError(401, "unauthenticated", "invalid runtime token") : undefined;
    }
  }

  private rateLimitHeaders(): Record<string, string> {
    const used = this.requests.filter((r) => r.service === "rest").length;
    return {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, 5000 - used)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      "x-github-request-id": randomBytes(6).toString("hex").toUpperCase(),
    };
  }

  /** Slices `items` the way GitHub pages lists, with a Link header whose URLs keep the request's other parameters. */
  private page<T>(ctx: Context, items: readonly T[], defaultPerPage = 30): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query["per_page"]) || defaultPerPage));
    const page = Math.max(1, Number(ctx.query["page"]) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const target = new URL(ctx.url.pathname, this.url);
      for (const [key, value] of Object.entries(ctx.query)) target.searchParams.set(key, value);
      target.searchParams.set("per_page", String(perPage));
      target.searchParams.set("page", String(n));
      return `<${target.href}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(", ") } : {} };
  }

  private buildRoutes(): [string, RegExp, Handler][] {
    const repo = `^/repos/${escapeRegExp(this.owner)}/${escapeRegExp(this.repo)}`;
    const r = (method: string, path: string, handler: Handler): [string, RegExp, Handler] => [method, new RegExp(`${repo}${path}$`), handler];
    const t = (name: string, handler: Handler): [string, RegExp, Handler] => ["POST", new RegExp(`^${escapeRegExp(TWIRP_PREFIX + name)}$`), handler];
    return [
      r("GET", "", () => ({ status: 200, body: this.repoJson() })),
      r("GET", "/actions/workflows/([^/]+)/runs", (ctx) => this.listRuns(ctx, this.workflowByParam(ctx.match[1] ?? ""))),
      r("GET", "/actions/runs", (ctx) => this.listRuns(ctx, null)),
      r("GET", "/actions/runs/(\\d+)", (ctx) => {
        const run = this.runs.get(Number(ctx.match[1]));
        return run === undefined ? notFound() : { status: 200, body: this.runJson(run) };
      }),
      r("GET", "/actions/runs/(\\d+)/artifacts", (ctx) => this.listRunArtifacts(ctx)),
      r("GET", "/actions/artifacts/(\\d+)", (ctx) => {
        const artifact = this.artifacts.get(Number(ctx.match[1]));
        return artifact?.finalized === true ? { status: 200, body: this.artifactJson(artifact) } : notFound();
      }),
      r("GET", "/actions/artifacts/(\\d+)/zip", (ctx) => {
        const artifact = this.artifacts.get(Number(ctx.match[1]));
        if (artifact?.finalized !== true) return notFound();
        if (artifact.expired) return { status: 410, body: { message: "Artifact has expired" } };
        return { status: 302, headers: { location: this.blobUrl(artifact) } };
      }),
      r("GET", "/commits", (ctx) => this.listCommits(ctx)),
      r("GET", "/commits/([^/]+)", (ctx) => {
        const commit = this.resolveCommit(ctx.match[1] ?? "");
        return commit === undefined ? unknownCommit(ctx.match[1] ?? "") : { status: 200, body: this.commitJson(commit) };
      }),
      r("GET", "/commits/([^/]+)/pulls", (ctx) => {
        // GitHub's "PRs for a commit" misses fork PRs, whose commits are not in this repository: so does the fake.
        const found = [...this.pulls.values()].filter((p) => p.headSha === ctx.match[1] && p.forkOwner === null);
        const { items, headers } = this.page(ctx, found);
        return { status: 200, body: items.map((p) => this.pullJson(p)), headers };
      }),
      r("GET", "/pulls", (ctx) => this.listPulls(ctx)),
      r("GET", "/pulls/(\\d+)", (ctx) => {
        const pr = this.pulls.get(Number(ctx.match[1]));
        return pr === undefined ? notFound() : { status: 200, body: this.pullJson(pr) };
      }),
      r("GET", "/issues/(\\d+)/comments", (ctx) => {
        const issue = Number(ctx.match[1]);
        if (!this.pulls.has(issue)) return notFound();
        const { items, headers } = this.page(ctx, this.comments(issue));
        return { status: 200, body: items.map((c) => this.commentJson(c)), headers };
      }),
      r("POST", "/issues/(\\d+)/comments", (ctx) => this.createComment(ctx)),
      r("PATCH", "/issues/comments/(\\d+)", (ctx) => this.updateComment(ctx)),
      r("POST", "/statuses/([0-9a-f]{40})", (ctx) => this.createStatus(ctx)),
      // GraphQL answers only `viewer { login }`, the one query profgate makes: who the token acts as.
      ["POST", /^\/graphql$/, (ctx) => {
        const query = (ctx.body as { query?: unknown } | null)?.query;
        if (typeof query !== "string" || !/\bviewer\s*\{\s*login\s*\}/.test(query)) return { status: 400, body: { message: "the fake GitHub answers only viewer { login }" } };
        return { status: 200, body: { data: { viewer: { login: this.identity.login } } } };
      }],
      t("CreateArtifact", (ctx) => this.twirpCreate(ctx)),
      t("FinalizeArtifact", (ctx) => this.twirpFinalize(ctx)),
      t("ListArtifacts", (ctx) => this.twirpList(ctx)),
      t("GetSignedArtifactURL", (ctx) => this.twirpSignedUrl(ctx)),
      t("DeleteArtifact", (ctx) => this.twirpDelete(ctx)),
      ["PUT", /^\/blob\/(\d+)\/[^/]+$/, (ctx) => this.blobPut(ctx)],
      ["GET", /^\/blob\/(\d+)\/[^/]+$/, (ctx) => this.blobGet(ctx)],
    ];
  }

  // ---- REST ------------------------------------------------------------------------------------------------------

  private repoJson(): object {
    return {
      id: 1,
      name: this.repo,
      full_name: this.fullName,
      owner: { login: this.owner, type: "Organization" },
      private: false,
      html_url: `https://github.com/${this.fullName}`,
      default_branch: this.defaultBranch,
    };
  }

  private workflowByParam(param: string): Required<WorkflowSeed> | undefined {
    const decoded = decodeURIComponent(param);
    return [...this.workflows.values()].find((w) => String(w.id) === decoded || w.path.endsWith(`/${decoded}`));
  }

  private listRuns(ctx: Context, workflow: Required<WorkflowSeed> | undefined | null): Reply {
    if (workflow === undefined) return notFound();
    const { branch, status, head_sha: headSha, event } = ctx.query;
    const runs = [...this.runs.values()]
      .filter((run) => workflow === null || run.workflowId === workflow.id)
      .filter((run) => branch === undefined || run.headBranch === branch)
      .filter((run) => headSha === undefined || run.headSha === headSha)
      .filter((run) => event === undefined || run.event === event)
      .filter((run) => status === undefined || (RUN_STATUSES.has(status) ? run.status === status : run.conclusion === status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    const { items, headers } = this.page(ctx, runs);
    return { status: 200, body: { total_count: runs.length, workflow_runs: items.map((run) => this.runJson(run)) }, headers };
  }

  private runJson(run: FakeRun): object {
    const workflow = this.workflows.get(run.workflowId);
    const [headOwner = this.owner, headName = this.repo] = run.headRepository.split("/");
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
      url: `${this.url}/repos/${this.fullName}/actions/runs/${run.id}`,
      html_url: `https://github.com/${this.fullName}/actions/runs/${run.id}`,
      created_at: run.createdAt,
      updated_at: run.createdAt,
      run_started_at: run.createdAt,
      pull_requests: run.pullRequests.flatMap((n) => {
        const pr = this.pulls.get(n);
        return pr === undefined ? [] : [{ number: pr.number, head: { ref: pr.headRef, sha: pr.headSha }, base: { ref: pr.baseRef, sha: pr.baseSha } }];
      }),
      head_commit: { id: run.headSha, message: this.commits.get(run.headSha)?.message ?? "" },
      repository: { id: 1, full_name: this.fullName, name: this.repo, owner: { login: this.owner } },
      head_repository: { id: run.headRepository === this.fullName ? 1 : 2, full_name: run.headRepository, name: headName, owner: { login: headOwner } },
    };
  }

  private listRunArtifacts(ctx: Context): Reply {
    const runId = Number(ctx.match[1]);
    if (!this.runs.has(runId)) return notFound();
    const name = ctx.query["name"];
    const found = this.artifactsOf(runId)
      .filter((a) => name === undefined || a.name === name)
      .sort((a, b) => b.id - a.id);
    const { items, headers } = this.page(ctx, found);
    return { status: 200, body: { total_count: found.length, artifacts: items.map((a) => this.artifactJson(a)) }, headers };
  }

  private artifactJson(artifact: FakeArtifact): object {
    const run = this.requireRun(artifact.runId);
    return {
      id: artifact.id,
      node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
      name: artifact.name,
      size_in_bytes: artifact.sizeInBytes,
      url: `${this.url}/repos/${this.fullName}/actions/artifacts/${artifact.id}`,
      archive_download_url: `${this.url}/repos/${this.fullName}/actions/artifacts/${artifact.id}/zip`,
      expired: artifact.expired,
      digest: artifact.digest,
      created_at: artifact.createdAt,
      updated_at: artifact.createdAt,
      expires_at: artifact.expired ? artifact.createdAt : "2099-01-01T00:00:00Z",
      workflow_run: { id: run.id, repository_id: 1, head_repository_id: 1, head_branch: run.headBranch, head_sha: run.headSha },
    };
  }

  private resolveCommit(ref: string) {
    return this.commits.get(this.branches.get(ref) ?? ref);
  }

  private commitJson(commit: { sha: string; parents: string[]; message: string; date: string }): object {
    const person = { name: "Octo Cat", email: "octocat@example.com", date: commit.date };
    return {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      commit: { message: commit.message, author: person, committer: person },
      url: `${this.url}/repos/${this.fullName}/commits/${commit.sha}`,
      html_url: `https://github.com/${this.fullName}/commit/${commit.sha}`,
      parents: commit.parents.map((p) => ({ sha: p, url: `${this.url}/repos/${this.fullName}/commits/${p}` })),
    };
  }

  /** `git log <sha>`: every commit reachable from it, newest first. */
  private listCommits(ctx: Context): Reply {
    const start = this.resolveCommit(ctx.query["sha"] ?? this.defaultBranch);
    if (start === undefined) return unknownCommit(ctx.query["sha"] ?? this.defaultBranch);
    const seen = new Map<string, { sha: string; parents: string[]; message: string; date: string }>();
    const queue = [start];
    for (let commit = queue.shift(); commit !== undefined; commit = queue.shift()) {
      if (seen.has(commit.sha)) continue;
      seen.set(commit.sha, commit);
      for (const parent of commit.parents) {
        const next = this.commits.get(parent);
        if (next !== undefined) queue.push(next);
      }
    }
    const ordered = [...seen.values()].sort((a, b) => b.date.localeCompare(a.date));
    const { items, headers } = this.page(ctx, ordered);
    return { status: 200, body: items.map((c) => this.commitJson(c)), headers };
  }

  private listPulls(ctx: Context): Reply {
    const state = ctx.query["state"] ?? "open";
    const { head, base } = ctx.query;
    const found = [...this.pulls.values()]
      .filter((p) => state === "all" || p.state === state)
      .filter((p) => base === undefined || p.baseRef === base)
      .filter((p) => head === undefined || `${p.forkOwner ?? this.owner}:${p.headRef}` === head)
      .sort((a, b) => (ctx.query["sort"] === "updated" ? b.updatedAt.localeCompare(a.updatedAt) : b.number - a.number));
    const { items, headers } = this.page(ctx, found);
    return { status: 200, body: items.map((p) => this.pullJson(p)), headers };
  }

  private pullJson(pr: FakePullRequest): object {
    const headOwner = pr.forkOwner ?? this.owner;
    const repoJson = (owner: string, fork: boolean) => ({ full_name: `${owner}/${this.repo}`, name: this.repo, owner: { login: owner }, fork });
    return {
      number: pr.number,
      state: pr.state,
      title: pr.title,
      html_url: `https://github.com/${this.fullName}/pull/${pr.number}`,
      user: { login: headOwner, type: "User" },
      updated_at: pr.updatedAt,
      head: { ref: pr.headRef, sha: pr.headSha, label: `${headOwner}:${pr.headRef}`, repo: repoJson(headOwner, pr.forkOwner !== null) },
      base: { ref: pr.baseRef, sha: pr.baseSha, label: `${this.owner}:${pr.baseRef}`, repo: repoJson(this.owner, false) },
    };
  }

  private commentJson(comment: FakeComment): object {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: comment.user,
      html_url: `https://github.com/${this.fullName}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
      url: `${this.url}/repos/${this.fullName}/issues/comments/${comment.id}`,
      issue_url: `${this.url}/repos/${this.fullName}/issues/${comment.issueNumber}`,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
    };
  }

  private commentBody(ctx: Context): string | Reply {
    const body = (ctx.body as { body?: unknown } | null)?.body;
    if (typeof body !== "string" || body === "") return validationFailed("IssueComment", "body", "missing_field");
    if (body.length > COMMENT_LIMIT) return validationFailed("IssueComment", "body", "custom", `body is too long (maximum is ${COMMENT_LIMIT} characters)`);
    return body;
  }

  private createComment(ctx: Context): Reply {
    const issue = Number(ctx.match[1]);
    if (!this.pulls.has(issue)) return notFound();
    const body = this.commentBody(ctx);
    if (typeof body !== "string") return body;
    const comment = this.addComment(issue, body, this.identity);
    return { status: 201, body: this.commentJson(comment) };
  }

  private updateComment(ctx: Context): Reply {
    const comment = this.issueComments.find((c) => c.id === Number(ctx.match[1]));
    if (comment === undefined) return notFound();
    const body = this.commentBody(ctx);
    if (typeof body !== "string") return body;
    comment.body = body;
    comment.updatedAt = this.tick();
    return { status: 200, body: this.commentJson(comment) };
  }

  private createStatus(ctx: Context): Reply {
    const input = (ctx.body ?? {}) as { state?: unknown; description?: unknown; target_url?: unknown; context?: unknown };
    if (typeof input.state !== "string" || !["error", "failure", "pending", "success"].includes(input.state)) {
      return validationFailed("Status", "state", "invalid");
    }
    if (typeof input.description === "string" && input.description.length > 140) {
      return validationFailed("Status", "description", "custom", "description is too long (maximum is 140 characters)");
    }
    const status: FakeStatus = {
      id: this.newId(),
      sha: ctx.match[1] ?? "",
      state: input.state,
      description: typeof input.description === "string" ? input.description : null,
      targetUrl: typeof input.target_url === "string" ? input.target_url : null,
      context: typeof input.context === "string" ? input.context : "default",
      createdAt: this.tick(),
    };
    this.commitStatuses.push(status);
    return {
      status: 201,
      body: { id: status.id, state: status.state, description: status.description, target_url: status.targetUrl, context: status.context, created_at: status.createdAt },
    };
  }

  // ---- results service (Twirp JSON) and blob storage ------------------------------------------------------------

  /** The run a Twirp request acts for: named by its runtime token, and by the body when the body names one. */
  private twirpRun(ctx: Context): FakeRun | undefined {
    const token = ctx.authorization.replace(/^Bearer /, "");
    let scope: string;
    try {
      const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { scp?: unknown };
      scope = typeof claims.scp === "string" ? claims.scp : "";
    } catch {
      return undefined;
    }
    const ids = scope.split(" ").find((s) => s.startsWith("Actions.Results:"))?.split(":");
    const run = [...this.runs.values()].find((r) => r.backendId === ids?.[1] && r.jobBackendId === ids[2]);
    const claimed = (ctx.body as { workflow_run_backend_id?: unknown } | null)?.workflow_run_backend_id;
    if (run === undefined || (claimed !== undefined && claimed !== run.backendId)) return undefined;
    return run;
  }

  private runArtifactByName(ctx: Context): { run: FakeRun; name: string; artifact: FakeArtifact | undefined } {
    const run = this.twirpRun(ctx) as FakeRun;
    const name = text((ctx.body as { name?: unknown }).name) ?? "";
    const artifact = [...this.artifacts.values()].find((a) => a.runId === run.id && a.name === name);
    return { run, name, artifact };
  }

  private twirpCreate(ctx: Context): Reply {
    const { run, name, artifact } = this.runArtifactByName(ctx);
    if (name === "") return twirpError(400, "invalid_argument", "name is required");
    if (artifact !== undefined) return twirpError(409, "already_exists", "an artifact with this name already exists on the workflow run");
    const created: FakeArtifact = {
      id: this.newId(),
      runId: run.id,
      name,
      zip: null,
      finalized: false,
      expired: false,
      sizeInBytes: 0,
      digest: null,
      createdAt: this.tick(),
      reported: null,
      blocks: new Map(),
    };
    this.artifacts.set(created.id, created);
    return { status: 200, body: { ok: true, signed_upload_url: this.blobUrl(created) } };
  }

  private twirpFinalize(ctx: Context): Reply {
    const { artifact } = this.runArtifactByName(ctx);
    if (artifact === undefined || artifact.finalized) return twirpError(404, "not_found", "no artifact upload in progress with this name");
    if (artifact.zip === null) return twirpError(400, "failed_precondition", "the artifact's blob was never committed");
    const input = ctx.body as { size?: unknown; hash?: unknown };
    artifact.finalized = true;
    artifact.sizeInBytes = artifact.zip.length;
    artifact.digest = `sha256:${createHash("sha256").update(artifact.zip).digest("hex")}`;
    artifact.reported = { size: text(input.size) ?? "", hash: text(input.hash) ?? null };
    return { status: 200, body: { ok: true, artifact_id: String(artifact.id) } };
  }

  private twirpList(ctx: Context): Reply {
    const run = this.twirpRun(ctx) as FakeRun;
    const input = ctx.body as { name_filter?: unknown; id_filter?: unknown };
    const found = this.artifactsOf(run.id)
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

  private twirpSignedUrl(ctx: Context): Reply {
    const { artifact } = this.runArtifactByName(ctx);
    if (artifact?.finalized !== true || artifact.expired) return twirpError(404, "not_found", "artifact not found");
    return { status: 200, body: { signed_url: this.blobUrl(artifact) } };
  }

  private twirpDelete(ctx: Context): Reply {
    const { artifact } = this.runArtifactByName(ctx);
    if (artifact?.finalized !== true) return twirpError(404, "not_found", "artifact not found");
    this.artifacts.delete(artifact.id);
    return { status: 200, body: { ok: true, artifact_id: String(artifact.id) } };
  }

  private blobUrl(artifact: FakeArtifact): string {
    return `${this.url}/blob/${artifact.id}/${encodeURIComponent(artifact.name)}.zip?sv=2025-01-05&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=rcw&sig=${this.blobSig}`;
  }

  /** Azure Put Block (`comp=block`), Put Block List (`comp=blocklist`) and single-shot Put Blob. */
  private blobPut(ctx: Context): Reply {
    const artifact = this.artifacts.get(Number(ctx.match[1]));
    if (artifact === undefined || artifact.finalized) return blobError(404, "BlobNotFound");
    const created = { "x-ms-request-id": randomBytes(8).toString("hex"), "x-ms-version": "2025-01-05", "x-ms-request-server-encrypted": "true" };
    const etag = { etag: `"0x${randomBytes(8).toString("hex").toUpperCase()}"`, "last-modified": new Date().toUTCString() };
    switch (ctx.query["comp"]) {
      case "block": {
        const blockId = ctx.query["blockid"];
        if (blockId === undefined) return blobError(400, "InvalidQueryParameterValue");
        artifact.blocks.set(blockId, ctx.raw);
        return { status: 201, headers: created };
      }
      case "blocklist": {
        const ids = [...ctx.raw.toString("utf8").matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1] ?? "");
        const parts = ids.map((id) => artifact.blocks.get(id));
        if (parts.some((p) => p === undefined)) return blobError(400, "InvalidBlockList");
        artifact.zip = Buffer.concat(parts as Buffer[]);
        artifact.blocks.clear();
        return { status: 201, headers: { ...created, ...etag } };
      }
      case undefined:
        artifact.zip = ctx.raw;
        return { status: 201, headers: { ...created, ...etag } };
      default:
        return blobError(400, "InvalidQueryParameterValue");
    }
  }

  private blobGet(ctx: Context): Reply {
    const artifact = this.artifacts.get(Number(ctx.match[1]));
    if (artifact?.zip == null || !artifact.finalized) return blobError(404, "BlobNotFound");
    return { status: 200, body: artifact.zip, headers: { "content-type": "application/zip" } };
  }
}

/** A JSON scalar as protobuf-JSON sends it (int64 arrives as a string), or undefined. */
function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === "string" ? pattern === path : pattern.test(path);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function uuidFor(kind: string, id: number): string {
  const hex = createHash("sha256").update(`${kind}:${id}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return null;
  if (contentType.includes("json")) {
    try {
      return JSON.parse(raw.toString("utf8")) as unknown;
    } catch {
      return raw.toString("utf8");
    }
  }
  if (contentType.includes("xml") || contentType.startsWith("text/")) return raw.toString("utf8");
  return { byteLength: raw.length };
}

function messageOf(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(body);
}

function notFound(): Reply {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

function unknownCommit(ref: string): Reply {
  return { status: 422, body: { message: `No commit found for SHA: ${ref}`, documentation_url: "https://docs.github.com/rest" } };
}

function validationFailed(resource: string, field: string, code: string, message?: string): Reply {
  return { status: 422, body: { message: "Validation Failed", errors: [{ resource, field, code, ...(message === undefined ? {} : { message }) }] } };
}

function twirpError(status: number, code: string, msg: string): Reply {
  return { status, body: { code, msg } };
}

function blobError(status: number, code: string): Reply {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;
  return { status, body: Buffer.from(xml), headers: { "content-type": "application/xml", "x-ms-error-code": code } };
}

/** A zip (deflated entries, no zip64) of the given files: enough to seed artifacts the real client can extract. */
export function makeZip(files: Record<string, string | Uint8Array>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The files of a zip, read through its central directory (stored and deflated entries; what archiver writes). */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error("not a zip: no end of central directory");
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const packedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const packed = zip.subarray(dataAt, dataAt + packedSize);
    if (!name.endsWith("/")) files.set(name, method === 8 ? inflateRawSync(packed) : Buffer.from(packed));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
