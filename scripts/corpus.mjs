// Runs profgate on the public benchmark suites pinned in corpus/manifest.json, and beside it each suite's own tool,
// on the same machine in the same run, and prints one row per suite: what profgate found, measured, failed and
// skipped (with the first error of each kind), the wall time of both tools and their ratio, and how many of the
// benchmarks the suite's own tool measured profgate measured too.
//
//   node scripts/corpus.mjs [--only NAME,...] [--mirror DIR] [--work DIR] [--python CMD] [--limit SECONDS]
//                           [--jobs N] [--readme] [--lock] [--no-own] [--no-profgate] [--report]
//
// Each suite is checked out from its snapshot (a bare git directory, DIR/<owner>+<name>/repo, as brought by a
// fetch of the public repository) at its pinned commit into WORK/runs/<name>, fresh each run. Its requirements are
// installed in a venv of its own (WORK/venvs, reused while the requirements and the interpreter are the same); the
// project itself is importable through a .pth file (its source folders) or comes from its wheel among the
// requirements. Both tools run with that venv activated, nothing else changed: `node dist/cli.js run` with the
// manifest's paths, and the suite's own tool (pytest-benchmark's default run, pytest-codspeed's wall-time mode,
// or `asv run --python=same`). Wall times are those of this machine at that moment: compare the ratio within one
// run. --lock pins each suite's requirements to what pip resolved (rewrites the manifest). --readme replaces the
// table between the corpus markers of README.md. The table also goes to WORK/results.md and WORK/results.json, where
// rows accumulate across runs; --report runs nothing and writes the table of the rows there.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    only: { type: "string" },
    mirror: { type: "string", default: "/work/.mirror" },
    work: { type: "string", default: "/work/corpus-work" },
    manifest: { type: "string", default: join(root, "corpus", "manifest.json") },
    python: { type: "string", default: "python3" },
    limit: { type: "string", default: "900" },
    jobs: { type: "string", default: "1" },
    readme: { type: "boolean", default: false },
    lock: { type: "boolean", default: false },
    "no-own": { type: "boolean", default: false },
    "no-profgate": { type: "boolean", default: false },
    report: { type: "boolean", default: false },
  },
});

const START = "<!-- corpus:start -->";
const END = "<!-- corpus:end -->";
const work = resolve(opts.work);
const manifest = JSON.parse(await readFile(opts.manifest, "utf8"));
const defaultLimit = Number(opts.limit);
const jobs = Math.max(1, Number(opts.jobs));
if (!Number.isFinite(defaultLimit) || defaultLimit <= 0) usage(`--limit must be a number of seconds, got "${opts.limit}"`);

let suites = manifest.suites;
if (opts.only) {
  const wanted = opts.only.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = wanted.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length) usage(`--only names no suite of the manifest: ${unknown.join(", ")} (known: ${suites.map((s) => s.name).join(", ")})`);
  suites = suites.filter((suite) => wanted.includes(suite.name));
}

function usage(message) {
  console.error(`corpus: ${message}`);
  process.exit(2);
}

let spawned = 0;

/** Sends `signal` to every process whose environment carries CORPUS_RUN=token. */
function signalMarked(token, signal) {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`CORPUS_RUN=${token}`)) process.kill(Number(pid), signal);
    } catch {
      // gone, or not ours to read
    }
  }
}

/** Seconds a tool has, after SIGTERM at its limit, to write what it measured (profgate's results of a stopped run). */
const GRACE_SECONDS = 60;

