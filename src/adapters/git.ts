/**
 * git, for measuring another commit beside the working tree: resolve refs, fetch a commit a shallow checkout lacks,
 * and check a commit out as a detached worktree in a temporary directory (sharing the repository's objects, so
 * nothing is cloned; its submodules, if any, are fetched at the commits it records), removed afterwards. And what
 * the working tree changes since a commit: the files, each file's changed lines on both sides, a file's old source.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A git command failed; the message says what was asked and git's own words. */
export class GitError extends Error {
  override name = "GitError";
}

/** A commit checked out in a temporary directory; `remove()` deletes it and unregisters it from the repository. */
export interface Worktree {
  path: string;
  commit: string;
  remove(): Promise<void>;
}

// Fetching can take a while on a big repository; local commands should be instant.
const LOCAL_TIMEOUT_MS = 60_000;
const FETCH_TIMEOUT_MS = 300_000;

/** A file the working tree changes since a commit; `path` is relative to the repository's top level, with / separators. */
export interface ChangedFile {
  path: string;
  /** git's letter: A added (untracked files included), D deleted, M modified, T type changed; renames are a D and an A. */
  status: string;
}

/** The lines one file's change touches: deleted or modified on the base side, added or modified on the head side (1-based, inclusive). */
export interface ChangedLines {
  base: [number, number][];
  head: [number, number][];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The line ranges of a unified diff's hunk headers (`git diff -U0`): a count of 0 is a pure insertion or deletion. */
export function parseHunks(diff: string): ChangedLines {
  const lines: ChangedLines = { base: [], head: [] };
  for (const line of diff.split("\n")) {
    const match = HUNK.exec(line);
    if (match === null) continue;
    const [baseStart, baseCount, headStart, headCount] = [match[1], match[2] ?? "1", match[3], match[4] ?? "1"].map(Number) as [number, number, number, number];
    if (baseCount > 0) lines.base.push([baseStart, baseStart + baseCount - 1]);
    if (headCount > 0) lines.head.push([headStart, headStart + headCount - 1]);
  }
  return lines;
}

/** git in one repository (the one holding `cwd`). */
export class Git {
  constructor(readonly cwd: string) {}

  private async run(args: readonly string[], timeout = LOCAL_TIMEOUT_MS): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    const result = await execa("git", args, { cwd: this.cwd, reject: false, timeout, stdin: "ignore", env: { GIT_TERMINAL_PROMPT: "0" } });
    if (result.failed && result.exitCode === undefined) {
      const reason = /ENOENT/.test(result.message ?? "") ? "git is not installed (or not on PATH)" : (result.shortMessage ?? "unknown error");
      throw new GitError(`git ${args[0] ?? ""}: ${reason}`);
    }
    return { ok: result.exitCode === 0, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  }

  /** The repository's top-level directory; throws when `cwd` is not inside a git repository. */
  async root(): Promise<string> {
    const result = await this.run(["rev-parse", "--show-toplevel"]);
    if (!result.ok) throw new GitError(`${this.cwd} is not in a git repository (git: ${result.stderr || "rev-parse failed"}); run profgate ab inside the repository whose commits it compares`);
    return result.stdout;
  }

  /** Where `cwd` lies inside the repository, relative to its top level ("" at the top, else ending in "/"). */
  async prefix(): Promise<string> {
    await this.root();
    return (await this.run(["rev-parse", "--show-prefix"])).stdout;
  }

