import type { ModuleDef } from "../registry";

export default {
  id: "slices",
  title: "Slices, errors and export",
  order: 55,
  isCompatible: ({ dataset }) => !!dataset && dataset.status === "ready",
  load: () => import("./Slices.svelte"),
} satisfies ModuleDef;
