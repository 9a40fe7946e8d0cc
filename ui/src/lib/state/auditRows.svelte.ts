// Counterfactual rows handed from an opened audit report to the counterfactual module:
// the audit module puts a failing counterfactual check's generated rows here when the
// user clicks it (and the counterfactual module is on the page); the counterfactual
// module shows them in place of a run's, labelled with the check, the report and the
// generator, until the user goes back to running generators (clear).
import type { CfRow } from "../counterfactualRows";

export interface AuditRowsView {
  /** the check's id and name, its report (file name) and its dataset on the page */
  check: string;
  name: string;
  source: string;
  dataset: string;
  model: string | null;
  generator: { id: string; version: string | null; config_hash: string | null } | null;
  statistic: string | null;
  value: number | null;
  interval: { low: number; high: number; confidence: number } | null;
  /** how many examples the check kept (the report holds a sample of them) */
  kept: number | null;
  rows: CfRow[];
}

export class AuditRows {
  view = $state.raw<AuditRowsView | null>(null);

  show(view: AuditRowsView): void {
    this.view = view;
  }

  clear(): void {
    this.view = null;
  }
}
