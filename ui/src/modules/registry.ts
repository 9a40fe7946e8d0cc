// The module registry. Each folder under modules/ with a `module.ts` is a module: it
// says when it applies (from field types in the loaded models' specs, never from model
// names) and loads its component on demand. The layout renders whatever is here, so a
// new module (salience, attention, projector, metrics, counterfactuals) plugs in by
// adding a folder — no layout code changes.
import type { Component } from "svelte";
import type { DatasetInfo, ModelInfo } from "../lib/api";

export interface ModuleContext {
  /** loaded models selected for the current dataset */
  models: ModelInfo[];
  dataset: DatasetInfo | null;
}

export interface ModuleDef {
  id: string;
  title: string;
  /** position among the panels (lower first) */
  order: number;
  isCompatible(ctx: ModuleContext): boolean;
  load(): Promise<{ default: Component }>;
}

const found = import.meta.glob<{ default: ModuleDef }>("./*/module.ts", { eager: true });

export const MODULES: ModuleDef[] = Object.values(found)
  .map((m) => m.default)
  .sort((a, b) => a.order - b.order);
