// Named slices: saved selections of rows, stored on the server.
import { api, ApiError } from "../api";
import type { Workbench } from "./workbench.svelte";

export interface Slice {
  dataset: string;
  ids: string[];
}

export class Slices {
  /** saved slices by key, `<dataset>/<name>` */
  byKey = $state<Record<string, Slice>>({});

  constructor(private wb: Workbench) {}

  async load(): Promise<void> {
    try {
      this.byKey = await api.listState<Slice>("slices");
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) this.wb.errors.report(e);
    }
  }

  /** Save the current selection as slice ``name`` of the current dataset. */
  async save(name: string): Promise<void> {
    // one key scheme with the engine (`<dataset>/<name>`), so the metrics table sees it too
    const dataset = this.wb.connection.dataset;
    const key = `${dataset}/${name}`;
    try {
      const slice = await api.saveSlice<Slice>(dataset, name, [...this.wb.selection.ids]);
      this.byKey = { ...this.byKey, [key]: slice };
    } catch (e) {
      this.wb.errors.report(e);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      const cut = key.indexOf("/");
      await api.deleteSlice(key.slice(0, cut), key.slice(cut + 1));
      const next = { ...this.byKey };
      delete next[key];
      this.byKey = next;
      if (this.wb.table.filter === `slice:${key}`) this.wb.table.filter = "all";
    } catch (e) {
      this.wb.errors.report(e);
    }
  }
}