/** Runs a command, its output to files; kills its whole process group, and what left it, after limitSeconds. */
function run(command, args, { cwd, env, limitSeconds, log }) {
  return new Promise((done) => {
    const started = performance.now();
    // A token in the environment finds the processes that left the group (asv starts its benchmark processes in
    // sessions of their own), so that a time limit stops them too.
    const token = `${process.pid}-${++spawned}`;
    const child = spawn(command, args, { cwd, env: { ...(env ?? process.env), CORPUS_RUN: token }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out = createWriteStream(`${log}.out`);
    const err = createWriteStream(`${log}.err`);
    let tail = "";
    child.stdout.pipe(out);
    child.stderr.on("data", (chunk) => {
      tail = (tail + chunk.toString()).slice(-20000);
    });
    child.stderr.pipe(err);
    let timedOut = false;
    let grace = null;
    const signalAll = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
      signalMarked(token, signal);
    };
    // At the limit, SIGTERM as a job's time limit sends it (profgate then writes the results of what it measured),
    // and SIGKILL for whatever is left after the grace period.
    const timer = limitSeconds
      ? setTimeout(() => {
          timedOut = true;
          signalAll("SIGTERM");
          grace = setTimeout(() => signalAll("SIGKILL"), GRACE_SECONDS * 1000);
        }, limitSeconds * 1000)
      : null;
    const finish = (code, signal) => {
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      if (timedOut) signalAll("SIGKILL");
      done({ code, signal, timedOut, seconds: (performance.now() - started) / 1000, stderr: tail });
    };
    child.on("error", (error) => finish(null, String(error)));
    child.on("close", finish);
  });
}

async function must(command, args, options, what) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code ?? result.signal}): ${lastLines(result.stderr, 6)}; see ${options.log}.err`);
  }
  return result;
}

function lastLines(text, count) {
  return text.trim().split("\n").slice(-count).join(" / ");
}

function gitDir(repository) {
  const base = join(opts.mirror, repository.replace("/", "+"));
  const candidates = [join(base, "repo"), base];
  const found = candidates.find((dir) => existsSync(join(dir, "HEAD")));
  if (!found) throw new Error(`no snapshot of ${repository} under ${opts.mirror} (looked for ${candidates.join(", ")})`);
  return found;
}

/** Writes the pinned commit's files into dir; returns the files the snapshot lacks (it keeps no file of 4 MiB or more). */
async function checkout(suite, dir, logs) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // checkout-index writes every file it can read and names the ones it cannot, where `git archive` stops at the first.
  const index = join(logs, "checkout.index");
  const script = `GIT_INDEX_FILE="$4" git --git-dir="$1" --work-tree="$3" read-tree "$2" && GIT_INDEX_FILE="$4" git --git-dir="$1" --work-tree="$3" checkout-index -a -f`;
  const result = await run("bash", ["-c", script, "checkout", gitDir(suite.repository), suite.commit, dir, index], { log: join(logs, "checkout") });
  const missing = [...result.stderr.matchAll(/unable to read sha1 file of (.+?) \(/g)].map((match) => match[1]);
  if (result.code !== 0 && !missing.length) throw new Error(`checkout failed: ${lastLines(result.stderr, 4)}`);
  return missing;
}

/** The last commit that changed profgate itself (src, python, dist), marked when the working tree differs from it. */
async function profgateRevision() {
  const head = await run("git", ["log", "-1", "--format=%h", "--", "src", "python", "dist"], { cwd: root, log: join(work, "git-head") });
  const dirty = await run("git", ["diff", "--quiet", "HEAD", "--", "src", "python", "dist"], { cwd: root, log: join(work, "git-dirty") });
  const commit = head.code === 0 ? (await readFile(join(work, "git-head.out"), "utf8")).trim() : "unknown";
  return dirty.code === 0 ? commit : `${commit}+changes`;
}

async function interpreterVersion() {
  const probe = await run(opts.python, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { log: join(work, "python-probe") });
  if (probe.code !== 0) usage(`--python ${opts.python} does not run`);
  return (await readFile(join(work, "python-probe.out"), "utf8")).trim();
}

function activated(venv, extra = {}) {
  const env = { ...process.env, ...extra, VIRTUAL_ENV: venv, PATH: `${join(venv, "bin")}:${process.env.PATH}` };
  delete env.PYTHONHOME;
  delete env.PYTHONPATH;
  return env;
}

async function environment(suite, version, dir, logs) {
  const key = createHash("sha256")
    .update(JSON.stringify({ version, requirements: suite.requirements, project: suite.project, dir }))
    .digest("hex")
    .slice(0, 12);
  const venv = join(work, "venvs", `${suite.name}-${key}`);
  const ready = join(venv, ".corpus-ready");
  if (!existsSync(ready)) {
    await rm(venv, { recursive: true, force: true });
    await must(opts.python, ["-m", "venv", venv], { log: join(logs, "venv") }, "venv");
    const pip = [join(venv, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q"];
    await must(pip[0], [...pip.slice(1), ...suite.requirements], { log: join(logs, "pip"), limitSeconds: 1200 }, "pip install");
    if (suite.project.how === "editable") {
      // A snapshot has no git history for setuptools-scm or hatch-vcs to read the version from: the manifest gives it.
      const env = { ...process.env, SETUPTOOLS_SCM_PRETEND_VERSION: suite.project.version };
      await must(pip[0], [...pip.slice(1), "--no-deps", "-e", dir], { env, log: join(logs, "pip-project"), limitSeconds: 1200 }, "pip install -e");
    }
    if (suite.project.how === "path") {
      await must(join(venv, "bin", "python"), ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { log: join(logs, "site") }, "site-packages");
      const site = (await readFile(join(logs, "site.out"), "utf8")).trim();
      await writeFile(join(site, "corpus-project.pth"), suite.project.paths.map((path) => resolve(dir, path)).join("\n") + "\n");
    }
    await writeFile(ready, new Date().toISOString() + "\n");
  }
  if (opts.lock) {
    await must(join(venv, "bin", "python"), ["-m", "pip", "freeze", "--disable-pip-version-check"], { log: join(logs, "freeze") }, "pip freeze");
    const frozen = (await readFile(join(logs, "freeze.out"), "utf8")).split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
    suite.requirements = frozen;
  }
  return venv;
}

/** The benchmarks profgate reported, and its first error of each kind. */
async function readProfgate(file) {
  if (!existsSync(file)) return null;
  const results = JSON.parse(await readFile(file, "utf8"));
  const summary = { found: 0, ok: 0, failed: 0, skipped: 0, errors: {}, measured: [] };
  // A run stopped at the limit: its benchmarks that had not finished their passes are neither measured nor failed.
  if (results.stopped !== undefined) summary.stopped = { signal: results.stopped.signal, benchmarks: 0, passes: {} };
  for (const bench of results.benchmarks) {
    summary.found += 1;
    if (bench.status === "stopped") {
      summary.stopped.benchmarks += 1;
      const pass = bench.failure?.pass ?? "?";
      summary.stopped.passes[pass] = (summary.stopped.passes[pass] ?? 0) + 1;
    } else if (bench.status !== "ok") {
      summary.failed += 1;
      summary.errors[bench.status] ??= `${bench.id}: ${bench.failure?.message ?? "?"}`;
    } else if (bench.skipped) {
      summary.skipped += 1;
    } else {
      summary.ok += 1;
      summary.measured.push(bench.id);
    }
  }
  return summary;
}

/** How far asv got before its limit: the last "[ 35.00%]" of its log (it saves results only at the end). */
function asvProgress(log) {
  if (!existsSync(log)) return null;
  const marks = [...readFileSync(log, "utf8").matchAll(/\[\s*(\d+(?:\.\d+)?)%\]/g)];
  return marks.length === 0 ? null : `${Number(marks[marks.length - 1][1]).toFixed(0)}%`;
}

/** The names of the benchmarks the suite's own tool measured, as profgate names them. */
async function ownMeasured(suite, cwd, scratch) {
  if (suite.kind === "pytest-benchmark") {
    const file = join(scratch, "own.json");
    if (!existsSync(file)) return null;
    return JSON.parse(await readFile(file, "utf8")).benchmarks.map((bench) => bench.fullname);
  }
  if (suite.kind === "pytest-codspeed") {
    const folder = join(cwd, ".codspeed");
    if (!existsSync(folder)) return null;
    const names = [];
    for (const name of (await readdir(folder)).filter((file) => file.endsWith(".json"))) {
      const data = JSON.parse(await readFile(join(folder, name), "utf8"));
      for (const bench of data.benchmarks ?? []) names.push(bench.metadata?.uri ?? bench.uri ?? bench.name);
    }
    return names;
  }
  const folder = join(scratch, "asv-results", "corpus");
  if (!existsSync(folder)) return null;
  const names = [];
  for (const name of (await readdir(folder)).filter((file) => file.endsWith(".json") && file !== "machine.json")) {
    const data = JSON.parse(await readFile(join(folder, name), "utf8"));
    const columns = data.result_columns ?? ["result", "params"];
    for (const [bench, row] of Object.entries(data.results ?? {})) {
      const result = row[columns.indexOf("result")];
      const params = row[columns.indexOf("params")] ?? [];
      const values = Array.isArray(result) ? result : [result];
      const combos = cartesian(params);
      values.forEach((value, index) => {
        if (value !== null && value !== undefined && !Number.isNaN(value)) {
          names.push(combos.length ? `${bench}(${combos[index].join(", ")})` : bench);
        }
      });
    }
  }
  return names;
}

function cartesian(lists) {
  if (!lists.length) return [];
  return lists.reduce((acc, list) => acc.flatMap((prefix) => list.map((value) => [...prefix, value])), [[]]);
}

/** Whether profgate measured a benchmark of the own tool's: same id, or the same node id from the file's name on. */
function covered(name, measured, kind) {
  if (measured.has(name)) return true;
  if (kind === "asv") return false;
  const tail = (id) => id.slice(id.lastIndexOf("/", id.indexOf("::")) + 1);
  return [...measured].some((id) => tail(id) === tail(name));
}

async function asvCommand(suite, cwd, scratch, venv, logs, env) {
  const conf = suite.asv_config ?? "asv.conf.json";
  const tree = join(work, "runs", suite.name);
  const git = ["-c", "user.name=corpus", "-c", "user.email=corpus@localhost"];
  await must("git", ["init", "-q"], { cwd: tree, log: join(logs, "git-init") }, "git init");
  await must("git", ["add", "-A"], { cwd: tree, log: join(logs, "git-add") }, "git add");
  await must("git", [...git, "commit", "-q", "--no-verify", "-m", "snapshot"], { cwd: tree, log: join(logs, "git-commit") }, "git commit");
  // The project's own config, read by asv itself (comments and all), pointed at this checkout and a scratch results
  // folder: some configs name a remote repository or branches this checkout does not have.
  const derive = `
