/** Runs the built CLI (`node dist/cli.js`) in a child process, as a user's shell would, without colour. */
import { execa, type Result } from "execa";
import { builtDist } from "./dist.js";

/** How one CLI run went: exit code and what it printed. */
export type CliRun = Result<{ reject: false }>;

/** A CLI runner whose commands run in `cwd` unless a call names another folder. */
export function cliRunner(cwd: string, env: Record<string, string> = {}): (args: readonly string[], where?: string) => Promise<CliRun> {
  return async (args, where = cwd) => {
    const { cli } = await builtDist();
    return execa("node", [cli, ...args], { cwd: where, reject: false, env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1", ...env } });
  };
}
