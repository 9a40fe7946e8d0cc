// The live edit of the primary row: the draft's values, predictions for it as it is
// typed (debounced, the previous request aborted), saving it as a new datapoint (predicted
// by every loaded model at once, so the table shows its columns), and deleting a saved
// datapoint with an undo that restores it under the same key.
import { api, type Example, type Output } from "../api";
import { message } from "./errors.svelte";
import type { Workbench } from "./workbench.svelte";

const LIVE_DELAY_MS = 120;
/** How long the "Deleted — Undo" toast stays. */
export const UNDO_MS = 8000;

export interface Deleted {
  dataset: string;
  example: Example;
  parent: string | null;
}

export class Edit {
  /** the edit in progress: the row it started from and the values as edited */
  draft = $state<{ base: string | null; values: Example } | null>(null);
  live = $state.raw<Record<string, Output>>({});
  liveErrors = $state<Record<string, string>>({});
  livePending = $state(false);
  /** row keys of the user's saved datapoints in the open dataset */
  saved = $state<Set<string>>(new Set());
  /** the datapoint deleted last, while its undo is offered */
  deleted = $state<Deleted | null>(null);
  private undoTimer: ReturnType<typeof setTimeout> | undefined;

  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private liveAbort: AbortController | undefined;

  constructor(private wb: Workbench) {}

  start(): void {
    const primary = this.wb.selection.primary;
    const ex = this.wb.table.row(primary);
    if (!ex) return;
    const values: Example = {};
    for (const name of Object.keys(this.wb.connection.datasetSpec)) values[name] = ex[name] ?? null;
    this.draft = { base: primary, values };
  }

  setField(name: string, value: unknown): void {
    if (!this.draft) this.start();
    if (!this.draft) return;
    this.draft.values[name] = value;
    this.scheduleLive();
  }

  discard(): void {
    this.draft = null;
    this.live = {};
    this.liveErrors = {};
  }

  private scheduleLive(): void {
    clearTimeout(this.liveTimer);
    this.livePending = true;
    this.liveTimer = setTimeout(() => this.runLive(), LIVE_DELAY_MS);
  }

  private async runLive(): Promise<void> {
    if (!this.draft) return;
    this.liveAbort?.abort();
    const abort = new AbortController();
    this.liveAbort = abort;
    const values = $state.snapshot(this.draft.values);
    const results: Record<string, Output> = {};
    const errors: Record<string, string> = {};
    await Promise.all(
      this.wb.connection.activeModels.map(async (m) => {
        const ex: Example = {};
        for (const name of Object.keys(m.input_spec ?? {})) if (values[name] !== null && values[name] !== undefined && values[name] !== "") ex[name] = values[name];
        for (const name of Object.keys(m.input_spec ?? {})) if (m.input_spec?.[name].type === "TextSegment" && !(name in ex)) ex[name] = "";
        try {
          const r = await api.predictExamples(m.name, [ex], abort.signal);
          results[m.name] = r.outputs[0];
        } catch (e) {
          if ((e as Error).name === "AbortError" || abort.signal.aborted) return;
          errors[m.name] = message(e);
        }
      }),
    );
    if (abort.signal.aborted) return;
    this.live = { ...this.live, ...results };
    this.liveErrors = errors;
    this.livePending = false;
  }

  /** Save the draft as a datapoint (its parent: the row it started from) and select it. */
  async save(): Promise<void> {
    const table = this.wb.table;
    if (!this.draft || !table.rows) return;
    const values = $state.snapshot(this.draft.values);
    const example: Example = {};
    for (const [k, v] of Object.entries(values)) if (v !== null && v !== "") example[k] = v;
    try {
      const saved = await api.addDatapoint(this.wb.connection.dataset, example, this.draft.base);
      table.appendRow(saved);
      const id = saved.id as string;
      const outputs = this.live;
      const next = { ...table.rowOutputs };
      for (const [m, out] of Object.entries(outputs)) next[m] = { ...(next[m] ?? {}), [id]: out };
      table.rowOutputs = next;
      this.draft = null;
      this.live = {};
      this.saved = new Set([...this.saved, id]);
      this.wb.selection.ids = [id];
      this.wb.selection.primary = id;
      await this.predictSaved(id);
    } catch (e) {
      this.wb.errors.report(e);
    }
  }

  /** Rows saved by someone else on the page (kept counterfactuals): they join the
   * table as saved datapoints, and every loaded model predicts them. */
  async addSaved(rows: Example[]): Promise<void> {
    const fresh = rows.filter((r) => !this.wb.table.rows?.index.has(r.id as string));
    for (const r of fresh) this.wb.table.appendRow(r);
    const ids = rows.map((r) => r.id as string);
    this.saved = new Set([...this.saved, ...ids]);
    if (fresh.length) await this.predictSaved(fresh.map((r) => r.id as string));
  }

  /** Which of the open dataset's rows the user saved (deletable ones). */
  async loadSaved(): Promise<void> {
    const dataset = this.wb.connection.dataset;
    if (!dataset) return;
    try {
      const rows = await api.listDatapoints(dataset);
      if (this.wb.connection.dataset !== dataset) return;
      this.saved = new Set(rows.map((r) => r.id as string));
    } catch (e) {
      this.wb.errors.report(e);
    }
  }

  private tried = new Set<string>();

