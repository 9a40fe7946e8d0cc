// Calls to the metrics and slices routes (shared by the metrics and slices modules).
import { getJSON, request, sendJSON } from "./api";
import type { ModelInfo } from "./api";
import type { Spec } from "../generated/types";

export interface FrameField {
  name: string;
  kind: "categorical" | "numeric";
  derived: boolean;
}

export interface Head {
  field: string;
  gold: string;
  type: string;
  vocab: string[] | null;
  errors: ("fp" | "fn" | "incorrect" | "wrong_tags")[];
  scored: boolean;
}

export interface FieldsInfo {
  fields: FrameField[];
  heads: Head[];
}

/** What a metrics column holds: its header (naming the averaging) and definition. */
export interface ColumnInfo {
  field: string;
  metric: string;
  value: string;
  label: string;
  description: string;
}

export interface MetricsRow {
  group: string;
  kind: string;
  count: number;
  ids: string[];
  /** fewer rows than ``min_group_size``: its figures move a lot by chance */
  small: boolean;
  /** why a column's value is null for this group */
  undefined: Record<string, string>;
  /** 95% interval [lo, hi] of a column (Wilson for proportions, bootstrap for macro averages) */
  intervals: Record<string, [number, number]>;
  /** how each interval was drawn */
  interval_methods?: Record<string, "wilson" | "bootstrap">;
  [column: string]: unknown;
}

export interface MetricsResult {
  columns: string[];
  column_info: Record<string, ColumnInfo>;
  min_group_size: number;
  rows: MetricsRow[];
  by: string | null;
}

/** The column's header: its label (field-qualified when several fields are scored). */
export function columnHeader(result: MetricsResult, column: string): string {
  const info = result.column_info[column];
  if (!info) return column.includes(".") ? column.slice(column.indexOf(".") + 1) : column;
  const fields = new Set(Object.values(result.column_info).map((c) => c.field));
  return fields.size > 1 ? `${info.field} · ${info.label}` : info.label;
}

/** A header label split into the measure and its averaging: "F1 (macro over classes present)"
 * gives ["F1", "(macro over classes present)"]. */
export function splitLabel(label: string): [string, string] {
  const m = /^(.*?) (\(.*\))$/.exec(label);
  return m ? [m[1], m[2]] : [label, ""];
}

/** Columns worth showing: count, and every metric some row defines. */
export function shownColumns(result: MetricsResult): string[] {
  return result.columns.filter((c) => c !== "kind" && c !== "group" && (c === "count" || result.rows.some((r) => r[c] !== null && r[c] !== undefined)));
}

export interface Confusion {
  field: string;
  labels: string[];
  matrix: number[][];
  ids: string[][][];
}

export interface ScatterData {
  x_field: string;
  y_field: string;
  x: (number | null)[];
  y: (number | null)[];
  ids: string[];
}

export interface SavedSlice {
  dataset: string;
  name: string;
  ids: string[];
  description: string;
  count: number;
}

const q = encodeURIComponent;

/** A binary head's decision threshold (see ``decisionOf`` in lib/preds). */
export type Decision = { margin?: number; positive_label?: string };

export const metricsApi = {
  fields: (model: string, dataset: string) => getJSON<FieldsInfo>(`api/metrics/fields?model=${q(model)}&dataset=${q(dataset)}`),
  table: (body: { model: string; dataset: string; ids?: string[] | null; by?: string | null; bins?: number; binning?: string } & Decision) =>
    sendJSON<MetricsResult>("POST", "api/metrics", body),
  confusion: (model: string, dataset: string, field: string, ids?: string[] | null, decision: Decision = {}) =>
    sendJSON<Confusion>("POST", "api/metrics/confusion", { model, dataset, field, ids, ...decision }),
  scatter: (model: string, dataset: string, x: string, y: string) => sendJSON<ScatterData>("POST", "api/metrics/scatter", { model, dataset, x, y }),
  errors: (body: { model: string; dataset: string; field: string; kind: string; label?: string | null } & Decision) =>
    sendJSON<{ ids: string[]; count: number }>("POST", "api/slices/errors", body),
  slices: (dataset: string) => getJSON<SavedSlice[]>(`api/slices/${q(dataset)}`),
  saveSlice: (dataset: string, name: string, ids: string[]) => sendJSON<SavedSlice>("PUT", `api/slices/${q(dataset)}/${q(name)}`, { ids }),
  deleteSlice: (dataset: string, name: string) => sendJSON<unknown>("DELETE", `api/slices/${q(dataset)}/${q(name)}`, null),
};

/** POST an export and hand the file to the browser as a download. */
export async function download(body: Record<string, unknown>): Promise<{ name: string; rows: number }> {
  const r = await request("api/slices/export", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const name = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") ?? "")?.[1] ?? "export";
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
  return { name, rows: Number(r.headers.get("X-Rows") ?? 0) };
}

/** Models whose outputs have gold fields in the dataset (so metrics apply). */
export function scoredModels(models: ModelInfo[], datasetSpec: Spec | null | undefined): ModelInfo[] {
  const types = ["MulticlassPreds", "RegressionScore", "SequenceTags", "SpanLabels", "GeneratedText", "GeneratedTextCandidates"];
  return models.filter((m) =>
    Object.values(m.output_spec ?? {}).some((f) => types.includes(f.type) && "parent" in f && typeof f.parent === "string" && !!datasetSpec?.[f.parent])
  );
}
