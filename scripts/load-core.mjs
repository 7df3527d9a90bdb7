// Bundles src/core (and the HTML renderer) on the fly so benchmark scripts call the same code the CLI and the Action
// use, and build their synthetic results with the same builders as the unit tests.
import { build } from "esbuild";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Imports compare (and segmentMargin), parseResults and mergeShards from src/core, renderHtml, the result builders of
 * test/support/builders.ts as `builders`, and src/core's history and change point modules as `history` and
 * `changepoints`, bundled to a temporary ES module.
 */
export async function loadCore() {
  const outfile = join(tmpdir(), `profgate-core-${process.pid}.mjs`);
  await build({
    stdin: {
      contents:
        'export { compare, segmentMargin } from "./src/core/compare.ts"; export { parseResults } from "./src/core/results.ts"; export { mergeShards } from "./src/core/shards.ts"; export { renderHtml } from "./src/report/html.ts"; export * as builders from "./test/support/builders.ts"; export * as history from "./src/core/history.ts"; export * as changepoints from "./src/core/changepoints.ts";',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "warning",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(outfile, { force: true });
  }
}
