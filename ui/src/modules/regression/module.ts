import type { ModuleDef } from "../registry";
import { hasOutput } from "../../lib/specs";

export default {
  id: "regression",
  title: "Regression",
  order: 30,
  isCompatible: ({ models }) => hasOutput(models, "RegressionScore"),
  load: () => import("./Regression.svelte"),
} satisfies ModuleDef;
