// The 2D view: regl-scatterplot (WebGL) with pan/zoom, hover, click and lasso selection.
// Coordinates arrive normalised to [-1, 1]; selection events carry point indices.
//
// Level of detail (the constants and the sample: lod.ts). Above LOD_MIN points one full frame is too slow to follow the mouse
// (about half a second for 1,000,000 points in software WebGL). So while the view is in
// motion (the camera pans or zooms, or a lasso is being drawn) it draws a fixed, seeded
// random sample of LOD_SAMPLE points, plus the selected points when there are few, through
// regl-scatterplot's filter(): that only rewrites the index buffer (positions and colours
// stay on the GPU). LOD_REST_MS after the last move, and at once on mouse-up (before a
// click or a lasso picks points, which would only see the sample), unfilter() brings back
// every point. filter() drops hidden points from the plot's selection, so the view keeps
// its own copy and restores it without events: the workbench's selection never notices.
import createScatterplot from "regl-scatterplot";
import type { Encoding } from "./colors";
import { LOD_REST_MS, lodActive, sampleIndices } from "./lod";

export interface ViewEvents {
  select(points: number[]): void;
  deselect(): void;
  hover(point: number | null, x: number, y: number): void;
}

export interface View {
  setPoints(x: Float32Array, y: Float32Array, z: Float32Array | null, enc: Encoding): Promise<void>;
  setEncoding(enc: Encoding): Promise<void>;
  select(points: number[]): void;
  setLasso(on: boolean): void;
  resize(): void;
  screenPosition(point: number): [number, number] | null;
  reset(): void;
  destroy(): void;
  /** frames drawn since creation (for the frame-rate benchmark) */
  frames(): number;
  /** move the camera by a fraction of the view (for the benchmark) */
  panBy(dx: number, dy: number): void;
  /** points in the last frame, of all points, and highlighted as selected (for tests) */
  lod(): { drawn: number; total: number; selected: number };
}

type Scatter = ReturnType<typeof createScatterplot>;

/** ``performance``: square points without alpha blending, for very many points. */
export function create2d(canvas: HTMLCanvasElement, events: ViewEvents, performance = false): View {
  const { width, height } = canvas.getBoundingClientRect();
  const plot: Scatter = createScatterplot({
    canvas,
    width,
    height,
    pointSize: 5,
    pointSizeSelected: 3,
    pointOutlineWidth: 2,
    opacityInactiveScale: 0.35,
    backgroundColor: [1, 1, 1, 1],
    pointColorActive: [0.05, 0.1, 0.2, 1],
    lassoColor: [0.18, 0.37, 0.82, 1],
    lassoMinDelay: 0,
    lassoMinDist: 2,
    lassoClearEvent: "lassoEnd",
    deselectOnDblClick: true,
    deselectOnEscape: true,
    performanceMode: performance,
    syncEvents: true,
  } as never);
  let x0: Float32Array = new Float32Array(0), y0: Float32Array = new Float32Array(0);
  let frames = 0;
  let selected: number[] = []; // the selection, also while filter() hides part of it
  let drawing = false;
  let coarse = 0; // points shown while in motion (0: all of them)
  let drawn = 0;
  let rest = 0;
  plot.subscribe("drawing", () => (drawn = coarse || x0.length));
  plot.subscribe("draw", () => frames++);
  plot.subscribe("select", ({ points }: { points: number[] }) => {
    selected = Array.from(points);
    events.select(selected);
  });
  plot.subscribe("deselect", () => {
    selected = [];
    events.deselect();
  });
  plot.subscribe("pointOver", (i: number) => {
    const [sx, sy] = plot.getScreenPosition(i) ?? [0, 0];
    events.hover(i, sx, sy);
  });
  plot.subscribe("pointOut", () => events.hover(null, 0, 0));
  // in motion: the wheel zooms, a drag pans or draws a lasso (and panBy); these listeners
  // run before the frame that shows the move, so that frame already draws the sample
  canvas.addEventListener("wheel", moving, { passive: true });
  canvas.addEventListener("pointermove", (e) => e.buttons === 1 && moving());
  window.addEventListener("pointerup", settle, true);

  /** Draw the sample until nothing has moved for LOD_REST_MS. */
  function moving() {
    const n = x0.length;
    if (!lodActive(n) || drawing) return;
    clearTimeout(rest);
    rest = window.setTimeout(settle, LOD_REST_MS);
    if (coarse) return;
    const idx = sampleIndices(n, selected);
    coarse = idx.length;
    plot.filter(idx, { preventEvent: true });
  }

  function settle() {
    clearTimeout(rest);
    if (!coarse) return;
    coarse = 0;
    plot.unfilter({ preventEvent: true });
    if (selected.length) plot.select(selected, { preventEvent: true });
  }

  function style(enc: Encoding) {
    plot.set({
      colorBy: "valueA",
      opacityBy: "valueB",
      pointColor: enc.colors,
      pointColorHover: enc.colors,
      opacity: [0.22, 0.9],
    } as never);
  }

  // regl-scatterplot ignores a draw while the previous one runs: queue them
  let queue: Promise<unknown> = Promise.resolve();
  function draw(enc: Encoding, keep: boolean): Promise<unknown> {
    queue = queue.then(() => drawNow(enc, keep)).catch(() => undefined);
    return queue;
  }

  async function drawNow(enc: Encoding, keep: boolean) {
    settle();
    if (!keep) selected = [];
    style(enc);
    const n = x0.length;
    const pts = { x: x0, y: y0, valueA: enc.values, valueB: enc.known };
    const size = n > 200_000 ? 1 : n > 20_000 ? 2.5 : n > 2000 ? 4 : 6;
    plot.set({ pointSize: size } as never);
    drawing = true;
    try {
      await plot.draw(pts as never, { zDataType: enc.kind, wDataType: "categorical", preventFilterReset: true } as never);
    } finally {
      drawing = false;
    }
    if (selected.length) plot.select(selected, { preventEvent: true });
  }

  return {
    async setPoints(x, y, _z, enc) {
      x0 = x;
      y0 = y;
      await draw(enc, false);
    },
    async setEncoding(enc) {
      await draw(enc, true);
    },
    select(points) {
      settle(); // selections are made among all points
      selected = points;
      if (drawing) return; // applied when the draw is done
      if (points.length) plot.select(points, { preventEvent: true });
      else plot.deselect({ preventEvent: true });
    },
    setLasso(on) {
      // every set() redraws, and a redraw of a million points is slow: only on a change
      const mode = on ? "lasso" : "panZoom";
      if (plot.get("mouseMode") !== mode) plot.set({ mouseMode: mode } as never);
    },
    resize() {
      const r = canvas.getBoundingClientRect();
      if (r.width && r.height) plot.set({ width: r.width, height: r.height });
    },
    screenPosition(i) {
      const p = plot.getScreenPosition(i);
      return p ? [p[0], p[1]] : null;
    },
    reset() {
      plot.reset();
    },
    destroy() {
      clearTimeout(rest);
      window.removeEventListener("pointerup", settle, true);
      plot.destroy();
    },
    frames: () => frames,
    panBy(dx, dy) {
      moving();
      const t = plot.get("cameraTarget") as [number, number];
      plot.set({ cameraTarget: [t[0] + dx, t[1] + dy] } as never);
    },
    lod: () => ({ drawn, total: x0.length, selected: (plot.get("selectedPoints") as number[]).length }),
  };
}
