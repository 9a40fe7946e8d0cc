import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";
import { interp } from "../../lib/interp.svelte";

export default {
  id: "attention",
  title: "Attention",
  order: 45,
  isCompatible: ({ models }) => hasOutput(models, "AttentionHeads") && interp.any(models, "AttentionHeads"),
  load: () => import("./Attention.svelte"),
} satisfies ModuleDef;
