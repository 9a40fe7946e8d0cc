// The audit module's side of /api/audits (lumos.audit.open_report.match_report's answer).
import { getJSON, sendText } from "../../lib/api";
import type { CfRow } from "../../lib/counterfactualRows";

export interface AuditChild {
  id?: string;
  parent?: string;
  original?: Record<string, unknown>;
  counterfactual?: Record<string, unknown>;
  parent_label?: string | null;
  label?: string | null;
  flipped?: boolean;
  score_delta?: number | null;
  valid?: boolean | null;
  direction?: string | null;
}

export interface AuditCheck {
  index: number;
  id: string;
  name: string;
  kind: string;
  model: string | null;
  dataset: string;
  served: string | null;
  slice: string | null;
  statistic: string | null;
  value: number | null;
  interval: { low: number; high: number; confidence: number } | null;
  threshold: { at_least: number | null; at_most: number | null } | null;
  judged_on: string | null;
  verdict: "pass" | "fail" | "skip" | "error";
  reason: string | null;
  count: number | null;
  examples_kept: number | null;
  rows: number[];
  ids: string[];
  children: AuditChild[];
  /** the children in the counterfactual module's row structure (lumos.engine.counterfactual_rows.report_rows) */
  counterfactuals: CfRow[];
  /** what made a counterfactual check's rows */
  generator: { id: string; version: string | null; config_hash: string | null } | null;
}

export interface AuditReport {
  source: string;
  suite: { name: string | null; path: string | null };
  summary: Record<string, number> | null;
  datasets: { name: string; rows: number | null; fingerprint: string; served: string | null }[];
  dataset: string | null;
  mismatch: string | null;
  checks: AuditCheck[];
}

export interface AuditListing {
  configured: boolean;
  setting: string;
  reports: string[];
}

const q = encodeURIComponent;

export const auditApi = {
  list: () => getJSON<AuditListing>("api/audits"),
  open: (name: string, dataset: string) => getJSON<AuditReport>(`api/audits/open?name=${q(name)}&dataset=${q(dataset)}`),
  upload: (text: string, filename: string, dataset: string) =>
    sendText<AuditReport>(`api/audits/upload?dataset=${q(dataset)}&filename=${q(filename)}`, text),
};

/** a statistic's value as the report gives it: rates as percentages when in [0, 1] */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return Math.abs(v) <= 1 ? v.toFixed(3) : v.toLocaleString(undefined, { maximumFractionDigits: 3 });
}

export function thresholdText(t: AuditCheck["threshold"]): string {
  if (!t) return "—";
  const parts = [];
  if (t.at_least !== null && t.at_least !== undefined) parts.push(`≥ ${fmt(t.at_least)}`);
  if (t.at_most !== null && t.at_most !== undefined) parts.push(`≤ ${fmt(t.at_most)}`);
  return parts.join(", ") || "—";
}
