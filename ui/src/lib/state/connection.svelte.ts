// What the server serves (models, datasets, loading status) and which of it the page
// uses: the chosen dataset and models.
import type { Spec } from "../../generated/types";
import { api, type DatasetInfo, type ModelInfo, type Status } from "../api";
import type { Workbench } from "./workbench.svelte";

export class Connection {
  models = $state<ModelInfo[]>([]);
  datasets = $state<DatasetInfo[]>([]);
  status = $state<Status | null>(null);
  connected = $state(false);

  // the view (mirrored in the URL)
  selectedModels = $state<string[]>([]);
  dataset = $state("");

  constructor(private wb: Workbench) {}

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

  async refresh(): Promise<void> {
    try {
      const [models, datasets, status] = await Promise.all([api.models(), api.datasets(), api.status()]);
      this.models = models;
      this.datasets = datasets;
      this.status = status;
      this.connected = true;
    } catch (e) {
      this.connected = false;
      this.wb.errors.report(e);
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
        for (const m of this.models) if (m.status === "ready" && !before.has(m.name)) this.wb.table.loadPreds(m.name);
      }
      return !status.ready;
    } catch (e) {
      this.connected = false;
      return true;
    }
  }
}
