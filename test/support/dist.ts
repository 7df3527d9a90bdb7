/**
 * The built bundles (dist/index.js, dist/cli.js) that the Action and the CLI run. `npm test` builds first; a test
 * file run on its own rebuilds them, once per test process, when a source is newer than the bundle.
 */
import { execa } from "execa";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { root } from "./paths.js";

/** The bundles' paths. */
export const dist = {
  action: join(root, "dist", "index.js"),
  cli: join(root, "dist", "cli.js"),
};

/** What the bundles are built from. */
const sources = [join(root, "src"), join(root, "python", "profgate"), join(root, "scripts", "build.mjs")];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name !== "__pycache__") newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

function stale(): boolean {
  const bundles = Object.values(dist);
  if (bundles.some((bundle) => !existsSync(bundle))) return true;
  const built = Math.min(...bundles.map((bundle) => statSync(bundle).mtimeMs));
  return Math.max(...sources.map(newestMtime)) > built;
}

let building: Promise<typeof dist> | undefined;

/** The bundles' paths, once they are up to date with the sources. */
export function builtDist(): Promise<typeof dist> {
  building ??= (async () => {
    if (stale()) await execa("npm", ["run", "build"], { cwd: root });
    return dist;
  })();
  return building;
}
