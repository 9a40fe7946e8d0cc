// The workbench: one object holding each concept's state (connection, table, selection,
// edit, slices, errors), the panels the user collapsed, and the view's round trip
// through the URL. Each part reads its siblings through the workbench it belongs to.
// Modules read it and call its methods; App.svelte wires its effects.
import { api, type Example, type Output } from "../api";
import { MAX_URL_IDS, readUrl, writeUrl } from "../url";
import { AuditRows } from "./auditRows.svelte";
import { Connection } from "./connection.svelte";
import { Edit } from "./edit.svelte";
import { Errors } from "./errors.svelte";
import { Selection } from "./selection.svelte";
import { Slices } from "./slices.svelte";
import { Table } from "./table.svelte";

export class Workbench {
  readonly errors = new Errors();
  readonly connection: Connection = new Connection(this);
  readonly table: Table = new Table(this);
  readonly selection: Selection = new Selection(this);
  readonly edit: Edit = new Edit(this);
  readonly slices: Slices = new Slices(this);
  readonly auditRows = new AuditRows();

  /** ids of the module panels the user collapsed (mirrored in the URL) */
  hidden = $state<string[]>([]);

  /** module settings mirrored in the URL (`proj.method`, `metrics.by`, ...); read from
   * the link when the workbench is made, so modules start from them when they mount */
  params = $state<Record<string, string>>(typeof location === "undefined" ? {} : readUrl().params);
  /** the modules shown when the page shows only some (`?only=metrics`), else empty */
  readonly only: string[] = typeof location === "undefined" ? [] : (readUrl().only ?? []);

  private restored = false;
  /** the stored id of the last large selection: its ids' signature and its id */
  private storedSelection: { sig: string; id: string } | null = null;

  /** The example the prediction modules show: the edit in progress, else the primary row. */
  get current(): Example | null {
    const draft = this.edit.draft;
    return draft ? { ...this.table.row(draft.base), ...draft.values } : this.table.row(this.selection.primary);
  }

  /** Outputs of ``model`` for the current example (the live ones while editing). */
  outputsFor(model: string, id: string | null = null): Output | null {
    if (id === null && this.edit.draft) return this.edit.live[model] ?? null;
    const key = id ?? this.selection.primary;
    if (!key) return null;
    return this.table.rowOutputs[model]?.[key] ?? null;
  }

  // ---------------------------------------------------------------- module settings
  /** A module's setting from the link (or as it set it since), else undefined. */
  param(name: string): string | undefined {
    return this.params[name];
  }

  /** Record a module's setting, so the link restores it ("" or null: forget it). */
  setParam(name: string, value: string | null | undefined): void {
    const v = value ?? "";
    if ((this.params[name] ?? "") === v) return;
    const next = { ...this.params };
    if (v === "") delete next[name];
    else next[name] = v;
    this.params = next;
    this.syncUrl();
  }

  // ---------------------------------------------------------------- the URL
  async init(): Promise<void> {
    const { connection: conn, table, selection: sel } = this;
    const view = readUrl();
    this.hidden = view.hidden;
    table.search = view.search;
    table.filter = view.filter;
    table.sort = view.sort;
    table.shows = view.shows ?? {};
    table.minWrongTags = view.minWrongTags ?? 1;
    await conn.refresh();
    const ready = conn.datasets.filter((d) => d.status === "ready");
    conn.dataset = view.dataset && conn.datasets.some((d) => d.name === view.dataset) ? view.dataset : (ready[0]?.name ?? conn.datasets[0]?.name ?? "");
    if (view.dataset && view.dataset !== conn.dataset) this.errors.report(`dataset '${view.dataset}' from the link is not served here`);
    if (view.models) {
      const unknown = view.models.filter((m) => !conn.models.some((x) => x.name === m));
      if (unknown.length) this.errors.report(`model '${unknown[0]}' from the link is not served here`);
      conn.selectedModels = view.models.filter((m) => !unknown.includes(m));
    } else {
      conn.selectedModels = conn.candidateModels.map((m) => m.name);
    }
    sel.ids = view.selection;
    if (view.selectionId) {
      try {
        const stored = await api.selection(view.selectionId);
        if (stored.dataset !== conn.dataset) this.errors.report(`the selection in the link is of dataset '${stored.dataset}', not '${conn.dataset}'`);
        else {
          sel.ids = stored.ids;
          this.storedSelection = { sig: stored.ids.join("\n"), id: stored.id };
        }
      } catch (e) {
        this.errors.report(e);
      }
    }
    sel.primary = view.primary;
    sel.reference = view.reference;
    if (sel.primary && !sel.ids.includes(sel.primary)) sel.ids = [sel.primary, ...sel.ids];
    this.restored = true;
    this.slices.load();
  }

  syncUrl(): void {
    if (!this.restored) return;
    const ids = this.selection.ids;
    let selectionId: string | null = null;
    if (ids.length > MAX_URL_IDS) {
      const sig = ids.join("\n");
      if (this.storedSelection?.sig === sig) selectionId = this.storedSelection.id;
      else {
        this.storeSelection(sig, [...ids]);
        return; // the link is written once the server has named the selection
      }
    }
    writeUrl({
      models: this.connection.selectedModels,
      dataset: this.connection.dataset,
      selection: ids,
      selectionId,
      primary: this.selection.primary,
      reference: this.selection.reference,
      hidden: this.hidden,
      only: this.only,
      search: this.table.search,
      filter: this.table.filter,
      sort: this.table.sort,
      shows: this.table.shows,
      minWrongTags: this.table.minWrongTags,
      params: this.params,
    });
  }

  private async storeSelection(sig: string, ids: string[]): Promise<void> {
    try {
      const r = await api.saveSelection(this.connection.dataset, ids);
      this.storedSelection = { sig, id: r.id };
      if (this.selection.ids.join("\n") === sig) this.syncUrl();
    } catch (e) {
      this.errors.report(e);
    }
  }
}
