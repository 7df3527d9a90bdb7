/** What every CLI command gets from its surroundings, so tests can hand in their own streams and directory. */
export interface CommandContext {
  cwd: string;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  colour: boolean;
  env: Record<string, string | undefined>;
}

/** A mistake in how the command was called; printed as it is, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
