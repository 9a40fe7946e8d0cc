// Interpretation state shared by the salience, attention and sequence-salience modules:
// which methods apply to each model (the server decides, with each component's own
// is_compatible), the example being explained (the selected row or the live edit), and
// results keyed by model, method, config and example so they survive panel toggles.
import { getJSON, sendJSON, type Example, type Job, type ModelInfo } from "./api";
import { wb } from "./state";

export interface ConfigField {
  name: string;
  type: string;
  default: unknown;
  help: string;
}

export interface MethodInfo {
  id: string;
  display_name: string;
  description: string;
  /** TokenSalience, AttentionHeads or SequenceSalience */
  output: string;
  signed: boolean;
  /** cheap enough to run on every change of the example */
  autorun: boolean;
  /** the server says the model-randomisation check can run this method on this model */
  randomisation: boolean;
  /** why not, when it cannot */
  randomisation_problem: string;
  config: ConfigField[];
}

export interface Faithfulness {
  comprehensiveness: number | null;
  sufficiency: number | null;
  aopc_comprehensiveness: number | null;
  aopc_sufficiency: number | null;
  reason?: string;
}

export interface TokenMap {
  tokens: string[];
  salience: number[];
  granularity?: string;
  target?: { output: string; index: number | null; label: string | null; position: number | null };
  score?: number;
  matrix?: number[][];
  delta?: number;
}

export type Result = Record<string, unknown> & { faithfulness?: Faithfulness };

export interface Entry {
  status: "running" | "done" | "error";
  result?: Result;
  error?: string;
  started: number;
}

/** What to explain: a dataset row by id, or the edit in progress as an inline example. */
export interface Subject {
  key: string;
  body: { dataset: string; ids: string[] } | { examples: Example[] };
}

const LIVE_DELAY_MS = 300;

export const interpApi = {
  methods: (model: string) => getJSON<{ models: Record<string, MethodInfo[]> }>(`api/interpretations/methods?model=${encodeURIComponent(model)}`),
  run: (model: string, method: string, config: Record<string, unknown>, subject: Subject, faithfulness: boolean) =>
    sendJSON<{ results: Result[] }>("POST", "api/interpretations", { model, method, config, faithfulness, ...subject.body }),
  agreement: (model: string, methods: { method: string; config: Record<string, unknown> }[], subject: Subject) =>
    sendJSON<{ pairs: { a: string; b: string; spearman: number | null; kendall: number | null; n: number; skipped: number; words: number }[] }>(
      "POST",
      "api/interpretations/agreement",
      { model, methods, ...subject.body },
    ),
  /** runs as a server job (one explanation per layer): started, then polled until done */
  randomisation: async (model: string, method: string, config: Record<string, unknown>, subject: Subject) => {
    let job = await sendJSON<Job>("POST", "api/interpretations/randomisation", { model, method, config, ...subject.body });
    while (job.status === "queued" || job.status === "running") {
      await new Promise((r) => setTimeout(r, 250));
      job = await getJSON<Job>(`api/jobs/${encodeURIComponent(job.id)}`);
    }
    if (job.status !== "done") throw new Error(job.error || `the randomisation check was ${job.status}`);
    return job.result as Randomisation;
  },
};

/** model-randomisation sanity check: rank correlation with the trained model's map after
 * each cascading re-initialisation step (top layer first) */
export interface Randomisation {
  method: string;
  steps: { layer: string; rank: number | null; abs_rank: number | null; n: number }[];
  final_rank: number | null;
  final_abs_rank: number | null;
}

class Interp {
  /** compatible methods per model name (absent: not asked yet) */
  methods = $state<Record<string, MethodInfo[]>>({});
  results = $state<Record<string, Entry>>({});
  /** expensive methods the user asked for on a row (`model|method|dataset/row`): they then
   *  follow that row's edits like the cheap ones. Keyed by row, so selecting other rows (from
   *  the table, the projector, a confusion cell, an error set) never starts them: each row is
   *  asked for on its own. Kept in the link (`sal.run`), so after a reload they show again,
   *  from the server's cache. */
  armed = $state<Record<string, boolean>>(Object.fromEntries((wb.param("sal.run") ?? "").split(",").filter(Boolean).map((k) => [k, true])));
  private asked = new Set<string>();

