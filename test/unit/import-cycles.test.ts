/**
 * No import circle in src/ or in the harness. ESLint's import-x/no-cycle guards src/ as code is written, but it
 * ignores type-only imports; a circle of type imports still blurs which layer holds what, so this counts every import.
 */
import { execa } from "execa";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root as repositoryRoot } from "../support/paths.js";

const IMPORT = /^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"|^\s*import\s+"(\.{1,2}\/[^"]+)"|\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/gm;

/** Every module under `root` and the modules under `root` it imports, type-only imports included. */
async function importGraph(root: string): Promise<Map<string, Set<string>>> {
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ts")).map((f) => join(root, f));
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const match of (await readFile(file, "utf8")).matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? "";
      const target = resolve(dirname(file), specifier).replace(/\.js$/, ".ts");
      if (files.includes(target)) targets.add(relative(root, target));
    }
    graph.set(relative(root, file), targets);
  }
  return graph;
}

/** The strongly connected components with more than one module, or one that imports itself (Tarjan). */
function circles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (stack.includes(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    if (component.length > 1 || graph.get(node)?.has(node) === true) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

const scratch: string[] = [];

afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe("import circles", () => {
  it("src/ has none, type-only imports included", async () => {
    const graph = await importGraph(join(repositoryRoot, "src"));
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(join("action", "pipeline.ts"))).toContain(join("action", "types.ts"));
    expect(circles(graph)).toEqual([]);
  });

  it("a circle made only of type imports is found", async () => {
    const dir = await mkdtemp(join(tmpdir(), "profgate-cycles-"));
    scratch.push(dir);
    await mkdir(join(dir, "a"));
    await writeFile(join(dir, "a", "one.ts"), 'import type { Two } from "../two.js";\nexport interface One { two: Two }\n');
    await writeFile(join(dir, "two.ts"), 'import {\n  type One,\n} from "./a/one.js";\nexport interface Two { one: One }\n');
    await writeFile(join(dir, "three.ts"), 'export { type One } from "./a/one.js";\n');
    expect(circles(await importGraph(dir))).toEqual([[join("a", "one.ts"), "two.ts"]]);
  });

  it("the harness has none, and the check names a circle hidden in a function-level import", async () => {
    const check = join(repositoryRoot, "scripts", "import-cycles.py");
    const harness = await execa("python3", [check, join(repositoryRoot, "python", "profgate")], { reject: false });
    expect(harness.stdout).toBe("");
    expect(harness.exitCode).toBe(0);

    const pkg = join(await mkdtemp(join(tmpdir(), "profgate-cycles-")), "pkg");
    scratch.push(dirname(pkg));
    await mkdir(pkg);
    await writeFile(join(pkg, "__init__.py"), "");
    await writeFile(join(pkg, "first.py"), "from pkg.second import helper\n");
    await writeFile(join(pkg, "second.py"), "def helper():\n    from . import first\n    return first\n");
    await writeFile(join(pkg, "third.py"), "import pkg.first\n");
    const circular = await execa("python3", [check, pkg], { reject: false });
    expect(circular.exitCode).toBe(1);
    expect(circular.stdout).toBe("import circle: pkg.first -> pkg.second");
  });
});
