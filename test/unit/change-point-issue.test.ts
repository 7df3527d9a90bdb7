import { describe, expect, it } from "vitest";
import type { ChangePoint } from "../../src/core/changepoints.js";
import { changePointMarker, renderChangePointIssue, type ChangePointIssueInput } from "../../src/report/change-point-issue.js";
import { renderHistoryMarkdown } from "../../src/report/history.js";

const STEP = "a".repeat(40);
const BEFORE = "b".repeat(40);
const HEAD = "c".repeat(40);
const REPO = "https://github.com/acme/demo";

function point(overrides: Partial<ChangePoint> = {}): ChangePoint {
  return {
    benchmark: "benchmarks/bench_text.py::bench_count_words",
    metric: "time",
    index: 4,
    commit: STEP,
    previous: BEFORE,
    run: 7001,
    before: 0.0012,
    after: 0.001344,
    change: 0.12,
    functions: [
      { file: "src/wordfreq/text.py", line: 12, name: "is_stop_word", before: 0.0002, after: 0.00034 },
      { file: "src/wordfreq/text.py", line: 30, name: "normalize", before: 0.0001, after: 0.000104 },
    ],
    ...overrides,
  };
}

function input(changePoints: ChangePoint[], overrides: Partial<ChangePointIssueInput> = {}): ChangePointIssueInput {
  return { changePoints, branch: "main", links: { serverUrl: "https://github.com", repository: "acme/demo" }, runUrl: `${REPO}/actions/runs/9001`, commit: HEAD, runs: 12, key: "profgate-results", ...overrides };
}

/** Markdown as a reader sees it: character references decoded. */
function rendered(markdown: string): string {
  return markdown.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/\u200b/g, "");
}

