import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";

export default {
  id: "classification",
  title: "Classification",
  order: 20,
  isCompatible: ({ models }) => hasOutput(models, "MulticlassPreds"),
  load: () => import("./Classification.svelte"),
} satisfies ModuleDef;
