// The live edit of the primary row: the draft's values, predictions for it as it is
// typed (debounced, the previous request aborted), and saving it as a new datapoint.
import { api, type Example, type Output } from "../api";
import { message } from "./errors.svelte";
import type { Workbench } from "./workbench.svelte";

const LIVE_DELAY_MS = 120;

export class Edit {
  /** the edit in progress: the row it started from and the values as edited */
  draft = $state<{ base: string | null; values: Example } | null>(null);
  live = $state.raw<Record<string, Output>>({});
  liveErrors = $state<Record<string, string>>({});
  livePending = $state(false);

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
      this.wb.selection.ids = [id];
      this.wb.selection.primary = id;
    } catch (e) {
      this.wb.errors.report(e);
    }
  }
}