  /** The full SHA of the commit `ref` names (a branch, tag, SHA, `HEAD~1`…); throws naming the ref when unknown. */
  async resolveCommit(ref: string): Promise<string> {
    await this.root();
    if (ref.startsWith("-")) throw new GitError(`unknown ref "${ref}": a ref cannot start with "-"`);
    const result = await this.run(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    if (!result.ok) {
      throw new GitError(`unknown ref "${ref}": no such commit, branch or tag in ${await this.root()} (a commit missing from a shallow clone can be fetched first: git fetch --depth=1 origin SHA)`);
    }
    return result.stdout;
  }

  /** Whether the repository has the commit `sha` (e.g. after a shallow checkout of another one). */
  async hasCommit(sha: string): Promise<boolean> {
    if (sha.startsWith("-")) return false;
    return (await this.run(["cat-file", "-e", "--end-of-options", `${sha}^{commit}`])).ok;
  }

  /** Fetches the one commit `sha` from `remote` without history or tags, as actions/checkout's shallow clone needs. */
  async fetchCommit(sha: string, remote = "origin"): Promise<void> {
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new GitError(`fetch: "${sha}" is not a commit SHA`);
    const result = await this.run(["fetch", "--no-tags", "--depth=1", remote, sha], FETCH_TIMEOUT_MS);
    if (!result.ok || !(await this.hasCommit(sha))) {
      throw new GitError(`could not fetch commit ${sha} from ${remote}: ${result.stderr || "the commit is still missing after the fetch"}`);
    }
  }

  /**
   * The files the working tree changes since commit `base`, renames as a deletion and an addition. `untracked`:
   * whether untracked .py files count as added (not other untracked files: outputs, caches, build products).
   */
  async changedFiles(base: string, untracked: boolean): Promise<ChangedFile[]> {
    const commit = await this.resolveCommit(base);
    const root = await this.root();
    const top = new Git(root);
    const diff = await top.run(["-c", "core.quotepath=off", "diff", "--name-status", "--no-renames", "-z", commit, "--"]);
    if (!diff.ok) throw new GitError(`could not list the files changed since ${base}: ${diff.stderr}`);
    const fields = diff.stdout.split("\0").filter((f) => f !== "");
    const files: ChangedFile[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) files.push({ status: (fields[i] ?? "M").charAt(0), path: fields[i + 1] ?? "" });
    if (!untracked) return files;
    const others = await top.run(["ls-files", "--others", "--exclude-standard", "-z"]);
    if (!others.ok) throw new GitError(`could not list the untracked files: ${others.stderr}`);
    for (const path of others.stdout.split("\0")) if (path.endsWith(".py")) files.push({ status: "A", path });
    return files;
  }

  /** The lines the working tree's `path` (relative to the top level) changes since commit `base`. */
  async changedLines(base: string, path: string): Promise<ChangedLines> {
    const root = await this.root();
    const diff = await new Git(root).run(["diff", "--no-color", "--no-renames", "--no-ext-diff", "-U0", base, "--", path]);
    if (!diff.ok) throw new GitError(`could not diff ${path} since ${base}: ${diff.stderr}`);
    return parseHunks(diff.stdout);
  }

  /** The content of `path` (relative to the top level) at commit `commit`, byte for byte. */
  async show(commit: string, path: string): Promise<Buffer> {
    const root = await this.root();
    const result = await execa("git", ["show", `${commit}:${path}`], { cwd: root, reject: false, timeout: LOCAL_TIMEOUT_MS, stdin: "ignore", encoding: "buffer", stripFinalNewline: false });
    if (result.exitCode !== 0) throw new GitError(`could not read ${path} at ${commit}: ${Buffer.from(result.stderr).toString().trim()}`);
    return Buffer.from(result.stdout);
  }

  /** Checks `ref` out, detached, in a new temporary directory. */
  async addWorktree(ref: string): Promise<Worktree> {
    const commit = await this.resolveCommit(ref);
    const parent = await mkdtemp(join(tmpdir(), "profgate-tree-"));
    const path = join(parent, commit.slice(0, 12));
    const result = await this.run(["worktree", "add", "--detach", "--quiet", path, commit]);
    if (!result.ok) {
      await rm(parent, { recursive: true, force: true });
      throw new GitError(`could not check out ${ref} (${commit}) in ${path}: ${result.stderr}`);
    }
    const worktree: Worktree = {
      path,
      commit,
      remove: async () => {
        await this.run(["worktree", "remove", "--force", path]);
        await rm(parent, { recursive: true, force: true });
        // Unregisters the worktree even when `remove` failed after the directory was gone.
        await this.run(["worktree", "prune"]);
      },
    };
    // A worktree starts with empty submodule directories; the benchmarks may import from them.
    if (existsSync(join(path, ".gitmodules"))) {
      const submodules = await new Git(path).run(["submodule", "update", "--init", "--recursive"], FETCH_TIMEOUT_MS);
      if (!submodules.ok) {
        await worktree.remove();
        throw new GitError(`could not check out the submodules of ${ref} (${commit}): ${submodules.stderr}`);
      }
    }
    return worktree;
  }
}