describe("the change point issue", () => {
  it("names each change point's levels, commits, changed functions and the run, under a short specific title", () => {
    const calls = point({ benchmark: "benchmarks/bench_text.py::bench_top", metric: "calls", before: 1200, after: 1500, change: 0.25, run: null, functions: [{ file: "src/wordfreq/text.py", line: 12, name: "is_stop_word", before: 400, after: 700 }] });
    const issue = renderChangePointIssue(input([point(), calls]));
    // Time names the issue before a larger change of calls.
    expect(issue.title).toBe("profgate: 2 change points at aaaaaaa on main (bench_count_words time +12.0%, …)");
    const body = rendered(issue.body);
    expect(issue.body.startsWith(`${issue.marker}\n`)).toBe(true);
    expect(body).toContain(`### 2 new change points on main`);
    expect(body).toContain(`[This run](${REPO}/actions/runs/9001) of main at [\`ccccccc\`](${REPO}/commit/${HEAD}) extended the history to 12 runs`);
    expect(body).toContain("#### benchmarks/bench_text.py::bench_count_words: time +12.0%");
    expect(body).toContain("- **Level:** 1.20 ms → 1.34 ms per iteration (+12.0%)");
    expect(body).toContain(
      `- **Introduced by:** [\`aaaaaaa\`](${REPO}/commit/${STEP}), after [\`bbbbbbb\`](${REPO}/commit/${BEFORE}) ([the changes between them](${REPO}/compare/${BEFORE}...${STEP})); first measured by [run 7001](${REPO}/actions/runs/7001)`,
    );
    expect(body).toContain("- **Functions that changed:** is_stop_word (src/wordfreq/text.py:12): 200 µs → 340 µs; normalize (src/wordfreq/text.py:30): 100 µs → 104 µs");
    expect(body).toContain("#### benchmarks/bench_text.py::bench_top: calls +25.0%");
    expect(body).toContain("- **Level:** 1200 → 1500 per iteration (+25.0%)");
    expect(body).toContain("- **Functions that changed:** is_stop_word (src/wordfreq/text.py:12): 400 → 700");
    // The second change point has no run of its own to link.
    expect(body.match(/first measured by/g)).toHaveLength(1);
  });

  it("says when the change points sit on several commits, and that a memory step names no figures per function", () => {
    const memory = point({ metric: "peak_memory", commit: HEAD, previous: STEP, before: 1_048_576, after: 3_145_728, change: 2, functions: [{ file: "src/a.py", line: 3, name: "load", before: 1, after: 2 }] });
    const issue = renderChangePointIssue(input([point(), memory]));
    expect(issue.title).toBe("profgate: 2 change points at 2 commits on main (bench_count_words time +12.0%, …)");
    // Among memory steps, a measurable change names it before a change from nothing, however large.
    const fromZero = point({ benchmark: "b.py::bench_retained", metric: "retained_memory", before: 0, after: 28, change: Infinity, functions: [] });
    expect(renderChangePointIssue(input([fromZero, memory])).title).toBe("profgate: 2 change points at 2 commits on main (bench_count_words peak memory +200.0%, …)");
    expect(renderChangePointIssue(input([fromZero])).title).toBe("profgate: 1 change point at aaaaaaa on main (bench_retained retained memory from 0)");
    expect(rendered(issue.body)).toContain("- **Level:** 1.0 MiB → 3.0 MiB (+200.0%)");
    expect(rendered(issue.body)).toContain("- **Functions that changed:** load (src/a.py:3)\n");
    expect(renderChangePointIssue(input([point({ functions: [] })])).body).toContain("- **Functions that changed:** none among the heaviest functions the history records");
    expect(renderChangePointIssue(input([point()])).title).toBe("profgate: 1 change point at aaaaaaa on main (bench_count_words time +12.0%)");
  });

  it("keys its marker by the change points' benchmark, metric and commit, in any order", () => {
    const a = point();
    const b = point({ metric: "calls", before: 1, after: 2, change: 1 });
    const marker = changePointMarker("profgate-results", [a, b]);
    expect(marker).toMatch(/^<!-- profgate:change-points profgate-results [0-9a-f]{16} -->$/);
    // The same change points found again (another run's levels, the other order) carry the same marker.
    expect(changePointMarker("profgate-results", [{ ...b, before: 5, after: 9, run: 1 }, a])).toBe(marker);
    expect(renderChangePointIssue(input([a, b])).marker).toBe(marker);
    expect(changePointMarker("profgate-results", [a])).not.toBe(marker);
    expect(changePointMarker("profgate-results", [a, { ...b, commit: HEAD }])).not.toBe(marker);
    expect(changePointMarker("profgate-results", [a, { ...b, benchmark: "other" }])).not.toBe(marker);
    expect(changePointMarker("other-results", [a, b])).not.toBe(marker);
    // A key cannot close the HTML comment early.
    expect(changePointMarker("x-->y", [a])).toMatch(/^<!-- profgate:change-points x&#62;y [0-9a-f]{16} -->$/);
  });

  it("escapes names from the history, so they neither inject markup nor mention anybody", () => {
    const hostile = point({ benchmark: "b.py::bench_<img src=x>", functions: [{ file: "src/@team.py", line: 1, name: "[evil](http://x) @octocat", before: 1e-6, after: 2e-6 }] });
    const issue = renderChangePointIssue(input([hostile]));
    expect(issue.body).not.toContain("<img");
    expect(issue.body).not.toContain("[evil]");
    expect(issue.body).not.toMatch(/@octocat|@team/);
    expect(rendered(issue.body)).toContain("[evil](http://x) @octocat (src/@team.py:1)");
    expect(issue.title).toBe("profgate: 1 change point at aaaaaaa on main (bench_<img src=x> time +12.0%)");
  });

  it("keeps the body within the limit, listing what fits and counting the rest with a pointer to the job summary", () => {
    const many = Array.from({ length: 400 }, (_, i) => point({ benchmark: `benchmarks/bench_${"x".repeat(100)}_${i}.py::bench_${i}`, change: 0.05 + i / 1000 }));
    const whole = renderChangePointIssue(input(many));
    expect(whole.body.length).toBeGreaterThan(65_536);
    const issue = renderChangePointIssue(input(many), 65_536);
    expect(issue.body.length).toBeLessThanOrEqual(65_536);
    const listed = issue.body.match(/^#### /gm)?.length ?? 0;
    expect(listed).toBeGreaterThan(50);
    expect(listed).toBeLessThan(400);
    expect(rendered(issue.body)).toContain(`${400 - listed} more change points are not listed here, to fit GitHub's limit on an issue; [the run's job summary](${REPO}/actions/runs/9001) lists them all.`);
    // The marker covers every change point, listed or not, and the title counts them all.
    expect(issue.marker).toBe(whole.marker);
    expect(issue.body.startsWith(issue.marker)).toBe(true);
    expect(issue.title).toMatch(/^profgate: 400 change points at aaaaaaa on main \(bench_399 time \+44\.9%, …\)$/);
    // Every listed change point is whole: the cut falls between them.
    expect(issue.body.match(/- \*\*Functions that changed:\*\*/g)).toHaveLength(listed);
    expect(renderChangePointIssue(input(many.slice(0, 3)), 65_536).body).not.toContain("not listed here");
  });

  it("is linked from the job summary's list of change points, when there is one", () => {
    const summary = (issue: { number: number; url: string } | null, changePoints: ChangePoint[]) =>
      renderHistoryMarkdown({ runs: 12, size: { bytes: 4096, runs: 12, entries: 12, perRun: 341, perEntry: 341 }, changePoints, drifts: [], branch: "main", links: { serverUrl: "https://github.com", repository: "acme/demo" }, issue });
    expect(rendered(summary({ number: 12, url: `${REPO}/issues/12` }, [point()]))).toMatch(/- benchmarks\/bench_text\.py::bench_count_words: time [^\n]+\n\nReported in \[issue #12\]\(https:\/\/github\.com\/acme\/demo\/issues\/12\)\.\n$/);
    expect(summary(null, [point()])).not.toContain("Reported in");
  });
});
