/** The `profgate` command line: parses arguments, runs one command, returns the exit code. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../core/config.js";
import { ResultsError } from "../core/results.js";
import { HarnessError } from "../adapters/harness.js";
import { VERSION } from "../version.js";
import { runCommand, RUN_OPTIONS, RUN_HELP } from "./run-command.js";
import { compareCommand, COMPARE_HELP, COMPARE_OPTIONS } from "./compare-command.js";
import { demoCommand, DEMO_HELP, DEMO_OPTIONS } from "./demo-command.js";
import { abCommand, AB_HELP, AB_OPTIONS } from "./ab-command.js";
import { mergeCommand, MERGE_HELP, MERGE_OPTIONS } from "./merge-command.js";
import { historyCommand, HISTORY_HELP, HISTORY_OPTIONS } from "./history-command.js";
import { HistoryError } from "../core/history.js";
import { ShardError } from "../core/shards.js";
import { UsageError, type CommandContext } from "./context.js";

const HELP = `profgate ${VERSION}: a performance gate for Python pull requests

Usage:
  profgate run [PATH...] [options]     run the benchmarks: timing, cProfile and tracemalloc passes
  profgate compare BASE HEAD [options] compare two runs: verdicts, slower functions, allocating lines
  profgate ab BASE_REF [HEAD_REF]      time two commits interleaved on this machine, and compare them
  profgate merge DIR... --out DIR      merge the shards of a sharded run (profgate run --shard I/N) into one
  profgate history PATH... --out FILE  build or extend the default branch's history; its change points
  profgate demo                        the example project before and after a planted regression, compared
  profgate help COMMAND                help for one command

Exit codes: 0 no regression and every benchmark ran, 1 a regression or a failed benchmark, 2 a usage or input error
(or profgate itself failed), 3 stopped by SIGINT or SIGTERM (profgate run: its results hold what was measured).
`;

interface Command {
  options: ParseArgsConfig["options"];
  help: string;
  run: (values: Record<string, unknown>, positionals: string[], context: CommandContext) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: { options: RUN_OPTIONS, help: RUN_HELP, run: runCommand },
  compare: { options: COMPARE_OPTIONS, help: COMPARE_HELP, run: compareCommand },
  demo: { options: DEMO_OPTIONS, help: DEMO_HELP, run: demoCommand },
  ab: { options: AB_OPTIONS, help: AB_HELP, run: abCommand },
  merge: { options: MERGE_OPTIONS, help: MERGE_HELP, run: mergeCommand },
  history: { options: HISTORY_OPTIONS, help: HISTORY_HELP, run: historyCommand },
};

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], context: CommandContext = defaultContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    context.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    context.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === "help") {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    context.stdout.write(topic?.help ?? HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    context.stderr.write(`profgate: unknown command "${name}"; commands are ${Object.keys(COMMANDS).join(", ")} (profgate --help)\n`);
    return 2;
  }
  try {
    if (rest.includes("--help") || rest.includes("-h")) {
      context.stdout.write(command.help);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    return await command.run(parsed.values, parsed.positionals, context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof ResultsError || error instanceof HistoryError || error instanceof ShardError || (error instanceof HarnessError && error.usage)) {
      context.stderr.write(`profgate ${name}: ${error.message}\n`);
      return 2;
    }
    // Exit code 1 means "regression": an unexpected failure must not be mistaken for one.
    context.stderr.write(`profgate ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

function defaultContext(): CommandContext {
  const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, colour, env: process.env };
}
