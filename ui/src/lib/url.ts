// The view lives in the URL, so a copied link reproduces it.
export interface ViewState {
  models: string[] | null;
  dataset: string | null;
  selection: string[];
  primary: string | null;
  reference: string | null;
  hidden: string[];
  search: string;
  filter: string;
  sort: { column: string; dir: 1 | -1 } | null;
}

const list = (v: string | null) => (v ? v.split(",").filter(Boolean) : []);

export function readUrl(search = location.search): ViewState {
  const p = new URLSearchParams(search);
  const sort = p.get("sort");
  return {
    models: p.has("models") ? list(p.get("models")) : null,
    dataset: p.get("dataset"),
    selection: list(p.get("sel")),
    primary: p.get("primary"),
    reference: p.get("ref"),
    hidden: list(p.get("hide")),
    search: p.get("q") ?? "",
    filter: p.get("filter") ?? "all",
    sort: sort ? { column: sort.replace(/^-/, ""), dir: sort.startsWith("-") ? -1 : 1 } : null,
  };
}

/** At most this many selected ids go into the link (a bigger selection: save it as a slice). */
export const MAX_URL_IDS = 200;

export function writeUrl(v: ViewState): void {
  const p = new URLSearchParams();
  if (v.models) p.set("models", v.models.join(","));
  if (v.dataset) p.set("dataset", v.dataset);
  if (v.primary) p.set("primary", v.primary);
  const sel = v.selection.filter((id) => id !== v.primary).slice(0, MAX_URL_IDS);
  if (sel.length) p.set("sel", sel.join(","));
  if (v.reference) p.set("ref", v.reference);
  if (v.hidden.length) p.set("hide", v.hidden.join(","));
  if (v.search) p.set("q", v.search);
  if (v.filter && v.filter !== "all") p.set("filter", v.filter);
  if (v.sort) p.set("sort", (v.sort.dir < 0 ? "-" : "") + v.sort.column);
  const next = "?" + p.toString().replace(/%2C/g, ",");
  if (next !== location.search) history.replaceState(null, "", next + location.hash);
}
