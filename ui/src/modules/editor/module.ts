import type { ModuleDef } from "../registry";
import { EDITABLE, fieldsOfType } from "../../lib/specs";

export default {
  id: "editor",
  title: "Datapoint editor",
  order: 10,
  isCompatible: ({ models, dataset }) => models.length > 0 && fieldsOfType(dataset?.spec, ...EDITABLE).length > 0,
  load: () => import("./Editor.svelte"),
} satisfies ModuleDef;
