// A large public asv suite, side by side: asv's own `asv run --python=same` against profgate's three runs of the same
// suite on the same machine, in one script run. profgate's runs are the ones the Action makes:
//   - the default-branch run that stores the baseline (every benchmark in full),
//   - a pull request run with nothing changed (depth auto: every benchmark at depth exact, compared with that
//     baseline, then the deep passes for the benchmarks whose verdict is not unchanged),
//   - a pull request run that changes one function of one module with affected: auto (the same, but only the
//     benchmarks whose baseline call graph reaches the change are measured).
// The suite (a checkout holding asv.conf.json, --dir) is copied into a git repository under --work; when the project
// it measures is an installed package (--package, e.g. sympy from its wheel), that package's source is copied beside
// it, so that a change to it is a change the pull request makes. --change FILE:FUNCTION names the function the third
// run changes (a line is added at the top of its body; FUNCTION may be Class.method).
//   node scripts/bench-asv-side.mjs --dir SUITE --python VENV/bin/python --change sympy/printing/latex.py:latex
//                                   [--package sympy] [--asv-config asv.conf.json] [--work DIR] [--skip-asv]
// Runs the built CLI (dist/cli.js) and the venv's asv (installed from PyPI). Not a test: figures go in the README.
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    python: { type: "string" },
    package: { type: "string" },
    change: { type: "string" },
    "asv-config": { type: "string", default: "asv.conf.json" },
    work: { type: "string", default: "/tmp/profgate-asv-side" },
    "skip-asv": { type: "boolean", default: false },
  },
});
function usage(problem) {
  console.error(`bench-asv-side: ${problem}`);
  console.error("usage: node scripts/bench-asv-side.mjs --dir SUITE --python VENV/bin/python --change FILE:FUNCTION [--package NAME] [--asv-config FILE] [--work DIR] [--skip-asv]");
  process.exit(2);
}
if (values.dir === undefined) usage("--dir is required: a checkout of the asv suite (the folder holding asv.conf.json)");
if (values.python === undefined) usage("--python is required: the interpreter of a venv holding the suite's requirements and asv");
if (values.change === undefined || !values.change.includes(":")) usage(`--change "${values.change ?? ""}": expected FILE:FUNCTION, e.g. sympy/printing/latex.py:latex`);
const python = resolve(values.python);
const venvBin = dirname(python);
const work = resolve(values.work);
const repo = join(work, "repo");
const [changeFile, changeFunction] = values.change.split(":");
const env = { ...process.env, PATH: `${venvBin}:${process.env.PATH}`, VIRTUAL_ENV: dirname(venvBin) };

function git(...args) {
  return execFileSync("git", ["-c", "user.name=profgate", "-c", "user.email=bench@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, encoding: "utf8" }).trim();
}

/** Runs a command in the repository, its output to LOG.out/.err under --work; resolves with its wall time. */
function timed(name, command, args, okCodes = [0]) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("close", async (code) => {
      await writeFile(join(work, `${name}.out`), out);
      await writeFile(join(work, `${name}.err`), err);
      const seconds = (performance.now() - started) / 1000;
      if (okCodes.includes(code)) resolvePromise(seconds);
      else reject(new Error(`${name}: ${command} ${args.join(" ")} exited with ${code} after ${seconds.toFixed(0)} s; see ${join(work, `${name}.err`)}`));
    });
  });
}

const cli = (args) => [join(root, "dist", "cli.js"), ...args];
const RUN = ["--python", python, "--pythonpath", ".", "--asv-config", values["asv-config"], "-q"];

/** A pull request run as the Action makes it with depth auto: exact, compared with the baseline, then deepened. */
async function pullRequestRun(name, extra) {
  const out = `out-${name}`;
  let seconds = await timed(`${name}-run`, "node", cli(["run", "--out", out, "--depth", "exact", ...RUN, ...extra]), [0, 1]);
  seconds += await timed(`${name}-compare`, "node", cli(["compare", "out-base", out, "--json", `${out}/comparison.json`, "--no-fail"]));
  const head = JSON.parse(await readFile(join(repo, out, "results.json"), "utf8"));
  const exact = new Set(head.benchmarks.filter((b) => b.depth === "exact").map((b) => b.id));
  const comparison = JSON.parse(await readFile(join(repo, out, "comparison.json"), "utf8"));
  const verdicts = {};
  for (const b of comparison.benchmarks) verdicts[b.verdict] = (verdicts[b.verdict] ?? 0) + 1;
  const deep = comparison.benchmarks.filter((b) => exact.has(b.id) && ["regressed", "improved", "inconclusive"].includes(b.verdict)).map((b) => b.id);
  if (deep.length > 0) {
    await writeFile(join(repo, `${out}-deep.json`), JSON.stringify(deep));
    seconds += await timed(`${name}-deepen`, "node", cli(["run", "--out", out, "--deep-only", `${out}-deep.json`, ...RUN]), [0, 1]);
  }
  const measured = head.benchmarks.filter((b) => b.carried_over === undefined && b.status === "ok").length;
  return { seconds, measured, total: head.benchmarks.length, deep: deep.length, verdicts };
}

