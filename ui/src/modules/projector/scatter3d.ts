// The 3D view: deck.gl OrbitView + PointCloudLayer, loaded with import() only when the
// user switches to 3D. Drag rotates, wheel zooms, shift-drag (or right-drag) pans;
// click selects a point, hover shows its text.
import { COORDINATE_SYSTEM, Deck, OrbitView } from "@deck.gl/core";
import { PointCloudLayer } from "@deck.gl/layers";
import type { Encoding } from "./colors";
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

  const deck = new Deck({
    parent,
    views: new OrbitView({ orbitAxis: "Y" }),
    viewState,
    controller: { dragPan: true, dragRotate: true, scrollZoom: true },
    onViewStateChange: ({ viewState: vs }) => {
      viewState = vs as typeof viewState;
      deck.setProps({ viewState });
    },
    onAfterRender: () => frames++,
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

  function layer() {
    const size = n > 200_000 ? 1 : n > 20_000 ? 2 : 5;
    deck.setProps({
      layers: [
        new PointCloudLayer({
          id: "points",
          coordinateSystem: COORDINATE_SYSTEM.CARTESIAN,
          data: { length: n, attributes: { getPosition: { value: positions, size: 3 }, getColor: { value: colors, size: 4 } } },
          pointSize: size,
          sizeUnits: "pixels",
          pickable: true,
          material: false,
          updateTriggers: { getColor: [colors] },
        }),
      ],
    });
  }

  return {
    async setPoints(x, y, z, enc) {
      n = x.length;
      positions = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        positions[i * 3] = x[i] * 100;
        positions[i * 3 + 1] = y[i] * 100;
        positions[i * 3 + 2] = (z ? z[i] : 0) * 100;
      }
      paint(enc);
      layer();
    },
    async setEncoding(enc) {
      paint(enc);
      layer();
    },
    select(points) {
      selected = new Set(points);
      if (lastEnc) {
        paint(lastEnc);
        layer();
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
      deck.finalize();
    },
    frames: () => frames,
    panBy(dx, dy) {
      viewState = { ...viewState, rotationOrbit: viewState.rotationOrbit + dx * 90, rotationX: viewState.rotationX + dy * 45 };
      deck.setProps({ viewState });
    },
    lod: () => ({ drawn: n, total: n, selected: selected.size }),
  };
}
