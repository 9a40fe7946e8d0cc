// The rows picked in the table: the selection, its primary row (the one the prediction
// modules show) and a pinned reference row to compare with.
import type { Workbench } from "./workbench.svelte";

export class Selection {
  // mirrored in the URL
  ids = $state<string[]>([]);
  primary = $state<string | null>(null);
  reference = $state<string | null>(null);
  /** where a range starts (Shift+click, Shift+↑/↓): the row last picked on its own */
  private anchor: string | null = null;

  constructor(private wb: Workbench) {}

  /** Selecting a row ends the edit in progress. */
  select(id: string, mode: "only" | "toggle" | "range" = "only", order: string[] = []): void {
    const from = this.anchor && this.ids.includes(this.anchor) ? this.anchor : this.primary;
    if (mode === "toggle") {
      this.ids = this.ids.includes(id) ? this.ids.filter((x) => x !== id) : [...this.ids, id];
      this.primary = this.ids.includes(id) ? id : (this.ids[0] ?? null);
      this.anchor = this.primary;
    } else if (mode === "range" && from && order.length) {
      // from the anchor to ``id``, which becomes the focused row: a second Shift+↓ extends
      // the range by one more row, Shift+↑ then takes it back
      const a = order.indexOf(from);
      const b = order.indexOf(id);
      if (a >= 0 && b >= 0) this.ids = order.slice(Math.min(a, b), Math.max(a, b) + 1);
      else this.ids = [id];
      this.anchor = a >= 0 && b >= 0 ? from : id;
      this.primary = id;
    } else {
      this.ids = [id];
      this.primary = id;
      this.anchor = id;
    }
    this.wb.edit.draft = null;
  }

  /** Every row in ``order`` (the rows the table shows); the primary row stays if among them. */
  selectAll(order: string[]): void {
    this.ids = [...order];
    if (!this.primary || !order.includes(this.primary)) this.primary = order[0] ?? null;
  }

  clear(): void {
    this.ids = [];
    this.primary = null;
    this.wb.edit.draft = null;
  }

  pin(id: string | null): void {
    this.reference = id;
  }
}
