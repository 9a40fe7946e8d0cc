import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";
import { interp } from "../../lib/interp.svelte";

export default {
  id: "sequence-salience",
  title: "Sequence salience",
  order: 52,
  // a generation output, and a model the server says it can take gradients through
  isCompatible: ({ models }) => hasOutput(models, "GeneratedText", "GeneratedTextCandidates") && interp.any(models, "SequenceSalience"),
  load: () => import("./SequenceSalience.svelte"),
} satisfies ModuleDef;
