import type { ModuleDef } from "../registry";

// Counterfactuals need a model that reads text (or tokens) for a generator to edit; which
// generators apply to it is the server's answer (each generator's own is_compatible).
export default {
  id: "counterfactuals",
  title: "Counterfactuals",
  order: 65,
  isCompatible: ({ models, dataset }) =>
    !!dataset && dataset.status === "ready" && models.some((m) => Object.values(m.input_spec ?? {}).some((f) => f.type === "TextSegment" || f.type === "Tokens")),
  load: () => import("./Counterfactuals.svelte"),
} satisfies ModuleDef;
