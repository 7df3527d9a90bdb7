/**
 * The interpreters the integration tests run the harness with: `python3` on PATH, and the venv that
 * scripts/test-env.sh fills with the pinned real plugins (pytest-benchmark, pytest-codspeed, xdist, asyncio,
 * hypothesis). Tests that need the plugins fail, never skip, when the venv is missing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root } from "./paths.js";

/** The venv holding requirements/test-plugins.txt. */
export const pluginVenv = join(root, ".venv-test");

/** Its interpreter; throws with the command that creates it when it is missing. */
export function pluginPython(): string {
  const python = join(pluginVenv, "bin", "python");
  if (!existsSync(python)) throw new Error(`${python} is missing: run 'bash scripts/test-env.sh' (npm test runs it first)`);
  return python;
}
