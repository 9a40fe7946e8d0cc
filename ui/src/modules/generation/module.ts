import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";

export default {
  id: "generation",
  title: "Generated text",
  order: 50,
  isCompatible: ({ models }) => hasOutput(models, "GeneratedText", "GeneratedTextCandidates"),
  load: () => import("./Generation.svelte"),
} satisfies ModuleDef;
