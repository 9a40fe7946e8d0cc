import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";
import { interp } from "../../lib/interp.svelte";

export default {
  id: "salience",
  title: "Salience",
  order: 32,
  // something to explain (by field type), and a method the server says applies
  isCompatible: ({ models }) => hasOutput(models, "MulticlassPreds", "RegressionScore", "TokenProbs") && interp.any(models, "TokenSalience"),
  load: () => import("./Salience.svelte"),
} satisfies ModuleDef;
