import type { ModuleDef } from "../registry";

// Audit results (lumos audit --json) for the page's dataset: any dataset will do, the
// server says when the report was made on other data.
export default {
  id: "audits",
  title: "Audit results",
  order: 57,
  isCompatible: ({ dataset }) => !!dataset && dataset.status === "ready",
  load: () => import("./Audits.svelte"),
} satisfies ModuleDef;
