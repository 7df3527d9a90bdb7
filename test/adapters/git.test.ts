/** The git adapter on real repositories in a temporary directory. */
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Git, GitError } from "../../src/adapters/git.js";

const scratch = mkdtempSync(join(tmpdir(), "profgate-git-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// git refuses file:// submodules unless told otherwise (CVE-2022-39253); these repositories are our own.
const FILE_PROTOCOL = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "protocol.file.allow", GIT_CONFIG_VALUE_0: "always" };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd, env: FILE_PROTOCOL });
  return result.stdout.trim();
}

describe("Git.addWorktree", () => {
  let repo: string;
  let first: string;

  beforeAll(async () => {
    const library = join(scratch, "library");
    await mkdir(library);
    await git(library, "init", "-q");
    await writeFile(join(library, "helper.py"), "VERSION = 1\n");
    await git(library, "add", "-A");
    await git(library, "commit", "-qm", "library v1");
    repo = join(scratch, "project");
    await mkdir(repo);
    await git(repo, "init", "-q");
    await writeFile(join(repo, "main.py"), "import helper\n");
    await git(repo, "submodule", "add", "-q", library, "vendor/library");
    await git(repo, "commit", "-qam", "with the library at v1");
    first = await git(repo, "rev-parse", "HEAD");
    // The library moves on, and so does the project: the first commit still records v1.
    await writeFile(join(library, "helper.py"), "VERSION = 2\n");
    await git(library, "commit", "-qam", "library v2");
    await git(join(repo, "vendor", "library"), "pull", "-q", "origin", "main");
    await git(repo, "commit", "-qam", "with the library at v2");
  });

  it("checks out the submodules at the commits the checked-out commit records", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, FILE_PROTOCOL);
    try {
      const worktree = await new Git(repo).addWorktree(first);
      try {
        expect(worktree.commit).toBe(first);
        expect(readFileSync(join(worktree.path, "vendor", "library", "helper.py"), "utf8")).toBe("VERSION = 1\n");
      } finally {
        await worktree.remove();
      }
      expect(existsSync(worktree.path)).toBe(false);
    } finally {
      process.env = saved;
    }
  });

  it("says which submodules could not be checked out, and leaves no worktree behind", async () => {
    // Forbidden the file protocol, git cannot fetch the submodule.
    const saved = { ...process.env };
    Object.assign(process.env, FILE_PROTOCOL, { GIT_CONFIG_VALUE_0: "never" });
    const error = await new Git(repo).addWorktree(first).catch((e: unknown) => e);
    process.env = saved;
    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toMatch(new RegExp(`could not check out the submodules of ${first} \\(${first}\\)`));
    const list = await execa("git", ["worktree", "list", "--porcelain"], { cwd: repo });
    expect(list.stdout.match(/^worktree /gm)).toHaveLength(1);
  });
});
