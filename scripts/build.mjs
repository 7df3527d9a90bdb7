// Bundles the Action (dist/index.js) and the CLI (dist/cli.js) as ESM with every dependency inlined, copies the
// Python harness into dist/python/, and regenerates the published JSON Schemas from their zod source.
import { build } from "esbuild";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tmpdir } from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

// Some bundled dependencies are CommonJS and call require() for Node built-ins.
const banner = "import { createRequire as __profgateCreateRequire } from 'node:module';\nconst require = __profgateCreateRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
  banner: { js: banner },
};

await rm(dist, { recursive: true, force: true });
await build({ ...common, entryPoints: [join(root, "src/index.ts")], outfile: join(dist, "index.js") });
await build({
  ...common,
  entryPoints: [join(root, "src/cli.ts")],
  outfile: join(dist, "cli.js"),
  banner: { js: `#!/usr/bin/env node\n${banner}` },
});
await mkdir(join(dist, "python"), { recursive: true });
await cp(join(root, "python", "profgate"), join(dist, "python", "profgate"), {
  recursive: true,
  filter: (source) => !source.includes("__pycache__") && !source.endsWith(".pyc"),
});

// The JSON Schemas are generated from the zod schemas, the one source of truth.
const schemaBundle = join(tmpdir(), `profgate-schemas-${process.pid}.mjs`);
await build({ ...common, banner: {}, entryPoints: [join(root, "scripts/schemas.ts")], outfile: schemaBundle });
const { schemas } = await import(pathToFileURL(schemaBundle).href);
for (const [file, schema] of Object.entries(schemas)) {
  await writeFile(join(root, "docs", file), `${JSON.stringify(schema, null, 2)}\n`);
}
await rm(schemaBundle, { force: true });
