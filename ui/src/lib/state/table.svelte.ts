// The table: the dataset's rows, each model's cached prediction columns, outputs of the
// rows in focus, prediction jobs, and how the table is viewed (search, filter, sort,
// decision thresholds).
import type { Example, Job, Output } from "../api";
import { api } from "../api";
import { decodeColumns, type Column } from "../arrow";
import { message } from "./errors.svelte";
import type { Workbench } from "./workbench.svelte";

export interface Rows {
  dataset: string;
  ids: string[];
  parents: (string | null)[];
  columns: Record<string, Column>;
  index: Map<string, number>;
}

export interface PredTable {
  missing: number;
  columns: Record<string, Column>;
}

export class Table {
  // the view (mirrored in the URL, but thresholds)
  search = $state("");
  filter = $state("all");
  sort = $state<{ column: string; dir: 1 | -1 } | null>(null);
  thresholds = $state<Record<string, number>>({});
  /** what a classifier column shows and sorts by: "" (its label, then score) or a class */
  shows = $state<Record<string, string>>({});
  /** the "wrong tags" filter keeps rows with at least this many */
  minWrongTags = $state(1);

  // data
  rows = $state.raw<Rows | null>(null);
  rowsLoading = $state(false);
  preds = $state.raw<Record<string, PredTable>>({});
  rowOutputs = $state.raw<Record<string, Record<string, Output>>>({});
  rowErrors = $state<Record<string, string>>({});
  jobs = $state<Record<string, Job>>({});

  constructor(private wb: Workbench) {}

  row(id: string | null): Example | null {
    const r = this.rows;
    if (!id || !r) return null;
    const i = r.index.get(id);
    if (i === undefined) return null;
    const ex: Example = { id };
    for (const [name, col] of Object.entries(r.columns)) ex[name] = col[i];
    return ex;
  }

  // ---------------------------------------------------------------- loading
  async loadRows(): Promise<void> {
    const conn = this.wb.connection;
    const name = conn.dataset;
    if (!name || conn.datasetInfo?.status !== "ready") return;
    this.rowsLoading = true;
    try {
      const { bytes } = await api.rowsArrow(name);
      const columns = decodeColumns(bytes);
      const ids = columns.id as string[];
      const parents = (columns._parent ?? []) as (string | null)[];
      delete columns.id;
      delete columns._parent;
      if (conn.dataset !== name) return;
      this.rows = { dataset: name, ids, parents, columns, index: new Map(ids.map((id, i) => [id, i])) };
      this.preds = {};
      this.rowOutputs = {};
      for (const m of conn.activeModels) this.loadPreds(m.name);
    } catch (e) {
      this.wb.errors.report(e);
    } finally {
      this.rowsLoading = false;
    }
  }

  /** Table columns for one model: whatever is cached (nothing runs on page load). */
  async loadPreds(model: string): Promise<void> {
    const conn = this.wb.connection;
    const dataset = conn.dataset;
    const info = conn.models.find((m) => m.name === model);
    if (!this.rows || !info || info.status !== "ready" || !info.datasets.includes(dataset)) return;
    try {
      const { bytes, headers } = await api.predictionTable(model, dataset);
      const columns = decodeColumns(bytes);
      const ids = columns.id as string[];
      delete columns.id;
      if (conn.dataset !== dataset || !this.rows) return;
      // align with the table's row order
      const order = this.rows.ids;
      const pos = new Map(ids.map((id, i) => [id, i]));
      const aligned: Record<string, Column> = {};
      for (const [name, col] of Object.entries(columns)) aligned[name] = order.map((id) => (pos.has(id) ? col[pos.get(id)!] : null));
      this.preds = { ...this.preds, [model]: { missing: Number(headers.get("X-Missing") ?? 0), columns: aligned } };
    } catch (e) {
      this.wb.errors.report(e);
    }
  }

  /** Outputs for the primary and reference rows, for every active model. */
  async loadRowOutputs(): Promise<void> {
    const sel = this.wb.selection;
    const ids = [sel.primary, sel.reference, ...sel.ids.slice(0, 20)].filter((x): x is string => !!x && !!this.rows?.index.has(x));
    const dataset = this.wb.connection.dataset;
    await Promise.all(
      this.wb.connection.activeModels.map(async (m) => {
        const have = this.rowOutputs[m.name] ?? {};
        const need = [...new Set(ids.filter((id) => !(id in have)))];
        if (!need.length) return;
        try {
          const r = await api.predictIds(m.name, dataset, need);
          const next = { ...(this.rowOutputs[m.name] ?? {}) };
          need.forEach((id, i) => (next[id] = r.outputs[i]));
          this.rowOutputs = { ...this.rowOutputs, [m.name]: next };
          delete this.rowErrors[m.name];
        } catch (e) {
          this.rowErrors[m.name] = message(e);
        }
      }),
    );
  }

  /** A row saved on the server (an edited datapoint) joins the end of the table. */
  appendRow(ex: Example): void {
    const r = this.rows;
    if (!r) return;
    const id = ex.id as string;
    if (r.index.has(id)) return;
    const columns: Record<string, Column> = {};
    for (const [name, col] of Object.entries(r.columns)) columns[name] = [...col, ex[name] ?? null];
    const ids = [...r.ids, id];
    this.rows = { ...r, ids, parents: [...r.parents, (ex._parent as string) ?? null], columns, index: new Map(r.index).set(id, ids.length - 1) };
    const preds: Record<string, PredTable> = {};
    for (const [m, p] of Object.entries(this.preds)) {
      const cols: Record<string, Column> = {};
      for (const [n, c] of Object.entries(p.columns)) cols[n] = [...c, null];
      preds[m] = { missing: p.missing + 1, columns: cols };
    }
    this.preds = preds;
    const conn = this.wb.connection;
    const info = conn.datasets.find((d) => d.name === conn.dataset);
    if (info) info.size += 1;
  }

  // ---------------------------------------------------------------- jobs
  async predictAll(): Promise<void> {
    const conn = this.wb.connection;
    const dataset = conn.dataset;
    for (const m of conn.activeModels) {
      if ((this.preds[m.name]?.missing ?? 1) === 0) continue;
      try {
        const job = await api.startJob(m.name, dataset);
        this.jobs[job.id] = job;
        this.watchJob(job.id, m.name, dataset);
      } catch (e) {
        this.wb.errors.report(e);
      }
    }
  }

  private async watchJob(id: string, model: string, dataset: string): Promise<void> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      let job: Job;
      try {
        job = await api.job(id);
      } catch (e) {
        this.wb.errors.report(e);
        delete this.jobs[id];
        return;
      }
      this.jobs[id] = job;
      if (job.status === "done" || job.status === "error" || job.status === "cancelled") {
        if (job.status === "error") this.wb.errors.report(`${job.label}: ${job.error}`);
        if (this.wb.connection.dataset === dataset) await this.loadPreds(model);
        setTimeout(() => delete this.jobs[id], job.status === "done" ? 1500 : 4000);
        return;
      }
    }
  }

  async cancelJob(id: string): Promise<void> {
    try {
      const job = await api.cancelJob(id);
      // the answer to a cancel can arrive after a poll saw the job end: never undo that
      // (a finished job shown as running again would stay in the top bar)
      const known = this.jobs[id];
      if (known && known.status !== "done" && known.status !== "error" && known.status !== "cancelled") this.jobs[id] = job;
    } catch (e) {
      this.wb.errors.report(e);
    }
  }
}
