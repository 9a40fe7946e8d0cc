// The counterfactual module's side of /api/generators (the server's typed models:
// GeneratorInfo, GenerationResult, KeepResult in the OpenAPI).
import { getJSON, sendJSON, type Example, type Job } from "../../lib/api";
import type { CfRow, SpanChange } from "../../lib/counterfactualRows";

export type { CfRow, Prediction, SpanChange } from "../../lib/counterfactualRows";

export interface ConfigField {
  name: string;
  /** as declared: int, float, bool, str */
  type: string;
  default: unknown;
  help: string;
  choices?: unknown[] | null;
  multiline?: boolean;
}

export interface GeneratorInfo {
  id: string;
  display_name: string;
  description: string;
  version: string;
  tasks: string[];
  needs_model: boolean;
  config: ConfigField[];
  example_config: Record<string, unknown>;
  compatible: boolean;
  reason: string;
}

export interface Interval {
  estimate: number | null;
  low: number | null;
  high: number | null;
  n: number;
  method: string;
  confidence: number;
}

export interface GroupGap {
  gap: Interval;
  pairs: number;
  verdict: string;
  delta: number;
  min_pairs: number;
}

export interface View {
  flip_rate?: { parents: number; children: number; flipped_parents: number; worst_case: Interval; mean_over_children: Interval };
  accuracy?: { parents: number; original: Interval; counterfactual: Interval; drop: Interval };
  score_shift?: Interval;
  group_gap?: Record<string, GroupGap>;
}

export interface Statistics {
  parents: number;
  children: number;
  confidence: number;
  reference_class: string | null;
  raw: View;
  valid: View;
  attack_summary?: { success_rate_interval: Interval; succeeded: number; failed: number; skipped: number; total: number };
}

export interface GenerationResult {
  job: string;
  model: string;
  dataset: string;
  generator: string;
  version: string;
  config_hash: string;
  summary: { parents: number; rows: number; statuses: Record<string, number>; validity: { valid: number; invalid: number; unknown: number }; failed_checks: Record<string, number> };
  rows: CfRow[];
  statistics: Statistics | null;
  attack_table: string[][] | null;
  statistics_note: string;
}

export interface KeepResult {
  dataset: string;
  rows: Example[];
  ids: Record<string, string>;
  slice: { dataset: string; name: string; ids: string[]; count: number } | null;
}

const q = encodeURIComponent;

export const cfApi = {
  list: (model: string, dataset: string) => getJSON<GeneratorInfo[]>(`api/generators?model=${q(model)}&dataset=${q(dataset)}`),
  start: (body: { model: string; dataset: string; generator: string; config: Record<string, unknown>; ids: string[] }) => sendJSON<Job>("POST", "api/generators/jobs", body),
  result: (job: string) => getJSON<GenerationResult>(`api/generators/jobs/${q(job)}/result`),
  keep: (job: string, ids: string[] | null, slice: string | null) => sendJSON<KeepResult>("POST", `api/generators/jobs/${q(job)}/keep`, { ids, slice }),
};

/** The text of ``field`` cut into plain pieces and changes (old span -> new span). */
export function pieces(text: string, changes: SpanChange[], field: string): { text: string; old?: string }[] {
  const out: { text: string; old?: string }[] = [];
  let pos = 0;
  for (const c of changes.filter((c) => c.field === field).sort((a, b) => a.new_start - b.new_start)) {
    if (c.new_start < pos) continue;
    if (c.new_start > pos) out.push({ text: text.slice(pos, c.new_start) });
    out.push({ text: text.slice(c.new_start, c.new_end), old: c.old });
    pos = c.new_end;
  }
  if (pos < text.length) out.push({ text: text.slice(pos) });
  return out;
}

/** A share as a percentage with its interval: "50.0% [23.7–76.3%]". */
export function pctInterval(iv: Interval | undefined | null, signed = false): string {
  if (!iv || iv.estimate === null) return "n/a";
  const f = (x: number) => (signed && x > 0 ? "+" : "") + (100 * x).toFixed(1);
  const est = `${f(iv.estimate)}${signed ? " pts" : "%"}`;
  if (iv.low === null || iv.high === null) return `${est} [interval n/a]`;
  return `${est} [${f(iv.low)}, ${f(iv.high)}${signed ? "" : "%"}]`;
}