/** Adds a line at the top of FUNCTION's body (after its docstring) in FILE: the pull request's one change. */
function changeOne() {
  const script = `
import ast, sys
path, qualname = sys.argv[1:]
source = open(path).read()
lines = source.splitlines(keepends=True)
node = ast.parse(source)
for part in qualname.split("."):
    node = next((n for n in ast.iter_child_nodes(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part), None)
    if node is None:
        sys.exit(f"{path} defines no {qualname}")
body = node.body
first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str) else body[0]
indent = " " * first.col_offset
lines.insert(first.lineno - 1, indent + "_changed_by_the_pull_request = True\\n")
open(path, "w").write("".join(lines))
`;
  execFileSync(python, ["-c", script, join(repo, changeFile), changeFunction], { stdio: "inherit" });
}

async function asvCount() {
  const results = join(work, "asv-results");
  const count = execFileSync(
    python,
    ["-c", "import json,glob,sys\nn=0\nfor f in glob.glob(sys.argv[1]+'/*/*.json'):\n    if f.endswith('machine.json'): continue\n    d=json.load(open(f))\n    n+=len(d.get('results',{}))\nprint(n)", results],
    { encoding: "utf8" },
  );
  return Number(count.trim());
}

await rm(work, { recursive: true, force: true });
await mkdir(repo, { recursive: true });
await cp(resolve(values.dir), repo, { recursive: true, filter: (src) => basename(src) !== ".git" && !basename(src).startsWith("asv.corpus") });
if (values.package !== undefined) {
  const location = execFileSync(python, ["-c", `import ${values.package}, os; print(os.path.dirname(${values.package}.__file__))`], { encoding: "utf8" }).trim();
  await cp(location, join(repo, values.package), { recursive: true, filter: (src) => basename(src) !== "__pycache__" });
}
await writeFile(join(repo, ".gitignore"), "out-*\n__pycache__/\n*.pyc\n.asv/\n");
git("init", "-q");
git("add", "-A");
git("commit", "-qm", "suite");
const base = git("rev-parse", "HEAD");

// asv reads the project's config itself (comments and all); pointed at this repository and a scratch results folder.
execFileSync(
  python,
  [
    "-c",
    `
import json, os, sys
from asv import util
conf, work = sys.argv[1:]
data = util.load_json(conf, js_comments=True)
data["repo"] = "."
data["branches"] = ["HEAD"]
data["dvcs"] = "git"
for key in ("results_dir", "html_dir", "env_dir"):
    data[key] = os.path.join(work, "asv-" + key.split("_")[0])
json.dump(data, open("asv.side.json", "w"), indent=2)
`,
    values["asv-config"],
    work,
  ],
  { cwd: repo, env },
);
git("add", "-A");
git("commit", "-qm", "asv config");
const baseCommit = git("rev-parse", "HEAD");
execFileSync(join(venvBin, "asv"), ["machine", "--yes", "--machine", "side", "--config", "asv.side.json"], { cwd: repo, env, stdio: "ignore" });

const rows = [];
const load = (label) => console.error(`${new Date().toISOString()} ${label} (load ${loadavg()[0].toFixed(2)})`);
let asvSeconds = null;
if (!values["skip-asv"]) {
  load("asv run --python=same");
  asvSeconds = await timed("asv", join(venvBin, "asv"), ["run", "--python=same", "--set-commit-hash=HEAD", "--machine", "side", "--show-stderr", "--config", "asv.side.json"]);
  rows.push(["asv run --python=same (asv's defaults)", asvSeconds, `${await asvCount()} benchmarks with results (a parametrised one counts once)`, loadavg()[0]]);
}
load("profgate: the default-branch run (full)");
const full = await timed("base", "node", cli(["run", "--out", "out-base", ...RUN]), [0, 1]);
const baseResults = JSON.parse(await readFile(join(repo, "out-base", "results.json"), "utf8"));
rows.push(["profgate, default-branch run (every benchmark in full: the baseline)", full, `${baseResults.benchmarks.filter((b) => b.status === "ok").length} of ${baseResults.benchmarks.length} ok`, loadavg()[0]]);
load("profgate: a pull request with nothing changed");
const same = await pullRequestRun("unchanged", []);
rows.push(["profgate, pull request, nothing changed (depth auto)", same.seconds, `${same.measured} measured, ${same.deep} deepened; ${JSON.stringify(same.verdicts)}`, loadavg()[0]]);
changeOne();
load(`profgate: a pull request changing ${values.change} (affected: auto)`);
const affected = await pullRequestRun("affected", ["--affected-since", baseCommit, "--baseline", "out-base"]);
rows.push([`profgate, pull request changing ${changeFunction} in ${changeFile} (affected: auto, depth auto)`, affected.seconds, `${affected.measured} of ${affected.total} measured, ${affected.deep} deepened`, loadavg()[0]]);

console.log(`${values.dir} (${base.slice(0, 7)} copied), ${python}`);
console.log("");
console.log(`| run | wall | ${asvSeconds === null ? "" : "/ asv's | "}benchmarks | load after |`);
console.log(`|---|--:|${asvSeconds === null ? "" : "--:|"}---|--:|`);
for (const [label, seconds, what, after] of rows) {
  console.log(`| ${label} | ${seconds.toFixed(1)} s | ${asvSeconds === null ? "" : `${(seconds / asvSeconds).toFixed(2)}× | `}${what} | ${after.toFixed(2)} |`);
}
