// Colour encodings for the projector: one value per point, categorical (a palette
// index) or continuous (0..1 on a ramp), from gold labels, predictions, correctness,
// confidence or any dataset field. Unknown values (not predicted yet) are drawn faint.
import type { Workbench } from "../../lib/state";
import { classHeads, labelOf, type ClassHead } from "../../lib/preds";
import { fieldsOfType } from "../../lib/specs";
import { PALETTE as MEANING } from "../../lib/colors";

// (Tableau 10 without its red and pink: red means a wrong prediction, lib/colors.ts)
export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#9c755f", "#bab0ac"];
// correct / wrong mean what they mean everywhere else (lib/colors.ts)
export const CORRECT = MEANING.correct;
export const WRONG = MEANING.wrong;
export const UNKNOWN = "#b8bec9";

// cividis, dark blue to yellow (perceptually even, colour-blind safe, and no red: high
// confidence is not 'wrong')
export const RAMP: string[] = Array.from({ length: 32 }, (_, i) => {
  const t = i / 31;
  const a = [0, 34, 78], b = [124, 123, 120], c = [254, 232, 56];
  const [p, q, u] = t < 0.5 ? [a, b, t * 2] : [b, c, (t - 0.5) * 2];
  const mix = (k: number) => Math.round(p[k] + (q[k] - p[k]) * u).toString(16).padStart(2, "0");
  return `#${mix(0)}${mix(1)}${mix(2)}`;
});

export interface ColorOption {
  key: string;
  label: string;
}

export interface Encoding {
  /** categorical: palette index; continuous: 0..1 */
  values: Float32Array;
  /** 1 where the value is known */
  known: Float32Array;
  kind: "categorical" | "continuous";
  colors: string[];
  legend: { label: string; color: string }[];
  range?: [number, number];
}

export function colorOptions(wb: Workbench, model: string): ColorOption[] {
  const opts: ColorOption[] = [{ key: "none", label: "Nothing" }];
  const heads = classHeads(wb).filter((h) => h.model === model);
  for (const h of heads) {
    const many = heads.length > 1 ? ` · ${h.field}` : "";
    if (h.spec.parent && wb.connection.datasetSpec[h.spec.parent]) opts.push({ key: `gold:${h.field}`, label: `Label (${h.spec.parent})` });
    opts.push({ key: `pred:${h.field}`, label: `Prediction${many}` });
    if (h.spec.parent && wb.connection.datasetSpec[h.spec.parent]) opts.push({ key: `correct:${h.field}`, label: `Correctness${many}` });
    opts.push({ key: `conf:${h.field}`, label: `Confidence${many}` });
  }
  const info = wb.connection.models.find((m) => m.name === model);
  for (const f of fieldsOfType(info?.output_spec, "RegressionScore")) opts.push({ key: `score:${f}`, label: `Score · ${f}` });
  for (const [name, f] of Object.entries(wb.connection.datasetSpec)) {
    if (["CategoryLabel", "Boolean", "Scalar"].includes(f.type)) opts.push({ key: `field:${name}`, label: `Field · ${name}` });
    if (f.type === "TextSegment") opts.push({ key: `length:${name}`, label: `Length of ${name}` });
  }
  return opts;
}

function categorical(n: number, rowOf: Int32Array, valueOf: (row: number) => string | null, fixed?: Record<string, string>): Encoding {
  const cats = new Map<string, number>();
  const values = new Float32Array(n);
  const known = new Float32Array(n);
  const raw: (string | null)[] = new Array(n);
  for (let p = 0; p < n; p++) {
    const v = rowOf[p] >= 0 ? valueOf(rowOf[p]) : null;
    raw[p] = v;
    if (v !== null && !cats.has(v)) cats.set(v, cats.size);
  }
  const names = [...cats.keys()];
  if (!fixed) names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  names.forEach((c, i) => cats.set(c, i));
  const colors = names.map((c, i) => fixed?.[c] ?? PALETTE[i % PALETTE.length]);
  for (let p = 0; p < n; p++) {
    const v = raw[p];
    if (v !== null) {
      values[p] = cats.get(v)!;
      known[p] = 1;
    }
  }
  if (!colors.length) colors.push(UNKNOWN);
  const legend = names.map((c, i) => ({ label: c, color: colors[i] }));
  return { values, known, kind: "categorical", colors, legend };
}

function continuous(n: number, rowOf: Int32Array, valueOf: (row: number) => number | null): Encoding {
  const values = new Float32Array(n);
  const known = new Float32Array(n);
  let lo = Infinity, hi = -Infinity;
  const raw = new Float64Array(n).fill(NaN);
  for (let p = 0; p < n; p++) {
    const v = rowOf[p] >= 0 ? valueOf(rowOf[p]) : null;
    if (v === null || !Number.isFinite(v)) continue;
    raw[p] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  for (let p = 0; p < n; p++) {
    if (Number.isNaN(raw[p])) continue;
    values[p] = (raw[p] - lo) / span;
    known[p] = 1;
  }
  const range: [number, number] = Number.isFinite(lo) ? [lo, hi] : [0, 1];
  return { values, known, kind: "continuous", colors: RAMP, legend: [], range };
}

const num = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v == null ? null : Number(v));

/** The encoding for ``key`` (see colorOptions) of points whose table rows are ``rowOf`` (-1: none). */
export function encode(wb: Workbench, model: string, key: string, rowOf: Int32Array): Encoding {
  const n = rowOf.length;
  const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  const cols = wb.table.rows?.columns ?? {};
  const head: ClassHead | undefined = classHeads(wb).find((h) => h.model === model && h.field === name);
  const probs = (row: number) => wb.table.preds[model]?.columns[name]?.[row] as ArrayLike<number> | null | undefined;
  switch (kind) {
    case "gold":
      return categorical(n, rowOf, (r) => (cols[head?.spec.parent ?? ""]?.[r] as string | null) ?? null, fixedVocab(head));
    case "pred":
      return categorical(n, rowOf, (r) => (head ? labelOf(wb, head, probs(r)) : null), fixedVocab(head));
    case "correct":
      return categorical(
        n,
        rowOf,
        (r) => {
          const gold = cols[head?.spec.parent ?? ""]?.[r];
          const label = head ? labelOf(wb, head, probs(r)) : null;
          return gold == null || label == null ? null : gold === label ? "correct" : "wrong";
        },
        { correct: CORRECT, wrong: WRONG },
      );
    case "conf":
      return continuous(n, rowOf, (r) => {
        const p = probs(r);
        return p && p.length ? Math.max(...Array.from(p)) : null;
      });
    case "score":
      return continuous(n, rowOf, (r) => num(wb.table.preds[model]?.columns[name]?.[r]));
    case "length":
      return continuous(n, rowOf, (r) => {
        const t = cols[name]?.[r];
        return typeof t === "string" ? t.split(/\s+/).filter(Boolean).length : null;
      });
    case "field": {
      const f = wb.connection.datasetSpec[name];
      if (f?.type === "Scalar") return continuous(n, rowOf, (r) => num(cols[name]?.[r]));
      return categorical(n, rowOf, (r) => (cols[name]?.[r] == null ? null : String(cols[name][r])));
    }
    default: {
      const values = new Float32Array(n);
      return { values, known: new Float32Array(n).fill(1), kind: "categorical", colors: [PALETTE[0]], legend: [] };
    }
  }
}

function fixedVocab(head: ClassHead | undefined): Record<string, string> | undefined {
  if (!head) return undefined;
  return Object.fromEntries(head.spec.vocab.map((v, i) => [v, PALETTE[i % PALETTE.length]]));
}