  /** Ask the server once per model which methods apply (safe to call from $derived). */
  ensure(models: ModelInfo[]): void {
    for (const m of models) {
      if (m.status !== "ready" || this.asked.has(m.name)) continue;
      this.asked.add(m.name);
      queueMicrotask(async () => {
        try {
          const r = await interpApi.methods(m.name);
          this.methods = { ...this.methods, ...r.models };
        } catch (e) {
          this.asked.delete(m.name);
          wb.errors.report(e);
        }
      });
    }
  }

  /** Methods of ``model`` whose output is one of ``outputs``. */
  of(model: string, ...outputs: string[]): MethodInfo[] {
    return (this.methods[model] ?? []).filter((m) => outputs.includes(m.output));
  }

  /** Whether any of ``models`` has a method giving one of ``outputs`` (asks when unknown). */
  any(models: ModelInfo[], ...outputs: string[]): boolean {
    this.ensure(models);
    return models.some((m) => this.of(m.name, ...outputs).length > 0);
  }

  /** The example the modules explain for ``model``: the live edit, else the primary row. */
  subject(model: ModelInfo): Subject | null {
    if (wb.edit.draft) {
      const values = wb.edit.draft.values;
      const ex: Example = {};
      for (const [name, f] of Object.entries(model.input_spec ?? {})) {
        const v = values[name];
        if (v !== null && v !== undefined && v !== "") ex[name] = $state.snapshot(v);
        else if (f.type === "TextSegment" && f.required !== false) ex[name] = "";
      }
      return { key: `ex:${JSON.stringify(ex)}`, body: { examples: [ex] } };
    }
    if (!wb.selection.primary || !wb.table.rows?.index.has(wb.selection.primary)) return null;
    return { key: `id:${wb.connection.dataset}/${wb.selection.primary}`, body: { dataset: wb.connection.dataset, ids: [wb.selection.primary] } };
  }

  key(model: string, method: string, config: Record<string, unknown>, subject: Subject): string {
    return `${model}|${method}|${JSON.stringify(config)}|${subject.key}`;
  }

  entry(model: string, method: string, config: Record<string, unknown>, subject: Subject | null): Entry | null {
    return subject ? (this.results[this.key(model, method, config, subject)] ?? null) : null;
  }

  /** Run ``method`` unless its result for this example is there or on its way. */
  async run(model: string, method: MethodInfo, config: Record<string, unknown>, subject: Subject, force = false): Promise<void> {
    const key = this.key(model, method.id, config, subject);
    const have = this.results[key];
    if (have && (have.status === "running" || !force)) return;
    const started = Date.now();
    this.results[key] = { status: "running", started };
    try {
      const r = await interpApi.run(model, method.id, config, subject, method.output === "TokenSalience");
      this.results[key] = { status: "done", result: r.results[0], started };
    } catch (e) {
      this.results[key] = { status: "error", error: e instanceof Error ? e.message : String(e), started };
    }
  }

  /** The row an explanation belongs to: the edited row's base, else the primary row. */
  private rowKey(): string {
    return `${wb.connection.dataset}/${wb.edit.draft?.base ?? wb.selection.primary ?? ""}`;
  }

  arm(model: string, method: string): void {
    this.armed[`${model}|${method}|${this.rowKey()}`] = true;
    wb.setParam("sal.run", Object.keys(this.armed).filter((k) => this.armed[k]).sort().join(","));
  }

  isArmed(model: string, method: MethodInfo): boolean {
    return method.autorun || !!this.armed[`${model}|${method.id}|${this.rowKey()}`];
  }
}

export const interp = new Interp();

/**
 * Call ``fn`` a moment after ``subjectKey`` settles (typing in the editor), right away for
 * a row selection. Returns a cleanup for $effect.
 */
export function debounced(subjectKey: string | undefined, fn: () => void): () => void {
  const delay = subjectKey?.startsWith("ex:") ? LIVE_DELAY_MS : 0;
  const t = setTimeout(fn, delay);
  return () => clearTimeout(t);
}