import json, os, sys
from asv import util
conf, tree, scratch = sys.argv[1:]
data = util.load_json(conf, js_comments=True)
data["repo"] = os.path.relpath(tree, os.path.dirname(os.path.abspath(conf)))
data["branches"] = ["HEAD"]
data["dvcs"] = "git"
for key in ("results_dir", "html_dir", "env_dir"):
    data[key] = os.path.join(scratch, "asv-" + key.split("_")[0])
json.dump(data, open(os.path.join(os.path.dirname(os.path.abspath(conf)), "asv.corpus.json"), "w"), indent=2)
`;
  await must(join(venv, "bin", "python"), ["-c", derive, conf, tree, scratch], { cwd, env, log: join(logs, "asv-config") }, "asv config");
  const derived = join(dirname(resolve(cwd, conf)), "asv.corpus.json");
  await must("asv", ["machine", "--yes", "--machine", "corpus", "--config", derived], { cwd, env, log: join(logs, "asv-machine") }, "asv machine");
  return ["asv", "run", "--python=same", "--set-commit-hash=HEAD", "--machine", "corpus", "--show-stderr", "--config", derived];
}

async function runSuite(suite, version) {
  const logs = join(work, "logs", suite.name);
  const scratch = join(work, "scratch", suite.name);
  const tree = join(work, "runs", suite.name);
  await rm(logs, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
  await mkdir(logs, { recursive: true });
  await mkdir(scratch, { recursive: true });
  const row = { name: suite.name, repository: suite.repository, commit: suite.commit, kind: suite.kind, limit: suite.limit ?? defaultLimit };
  try {
    row.absent = await checkout(suite, tree, logs);
    const venv = await environment(suite, version, tree, logs);
    const cwd = join(tree, suite.cwd ?? ".");
    const env = activated(venv, suite.env ?? {});

    if (!opts["no-profgate"]) {
      const args = [join(root, "dist", "cli.js"), "run", ...suite.profgate];
      const result = await run("node", args, { cwd, env, limitSeconds: row.limit, log: join(logs, "profgate") });
      row.profgate = { command: `profgate run ${suite.profgate.join(" ")}`.trim(), seconds: result.seconds, code: result.code, timedOut: result.timedOut };
      row.profgate.summary = await readProfgate(join(cwd, ".profgate", "results.json"));
      if (!row.profgate.summary) row.profgate.error = result.timedOut ? `did not finish in ${row.limit} s` : lastLines(result.stderr, 3);
    }

    if (!opts["no-own"]) {
      let command;
      if (suite.kind === "asv") {
        command = await asvCommand(suite, cwd, scratch, venv, logs, env);
      } else {
        command = suite.own.split(" ");
        if (suite.kind === "pytest-benchmark") command.push(`--benchmark-json=${join(scratch, "own.json")}`);
      }
      await rm(join(cwd, ".codspeed"), { recursive: true, force: true });
      const result = await run(command[0], command.slice(1), { cwd, env, limitSeconds: row.limit, log: join(logs, "own") });
      const names = await ownMeasured(suite, cwd, scratch);
      row.own = { command: command.join(" ").replaceAll(work, "WORK"), seconds: result.seconds, code: result.code, timedOut: result.timedOut, measured: names?.length ?? null };
      if (result.timedOut && suite.kind === "asv") row.own.progress = asvProgress(join(logs, "own.out"));
      if (!names) row.own.error = result.timedOut ? `did not finish in ${row.limit} s` : lastLines(result.stderr, 3);
      if (names && row.profgate?.summary) {
        const measured = new Set(row.profgate.summary.measured);
        row.own.missing = names.filter((name) => !covered(name, measured, suite.kind));
      }
    }
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
  }
  if (row.profgate?.summary) delete row.profgate.summary.measured;
  return row;
}

function seconds(value) {
  return value === undefined ? "" : `${value.toFixed(0)} s`;
}

function cell(text) {
  return String(text).replaceAll("|", "\\|").replaceAll("\n", " ").slice(0, 240);
}

function tableOf(rows) {
  const lines = [
    "| suite | kind | found | ok | failed | skipped | first error of each kind | profgate | own tool | ratio | own tool measured | profgate measured those too | ran |",
    "|---|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|",
  ];
  for (const row of rows) {
    const s = row.profgate?.summary;
    const stopped = s?.stopped
      ? `stopped at the limit (${s.stopped.signal}): ${s.stopped.benchmarks} not finished, in ${Object.entries(s.stopped.passes)
          .map(([pass, n]) => `${pass} ${n}`)
          .join(", ")}`
      : "";
    const failures = s ? Object.entries(s.errors).map(([kind, message]) => `${kind}: ${message}`) : [];
    const errors = row.error ?? (s ? [stopped, ...failures].filter(Boolean).join("; ") : row.profgate?.error ?? "");
    const pg = row.profgate ? seconds(row.profgate.seconds) + (row.profgate.timedOut ? " (limit)" : "") : "";
    const own = row.own ? seconds(row.own.seconds) + (row.own.timedOut ? " (limit)" : "") : "";
    const ratio = row.profgate && row.own && !row.profgate.timedOut && !row.own.timedOut ? `${(row.profgate.seconds / row.own.seconds).toFixed(1)}x` : "";
    const ownCount = !row.own
      ? ""
      : row.own.timedOut && !row.own.measured
        ? `none: did not finish in ${row.limit} s${row.own.progress ? ` (${row.own.progress} of its benchmarks run)` : ""}`
        : (row.own.measured ?? `none: ${row.own.error ?? ""}`);
    const both = row.own?.missing ? `${row.own.measured - row.own.missing.length} of ${row.own.measured}` : "";
    lines.push(
      `| [${row.name}](https://github.com/${row.repository}/tree/${row.commit}) | ${row.kind} | ${s?.found ?? "-"} | ${s?.ok ?? "-"} | ${s?.failed ?? "-"} | ${s?.skipped ?? "-"} | ${cell(errors)} | ${pg} | ${own} | ${ratio} | ${cell(ownCount)} | ${both} | ${(row.ran ?? "").slice(11, 16)} ${row.revision ?? ""} |`,
    );
  }
  return lines.join("\n");
}

