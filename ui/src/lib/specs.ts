// Questions about specs, answered from field types only (never from model names).
import type { FieldSpec, FieldTypeName, Spec } from "../generated/types";
import type { ModelInfo } from "./api";

export function fieldsOfType(spec: Spec | null | undefined, ...types: FieldTypeName[]): string[] {
  if (!spec) return [];
  return Object.entries(spec)
    .filter(([, f]) => types.includes(f.type))
    .map(([name]) => name);
}

export function hasOutput(models: ModelInfo[], ...types: FieldTypeName[]): boolean {
  return models.some((m) => fieldsOfType(m.output_spec, ...types).length > 0);
}

export function field<T extends FieldSpec["type"]>(spec: Spec | null | undefined, name: string, type: T): Extract<FieldSpec, { type: T }> | null {
  const f = spec?.[name];
  return f && f.type === type ? (f as Extract<FieldSpec, { type: T }>) : null;
}

/** Fields a person can edit in the datapoint editor. */
export const EDITABLE: FieldTypeName[] = ["TextSegment", "CategoryLabel", "Scalar", "Tokens", "SequenceTags", "Boolean"];

/** Output types the table shows as a column. */
export const TABLE_OUTPUTS: FieldTypeName[] = ["MulticlassPreds", "RegressionScore", "GeneratedText", "GeneratedTextCandidates", "SequenceTags"];

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** The predicted class of a probability vector; binary heads honour the threshold. */
export function predictedClass(p: ArrayLike<number>, nullIdx: number | null, threshold: number | undefined): number {
  if (p.length === 2 && threshold !== undefined) {
    const pos = nullIdx === 1 ? 0 : 1;
    return p[pos] >= threshold ? pos : 1 - pos;
  }
  return argmax(p);
}

/** Spans from BIO tags: [{start, end, label}] with exclusive ends. */
export function bioSpans(tags: string[]): { start: number; end: number; label: string }[] {
  const spans: { start: number; end: number; label: string }[] = [];
  let cur: { start: number; end: number; label: string } | null = null;
  tags.forEach((t, i) => {
    const [prefix, label] = t.includes("-") ? [t.slice(0, 1), t.slice(2)] : [t === "O" ? "O" : "B", t];
    if (prefix === "B" || prefix === "O" || !cur || cur.label !== label) {
      if (cur) spans.push(cur);
      cur = prefix === "O" ? null : { start: i, end: i + 1, label };
    } else cur.end = i + 1;
  });
  if (cur) spans.push(cur);
  return spans;
}
