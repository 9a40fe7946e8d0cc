// The 2D view: regl-scatterplot (WebGL) with pan/zoom, hover, click and lasso selection.
// Coordinates arrive normalised to [-1, 1]; selection events carry point indices.
import createScatterplot from "regl-scatterplot";
import type { Encoding } from "./colors";

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
  } as never);
  let x0: Float32Array = new Float32Array(0), y0: Float32Array = new Float32Array(0);
  let frames = 0;
  plot.subscribe("draw", () => frames++);
  plot.subscribe("select", ({ points }: { points: number[] }) => events.select(Array.from(points)));
  plot.subscribe("deselect", () => events.deselect());
  plot.subscribe("pointOver", (i: number) => {
    const [sx, sy] = plot.getScreenPosition(i) ?? [0, 0];
    events.hover(i, sx, sy);
  });
  plot.subscribe("pointOut", () => events.hover(null, 0, 0));

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

  function drawNow(enc: Encoding, keep: boolean) {
    const sel = keep ? Array.from((plot.get("selectedPoints") as number[] | undefined) ?? []) : [];
    const keepSelection = sel.length ? sel : null;
    style(enc);
    const n = x0.length;
    const pts = { x: x0, y: y0, valueA: enc.values, valueB: enc.known };
    const size = n > 200_000 ? 1 : n > 20_000 ? 2.5 : n > 2000 ? 4 : 6;
    plot.set({ pointSize: size } as never);
    return plot.draw(pts as never, {
      zDataType: enc.kind,
      wDataType: "categorical",
      preventFilterReset: true,
      select: keepSelection ?? undefined,
    } as never);
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
      if (points.length) plot.select(points, { preventEvent: true });
      else plot.deselect({ preventEvent: true });
    },
    setLasso(on) {
      plot.set({ mouseMode: on ? "lasso" : "panZoom" } as never);
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
      plot.destroy();
    },
    frames: () => frames,
    panBy(dx, dy) {
      const t = plot.get("cameraTarget") as [number, number];
      plot.set({ cameraTarget: [t[0] + dx, t[1] + dy] } as never);
    },
  };
}
