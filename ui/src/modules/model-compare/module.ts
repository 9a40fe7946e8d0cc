import type { ModuleDef } from "../registry";

export default {
  id: "model-compare",
  title: "Model comparison",
  order: 60,
  isCompatible: ({ models }) => models.length >= 2,
  load: () => import("./ModelCompare.svelte"),
} satisfies ModuleDef;
