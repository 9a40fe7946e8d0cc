// Reading predictions out of the table columns: predicted labels (with thresholds),
// correctness against gold, and where models disagree.
import type { MulticlassPreds, SequenceTags } from "../generated/types";
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

export interface TagHead {
  model: string;
  field: string;
  spec: SequenceTags;
}

export function tagHeads(wb: Workbench): TagHead[] {
  const heads: TagHead[] = [];
  for (const m of wb.connection.activeModels)
    for (const f of fieldsOfType(m.output_spec, "SequenceTags")) heads.push({ model: m.name, field: f, spec: m.output_spec![f] as SequenceTags });
  return heads;
}

/** Tags of ``head`` on row ``i`` that differ from the gold tags (null: not predicted, or no
 *  gold). The server counts them with the table (``<field>:wrong_tags``); rows it has no
 *  count for (an edited row predicted since) are counted here the same way. */
export function wrongTags(wb: Workbench, head: TagHead, i: number): number | null {
  const served = wb.table.preds[head.model]?.columns[`${head.field}:wrong_tags`]?.[i];
  if (served != null) return Number(served);
  const pred = wb.table.preds[head.model]?.columns[head.field]?.[i] as ArrayLike<string> | null | undefined;
  const gold = head.spec.parent ? (wb.table.rows?.columns[head.spec.parent]?.[i] as ArrayLike<string> | null | undefined) : null;
  if (!pred || !gold) return null;
  let n = Math.abs(pred.length - gold.length);
  for (let k = 0; k < Math.min(pred.length, gold.length); k++) if (pred[k] !== gold[k]) n++;
  return n;
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

/** What the models say on row ``i`` when they disagree ("keywords: positive, negation:
 *  negative"), else null. */
export function disagreement(wb: Workbench, groups: ClassHead[][], i: number): string | null {
  for (const g of groups) {
    const labels = g.map((h) => rowLabel(wb, h, i));
    if (labels.some((l) => l === null) || new Set(labels).size < 2) continue;
    return g.map((h, k) => `${h.model}${g.filter((x) => x.model === h.model).length > 1 ? ` · ${h.field}` : ""}: ${labels[k]}`).join(", ");
  }
  return null;
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
