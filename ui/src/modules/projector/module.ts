import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";

export default {
  id: "projector",
  title: "Embedding projector",
  order: 40,
  isCompatible: ({ models }) => hasOutput(models, "Embeddings", "TokenEmbeddings"),
  load: () => import("./Projector.svelte"),
} satisfies ModuleDef;
