// The workbench: one object holding each concept's state (connection, table, selection,
// edit, slices, errors), the panels the user collapsed, and the view's round trip
// through the URL. Each part reads its siblings through the workbench it belongs to.
// Modules read it and call its methods; App.svelte wires its effects.
import type { Example, Output } from "../api";
import { readUrl, writeUrl } from "../url";
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

  /** ids of the module panels the user collapsed (mirrored in the URL) */
  hidden = $state<string[]>([]);

  private restored = false;

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

  // ---------------------------------------------------------------- the URL
  async init(): Promise<void> {
    const { connection: conn, table, selection: sel } = this;
    const view = readUrl();
    this.hidden = view.hidden;
    table.search = view.search;
    table.filter = view.filter;
    table.sort = view.sort;
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
    sel.primary = view.primary;
    sel.reference = view.reference;
    if (sel.primary && !sel.ids.includes(sel.primary)) sel.ids = [sel.primary, ...sel.ids];
    this.restored = true;
    this.slices.load();
  }

  syncUrl(): void {
    if (!this.restored) return;
    writeUrl({
      models: this.connection.selectedModels,
      dataset: this.connection.dataset,
      selection: this.selection.ids,
      primary: this.selection.primary,
      reference: this.selection.reference,
      hidden: this.hidden,
      search: this.table.search,
      filter: this.table.filter,
      sort: this.table.sort,
    });
  }
}
