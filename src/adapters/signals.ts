/**
 * SIGINT and SIGTERM as a request to stop: Ctrl-C, a cancelled workflow or a job's time limit. While listening, the
 * process does not end on them; whoever runs something long (the harness) hears the first one, passes it on and
 * finishes what it can. GitHub cancels a step with SIGINT, then SIGTERM about 7.5 s later, then kills it 2.5 s after
 * that: everything that must still happen (writing partial results, uploading them) has those seconds.
 */

export type StopSignal = "SIGINT" | "SIGTERM";

const SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM"];

/** The process's stop signals, from `listen()` until `close()`. */
export class StopSignals {
  /** The first stop signal received; null while none came. */
  signal: StopSignal | null = null;
  private readonly listeners = new Set<(signal: StopSignal) => void>();
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.signal !== null) return;
    this.signal = signal === "SIGINT" ? "SIGINT" : "SIGTERM";
    for (const listener of this.listeners) listener(this.signal);
  };

  private constructor() {}

  /** Starts listening: from now on SIGINT and SIGTERM are recorded and passed on instead of ending the process. */
  static listen(): StopSignals {
    const signals = new StopSignals();
    for (const name of SIGNALS) process.on(name, signals.handler);
    return signals;
  }

  /** Calls `listener` on the first stop signal (at once if it already came); returns the function that forgets it. */
  onStop(listener: (signal: StopSignal) => void): () => void {
    if (this.signal !== null) {
      listener(this.signal);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening: the signals end the process again, as by default. */
  close(): void {
    for (const name of SIGNALS) process.off(name, this.handler);
    this.listeners.clear();
  }
}
