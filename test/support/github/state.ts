/**
 * What the fake GitHub knows: workflows, runs, artifacts, commits, pull requests, comments and statuses, with the
 * seeding that tests and the services share. Ids and timestamps increase in call order, so the latest added is the
 * newest everywhere.
 */
import { createHash, randomBytes } from "node:crypto";
import { makeZip } from "./zip.js";

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

export interface FakeCommit {
  sha: string;
  parents: string[];
  message: string;
  date: string;
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
  /** The description; defaults to empty. */
  body?: string;
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

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  user: CommentUser;
  state: "open" | "closed";
  createdAt: string;
}

export interface IssueSeed {
  title: string;
  body: string;
  /** The author; defaults to a person. */
  user?: CommentUser;
  state?: "open" | "closed";
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

export interface RepositoryOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  token?: string;
  /** Who the token acts as: the workflow's token by default (github-actions[bot]); a user for a personal access token. */
  identity?: CommentUser;
}

/** A fresh 40-hex SHA derived from a label, so tests can name commits. */
export function sha(label: string): string {
  return createHash("sha1").update(label).digest("hex");
}

/** The repository's state, shared by every service of the fake. */
export class GitHubState {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly token: string;
  /** Who the token acts as: the author of the comments it posts, and GraphQL's `viewer`. */
  readonly identity: CommentUser;
  /** When true every REST write answers 403 "Resource not accessible by integration", like a fork PR's token. */
  readOnly = false;
  /** Base URL of every service; set once the server listens. */
  url = "";
  /** The signature of signed blob URLs: a URL without it is refused. */
  readonly blobSignature = randomBytes(12).toString("hex");

  readonly workflows = new Map<number, Required<WorkflowSeed>>();
  readonly runs = new Map<number, FakeRun>();
  readonly artifacts = new Map<number, FakeArtifact>();
  readonly commits = new Map<string, FakeCommit>();
  readonly branches = new Map<string, string>();
  readonly pulls = new Map<number, FakePullRequest>();
  readonly comments: FakeComment[] = [];
  readonly statuses: FakeStatus[] = [];
  /** Issues proper; pull requests share their numbers, as on GitHub. */
  readonly issues: FakeIssue[] = [];

  private clock = Date.parse("2026-01-05T10:00:00Z");
  private lastId = 1000;

  constructor(options: RepositoryOptions) {
    this.owner = options.owner ?? "octo-org";
    this.repo = options.repo ?? "octo-repo";
    this.defaultBranch = options.defaultBranch ?? "main";
    this.token = options.token ?? `ghs_fake${randomBytes(16).toString("hex")}`;
    this.identity = options.identity ?? { login: "github-actions[bot]", type: "Bot" };
    this.addWorkflow({ id: 1, path: ".github/workflows/profgate.yml", name: "profgate" });
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  /** A new id, above every id given so far, seeded ones included. */
  newId(): number {
    return ++this.lastId;
  }

  /** The next timestamp: a minute after the last. */
  tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  addWorkflow(seed: WorkflowSeed): void {
    this.workflows.set(seed.id, { ...seed, name: seed.name ?? seed.path.replace(/^.*\//, "").replace(/\.ya?ml$/, "") });
  }

  addRun(seed: RunSeed): FakeRun {
    const id = seed.id ?? this.newId();
    this.lastId = Math.max(this.lastId, id);
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

  /** An artifact upload begun in a run: no bytes and not listed until the upload is finalized. */
  startArtifact(runId: number, name: string): FakeArtifact {
    const artifact: FakeArtifact = {
      id: this.newId(),
      runId,
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
    this.artifacts.set(artifact.id, artifact);
    return artifact;
  }

  addArtifact(runId: number, seed: ArtifactSeed): FakeArtifact {
    this.requireRun(runId);
    const artifact = this.startArtifact(runId, seed.name);
    const bytes = seed.zip !== undefined ? Buffer.from(seed.zip) : makeZip(seed.files ?? {});
    artifact.zip = bytes;
    artifact.finalized = true;
    artifact.expired = seed.expired ?? false;
    artifact.sizeInBytes = seed.sizeInBytes ?? bytes.length;
    artifact.digest = digestOf(bytes);
    return artifact;
  }

  addCommit(commit: { sha: string; parents?: string[]; message?: string; branch?: string }): void {
    this.commits.set(commit.sha, { sha: commit.sha, parents: commit.parents ?? [], message: commit.message ?? commit.sha.slice(0, 7), date: this.tick() });
    if (commit.branch !== undefined) this.branches.set(commit.branch, commit.sha);
  }

  addPullRequest(seed: PullRequestSeed): FakePullRequest {
    const pr: FakePullRequest = {
      number: seed.number,
      headSha: seed.headSha,
      headRef: seed.headRef,
      baseRef: seed.baseRef ?? this.defaultBranch,
      baseSha: seed.baseSha,
      state: seed.state ?? "open",
      title: seed.title ?? `PR ${seed.number}`,
      body: seed.body ?? "",
      forkOwner: seed.forkOwner ?? null,
      updatedAt: this.tick(),
    };
    this.pulls.set(pr.number, pr);
    return pr;
  }

  addComment(issueNumber: number, body: string, user: CommentUser): FakeComment {
    const now = this.tick();
    const comment: FakeComment = { id: this.newId(), issueNumber, body, user, createdAt: now, updatedAt: now };
    this.comments.push(comment);
    return comment;
  }

  /** Opens an issue numbered after every issue and pull request so far. */
  addIssue(seed: IssueSeed): FakeIssue {
    const number = Math.max(0, ...this.pulls.keys(), ...this.issues.map((i) => i.number)) + 1;
    const issue: FakeIssue = { number, title: seed.title, body: seed.body, user: seed.user ?? { login: "octocat", type: "User" }, state: seed.state ?? "open", createdAt: this.tick() };
    this.issues.push(issue);
    return issue;
  }

  requireRun(runId: number): FakeRun {
    const run = this.runs.get(runId);
    if (run === undefined) throw new Error(`no run ${runId} in the fake`);
    return run;
  }

  /** Finalized artifacts of a run, oldest first. */
  artifactsOf(runId: number): FakeArtifact[] {
    return [...this.artifacts.values()].filter((a) => a.runId === runId && a.finalized);
  }

  /** A commit by SHA or branch name. */
  resolveCommit(ref: string): FakeCommit | undefined {
    return this.commits.get(this.branches.get(ref) ?? ref);
  }

  /** The signed URL of an artifact's blob, as the results service and the REST zip redirect hand it out. */
  blobUrl(artifact: FakeArtifact): string {
    return `${this.url}/blob/${artifact.id}/${encodeURIComponent(artifact.name)}.zip?sv=2025-01-05&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=rcw&sig=${this.blobSignature}`;
  }
}

/** `sha256:…` of some bytes, as GitHub reports an artifact's digest. */
export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function uuidFor(kind: string, id: number): string {
  const hex = createHash("sha256").update(`${kind}:${id}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
