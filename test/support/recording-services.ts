/**
 * A fake of the Action's `Services` that records every call and answers from what a test seeded: artifacts are
 * folders on disk (a download copies one), the GitHub answers are values, and the workflow commands are kept as
 * lists. Tests of the Action's decisions run its modes against it with real files in a scratch folder.
 */
import { cp, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type { DownloadResult, ListedArtifact, UploadedArtifact } from "../../src/adapters/artifacts.js";
import type { Baseline, CommitStatus, OpenedIssue, PullRequest, StickyComment } from "../../src/adapters/github.js";
import type { Services } from "../../src/action/types.js";

export interface RecordedCall {
  service: "github" | "artifacts";
  method: string;
  args: unknown[];
}

export interface Upload {
  name: string;
  root: string;
  files: string[];
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

/** Every call the Action made, and what it logged, output, summarised and failed with. */
export class RecordingServices {
  readonly calls: RecordedCall[] = [];
  readonly info: string[] = [];
  readonly warnings: string[] = [];
  readonly annotations: { message: string; file?: string; startLine?: number }[] = [];
  readonly outputs = new Map<string, string>();
  readonly summaries: string[] = [];
  readonly failures: string[] = [];
  readonly uploads: Upload[] = [];
  readonly comments: { number: number; marker: string; body: string }[] = [];
  readonly statuses: { sha: string; status: CommitStatus }[] = [];
  readonly issues: { marker: string; title: string; body: string }[] = [];

  /** What `findBaselineRun` answers when asked for its artifact's name. */
  baseline: Baseline | null = null;
  /** What `findBaselineRun` answers for other artifact names (the history). */
  readonly baselinesByName = new Map<string, Baseline>();
  /** Thrown by `findBaselineRun` when asked for an artifact by this name, instead of answering. */
  readonly findErrors = new Map<string, Error>();
  /** What `findPullRequest` answers. */
  pullRequest: PullRequest | null = null;
  /** Other runs' artifacts by run id: the folder a download copies. */
  readonly runArtifacts = new Map<number, { id: number; dir: string }>();
  /** This run's artifacts, as `listThisRun` lists them, with the folder a download copies. */
  readonly thisRun: (ListedArtifact & { dir: string })[] = [];
  /** Thrown by `upsertStickyComment` instead of commenting. */
  commentError: Error | null = null;
  /** Thrown by `openIssue` instead of opening one. */
  issueError: Error | null = null;

  /** The recorded calls as `service.method`, in order. */
  names(): string[] {
    return this.calls.map((c) => `${c.service}.${c.method}`);
  }

  get services(): Services {
    const record = (service: RecordedCall["service"], method: string, args: unknown[]): void => {
      this.calls.push({ service, method, args });
    };
    const copy = async (dir: string, destination: string, artifact: { id: number; name: string }): Promise<DownloadResult> => {
      await cp(dir, destination, { recursive: true });
      return { status: "downloaded", path: destination, artifact: { id: artifact.id, name: artifact.name, sizeInBytes: 1 } };
    };
    return {
      github: {
        defaultBranch: () => {
          record("github", "defaultBranch", []);
          return Promise.resolve("main");
        },
        findBaselineRun: (query) => {
          record("github", "findBaselineRun", [query]);
          const error = this.findErrors.get(query.artifactName);
          if (error !== undefined) return Promise.reject(error);
          // As GitHub's listing does: only a run holding an artifact by the asked name is a baseline.
          return Promise.resolve(this.baseline?.artifact.name === query.artifactName ? this.baseline : (this.baselinesByName.get(query.artifactName) ?? null));
        },
        findPullRequest: (headSha, head) => {
          record("github", "findPullRequest", [headSha, head]);
          return Promise.resolve(this.pullRequest);
        },
        upsertStickyComment: (number, marker, body): Promise<StickyComment> => {
          record("github", "upsertStickyComment", [number, marker]);
          if (this.commentError !== null) return Promise.reject(this.commentError);
          this.comments.push({ number, marker, body });
          return Promise.resolve({ id: this.comments.length, url: `https://github.com/o/r/pull/${number}#issuecomment-${this.comments.length}`, created: true });
        },
        openIssue: (marker, issue): Promise<OpenedIssue> => {
          record("github", "openIssue", [marker]);
          if (this.issueError !== null) return Promise.reject(this.issueError);
          // As GitHub's listing lets the adapter do: an open issue with the marker is answered, not opened again.
          const known = this.issues.findIndex((i) => i.marker === marker);
          if (known === -1) this.issues.push({ marker, ...issue });
          const number = (known === -1 ? this.issues.length : known + 1) + 100;
          return Promise.resolve({ number, url: `https://github.com/o/r/issues/${number}`, created: known === -1 });
        },
        setStatus: (sha, status) => {
          record("github", "setStatus", [sha, status]);
          this.statuses.push({ sha, status });
          return Promise.resolve();
        },
      },
      artifacts: {
        upload: async (name, root, files): Promise<UploadedArtifact> => {
          record("artifacts", "upload", [name]);
          for (const file of files) await stat(join(root, file));
          this.uploads.push({ name, root, files: [...files].sort() });
          return { id: 500 + this.uploads.length, sizeInBytes: files.length, digest: null };
        },
        downloadFromRun: async (name, runId, destination) => {
          record("artifacts", "downloadFromRun", [name, runId]);
          const artifact = this.runArtifacts.get(runId);
          if (artifact === undefined) return { status: "not-found", message: `run ${runId} has no artifact "${name}"` };
          return copy(artifact.dir, destination, { id: artifact.id, name });
        },
        listThisRun: () => {
          record("artifacts", "listThisRun", []);
          return Promise.resolve(this.thisRun.map(({ dir: _dir, ...listed }) => listed));
        },
        downloadFromThisRun: async (artifact, destination) => {
          record("artifacts", "downloadFromThisRun", [artifact.name]);
          const seeded = this.thisRun.find((a) => a.id === artifact.id);
          if (seeded === undefined) return { status: "not-found", message: `no artifact ${artifact.id} in this run` };
          return copy(seeded.dir, destination, artifact);
        },
      },
      workflow: {
        info: (message) => this.info.push(message),
        startGroup: (title) => this.info.push(`::group::${title}`),
        endGroup: () => this.info.push("::endgroup::"),
        warning: (message, annotation) => {
          this.warnings.push(message);
          if (annotation !== undefined) this.annotations.push({ message, file: annotation.file, startLine: annotation.startLine });
        },
        setOutput: (name, value) => this.outputs.set(name, value),
        setFailed: (message) => this.failures.push(message),
        writeSummary: (markdown) => {
          this.summaries.push(markdown);
          return Promise.resolve();
        },
      },
    };
  }

  /** The files of upload `name`, relative to its root. */
  async uploaded(name: string): Promise<string[]> {
    const upload = this.uploads.find((u) => u.name === name);
    if (upload === undefined) throw new Error(`nothing was uploaded as "${name}"`);
    expectSameFiles(upload.files, await filesUnder(upload.root));
    return upload.files;
  }
}

function expectSameFiles(listed: string[], present: string[]): void {
  const missing = present.filter((f) => !listed.includes(f));
  if (missing.length > 0) throw new Error(`files in the uploaded folder but not uploaded: ${missing.join(", ")}`);
}
