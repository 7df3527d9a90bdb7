import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub, sha } from "../support/fake-github.js";

// @actions/github fixes its API URL when first imported, and the artifact client's downloads from other runs use
// it: the fake must be listening, and GITHUB_API_URL set, before the adapter is imported.
const fake = await FakeGitHub.start();
const savedEnv = { ...process.env };
process.env["GITHUB_API_URL"] = fake.url;
const { Artifacts, DEFAULT_MAX_ARTIFACT_BYTES } = await import("../../src/adapters/artifacts.js");

const NAME = "profgate-results";
const access = { token: fake.token, owner: fake.owner, repo: fake.repo };
let work: string;

/** Makes this process look like a step of `runId` to the artifact client. */
function enterRun(runId: number): void {
  const env = fake.runnerEnv(runId);
  for (const key of ["ACTIONS_RESULTS_URL", "ACTIONS_RUNTIME_TOKEN", "GITHUB_SERVER_URL"] as const) process.env[key] = env[key];
}

async function writeTree(root: string, files: Record<string, Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

async function readTree(root: string): Promise<Record<string, Buffer>> {
  const tree: Record<string, Buffer> = {};
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) tree[relative(root, join(entry.parentPath, entry.name))] = await readFile(join(entry.parentPath, entry.name));
  }
  return tree;
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "profgate-artifacts-"));
  fake.clearRequests();
});

afterEach(async () => {
  expect(fake.unrouted()).toEqual([]);
  expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
  await rm(work, { recursive: true, force: true });
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await fake.close();
});

