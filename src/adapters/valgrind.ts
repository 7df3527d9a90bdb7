/**
 * valgrind on the runner, for `instrument: instructions`: present, or installed with apt-get on Linux runners
 * (GitHub's Ubuntu images have passwordless sudo). Other platforms are refused: valgrind counts on Linux only here.
 */
import { execa } from "execa";

/** valgrind is missing and could not be installed, or the platform cannot run it; the message names the fix. */
export class ValgrindError extends Error {
  override name = "ValgrindError";
}

async function version(): Promise<string | null> {
  const result = await execa("valgrind", ["--version"], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * Makes sure valgrind can run, installing Debian's package when it is missing; returns its version. `log`
 * receives a line before an installation starts.
 */
export async function ensureValgrind(platform: NodeJS.Platform, log: (line: string) => void): Promise<string> {
  if (platform !== "linux") {
    throw new ValgrindError(`input "instrument": "instructions" counts instructions under valgrind, which profgate runs on Linux only, and this runner is ${platform}; use a Linux runner (runs-on: ubuntu-latest) or leave instrument unset to judge by time`);
  }
  const present = await version();
  if (present !== null) return present;
  log("profgate: valgrind is missing; installing it with sudo apt-get install -y valgrind");
  const steps: [string, string[]][] = [
    ["sudo", ["apt-get", "update", "-qq"]],
    ["sudo", ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "valgrind"]],
  ];
  for (const [command, args] of steps) {
    const result = await execa(command, args, { reject: false, all: true });
    if (result.exitCode !== 0) {
      throw new ValgrindError(
        `input "instrument": "instructions" needs valgrind, and installing it failed (${[command, ...args].join(" ")}, exit code ${String(result.exitCode ?? result.signal)}):\n${(result.all ?? "").slice(-2_000)}\nInstall valgrind in an earlier step, or leave instrument unset to judge by time`,
      );
    }
  }
  const installed = await version();
  if (installed === null) throw new ValgrindError(`input "instrument": valgrind was installed but "valgrind --version" still fails; install it in an earlier step, or leave instrument unset`);
  return installed;
}
