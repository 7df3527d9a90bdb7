/**
 * Directed graphs in compressed form, and their strongly connected components. Pure, on typed arrays: the call
 * graphs of profiles this runs on have thousands of nodes, and recursion in them must not overflow the JS stack.
 */

/** A directed graph on nodes `0..count-1`: the successors of node v are `next[start[v]..start[v+1])`. */
export interface Digraph {
  count: number;
  start: Int32Array;
  next: Int32Array;
}

/** Strongly connected components, in the order Tarjan's algorithm completes them: a component after every component it reaches. */
export interface Components {
  count: number;
  /** Component index of each node; -1 for a node left out. */
  of: Int32Array;
  /** The nodes of component k are `members[bounds[k]..bounds[k+1])`. */
  members: Int32Array;
  bounds: Int32Array;
}

/**
 * The strongly connected components of the subgraph of `graph` induced by the nodes `include` accepts (all when
 * omitted), by Tarjan's algorithm with an explicit stack. Components come out in reverse topological order: when
 * component k is completed, every component reachable from it already has a smaller index. A component's members
 * are listed in the order they leave Tarjan's stack, its root last. Linear in nodes + edges.
 */
export function stronglyConnectedComponents(graph: Digraph, include: (node: number) => boolean = () => true): Components {
  const { count, start, next } = graph;
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack = new Int32Array(count);
  let stackSize = 0;
  // The depth-first search's own frames: a node and the position of the next successor to look at.
  const frameNode = new Int32Array(count);
  const frameNext = new Int32Array(count);
  let depth = 0;
  let visited = 0;

  const of = new Int32Array(count).fill(-1);
  const members = new Int32Array(count);
  const bounds: number[] = [0];
  let placed = 0;

  const enter = (v: number): void => {
    index[v] = low[v] = visited++;
    stack[stackSize++] = v;
    onStack[v] = 1;
    frameNode[depth] = v;
    frameNext[depth++] = start[v] ?? 0;
  };
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1 || !include(root)) continue;
    enter(root);
    while (depth > 0) {
      const v = frameNode[depth - 1] ?? 0;
      const p = frameNext[depth - 1] ?? 0;
      if (p < (start[v + 1] ?? 0)) {
        frameNext[depth - 1] = p + 1;
        const w = next[p] ?? v;
        if (!include(w)) continue;
        if (index[w] === -1) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v] ?? 0, index[w] ?? 0);
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = frameNode[depth - 1] ?? 0;
        low[parent] = Math.min(low[parent] ?? 0, low[v] ?? 0);
      }
      if (low[v] === index[v]) {
        const component = bounds.length - 1;
        let w: number;
        do {
          w = stack[--stackSize] ?? v;
          onStack[w] = 0;
          of[w] = component;
          members[placed++] = w;
        } while (w !== v);
        bounds.push(placed);
      }
    }
  }
  return { count: bounds.length - 1, of, members: members.slice(0, placed), bounds: Int32Array.from(bounds) };
}
