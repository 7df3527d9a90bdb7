/** Every Action input, read once into one typed object; each error names the input and what it allows. */
import * as core from "@actions/core";
import { applyRunValues, type RunSettings } from "../core/config.js";

export interface ActionInputs {
  /** Run settings given as inputs; they win over pyproject.toml's [tool.profgate]. */
  run: Partial<RunSettings>;
  workingDirectory: string;
}

/** Reads and checks the Action's inputs. */
export function parseInputs(getInput: (name: string) => string = (name) => core.getInput(name)): ActionInputs {
  const optional = (name: string): string | undefined => {
    const value = getInput(name).trim();
    return value === "" ? undefined : value;
  };
  const run: Partial<RunSettings> = {};
  applyRunValues(
    run,
    {
      benchmarks: optional("benchmarks"),
      python: optional("python"),
      pythonpath: optional("pythonpath"),
      processes: optional("processes"),
      timeout: optional("timeout"),
    },
    (name) => `input "${name === "benchmarks" ? "benchmarks" : name}"`,
  );
  return { run, workingDirectory: optional("working-directory") ?? "." };
}
