// Reading predictions out of the table columns: predicted labels (with thresholds),
// correctness against gold, and where models disagree.
import type { MulticlassPreds } from "../generated/types";
import { field, fieldsOfType, predictedClass } from "./specs";
import type { Workbench } from "./state";

export interface ClassHead {
  model: string;
  field: string;
  spec: MulticlassPreds;
}

export function classHeads(wb: Workbench): ClassHead[] {
  const heads: ClassHead[] = [];
  for (const m of wb.connection.activeModels)
    for (const f of fieldsOfType(m.output_spec, "MulticlassPreds")) heads.push({ model: m.name, field: f, spec: field(m.output_spec, f, "MulticlassPreds")! });
  return heads;
}

export const thresholdKey = (model: string, fieldName: string) => `${model}/${fieldName}`;

/** Predicted label of ``head`` for a probability vector (threshold-aware). */
export function labelOf(wb: Workbench, head: ClassHead, probs: ArrayLike<number> | null | undefined): string | null {
  if (!probs || !probs.length) return null;
  const k = predictedClass(probs, head.spec.null_idx, wb.table.thresholds[thresholdKey(head.model, head.field)]);
  return head.spec.vocab[k] ?? String(k);
}

/** Predicted label of ``head`` for row ``i`` of the table (null when not predicted yet). */
export function rowLabel(wb: Workbench, head: ClassHead, i: number): string | null {
  const col = wb.table.preds[head.model]?.columns[head.field];
  return labelOf(wb, head, col?.[i] as ArrayLike<number> | null);
}

/** Heads comparable across models: same vocabulary. Grouped by vocabulary. */
export function comparableGroups(heads: ClassHead[]): ClassHead[][] {
  const groups = new Map<string, ClassHead[]>();
  for (const h of heads) {
    const key = h.spec.vocab.join("\u0001");
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return [...groups.values()].filter((g) => new Set(g.map((h) => h.model)).size > 1);
}

/** Whether the models' predicted labels differ on row ``i`` (unknown rows: false). */
export function disagrees(wb: Workbench, groups: ClassHead[][], i: number): boolean {
  for (const g of groups) {
    const labels = g.map((h) => rowLabel(wb, h, i));
    if (labels.some((l) => l === null)) continue;
    if (new Set(labels).size > 1) return true;
  }
  return false;
}

/** Whether any head's prediction on row ``i`` differs from the gold label. */
export function wrong(wb: Workbench, heads: ClassHead[], i: number): boolean {
  const cols = wb.table.rows?.columns ?? {};
  for (const h of heads) {
    const gold = h.spec.parent ? cols[h.spec.parent]?.[i] : null;
    const label = rowLabel(wb, h, i);
    if (gold != null && label != null && gold !== label) return true;
  }
  return false;
}

/** A binary head's threshold as the server takes it (metrics, confusion, error sets,
 *  exports): predict ``positive_label`` when its log-odds reach ``margin``. Empty when
 *  the head (``fieldName``, or the model's first two-class head) has no threshold set. */
export function decisionOf(wb: Workbench, model: string, fieldName?: string | null): { margin?: number; positive_label?: string } {
  const h = classHeads(wb).find((x) => x.model === model && x.spec.vocab.length === 2 && (!fieldName || x.field === fieldName));
  const t = h ? wb.table.thresholds[thresholdKey(h.model, h.field)] : undefined;
  if (!h || t === undefined) return {};
  const p = Math.min(0.999, Math.max(0.001, t));
  return { margin: Math.log(p / (1 - p)), positive_label: h.spec.vocab[h.spec.null_idx === 1 ? 0 : 1] };
}
