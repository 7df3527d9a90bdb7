import { describe, expect, it } from "vitest";
import { stronglyConnectedComponents, type Components, type Digraph } from "../../src/core/digraph.js";

/** A digraph from `[from, to]` pairs on nodes 0..count-1. */
function digraph(count: number, arcs: readonly [number, number][]): Digraph {
  const start = new Int32Array(count + 1);
  for (const [from] of arcs) start[from + 1]! += 1;
  for (let v = 0; v < count; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, count);
  const next = new Int32Array(arcs.length);
  for (const [from, to] of arcs) next[fill[from]!++] = to;
  return { count, start, next };
}

/** Each component's members, sorted, in the order the components were completed. */
function groups(components: Components): number[][] {
  return Array.from({ length: components.count }, (_, k) => Array.from(components.members.subarray(components.bounds[k], components.bounds[k + 1])).sort((a, b) => a - b));
}

/** Whether every arc between two components goes from a later-completed component to an earlier one. */
function reverseTopological(graph: Digraph, components: Components): boolean {
  for (let v = 0; v < graph.count; v++) {
    for (let p = graph.start[v]!; p < graph.start[v + 1]!; p++) {
      const from = components.of[v]!;
      const to = components.of[graph.next[p]!]!;
      if (from !== -1 && to !== -1 && from < to) return false;
    }
  }
  return true;
}

describe("stronglyConnectedComponents", () => {
  it("gives each node of a DAG a component of its own, sinks first", () => {
    // 0 → 1 → 3, 0 → 2 → 3, 4 alone
    const graph = digraph(5, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
    ]);
    const components = stronglyConnectedComponents(graph);
    expect(components.count).toBe(5);
    expect(groups(components).map((g) => g.length)).toEqual([1, 1, 1, 1, 1]);
    expect(groups(components)[0]).toEqual([3]);
    expect(reverseTopological(graph, components)).toBe(true);
  });

  it("finds cycles, and orders them after what they reach and before what reaches them", () => {
    // 0 → {1 ⇄ 2} → {3 → 4 → 5 → 3} → 6
    const graph = digraph(7, [
      [0, 1],
      [1, 2],
      [2, 1],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 3],
      [5, 6],
    ]);
    const components = stronglyConnectedComponents(graph);
    expect(groups(components)).toEqual([[6], [3, 4, 5], [1, 2], [0]]);
    expect(components.of[4]).toBe(components.of[3]);
    expect(reverseTopological(graph, components)).toBe(true);
  });

  it("treats a self-loop as a component of one, like any other node", () => {
    const graph = digraph(3, [
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 2],
    ]);
    expect(groups(stronglyConnectedComponents(graph))).toEqual([[2], [1], [0]]);
  });

  it("lists a component's members in the order they leave the stack, the root of the search last", () => {
    const graph = digraph(3, [
      [0, 1],
      [1, 2],
      [2, 0],
    ]);
    const components = stronglyConnectedComponents(graph);
    expect(Array.from(components.members)).toEqual([2, 1, 0]);
    expect(Array.from(components.bounds)).toEqual([0, 3]);
  });

  it("leaves out the nodes `include` refuses, cutting the cycles that pass through them", () => {
    // 0 → 1 → 2 → 0 is a cycle only through 2.
    const graph = digraph(4, [
      [0, 1],
      [1, 2],
      [2, 0],
      [1, 3],
    ]);
    const components = stronglyConnectedComponents(graph, (v) => v !== 2);
    expect(groups(components)).toEqual([[3], [1], [0]]);
    expect(components.of[2]).toBe(-1);
  });

  it("walks a path of a hundred thousand nodes and a cycle as long without recursion", () => {
    const count = 100_000;
    const path = digraph(count, Array.from({ length: count - 1 }, (_, v): [number, number] => [v, v + 1]));
    const chain = stronglyConnectedComponents(path);
    expect(chain.count).toBe(count);
    expect(chain.of[count - 1]).toBe(0);
    const ring = stronglyConnectedComponents(digraph(count, Array.from({ length: count }, (_, v): [number, number] => [v, (v + 1) % count])));
    expect(ring.count).toBe(1);
  });

  it("gives every node of a dense random graph the component that mutual reachability says", () => {
    let seed = 11;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const count = 40;
    const arcs = Array.from({ length: 70 }, (): [number, number] => [Math.floor(random() * count), Math.floor(random() * count)]);
    const graph = digraph(count, arcs);
    const reach = Array.from({ length: count }, (_, v) => {
      const seen = new Set([v]);
      const todo = [v];
      for (let u = todo.pop(); u !== undefined; u = todo.pop()) {
        for (const [from, to] of arcs) {
          if (from !== u || seen.has(to)) continue;
          seen.add(to);
          todo.push(to);
        }
      }
      return seen;
    });
    const components = stronglyConnectedComponents(graph);
    for (let a = 0; a < count; a++) {
      for (let b = 0; b < count; b++) expect(components.of[a] === components.of[b], `${a} and ${b}`).toBe(reach[a]!.has(b) && reach[b]!.has(a));
    }
    expect(reverseTopological(graph, components)).toBe(true);
  });
});
