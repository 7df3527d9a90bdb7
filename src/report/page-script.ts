/// <reference lib="dom" />
/**
 * The report page's own script: draws every flame graph from the page's JSON data block and wires hover, zoom and
 * search. The page carries the text of `flameScript` (html.ts), so the function must use nothing from outside its
 * body. Frames are absolutely positioned elements, drawn only where at least half a pixel wide, so a graph of
 * thousands of frames redraws in milliseconds. Text goes in through `textContent`, never as markup.
 */

/** A flame graph as the page's data block holds it (built by flameData in html.ts). */
export interface FlameData {
  /** Seconds per iteration, base and head. */
  t: [number, number];
  /** What every source link starts with. */
  u: string;
  /** Functions: name, file, line, presence ("both", "new", "gone"), calls base, calls head, the rest of the source link or null. */
  f: [string, string, number, string, number, number, string | null][];
  /** Per frame, depth-first: function, parent, head time, head own time, base time, base own time. */
  n: number[];
  p: number[];
  h: number[];
  hs: number[];
  b: number[];
  bs: number[];
  /** Per frame, one character each: the change ("0" same, "1" slower, "2" faster, "3" new) and its strength 0–9. */
  c: string;
  k: string;
}

/** Runs in the browser. */
export function flameScript(): void {
  const ROW = 18;
  const CLASSES = ["same", "slower", "faster", "new"];
  // Light to strong: same is one grey, new one purple; slower and faster blend with the change's strength.
  const COLOURS: [number[], number[]][] = [
    [
      [214, 211, 203],
      [214, 211, 203],
    ],
    [
      [246, 200, 194],
      [214, 40, 40],
    ],
    [
      [196, 219, 246],
      [30, 100, 214],
    ],
    [
      [180, 140, 240],
      [180, 140, 240],
    ],
  ];
  const source = document.getElementById("profgate-flames");
  if (source === null) return;
  const graphs = JSON.parse(source.textContent ?? "{}") as Record<string, FlameData>;

  const duration = (seconds: number): string => {
    const abs = Math.abs(seconds);
    if (abs === 0) return "0 s";
    const [scale, unit] = abs >= 1 ? [1, "s"] : abs >= 1e-3 ? [1e-3, "ms"] : abs >= 1e-6 ? [1e-6, "µs"] : [1e-9, "ns"];
    return `${(seconds / scale).toPrecision(3)} ${unit}`;
  };
  const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(4));

  const setup = (section: HTMLElement, g: FlameData): void => {
    const chart = section.querySelector<HTMLElement>(".flame-chart");
    const info = section.querySelector<HTMLElement>(".flame-info");
    const status = section.querySelector<HTMLElement>(".flame-status");
    const search = section.querySelector<HTMLInputElement>(".flame-search");
    const reset = section.querySelector<HTMLButtonElement>(".flame-reset");
    if (chart === null || info === null || status === null || search === null || reset === null) return;
    const frames = g.n.length;
    const x = new Float64Array(frames);
    const depth = new Int32Array(frames);
    const size = new Int32Array(frames).fill(1);
    const next = new Float64Array(frames);
    let whole = 0;
    let deepest = 0;
    for (let i = 0; i < frames; i++) {
      const up = g.p[i] ?? -1;
      if (up === -1) {
        x[i] = whole;
        whole += g.h[i] ?? 0;
      } else {
        x[i] = next[up] ?? 0;
        next[up] = (next[up] ?? 0) + (g.h[i] ?? 0);
        depth[i] = (depth[up] ?? 0) + 1;
      }
      next[i] = x[i] ?? 0;
      deepest = Math.max(deepest, depth[i] ?? 0);
    }
    for (let i = frames - 1; i >= 0; i--) {
      const up = g.p[i] ?? -1;
      if (up !== -1) size[up] = (size[up] ?? 0) + (size[i] ?? 0);
    }
    chart.style.height = `${(deepest + 1) * ROW}px`;
    const fn = (i: number) => g.f[g.n[i] ?? 0] ?? ["?", "", 0, "both", 0, 0, null];
    const colour = (i: number): string => {
      const change = Number(g.c[i] ?? "0");
      const [light, strong] = COLOURS[change] ?? COLOURS[0] ?? [[0], [0]];
      const k = Number(g.k[i] ?? "0") / 9;
      return `rgb(${light.map((v, j) => Math.round(v + ((strong[j] ?? v) - v) * k)).join(", ")})`;
    };
    let zoom = -1;
    let query = "";
    const matches = (i: number): boolean => {
      if (query === "") return false;
      const [name, file] = fn(i);
      return name.toLowerCase().includes(query) || file.toLowerCase().includes(query);
    };

    const draw = (): void => {
      const width = chart.clientWidth || 1000;
      const from = zoom === -1 ? 0 : zoom;
      const to = zoom === -1 ? frames : zoom + (size[zoom] ?? 1);
      const left = zoom === -1 ? 0 : (x[zoom] ?? 0);
      const scale = width / (zoom === -1 ? whole || 1 : g.h[zoom] || 1);
      const out = document.createDocumentFragment();
      const frame = (i: number, at: number, w: number): void => {
        const box = document.createElement("div");
        box.className = `frame ${CLASSES[Number(g.c[i] ?? "0")] ?? "same"}${matches(i) ? " match" : ""}`;
        box.dataset.i = String(i);
        box.style.left = `${at}px`;
        box.style.width = `${w}px`;
        box.style.top = `${(depth[i] ?? 0) * ROW}px`;
        box.style.backgroundColor = colour(i);
        if (w >= 24) box.textContent = fn(i)[0];
        out.append(box);
      };
      for (let a = zoom === -1 ? -1 : (g.p[zoom] ?? -1); a !== -1; a = g.p[a] ?? -1) frame(a, 0, width);
      for (let i = from; i < to; i++) {
        const w = (g.h[i] ?? 0) * scale;
        if (w < 0.5) {
          // Children are never wider than their frame: skip the whole subtree.
          i += (size[i] ?? 1) - 1;
          continue;
        }
        frame(i, ((x[i] ?? 0) - left) * scale, w);
      }
      chart.replaceChildren(out);
    };

    const show = (i: number): void => {
      const [name, file, line, presence, callsBase, callsHead, url] = fn(i);
      const head = g.h[i] ?? 0;
      const base = g.b[i] ?? 0;
      const title = document.createElement("strong");
      title.textContent = name;
      const where = document.createElement(url === null ? "code" : "a");
      where.textContent = line > 0 ? `${file}:${line}` : file;
      if (where instanceof HTMLAnchorElement && url !== null) where.href = g.u + url;
      const figures = document.createElement("div");
      const change = base > 0 ? ` (${head >= base ? "+" : "−"}${duration(Math.abs(head - base))}, ${(head / base).toFixed(2)}×)` : "";
      figures.textContent = [
        `time ${duration(base)} → ${duration(head)}${change}`,
        `own ${duration(g.bs[i] ?? 0)} → ${duration(g.hs[i] ?? 0)}`,
        `calls/iter (every caller) ${count(callsBase)} → ${count(callsHead)}`,
        `${((100 * head) / (whole || 1)).toFixed(1)}% of head`,
        presence === "new" ? "new in head" : "",
      ]
        .filter((s) => s !== "")
        .join(" · ");
      info.replaceChildren(title, " ", where, figures);
    };

    const target = (event: Event): number | null => {
      const box = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>(".frame") : null;
      return box === null ? null : Number(box.dataset.i);
    };
    chart.addEventListener("mouseover", (event) => {
      const i = target(event);
      if (i !== null) show(i);
    });
    chart.addEventListener("click", (event) => {
      const i = target(event);
      if (i === null) return;
      // Clicking the frame zoomed into, or one above it, zooms out to that frame's parent or to it.
      zoom = i === zoom ? (g.p[i] ?? -1) : i;
      status.textContent = zoom === -1 ? "" : `zoomed into ${fn(zoom)[0]}`;
      draw();
    });
    reset.addEventListener("click", () => {
      zoom = -1;
      status.textContent = "";
      draw();
    });
    search.addEventListener("input", () => {
      query = search.value.trim().toLowerCase();
      let matched = 0;
      let time = 0;
      let covered = 0;
      for (let i = 0; i < frames; i++) {
        if (!matches(i)) continue;
        matched++;
        // Time of frames under a match is inside the match's time already.
        if (i >= covered) {
          time += g.h[i] ?? 0;
          covered = i + (size[i] ?? 1);
        }
      }
      status.textContent = query === "" ? "" : `${matched} frame${matched === 1 ? "" : "s"} match: ${duration(time)}, ${((100 * time) / (whole || 1)).toFixed(1)}% of head`;
      draw();
    });
    window.addEventListener("resize", draw);
    draw();
  };

  for (const section of document.querySelectorAll<HTMLElement>("section.flame")) {
    const g = graphs[section.dataset.graph ?? ""];
    if (g !== undefined) setup(section, g);
  }
}
