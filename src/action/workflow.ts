/** The Workflow of a real job: the workflow commands of @actions/core. */
import * as core from "@actions/core";
import type { Workflow } from "./types.js";

/** Logs, outputs, failure and the job summary through @actions/core. */
export const coreWorkflow: Workflow = {
  info: (message) => core.info(message),
  startGroup: (title) => core.startGroup(title),
  endGroup: () => core.endGroup(),
  warning: (message, annotation) => core.warning(message, annotation),
  setOutput: (name, value) => core.setOutput(name, value),
  setFailed: (message) => core.setFailed(message),
  writeSummary: async (markdown) => {
    if (process.env.GITHUB_STEP_SUMMARY === undefined) return;
    await core.summary.addRaw(markdown).write();
  },
};
