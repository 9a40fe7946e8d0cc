// The view lives in the URL, so a copied link reproduces it: models, dataset, selection,
// table view, collapsed panels, and each module's settings (projector method and colour,
// metrics grouping, salience methods shown: `params`, keys with a dot, e.g. `proj.method`).
// A selection too big for a link is stored on the server and the link holds its id.
export interface ViewState {
  models: string[] | null;
  dataset: string | null;
  selection: string[];
  /** a selection stored server-side (POST /api/selections), instead of `selection` */
  selectionId: string | null;
  primary: string | null;
  reference: string | null;
  hidden: string[];
  search: string;
  filter: string;
  sort: { column: string; dir: 1 | -1 } | null;
  /** what a model column shows and sorts by, when a class: `show=<column>:<class>`, one each */
  shows?: Record<string, string>;
  /** the wrong-tags filter's threshold (`wrong=N`), when above 1 */
  minWrongTags?: number;
  /** module settings, by `module.setting` */
  params: Record<string, string>;
  /** show only these modules (by id, e.g. `metrics`): a notebook's `show_module` */
  only?: string[];
}

const list = (v: string | null) => (v ? v.split(",").filter(Boolean) : []);

/** A module setting's URL key: `<module>.<setting>`, letters, digits, `_` and `-`. */
export const PARAM_KEY = /^[a-z][\w-]*\.[\w-]+$/i;

export function readUrl(search = location.search): ViewState {
  const p = new URLSearchParams(search);
  const sort = p.get("sort");
  const params: Record<string, string> = {};
  for (const [k, v] of p) if (PARAM_KEY.test(k)) params[k] = v;
  const shows: Record<string, string> = {};
  for (const s of p.getAll("show")) {
    const at = s.indexOf(":");
    if (at > 0 && at < s.length - 1) shows[s.slice(0, at)] = s.slice(at + 1);
  }
  return {
    models: p.has("models") ? list(p.get("models")) : null,
    dataset: p.get("dataset"),
    selection: list(p.get("sel")),
    selectionId: p.get("selid"),
    primary: p.get("primary"),
    reference: p.get("ref"),
    hidden: list(p.get("hide")),
    search: p.get("q") ?? "",
    filter: p.get("filter") ?? "all",
    sort: sort ? { column: sort.replace(/^-/, ""), dir: sort.startsWith("-") ? -1 : 1 } : null,
    params,
    shows,
    minWrongTags: Math.max(1, Math.floor(Number(p.get("wrong") ?? 1)) || 1),
    only: list(p.get("only")),
  };
}

/** At most this many selected ids go into the link; a bigger selection is stored on the
 * server (POST /api/selections) and the link holds its id. */
export const MAX_URL_IDS = 200;

export function urlOf(v: ViewState): string {
  const p = new URLSearchParams();
  if (v.models) p.set("models", v.models.join(","));
  if (v.dataset) p.set("dataset", v.dataset);
  if (v.primary) p.set("primary", v.primary);
  if (v.selectionId) p.set("selid", v.selectionId);
  else {
    const sel = v.selection.filter((id) => id !== v.primary).slice(0, MAX_URL_IDS);
    if (sel.length) p.set("sel", sel.join(","));
  }
  if (v.reference) p.set("ref", v.reference);
  if (v.hidden.length) p.set("hide", v.hidden.join(","));
  if (v.search) p.set("q", v.search);
  if (v.filter && v.filter !== "all") p.set("filter", v.filter);
  if (v.minWrongTags && v.minWrongTags > 1) p.set("wrong", String(v.minWrongTags));
  if (v.sort) p.set("sort", (v.sort.dir < 0 ? "-" : "") + v.sort.column);
  for (const col of Object.keys(v.shows ?? {}).sort()) if (v.shows![col]) p.append("show", `${col}:${v.shows![col]}`);
  if (v.only?.length) p.set("only", v.only.join(","));
  for (const k of Object.keys(v.params).sort()) if (PARAM_KEY.test(k) && v.params[k] !== "") p.set(k, v.params[k]);
  return "?" + p.toString().replace(/%2C/g, ",");
}

export function writeUrl(v: ViewState): void {
  const next = urlOf(v);
  if (next !== location.search) history.replaceState(null, "", next + location.hash);
}