  /** Saved datapoints a model has not predicted yet (it was loaded later, or failed at
   * save time) would hold the table's "missing" count above zero, and the metrics that
   * wait for it: predict them (each once per page; call whenever the columns change). */
  async predictMissingSaved(): Promise<void> {
    const dataset = this.wb.connection.dataset;
    const missing = this.missingSaved().filter((id) => !this.tried.has(`${dataset}|${id}`));
    if (!missing.length) return;
    for (const id of missing) this.tried.add(`${dataset}|${id}`);
    await this.predictSaved(missing);
  }

  /** Saved datapoints some active model's prediction columns lack. */
  private missingSaved(): string[] {
    const t = this.wb.table;
    const r = t.rows;
    if (!r) return [];
    const out: string[] = [];
    for (const id of this.saved) {
      const i = r.index.get(id);
      if (i === undefined) continue;
      for (const m of this.wb.connection.activeModels) {
        const cols = Object.values(t.preds[m.name]?.columns ?? {});
        if (cols.length && cols.every((c) => c[i] === null || c[i] === undefined)) {
          out.push(id);
          break;
        }
      }
    }
    return out;
  }

  /** Every loaded model predicts a saved datapoint's cheap fields now (cached on the
   * server), and the table's columns are reloaded so they show it at once. */
  private async predictSaved(ids: string | string[]): Promise<void> {
    const conn = this.wb.connection;
    const dataset = conn.dataset;
    const want = Array.isArray(ids) ? ids : [ids];
    const models = conn.models.filter((m) => m.status === "ready" && m.datasets.includes(dataset));
    await Promise.all(
      models.map(async (m) => {
        try {
          const r = await api.predictIds(m.name, dataset, want);
          const t = this.wb.table;
          const next = { ...(t.rowOutputs[m.name] ?? {}) };
          want.forEach((id, i) => (next[id] = r.outputs[i]));
          t.rowOutputs = { ...t.rowOutputs, [m.name]: next };
          if (conn.activeModels.some((a) => a.name === m.name)) await t.loadPreds(m.name);
        } catch (e) {
          this.wb.errors.report(`${m.name} could not predict the saved datapoint${want.length > 1 ? "s" : ""}: ${message(e)}`);
        }
      }),
    );
  }

  /** Delete a saved datapoint; ``undo()`` brings it back under the same key. */
  async remove(id: string): Promise<void> {
    const table = this.wb.table;
    const dataset = this.wb.connection.dataset;
    const row = table.row(id);
    const r = table.rows;
    if (!row || !r) return;
    const parent = r.parents[r.index.get(id) ?? -1] ?? null;
    try {
      await api.deleteDatapoint(dataset, id);
    } catch (e) {
      this.wb.errors.report(e);
      return;
    }
    const example: Example = {};
    for (const [k, v] of Object.entries(row)) if (k !== "id" && v !== null && v !== "") example[k] = v;
    this.dropRow(id);
    const s = new Set(this.saved);
    s.delete(id);
    this.saved = s;
    const sel = this.wb.selection;
    if (sel.ids.includes(id) || sel.primary === id) {
      sel.ids = sel.ids.filter((x) => x !== id);
      if (sel.primary === id) sel.primary = sel.ids[0] ?? null;
    }
    if (sel.reference === id) sel.reference = null;
    this.draft = null;
    // the table's "missing" counts come from the server again (the row may have had none)
    for (const m of this.wb.connection.activeModels) this.wb.table.loadPreds(m.name);
    this.deleted = { dataset, example, parent };
    clearTimeout(this.undoTimer);
    this.undoTimer = setTimeout(() => (this.deleted = null), UNDO_MS);
  }

  /** Restore the datapoint deleted last (same content, so the same key) and select it. */
  async undo(): Promise<void> {
    const d = this.deleted;
    if (!d) return;
    clearTimeout(this.undoTimer);
    this.deleted = null;
    try {
      const saved = await api.addDatapoint(d.dataset, d.example, d.parent);
      if (this.wb.connection.dataset !== d.dataset) return;
      this.wb.table.appendRow(saved);
      const id = saved.id as string;
      this.saved = new Set([...this.saved, id]);
      this.wb.selection.ids = [id];
      this.wb.selection.primary = id;
      await this.predictSaved(id);
    } catch (e) {
      this.wb.errors.report(e);
    }
  }

  dismissUndo(): void {
    clearTimeout(this.undoTimer);
    this.deleted = null;
  }

  /** Take a row out of the table's columns (and the prediction columns aligned to it). */
  private dropRow(id: string): void {
    const t = this.wb.table;
    const r = t.rows;
    const i = r?.index.get(id);
    if (!r || i === undefined) return;
    const cut = <T,>(a: T[]) => [...a.slice(0, i), ...a.slice(i + 1)];
    const columns: typeof r.columns = {};
    for (const [n, c] of Object.entries(r.columns)) columns[n] = cut(c as unknown[]);
    const ids = cut(r.ids);
    t.rows = { ...r, ids, parents: cut(r.parents), columns, index: new Map(ids.map((x, j) => [x, j])) };
    const preds: typeof t.preds = {};
    for (const [m, p] of Object.entries(t.preds)) {
      const cols: typeof p.columns = {};
      for (const [n, c] of Object.entries(p.columns)) cols[n] = cut(c as unknown[]);
      preds[m] = { ...p, columns: cols };
    }
    t.preds = preds;
    const out = { ...t.rowOutputs };
    for (const m of Object.keys(out)) if (id in out[m]) out[m] = Object.fromEntries(Object.entries(out[m]).filter(([k]) => k !== id));
    t.rowOutputs = out;
    const conn = this.wb.connection;
    const info = conn.datasets.find((d) => d.name === conn.dataset);
    if (info) info.size = Math.max(0, info.size - 1);
  }
}
