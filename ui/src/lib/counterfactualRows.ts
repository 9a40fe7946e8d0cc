// A counterfactual row as the server gives it (CounterfactualRow in the OpenAPI), shared
// by the counterfactual module (a generation run's rows) and the audit module (the rows
// an audit report kept for a counterfactual check, in the same structure).
import type { Example } from "./api";

export interface SpanChange {
  field: string;
  start: number;
  end: number;
  old: string;
  new_start: number;
  new_end: number;
  new: string;
}

export interface Prediction {
  /** null in an audit report's rows, which do not name the output */
  field: string | null;
  kind: "class" | "regression";
  label: string | null;
  /** null in an audit report's rows, which keep only the change */
  score: number | null;
  parent_label: string | null;
  parent_score: number | null;
  flipped: boolean | null;
  delta: number | null;
}

export interface CfRow {
  id: string;
  parent: string | null;
  parent_status: string | null;
  example: Example;
  parent_example: Example;
  changes: SpanChange[];
  prediction: Prediction | null;
  valid: boolean | null;
  failed_checks: string[];
  validity: Record<string, string>;
  flags: string[];
  meta: Record<string, unknown>;
}
