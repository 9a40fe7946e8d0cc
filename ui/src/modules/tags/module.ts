import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";

export default {
  id: "tags",
  title: "Tags and spans",
  order: 40,
  isCompatible: ({ models }) => hasOutput(models, "SequenceTags", "SpanLabels"),
  load: () => import("./Tags.svelte"),
} satisfies ModuleDef;
