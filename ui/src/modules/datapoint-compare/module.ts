import type { ModuleDef } from "../registry";

export default {
  id: "datapoint-compare",
  title: "Datapoint comparison",
  order: 70,
  isCompatible: ({ models }) => models.length >= 1,
  load: () => import("./DatapointCompare.svelte"),
} satisfies ModuleDef;