async function pool(items, width, each) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await each(items[index]);
      }
    }),
  );
  return results;
}

function compactJson(value) {
  return JSON.stringify(value, null, 2).replace(/\[\n\s+("[^\n]*",?\n\s+)*"[^\n]*"\n\s+\]/g, (block) => {
    const line = `[${JSON.parse(block).map((item) => JSON.stringify(item)).join(", ")}]`;
    return line.length <= 110 ? line : block;
  });
}

await mkdir(work, { recursive: true });
const version = await interpreterVersion();
const revision = await profgateRevision();
console.error(`corpus: ${suites.length} suites, Python ${version}, profgate ${revision}, ${jobs} at a time, work folder ${work}`);
// Rows accumulate across runs in WORK/results.json, saved as each suite ends: a run replaces the rows of the suites it
// ran, so that an interrupted run keeps what it finished.
const resultsFile = join(work, "results.json");
const header = `Python ${version}; each row says when (UTC) it ran and on which profgate commit.`;
let saving = Promise.resolve();

async function save(row) {
  const earlier = existsSync(resultsFile) ? JSON.parse(await readFile(resultsFile, "utf8")).rows ?? [] : [];
  const byName = new Map([...earlier, ...(row ? [row] : [])].map((each) => [each.name, each]));
  const all = manifest.suites.map((suite) => byName.get(suite.name)).filter(Boolean);
  await writeFile(resultsFile, JSON.stringify({ python: version, rows: all }, null, 2) + "\n");
  await writeFile(join(work, "results.md"), `${header}\n\n${tableOf(all)}\n`);
  return all;
}

// The suites allowed the longest go first, so that they overlap the short ones.
const order = opts.report ? [] : [...suites].sort((a, b) => (b.limit ?? defaultLimit) - (a.limit ?? defaultLimit));
const rows = await pool(order, jobs, async (suite) => {
  console.error(`corpus: ${suite.name} ...`);
  const row = { ...(await runSuite(suite, version)), ran: new Date().toISOString(), revision };
  console.error(`corpus: ${suite.name} done: ${row.error ?? `profgate ${seconds(row.profgate?.seconds)}, own ${seconds(row.own?.seconds)}`}`);
  saving = saving.then(() => save(row));
  await saving;
  return row;
});

if (opts.lock) await writeFile(opts.manifest, compactJson(manifest) + "\n");
const all = await save(null);
console.log(`${header}\n\n${tableOf(opts.report ? all : rows)}`);
if (opts.readme) {
  const readme = join(root, "README.md");
  const text = await readFile(readme, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) usage(`README.md has no "${START}" ... "${END}" section to replace`);
  await writeFile(readme, `${text.slice(0, from + START.length)}\n${header}\n\n${tableOf(all)}\n${text.slice(to)}`);
}
