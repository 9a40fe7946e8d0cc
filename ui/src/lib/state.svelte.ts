// The workbench's state: what is loaded, what is selected, and the live edit.
// Modules read it and call its methods; App.svelte wires its effects.
import type { Spec } from "../generated/types";
import { api, ApiError, type DatasetInfo, type Example, type Job, type ModelInfo, type Output, type Status } from "./api";
import { decodeColumns, type Column } from "./arrow";
import { readUrl, writeUrl } from "./url";

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

export interface Slice {
  dataset: string;
  ids: string[];
}

const LIVE_DELAY_MS = 120;
let nextErrorId = 1;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Workbench {
  // what the server has
  models = $state<ModelInfo[]>([]);
  datasets = $state<DatasetInfo[]>([]);
  status = $state<Status | null>(null);
  connected = $state(false);

  // the view (mirrored in the URL)
  selectedModels = $state<string[]>([]);
  dataset = $state("");
  selection = $state<string[]>([]);
  primary = $state<string | null>(null);
  reference = $state<string | null>(null);
  hidden = $state<string[]>([]);
  search = $state("");
  filter = $state("all");
  sort = $state<{ column: string; dir: 1 | -1 } | null>(null);
  thresholds = $state<Record<string, number>>({});

  // data
  rows = $state.raw<Rows | null>(null);
  rowsLoading = $state(false);
  preds = $state.raw<Record<string, PredTable>>({});
  rowOutputs = $state.raw<Record<string, Record<string, Output>>>({});
  rowErrors = $state<Record<string, string>>({});
  slices = $state<Record<string, Slice>>({});
  jobs = $state<Record<string, Job>>({});

  // the live edit of the primary row
  edit = $state<{ base: string | null; values: Example } | null>(null);
  live = $state.raw<Record<string, Output>>({});
  liveErrors = $state<Record<string, string>>({});
  livePending = $state(false);

  errors = $state<{ id: number; message: string }[]>([]);

  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private liveAbort: AbortController | undefined;
  private restored = false;

  // ---------------------------------------------------------------- derived
  get datasetInfo(): DatasetInfo | null {
    return this.datasets.find((d) => d.name === this.dataset) ?? null;
  }

  get datasetSpec(): Spec {
    return this.datasetInfo?.spec ?? {};
  }

  /** Selected models that are loaded and can read the current dataset. */
  get activeModels(): ModelInfo[] {
    return this.models.filter((m) => this.selectedModels.includes(m.name) && m.status === "ready" && m.datasets.includes(this.dataset));
  }

  /** Models that could be picked for the current dataset (ready or still loading). */
  get candidateModels(): ModelInfo[] {
    return this.models.filter((m) => m.status !== "ready" || m.datasets.includes(this.dataset));
  }

  row(id: string | null): Example | null {
    const r = this.rows;
    if (!id || !r) return null;
    const i = r.index.get(id);
    if (i === undefined) return null;
    const ex: Example = { id };
    for (const [name, col] of Object.entries(r.columns)) ex[name] = col[i];
    return ex;
  }

  /** The example the prediction modules show: the edit in progress, else the primary row. */
  get current(): Example | null {
    return this.edit ? { ...this.row(this.edit.base), ...this.edit.values } : this.row(this.primary);
  }

  /** Outputs of ``model`` for the current example (the live ones while editing). */
  outputsFor(model: string, id: string | null = null): Output | null {
    if (id === null && this.edit) return this.live[model] ?? null;
    const key = id ?? this.primary;
    if (!key) return null;
    return this.rowOutputs[model]?.[key] ?? null;
  }

  // ---------------------------------------------------------------- errors
  report(e: unknown): void {
    const text = message(e);
    if (this.errors.some((x) => x.message === text)) return;
    this.errors = [...this.errors, { id: nextErrorId++, message: text }];
  }

  dismiss(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  // ---------------------------------------------------------------- loading
  async init(): Promise<void> {
    const view = readUrl();
    this.hidden = view.hidden;
    this.search = view.search;
    this.filter = view.filter;
    this.sort = view.sort;
    await this.refresh();
    const ready = this.datasets.filter((d) => d.status === "ready");
    this.dataset = view.dataset && this.datasets.some((d) => d.name === view.dataset) ? view.dataset : (ready[0]?.name ?? this.datasets[0]?.name ?? "");
    if (view.dataset && view.dataset !== this.dataset) this.report(`dataset '${view.dataset}' from the link is not served here`);
    if (view.models) {
      const unknown = view.models.filter((m) => !this.models.some((x) => x.name === m));
      if (unknown.length) this.report(`model '${unknown[0]}' from the link is not served here`);
      this.selectedModels = view.models.filter((m) => !unknown.includes(m));
    } else {
      this.selectedModels = this.candidateModels.map((m) => m.name);
    }
    this.selection = view.selection;
    this.primary = view.primary;
    this.reference = view.reference;
    if (this.primary && !this.selection.includes(this.primary)) this.selection = [this.primary, ...this.selection];
    this.restored = true;
    this.loadSlices();
  }

  syncUrl(): void {
    if (!this.restored) return;
    writeUrl({
      models: this.selectedModels,
      dataset: this.dataset,
      selection: this.selection,
      primary: this.primary,
      reference: this.reference,
      hidden: this.hidden,
      search: this.search,
      filter: this.filter,
      sort: this.sort,
    });
  }

  async refresh(): Promise<void> {
    try {
      const [models, datasets, status] = await Promise.all([api.models(), api.datasets(), api.status()]);
      this.models = models;
      this.datasets = datasets;
      this.status = status;
      this.connected = true;
    } catch (e) {
      this.connected = false;
      this.report(e);
    }
  }

  /** Poll loading state; returns true while something is still loading. */
  async poll(): Promise<boolean> {
    try {
      const status = await api.status();
      const changed = JSON.stringify(status.models) !== JSON.stringify(this.status?.models) || JSON.stringify(status.datasets) !== JSON.stringify(this.status?.datasets);
      this.status = status;
      this.connected = true;
      if (changed) {
        const before = new Set(this.models.filter((m) => m.status === "ready").map((m) => m.name));
        await this.refresh();
        if (!this.dataset && this.datasets.length) this.dataset = this.datasets[0].name;
        for (const m of this.models) if (m.status === "ready" && !before.has(m.name)) this.loadPreds(m.name);
      }
      return !status.ready;
    } catch (e) {
      this.connected = false;
      return true;
    }
  }

  async loadRows(): Promise<void> {
    const name = this.dataset;
    if (!name || this.datasetInfo?.status !== "ready") return;
    this.rowsLoading = true;
    try {
      const { bytes } = await api.rowsArrow(name);
      const columns = decodeColumns(bytes);
      const ids = columns.id as string[];
      const parents = (columns._parent ?? []) as (string | null)[];
      delete columns.id;
      delete columns._parent;
      if (this.dataset !== name) return;
      this.rows = { dataset: name, ids, parents, columns, index: new Map(ids.map((id, i) => [id, i])) };
      this.preds = {};
      this.rowOutputs = {};
      for (const m of this.activeModels) this.loadPreds(m.name);
    } catch (e) {
      this.report(e);
    } finally {
      this.rowsLoading = false;
    }
  }

  /** Table columns for one model: whatever is cached (nothing runs on page load). */
  async loadPreds(model: string): Promise<void> {
    const dataset = this.dataset;
    const info = this.models.find((m) => m.name === model);
    if (!this.rows || !info || info.status !== "ready" || !info.datasets.includes(dataset)) return;
    try {
      const { bytes, headers } = await api.predictionTable(model, dataset);
      const columns = decodeColumns(bytes);
      const ids = columns.id as string[];
      delete columns.id;
      if (this.dataset !== dataset || !this.rows) return;
      // align with the table's row order
      const order = this.rows.ids;
      const pos = new Map(ids.map((id, i) => [id, i]));
      const aligned: Record<string, Column> = {};
      for (const [name, col] of Object.entries(columns)) aligned[name] = order.map((id) => (pos.has(id) ? col[pos.get(id)!] : null));
      this.preds = { ...this.preds, [model]: { missing: Number(headers.get("X-Missing") ?? 0), columns: aligned } };
    } catch (e) {
      this.report(e);
    }
  }

  /** Outputs for the primary and reference rows, for every active model. */
  async loadRowOutputs(): Promise<void> {
    const ids = [this.primary, this.reference, ...this.selection.slice(0, 20)].filter((x): x is string => !!x && !!this.rows?.index.has(x));
    const dataset = this.dataset;
    await Promise.all(
      this.activeModels.map(async (m) => {
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

  // ---------------------------------------------------------------- jobs
  async predictAll(): Promise<void> {
    const dataset = this.dataset;
    for (const m of this.activeModels) {
      if ((this.preds[m.name]?.missing ?? 1) === 0) continue;
      try {
        const job = await api.startJob(m.name, dataset);
        this.jobs[job.id] = job;
        this.watchJob(job.id, m.name, dataset);
      } catch (e) {
        this.report(e);
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
        this.report(e);
        delete this.jobs[id];
        return;
      }
      this.jobs[id] = job;
      if (job.status === "done" || job.status === "error" || job.status === "cancelled") {
        if (job.status === "error") this.report(`${job.label}: ${job.error}`);
        if (this.dataset === dataset) await this.loadPreds(model);
        setTimeout(() => delete this.jobs[id], job.status === "done" ? 1500 : 4000);
        return;
      }
    }
  }

  async cancelJob(id: string): Promise<void> {
    try {
      this.jobs[id] = await api.cancelJob(id);
    } catch (e) {
      this.report(e);
    }
  }

  // ---------------------------------------------------------------- selection
  select(id: string, mode: "only" | "toggle" | "range" = "only", order: string[] = []): void {
    if (mode === "toggle") {
      this.selection = this.selection.includes(id) ? this.selection.filter((x) => x !== id) : [...this.selection, id];
      this.primary = this.selection.includes(id) ? id : (this.selection[0] ?? null);
    } else if (mode === "range" && this.primary && order.length) {
      const a = order.indexOf(this.primary);
      const b = order.indexOf(id);
      if (a >= 0 && b >= 0) this.selection = order.slice(Math.min(a, b), Math.max(a, b) + 1);
      else this.selection = [id];
    } else {
      this.selection = [id];
      this.primary = id;
    }
    this.edit = null;
  }

  clearSelection(): void {
    this.selection = [];
    this.primary = null;
    this.edit = null;
  }

  pin(id: string | null): void {
    this.reference = id;
  }

  // ---------------------------------------------------------------- editing
  startEdit(): void {
    const ex = this.row(this.primary);
    if (!ex) return;
    const values: Example = {};
    for (const name of Object.keys(this.datasetSpec)) values[name] = ex[name] ?? null;
    this.edit = { base: this.primary, values };
  }

  setField(name: string, value: unknown): void {
    if (!this.edit) this.startEdit();
    if (!this.edit) return;
    this.edit.values[name] = value;
    this.scheduleLive();
  }

  discardEdit(): void {
    this.edit = null;
    this.live = {};
    this.liveErrors = {};
  }

  private scheduleLive(): void {
    clearTimeout(this.liveTimer);
    this.livePending = true;
    this.liveTimer = setTimeout(() => this.runLive(), LIVE_DELAY_MS);
  }

  private async runLive(): Promise<void> {
    if (!this.edit) return;
    this.liveAbort?.abort();
    const abort = new AbortController();
    this.liveAbort = abort;
    const values = $state.snapshot(this.edit.values);
    const results: Record<string, Output> = {};
    const errors: Record<string, string> = {};
    await Promise.all(
      this.activeModels.map(async (m) => {
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

  async saveEdit(): Promise<void> {
    if (!this.edit || !this.rows) return;
    const values = $state.snapshot(this.edit.values);
    const example: Example = {};
    for (const [k, v] of Object.entries(values)) if (v !== null && v !== "") example[k] = v;
    try {
      const saved = await api.addDatapoint(this.dataset, example, this.edit.base);
      this.appendRow(saved);
      const id = saved.id as string;
      const outputs = this.live;
      const next = { ...this.rowOutputs };
      for (const [m, out] of Object.entries(outputs)) next[m] = { ...(next[m] ?? {}), [id]: out };
      this.rowOutputs = next;
      this.edit = null;
      this.live = {};
      this.selection = [id];
      this.primary = id;
    } catch (e) {
      this.report(e);
    }
  }

  private appendRow(ex: Example): void {
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
    const info = this.datasets.find((d) => d.name === this.dataset);
    if (info) info.size += 1;
  }

  // ---------------------------------------------------------------- slices
  async loadSlices(): Promise<void> {
    try {
      this.slices = await api.listState<Slice>("slices");
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) this.report(e);
    }
  }

  async saveSlice(name: string): Promise<void> {
    // one key scheme with the engine (`<dataset>/<name>`), so the metrics table sees it too
    const key = `${this.dataset}/${name}`;
    try {
      const slice = await api.saveSlice<Slice>(this.dataset, name, [...this.selection]);
      this.slices = { ...this.slices, [key]: slice };
    } catch (e) {
      this.report(e);
    }
  }

  async deleteSlice(key: string): Promise<void> {
    try {
      const cut = key.indexOf("/");
      await api.deleteSlice(key.slice(0, cut), key.slice(cut + 1));
      const next = { ...this.slices };
      delete next[key];
      this.slices = next;
      if (this.filter === `slice:${key}`) this.filter = "all";
    } catch (e) {
      this.report(e);
    }
  }
}

export const wb = new Workbench();
