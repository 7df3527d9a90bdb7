/** What the code under test writes to stdout, as @actions/core writes its log lines and workflow commands. */

/** The lines written to stdout while `body` runs (nothing reaches the real stdout meanwhile). */
export function captureStdout(body: () => void): string[] {
  const original = process.stdout.write.bind(process.stdout);
  let written = "";
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    written += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  };
  try {
    body();
  } finally {
    process.stdout.write = original;
  }
  return written.split(/\r?\n/).filter((line) => line !== "");
}
