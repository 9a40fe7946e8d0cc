// The workbench's state, one module per concept:
//   connection  what the server serves; the chosen dataset and models
//   table       rows, prediction columns, outputs of rows in focus, jobs, table view
//   selection   selected rows, the primary row, the pinned reference
//   edit        the live edit of the primary row and saving it as a datapoint
//   slices      named slices saved on the server
//   errors      messages shown above the workbench
//   auditRows   an audit check's counterfactual rows, for the counterfactual module
// `wb` is the one workbench the page uses.
import { Workbench } from "./workbench.svelte";

export { Workbench } from "./workbench.svelte";
export type { AuditRows, AuditRowsView } from "./auditRows.svelte";
export type { Connection } from "./connection.svelte";
export type { Edit } from "./edit.svelte";
export type { Errors } from "./errors.svelte";
export type { Selection } from "./selection.svelte";
export type { Slice, Slices } from "./slices.svelte";
export type { PredTable, Rows, Table } from "./table.svelte";

export const wb = new Workbench();
