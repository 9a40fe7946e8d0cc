// The 3D view: deck.gl OrbitView + PointCloudLayer, loaded with import() only when the
// user switches to 3D. Drag rotates, wheel zooms, shift-drag (or right-drag) pans;
// click selects a point, hover shows its text.
//
// Level of detail (lod.ts), as in the 2D view: above LOD_MIN points, while the camera
// moves (any view-state change from the controller: rotate, zoom, pan, their transitions;
// and panBy) it draws a fixed, seeded sample of about LOD_SAMPLE points plus the selected
// ones, and every point again LOD_REST_MS after the last move, or at once on pointer-up
// (a click picks among every point). Two layers with stable ids, "points" (all) and
// "points-lod" (the sample, its own copy of positions and colours, built when the data,
// colours or selection change), each with a data object that only changes with them: a
// switch only toggles ``visible``, so no attribute is uploaded again. Only the full layer
// is pickable (picking needs all points; the controller does not hover while dragging).
import { COORDINATE_SYSTEM, Deck, OrbitView } from "@deck.gl/core";
import { PointCloudLayer } from "@deck.gl/layers";
import type { Encoding } from "./colors";
import { LOD_REST_MS, lodActive, sampleIndices } from "./lod";
import type { View, ViewEvents } from "./scatter2d";

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function create3d(parent: HTMLDivElement, events: ViewEvents): View {
  let positions = new Float32Array(0);
  let colors = new Uint8Array(0);
  let n = 0;
  let selected = new Set<number>();
  let frames = 0;
  let viewState = { target: [0, 0, 0] as [number, number, number], rotationX: 25, rotationOrbit: 30, zoom: 0.6, minZoom: -3, maxZoom: 12 };
  let lastEnc: Encoding | null = null;
  // the data objects of both layers: new ones only when positions, colours or selection change
  let full: object = { length: 0, attributes: {} };
  let lodData: object = { length: 0, attributes: {} };
  let sampleIdx: number[] = [];
  let sampleSelected = 0; // selected points in the sample
  let coarse = false; // the sample is shown
  let rest = 0;
  let drawn = 0; // points in the last frame, and of them selected
  let drawnSelected = 0;

  const deck = new Deck({
    parent,
    views: new OrbitView({ orbitAxis: "Y" }),
    viewState,
    controller: { dragPan: true, dragRotate: true, scrollZoom: true },
    onViewStateChange: ({ viewState: vs }) => {
      // every change from the controller is motion (interactionState: dragging, rotating,
      // zooming, panning, or a transition such as inertia; all count alike)
      moving();
      viewState = vs as typeof viewState;
      deck.setProps({ viewState });
    },
    onAfterRender: () => {
      frames++;
      drawn = coarse ? sampleIdx.length : n;
      drawnSelected = coarse ? sampleSelected : selected.size;
    },
    getCursor: ({ isHovering, isDragging }) => (isDragging ? "grabbing" : isHovering ? "pointer" : "grab"),
    onHover: (info) => events.hover(info.index >= 0 ? info.index : null, info.x, info.y),
    onClick: (info) => {
      if (info.index >= 0) events.select([info.index]);
      else events.deselect();
    },
    layers: [],
  });

  function paint(enc: Encoding) {
    lastEnc = enc;
    colors = new Uint8Array(n * 4);
    const pal = enc.colors.map(rgb);
    const some = selected.size > 0;
    for (let i = 0; i < n; i++) {
      const c = enc.kind === "categorical" ? pal[Math.min(pal.length - 1, enc.values[i] | 0)] : pal[Math.min(pal.length - 1, Math.round(enc.values[i] * (pal.length - 1)))];
      colors[i * 4] = c[0];
      colors[i * 4 + 1] = c[1];
      colors[i * 4 + 2] = c[2];
      const base = enc.known[i] ? 230 : 60;
      colors[i * 4 + 3] = some && !selected.has(i) ? Math.round(base * 0.3) : base;
    }
  }

  /** the sample's indices and its own copy of positions and colours */
  function buildSample() {
    if (!lodActive(n)) {
      sampleIdx = [];
      sampleSelected = 0;
      lodData = { length: 0, attributes: {} };
      return;
    }
    sampleIdx = sampleIndices(n, Array.from(selected));
    const m = sampleIdx.length;
    const pos = new Float32Array(m * 3), col = new Uint8Array(m * 4);
    sampleSelected = 0;
    for (let k = 0; k < m; k++) {
      const i = sampleIdx[k];
      pos.set(positions.subarray(i * 3, i * 3 + 3), k * 3);
      col.set(colors.subarray(i * 4, i * 4 + 4), k * 4);
      if (selected.has(i)) sampleSelected++;
    }
    lodData = { length: m, attributes: { getPosition: { value: pos, size: 3 }, getColor: { value: col, size: 4 } } };
  }

  /** new colours or positions: new data objects for both layers */
  function rebuild() {
    full = { length: n, attributes: { getPosition: { value: positions, size: 3 }, getColor: { value: colors, size: 4 } } };
    buildSample();
    layer();
  }

  function layer() {
    const size = n > 200_000 ? 1 : n > 20_000 ? 2 : 5;
    const props = { coordinateSystem: COORDINATE_SYSTEM.CARTESIAN, pointSize: size, sizeUnits: "pixels" as const, material: false };
    deck.setProps({
      layers: [
        new PointCloudLayer({ ...props, id: "points", data: full as never, visible: !coarse, pickable: !coarse }),
        new PointCloudLayer({ ...props, id: "points-lod", data: lodData as never, visible: coarse, pickable: false }),
      ],
    });
  }

  /** Draw the sample until nothing has moved for LOD_REST_MS. */
  function moving() {
    if (!lodActive(n)) return;
    lastMove = performance.now();
    clearTimeout(rest);
    rest = window.setTimeout(restCheck, LOD_REST_MS);
    if (coarse) return;
    coarse = true;
    layer();
  }

  // A frame of the sample can take longer than LOD_REST_MS in software WebGL, and moves
  // (mouse events, the benchmark's requestAnimationFrame) wait for it: check at the next
  // animation frame, after those moves, that none came for LOD_REST_MS.
  let lastMove = 0;
  function restCheck() {
    requestAnimationFrame(() => {
      const idle = performance.now() - lastMove;
      if (idle >= LOD_REST_MS) settle();
      else {
        clearTimeout(rest);
        rest = window.setTimeout(restCheck, LOD_REST_MS - idle);
      }
    });
  }

  function settle() {
    clearTimeout(rest);
    if (!coarse) return;
    coarse = false;
    layer();
  }
  window.addEventListener("pointerup", settle, true);

  return {
    async setPoints(x, y, z, enc) {
      n = x.length;
      positions = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        positions[i * 3] = x[i] * 100;
        positions[i * 3 + 1] = y[i] * 100;
        positions[i * 3 + 2] = (z ? z[i] : 0) * 100;
      }
      settle();
      paint(enc);
      rebuild();
    },
    async setEncoding(enc) {
      paint(enc);
      rebuild();
    },
    select(points) {
      selected = new Set(points);
      if (lastEnc) {
        paint(lastEnc);
        rebuild();
      }
    },
    setLasso() {
      /* lasso is a 2D tool */
    },
    resize() {
      deck.redraw("resize");
    },
    screenPosition() {
      return null;
    },
    reset() {
      viewState = { ...viewState, target: [0, 0, 0], rotationX: 25, rotationOrbit: 30, zoom: 0.6 };
      deck.setProps({ viewState });
    },
    destroy() {
      clearTimeout(rest);
      window.removeEventListener("pointerup", settle, true);
      deck.finalize();
    },
    frames: () => frames,
    panBy(dx, dy) {
      // a fraction of the data's extent (positions span [-100, 100])
      moving();
      const t = viewState.target;
      viewState = { ...viewState, target: [t[0] + dx * 100, t[1] + dy * 100, t[2]] };
      deck.setProps({ viewState });
    },
    lod: () => ({ drawn, total: n, selected: drawnSelected }),
  };
}
