// Colours for salience: a signed diverging palette (ColorBrewer RdBu: red lowers the
// explained score, blue raises it, white is neutral) and a sequential white→blue one for
// unsigned maps and attention. Both are readable with the common colour-vision deficiencies.

type RGB = [number, number, number];

const DIVERGING: RGB[] = [
  [178, 24, 43],
  [239, 138, 98],
  [247, 247, 247],
  [103, 169, 207],
  [33, 102, 172],
];
const SEQUENTIAL: RGB[] = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

function ramp(stops: RGB[], t: number): RGB {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as RGB;
}

const css = ([r, g, b]: RGB) => `rgb(${r}, ${g}, ${b})`;

/** Colour of ``v`` in [-1, 1] (signed) or [0, 1] (unsigned). */
export function rgb(v: number, signed: boolean): RGB {
  return signed ? ramp(DIVERGING, (v + 1) / 2) : ramp(SEQUENTIAL, v);
}

export function color(v: number, signed: boolean): string {
  return css(rgb(v, signed));
}

/** Black or white text, whichever reads better on ``color(v)``. */
export function ink(v: number, signed: boolean): string {
  const [r, g, b] = rgb(v, signed).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.25 ? "#111" : "#fff";
}

/** CSS gradient of a palette, for legends. */
export function gradient(signed: boolean): string {
  const stops = signed ? DIVERGING : SEQUENTIAL;
  return `linear-gradient(to right, ${stops.map(css).join(", ")})`;
}

/** The largest magnitude (at least a tiny epsilon, so all-zero maps stay white). */
export function scaleOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m || 1e-12;
}

/** A model token as a reader would write it: WordPiece "##" joins, "Ġ"/"▁" mean a space. */
export function displayToken(t: string): { text: string; joins: boolean } {
  if (t.startsWith("##")) return { text: t.slice(2), joins: true };
  if (t.startsWith("Ġ") || t.startsWith("▁")) return { text: t.slice(1), joins: false };
  if (t === "Ċ" || t === "\n") return { text: "⏎", joins: false };
  return { text: t, joins: false };
}

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

/**
 * What each colour means, one meaning per colour across every module. App.svelte puts
 * these on the page as CSS variables (``--wrong``, ``--wrong-soft``, ...); components
 * style with the variables and never with their own hex codes.
 *
 * - ``accent``  the app's own blue: links, focus, predicted entities, the chosen class
 * - ``select``  selected rows
 * - ``wrong``   a prediction that differs from the gold label (red)
 * - ``correct`` the gold label, and predictions that match it (green)
 * - ``differs`` two models, or two datapoints, that differ from each other (violet);
 *               never red, which is kept for "wrong against gold"
 * - ``pin``     the pinned reference row (amber)
 * - ``found``   search matches in the table (yellow highlight)
 * - ``error``   the page's own failures (a request, a field) and deleting (slate): not red
 *
 * Scales with a legend of their own (salience's RdBu, attention's blues, the projector's
 * categorical Tableau colours without red, its cividis ramp) are read from that legend.
 */
export const PALETTE = {
  accent: "#2f5fd0",
  "accent-soft": "#e6edfc",
  select: "#dbe6ff",
  wrong: "#b3261e",
  "wrong-soft": "#fdecea",
  correct: "#1d7a46",
  "correct-soft": "#e8f5ec",
  differs: "#6a3fb5",
  "differs-soft": "#efe8fb",
  pin: "#b86e00",
  "pin-soft": "#fff3dc",
  found: "#fff0a8",
  // the page's own failures (a request failed, a field is invalid), and deleting: slate,
  // so that red keeps meaning a wrong prediction only
  error: "#2b3140",
  "error-soft": "#eceef2",
} as const;

export type Meaning = keyof typeof PALETTE;

/** The palette as CSS custom properties (``--wrong: #b3261e; ...``). */
export function paletteCss(): string {
  return Object.entries(PALETTE)
    .map(([k, v]) => `--${k}: ${v};`)
    .join(" ");
}
