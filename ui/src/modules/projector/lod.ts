// Level of detail, shared by the 2D and 3D views. Above LOD_MIN points one full frame is
// too slow to follow the mouse in software WebGL, so while the camera moves a view draws a
// fixed, seeded random sample of about LOD_SAMPLE points (plus the selected points when
// there are at most LOD_SAMPLE of them), and every point again LOD_REST_MS after the
// last move. The sample depends only on the number of points: the same in both views and
// in every frame.

export const LOD_MIN = 200_000;
export const LOD_SAMPLE = 50_000;
export const LOD_REST_MS = 150;

/** switched off by the frame-rate benchmark's ``--no-lod`` (the "before" figures) */
export const lodSettings = { enabled: true };

/** whether a view of ``n`` points draws a sample while it moves */
export function lodActive(n: number): boolean {
  return lodSettings.enabled && n >= LOD_MIN;
}

let cached: Uint8Array | null = null;

/** 1 for the points of the sample of ``n`` points, 0 for the others */
export function sampleMask(n: number): Uint8Array {
  if (cached && cached.length === n) return cached;
  const mask = new Uint8Array(n);
  const cut = (LOD_SAMPLE / n) * 2 ** 32;
  let s = 0x2545f491; // a fixed seed: the same sample every time
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    if (s < cut) mask[i] = 1;
  }
  return (cached = mask);
}

/** the indices to draw while moving: the sample, plus ``selected`` if not too many */
export function sampleIndices(n: number, selected: ArrayLike<number>): number[] {
  let keep = sampleMask(n);
  if (selected.length && selected.length <= LOD_SAMPLE) {
    keep = keep.slice();
    for (let k = 0; k < selected.length; k++) keep[selected[k]] = 1;
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) idx.push(i);
  return idx;
}