describe("upload, then download from a later run", () => {
  it("hands a later run byte-identical files through findBy", async () => {
    const files = {
      "results.json": Buffer.from(JSON.stringify({ schema: 1, benchmarks: [] })),
      "profiles/bench_sort.pstats": randomBytes(300_000),
      "profiles/nested/deep file.txt": Buffer.from("ünïcödé\n"),
    };
    await writeTree(join(work, "out"), files);
    const push = fake.addRun({ headSha: sha("main-head"), event: "push" });
    enterRun(push.id);

    const uploaded = await new Artifacts().upload(NAME, join(work, "out"), Object.keys(files));

    const [stored] = fake.artifactsOf(push.id);
    expect(stored).toMatchObject({ id: uploaded.id, name: NAME, digest: uploaded.digest });
    expect(uploaded.sizeInBytes).toBe(stored?.zip?.length);
    expect(Object.fromEntries(fake.artifactFiles(uploaded.id))).toEqual(files);
    const twirp = fake.requests.filter((r) => r.service === "twirp").map((r) => [r.path.split("/").at(-1), r.auth]);
    expect(twirp).toEqual([
      ["CreateArtifact", "bearer"],
      ["FinalizeArtifact", "bearer"],
    ]);
    expect(fake.requests.filter((r) => r.service === "blob").map((r) => r.query["comp"])).toEqual(["block", "blocklist"]);

    const pr = fake.addRun({ headSha: sha("pr-head"), event: "pull_request", headBranch: "feature" });
    enterRun(pr.id);
    fake.clearRequests();
    const destination = join(work, "baseline");

    const result = await new Artifacts().downloadFromRun(NAME, push.id, destination, access);

    expect(result).toEqual({ status: "downloaded", path: destination, artifact: { id: uploaded.id, name: NAME, sizeInBytes: stored?.zip?.length } });
    expect(await readTree(destination)).toEqual(files);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /repos/${fake.fullName}/actions/runs/${push.id}/artifacts 200`,
      `GET /repos/${fake.fullName}/actions/artifacts/${uploaded.id}/zip 302`,
      `GET /blob/${uploaded.id}/${NAME}.zip 200`,
    ]);
    expect(fake.requests[0]?.query).toMatchObject({ name: NAME });
  });

  it("keeps each run's artifacts apart", async () => {
    const first = fake.addRun({ headSha: sha("one") });
    const second = fake.addRun({ headSha: sha("two") });
    for (const [run, text] of [[first, "first"], [second, "second"]] as const) {
      await writeTree(join(work, text), { "results.json": Buffer.from(text) });
      enterRun(run.id);
      await new Artifacts().upload(NAME, join(work, text), ["results.json"]);
    }
    const result = await new Artifacts().downloadFromRun(NAME, first.id, join(work, "got"), access);
    expect(result.status).toBe("downloaded");
    expect(await readFile(join(work, "got", "results.json"), "utf8")).toBe("first");
  });
});

describe("this run's own artifacts", () => {
  it("lists what other jobs of the run uploaded, and downloads one under the same limits", async () => {
    const run = fake.addRun({ headSha: sha("matrix") });
    const other = fake.addRun({ headSha: sha("elsewhere") });
    fake.addArtifact(other.id, { name: "shard-1", files: { "results.json": "other run" } });
    enterRun(run.id);
    for (const name of ["shard-1", "shard-2"]) {
      await writeTree(join(work, name), { "results.json": Buffer.from(name) });
      await new Artifacts().upload(name, join(work, name), ["results.json"]);
    }
    const listed = await new Artifacts().listThisRun();
    expect(listed.map((a) => a.name).sort()).toEqual(["shard-1", "shard-2"]);
    const first = listed.find((a) => a.name === "shard-1")!;
    const result = await new Artifacts().downloadFromThisRun(first, join(work, "got"));
    expect(result.status).toBe("downloaded");
    expect(await readFile(join(work, "got", "results.json"), "utf8")).toBe("shard-1");
    const refused = await new Artifacts({ maxBytes: 3 }).downloadFromThisRun(first, join(work, "small"));
    expect(refused).toMatchObject({ status: "too-large", message: expect.stringMatching(/artifact "shard-1" of this run is \d+ bytes; the limit is 3/) as unknown });
  });
});

describe("downloadFromRun refusals", () => {
  beforeEach(() => enterRun(fake.addRun({ headSha: sha("current"), event: "pull_request" }).id));

  it(`refuses an artifact listed above ${DEFAULT_MAX_ARTIFACT_BYTES} bytes without downloading it`, async () => {
    const run = fake.addRun({ headSha: sha("huge") });
    fake.addArtifact(run.id, { name: NAME, files: { "results.json": "{}" }, sizeInBytes: DEFAULT_MAX_ARTIFACT_BYTES + 1 });

    const result = await new Artifacts().downloadFromRun(NAME, run.id, join(work, "dest"), access);

    expect(result).toMatchObject({ status: "too-large", artifact: { sizeInBytes: DEFAULT_MAX_ARTIFACT_BYTES + 1 } });
    expect(fake.requests.filter((r) => r.path.endsWith("/zip") || r.service === "blob")).toEqual([]);
  });

  it("honours a smaller configured limit", async () => {
    const run = fake.addRun({ headSha: sha("big") });
    fake.addArtifact(run.id, { name: NAME, files: { "results.json": randomBytes(5000) } });
    const result = await new Artifacts({ maxBytes: 1000 }).downloadFromRun(NAME, run.id, join(work, "dest"), access);
    expect(result.status).toBe("too-large");
  });

  it("removes an artifact that inflates past the extraction limit", async () => {
    const run = fake.addRun({ headSha: sha("bomb") });
    fake.addArtifact(run.id, { name: NAME, files: { "results.json": Buffer.alloc(200_000) } });
    const destination = join(work, "dest");

    const result = await new Artifacts({ maxExtractedBytes: 100_000 }).downloadFromRun(NAME, run.id, destination, access);

    expect(result).toMatchObject({ status: "too-large", message: expect.stringMatching(/extracts to 200000 bytes/) as unknown });
    await expect(readdir(destination)).rejects.toThrow(/ENOENT/);
  });

  it("reports a run without the artifact as not found", async () => {
    const run = fake.addRun({ headSha: sha("bare") });
    fake.addArtifact(run.id, { name: "other", files: { x: "1" } });
    expect(await new Artifacts().downloadFromRun(NAME, run.id, join(work, "dest"), access)).toMatchObject({ status: "not-found" });
  });

  it("reports an expired artifact as expired", async () => {
    const run = fake.addRun({ headSha: sha("old") });
    const artifact = fake.addArtifact(run.id, { name: NAME, files: { x: "1" }, expired: true });

    const result = await new Artifacts().downloadFromRun(NAME, run.id, join(work, "dest"), access);

    expect(result).toMatchObject({ status: "expired", artifact: { id: artifact.id } });
    expect(fake.requestsTo("GET", `/repos/${fake.fullName}/actions/artifacts/${artifact.id}/zip`).map((r) => r.status)).toEqual([410]);
  });

  it("refuses an artifact whose bytes do not match its digest", async () => {
    const run = fake.addRun({ headSha: sha("tampered") });
    const artifact = fake.addArtifact(run.id, { name: NAME, files: { "results.json": "{}" } });
    artifact.digest = `sha256:${"0".repeat(64)}`;
    const destination = join(work, "dest");

    expect(await new Artifacts().downloadFromRun(NAME, run.id, destination, access)).toMatchObject({ status: "corrupt" });
    await expect(readdir(destination)).rejects.toThrow(/ENOENT/);
  });

  it("will not extract over existing files", async () => {
    const run = fake.addRun({ headSha: sha("fine") });
    fake.addArtifact(run.id, { name: NAME, files: { "results.json": "{}" } });
    await writeTree(join(work, "dest"), { "stale.json": Buffer.from("{}") });
    await expect(new Artifacts().downloadFromRun(NAME, run.id, join(work, "dest"), access)).rejects.toThrow(/not empty/);
  });
});
