/** Processes as Linux's /proc shows them: whether a run left any behind. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A process's state letter and process group, or null when it is gone. */
function stat(pid: number): { state: string; group: number } | null {
  try {
    // The command name, in parentheses, may hold spaces: the fields that follow it are counted from its end.
    const text = readFileSync(join("/proc", String(pid), "stat"), "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "?", group: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** Whether `pid` is a process that still runs (a zombie, dead and waiting to be reaped, does not). */
export function running(pid: number): boolean {
  const found = stat(pid);
  return found !== null && found.state !== "Z" && found.state !== "X";
}

/** The processes of process group `group` that still run. */
export function runningInGroup(group: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const found = stat(pid);
      return found !== null && found.group === group && found.state !== "Z" && found.state !== "X";
    });
}

/** Waits until `path` exists, checking every 50 ms; throws after `timeoutMs`, naming what was awaited. */
export async function waitForFile(path: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${what}: ${path} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}
