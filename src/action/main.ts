/** The Action: run the benchmarks, report, set outputs; every failure ends in setFailed with a clear message. */
import * as core from "@actions/core";
import { resolve } from "node:path";
import { resolveRunSettings } from "../core/config.js";
import { runHarness } from "../adapters/harness.js";
import { loadProjectConfig } from "../adapters/project.js";
import { parseInputs } from "./inputs.js";

/** Entry point of dist/index.js. */
export async function run(): Promise<void> {
  try {
    const inputs = parseInputs();
    const cwd = resolve(inputs.workingDirectory);
    const project = await loadProjectConfig(cwd);
    const settings = resolveRunSettings(project.run, inputs.run);
    const harness = await runHarness({
      cwd,
      out: ".profgate",
      settings,
      onEvent: (event) => {
        if (event.event === "done") core.info(`[${event.index}/${event.count}] ${event.id}: ${event.status}`);
      },
    });
    core.setOutput("results", harness.resultsPath);
    const failed = harness.results.benchmarks.filter((b) => b.status !== "ok");
    for (const bench of failed) core.warning(`${bench.id}: ${bench.status}${bench.failure ? `: ${bench.failure.message}` : ""}`);
    if (failed.length > 0) core.setFailed(`${failed.length} benchmark(s) failed to run`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
