/** Progress of a harness run on stderr: one live line on a terminal, one line per benchmark otherwise. */
import type { HarnessEvent } from "../adapters/harness.js";
import { formatDuration } from "../report/format.js";
import { paint, sanitize } from "../report/terminal.js";

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Turns harness events into progress lines; `label` prefixes each (e.g. "base" or "head"). */
export function createProgress(stream: ProgressStream, colour: boolean, label = ""): (event: HarnessEvent) => void {
  const live = stream.isTTY === true;
  const prefix = label === "" ? "" : `${label} `;
  const started = Date.now();
  const elapsed = (): string => formatDuration((Date.now() - started) / 1000);
  return (event) => {
    switch (event.event) {
      case "collected":
        stream.write(`${prefix}${event.count} benchmark${event.count === 1 ? "" : "s"} found\n`);
        break;
      case "pass":
        if (live) {
          const step = event.steps > 1 ? ` ${event.step}/${event.steps}` : "";
          stream.write(`\r\u001b[2K${prefix}${event.pass} pass${step} · ${event.count} benchmark${event.count === 1 ? "" : "s"} · ${elapsed()}`);
        }
        break;
      case "done": {
        const status =
          event.status === "ok" ? paint("ok", "green", colour) : event.status === "skipped" ? paint("skipped", "dim", colour) : paint(event.status, "red", colour);
        const line = `${prefix}[${event.index}/${event.count}] ${sanitize(event.id)} ${status} (${formatDuration(event.elapsed)})`;
        stream.write(live ? `\r\u001b[2K${line}\n` : `${line}\n`);
        break;
      }
      case "finished":
        stream.write(`${prefix}finished in ${formatDuration(event.elapsed)}\n`);
        break;
    }
  };
}
