/**
 * Workflow artifacts through `@actions/artifact`: upload this run's results, and download another run's (the
 * baseline, or a fork PR's results) under a size limit. A missing, expired, oversized or corrupt artifact is a
 * result the caller reports, not an exception: none of them should break the job.
 *
 * The client reads `ACTIONS_RESULTS_URL`, `ACTIONS_RUNTIME_TOKEN` and `GITHUB_SERVER_URL` at call time, and its
 * downloads from other runs use the `GITHUB_API_URL` that `@actions/github` read when it was first imported.
 */
import { ArtifactNotFoundError, DefaultArtifactClient } from "@actions/artifact";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";

/** Largest artifact downloaded, as the listing reports it (a fork controls what it uploads). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;
/** Largest total of extracted files: the zip's listed size says nothing about how far it inflates. */
export const DEFAULT_MAX_EXTRACTED_BYTES = 256 * 1024 * 1024;

export interface ArtifactLimits {
  maxBytes?: number;
  maxExtractedBytes?: number;
}

/** Who may read another run's artifacts: a token with `actions: read` on this repository. */
export interface RepositoryAccess {
  token: string;
  owner: string;
  repo: string;
}

export interface UploadedArtifact {
  id: number;
  sizeInBytes: number;
  /** `sha256:…` of the uploaded zip. */
  digest: string | null;
}

export interface ArtifactInfo {
  id: number;
  name: string;
  sizeInBytes: number;
}

/** An artifact as a listing gives it, with the digest of its zip when GitHub has one. */
export interface ListedArtifact extends ArtifactInfo {
  digest?: string;
}

/** What came of a download; only `downloaded` left files behind. */
export type DownloadResult =
  | { status: "downloaded"; path: string; artifact: ArtifactInfo }
  | { status: "not-found"; message: string }
  | { status: "expired"; artifact: ArtifactInfo; message: string }
  | { status: "too-large"; artifact: ArtifactInfo; message: string }
  | { status: "corrupt"; artifact: ArtifactInfo; message: string };

/** This job's artifact store, and read access to other runs' artifacts. */
export class Artifacts {
  private readonly client = new DefaultArtifactClient();
  private readonly maxBytes: number;
  private readonly maxExtractedBytes: number;

  constructor(limits: ArtifactLimits = {}) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    this.maxExtractedBytes = limits.maxExtractedBytes ?? DEFAULT_MAX_EXTRACTED_BYTES;
  }

  /** Uploads `files` (absolute, or relative to `rootDir`) as artifact `name`, paths inside it relative to `rootDir`. */
  async upload(name: string, rootDir: string, files: readonly string[], options: { retentionDays?: number } = {}): Promise<UploadedArtifact> {
    const root = resolve(rootDir);
    const paths = files.map((file) => (isAbsolute(file) ? file : join(root, file)));
    const uploaded = await this.client.uploadArtifact(name, paths, root, options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays });
    if (uploaded.id === undefined) throw new Error(`uploading artifact "${name}" returned no artifact id`);
    return { id: uploaded.id, sizeInBytes: uploaded.size ?? 0, digest: uploaded.digest === undefined ? null : `sha256:${uploaded.digest}` };
  }

  /**
   * Downloads artifact `name` of workflow run `runId` and extracts it into `destination` (created; it must be
   * empty). Refuses, before downloading, an artifact the listing says is larger than the limit.
   */
  async downloadFromRun(name: string, runId: number, destination: string, access: RepositoryAccess): Promise<DownloadResult> {
    const findBy = { token: access.token, workflowRunId: runId, repositoryOwner: access.owner, repositoryName: access.repo };
    let found;
    try {
      found = await this.client.getArtifact(name, { findBy });
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return { status: "not-found", message: `run ${runId} has no artifact named "${name}"` };
      throw error;
    }
    const artifact: ArtifactInfo = { id: found.artifact.id, name: found.artifact.name, sizeInBytes: found.artifact.size };
    if (artifact.sizeInBytes > this.maxBytes) {
      return { status: "too-large", artifact, message: `artifact "${name}" of run ${runId} is ${artifact.sizeInBytes} bytes; the limit is ${this.maxBytes}` };
    }

    return this.fetch(artifact, found.artifact.digest, destination, `run ${runId}`, findBy);
  }

  /** The artifacts this workflow run has uploaded so far (other jobs' included), newest of each name. */
  async listThisRun(): Promise<ListedArtifact[]> {
    const { artifacts } = await this.client.listArtifacts({ latest: true });
    return artifacts.map((a) => (a.digest === undefined ? { id: a.id, name: a.name, sizeInBytes: a.size } : { id: a.id, name: a.name, sizeInBytes: a.size, digest: a.digest }));
  }

  /** Downloads one of this run's artifacts (from `listThisRun`) into `destination`, under the same limits. */
  async downloadFromThisRun(artifact: ListedArtifact, destination: string): Promise<DownloadResult> {
    const info: ArtifactInfo = { id: artifact.id, name: artifact.name, sizeInBytes: artifact.sizeInBytes };
    if (info.sizeInBytes > this.maxBytes) {
      return { status: "too-large", artifact: info, message: `artifact "${info.name}" of this run is ${info.sizeInBytes} bytes; the limit is ${this.maxBytes}` };
    }
    return this.fetch(info, artifact.digest, destination, "this run", undefined);
  }

  private async fetch(
    artifact: ArtifactInfo,
    digest: string | undefined,
    destination: string,
    where: string,
    findBy: { token: string; workflowRunId: number; repositoryOwner: string; repositoryName: string } | undefined,
  ): Promise<DownloadResult> {
    const name = artifact.name;
    await prepareEmpty(destination);
    let digestMismatch: boolean;
    try {
      const result = await this.client.downloadArtifact(artifact.id, {
        path: destination,
        ...(findBy === undefined ? {} : { findBy }),
        ...(digest === undefined ? {} : { expectedHash: digest }),
      });
      digestMismatch = result.digestMismatch === true;
    } catch (error) {
      // The listing still shows expired artifacts; only the download says 410 Gone (404 once deleted).
      const status = (error as { status?: unknown } | null)?.status;
      if (status === 410) return { status: "expired", artifact, message: `artifact "${name}" of ${where} has expired` };
      if (status === 404) return { status: "not-found", message: `artifact "${name}" of ${where} is gone` };
      throw error;
    }

    if (digestMismatch) {
      await rm(destination, { recursive: true, force: true });
      return { status: "corrupt", artifact, message: `artifact "${name}" of ${where} does not match its digest` };
    }
    const extracted = await totalSize(destination);
    if (extracted > this.maxExtractedBytes) {
      await rm(destination, { recursive: true, force: true });
      return { status: "too-large", artifact, message: `artifact "${name}" of ${where} extracts to ${extracted} bytes; the limit is ${this.maxExtractedBytes}` };
    }
    return { status: "downloaded", path: destination, artifact };
  }
}

/** Creates `dir`, refusing one with files in it: stale files would mix into the artifact's. */
async function prepareEmpty(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) throw new Error(`artifact destination ${dir} is not empty`);
}

async function totalSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
