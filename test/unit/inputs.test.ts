import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/config.js";
import { parseInputs } from "../../src/action/inputs.js";

function inputs(values: Record<string, string>) {
  return parseInputs((name) => ({ "github-token": "t", ...values })[name] ?? "");
}

describe("the shard and mode inputs", () => {
  it("read a shard for mode run, and mode merge without one", () => {
    expect(inputs({ shard: "3/4" })).toMatchObject({ mode: "run", shard: { index: 3, count: 4 } });
    expect(inputs({ mode: "merge" })).toMatchObject({ mode: "merge", shard: null });
    expect(inputs({})).toMatchObject({ mode: "run", shard: null });
  });

  it("refuse a malformed shard, naming the input and quoting the value", () => {
    expect(() => inputs({ shard: "5/4" })).toThrow(ConfigError);
    expect(() => inputs({ shard: "5/4" })).toThrow('input "shard": "5/4" is not allowed; expected "i/n"');
  });

  it("refuse a shard in the modes that measure nothing", () => {
    expect(() => inputs({ mode: "merge", shard: "1/2" })).toThrow('input "shard": "1/2" is not allowed with mode "merge"');
    expect(() => inputs({ mode: "comment", shard: "1/2" })).toThrow(/with mode "comment"/);
    expect(() => inputs({ mode: "combine" })).toThrow(/input "mode": "combine" is not allowed; expected "run" .*"merge"/);
  });
});

describe("the affected input", () => {
  it("reads auto and all, all by default", () => {
    expect(inputs({}).affected).toBe("all");
    expect(inputs({ affected: "auto" }).affected).toBe("auto");
    expect(inputs({ affected: "all" }).affected).toBe("all");
  });

  it("refuses anything else, naming the input and what it allows", () => {
    expect(() => inputs({ affected: "yes" })).toThrow('input "affected": "yes" is not allowed; expected "auto"');
  });
});

describe("the depth input", () => {
  it("reads auto by default, and full", () => {
    expect(inputs({})).toMatchObject({ depth: "auto" });
    expect(inputs({ depth: "full" })).toMatchObject({ depth: "full" });
    expect(inputs({ depth: " auto " })).toMatchObject({ depth: "auto" });
  });

  it("refuses any other value, naming the input, quoting the value and saying what is allowed", () => {
    expect(() => inputs({ depth: "exact" })).toThrow(ConfigError);
    expect(() => inputs({ depth: "exact" })).toThrow(/^input "depth": "exact" is not allowed; expected "auto" .* or "full" /);
  });
});

describe("the history inputs", () => {
  it("keep the history by default, with the history's own window", () => {
    expect(inputs({})).toMatchObject({ history: true, historyWindow: null });
    expect(inputs({ history: "false", "history-window": "50" })).toMatchObject({ history: false, historyWindow: 50 });
  });

  it("refuse a window that is not a whole number of runs within bounds", () => {
    expect(() => inputs({ "history-window": "0" })).toThrow('input "history-window": "0" is not allowed; expected a whole number of runs from 1 to 2000');
    expect(() => inputs({ "history-window": "12.5" })).toThrow(/input "history-window": "12\.5" is not allowed/);
    expect(() => inputs({ "history-window": "5000" })).toThrow(/from 1 to 2000/);
    expect(() => inputs({ history: "maybe" })).toThrow('input "history": "maybe" is not allowed; expected true or false');
  });
});

describe("the change-point-issues input", () => {
  it("is off by default, and turned on or off by the boolean spellings of the other inputs", () => {
    expect(inputs({}).changePointIssues).toBe(false);
    expect(inputs({ "change-point-issues": "true" }).changePointIssues).toBe(true);
    expect(inputs({ "change-point-issues": "false" }).changePointIssues).toBe(false);
    expect(() => inputs({ "change-point-issues": "always" })).toThrow('input "change-point-issues": "always" is not allowed; expected true or false');
  });
});

describe("the rerun input and mode rerun", () => {
  it("reads off by default, and fresh; mode rerun is a mode of its own", () => {
    expect(inputs({})).toMatchObject({ rerun: "off" });
    expect(inputs({ rerun: "fresh" })).toMatchObject({ mode: "run", rerun: "fresh" });
    expect(inputs({ mode: "merge", rerun: "fresh" })).toMatchObject({ mode: "merge", rerun: "fresh" });
    expect(inputs({ mode: "rerun" })).toMatchObject({ mode: "rerun", shard: null });
  });

  it("refuses any other value, naming the input, quoting the value and saying what is allowed", () => {
    expect(() => inputs({ rerun: "twice" })).toThrow(ConfigError);
    expect(() => inputs({ rerun: "twice" })).toThrow(/^input "rerun": "twice" is not allowed; expected "off" or "fresh" /);
  });

  it("refuses fresh in the fork-safe comment stage, and a shard in mode rerun", () => {
    expect(() => inputs({ mode: "comment", rerun: "fresh" })).toThrow(/^input "rerun": "fresh" is not allowed with mode "comment"/);
    expect(() => inputs({ mode: "rerun", shard: "1/2" })).toThrow('input "shard": "1/2" is not allowed with mode "rerun"');
  });
});
