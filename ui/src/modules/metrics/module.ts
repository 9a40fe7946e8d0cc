import type { ModuleDef } from "../registry";
import { scoredModels } from "../../lib/metrics";

export default {
  id: "metrics",
  title: "Metrics",
  order: 50,
  isCompatible: ({ models, dataset }) => scoredModels(models, dataset?.spec).length > 0,
  load: () => import("./Metrics.svelte"),
} satisfies ModuleDef;
