// Talking to the lumos server. Every failure becomes an ApiError whose message is the
// server's own (it names the model, dataset or field at fault), so the page can show it.
import type { Spec } from "../generated/types";

export interface ModelInfo {
  name: string;
  status: "ready" | "loading" | "error";
  error: string;
  description: string;
  input_spec: Spec | null;
  output_spec: Spec | null;
  datasets: string[];
}

export interface DatasetInfo {
  name: string;
  size: number;
  description: string;
  spec: Spec | null;
  status: "ready" | "loading" | "error";
}

export interface Job {
  id: string;
  kind: string;
  label: string;
  status: "queued" | "running" | "done" | "error" | "cancelled";
  done: number;
  total: number;
  error: string;
  /** the named step the job is in (a projection: "embeddings", "fitting UMAP on …") */
  stage?: string;
  key: string[];
  /** what the job computed, for jobs with a small answer (e.g. the randomisation check) */
  result?: unknown;
}

export interface Status {
  ready: boolean;
  models: Record<string, { status: string; error: string }>;
  datasets: Record<string, { status: string; error: string }>;
  jobs: Job[];
}

export type Example = Record<string, unknown>;
export type Output = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The access token handed to the page in its URL (`?token=…`; a notebook's frame always
 * gets one). Kept in memory, because the view's URL is rewritten as the page changes and
 * a frame inside a notebook may not keep cookies (another site's frame). */
const TOKEN = typeof location === "undefined" ? null : new URLSearchParams(location.search).get("token");

/** An API path (`api/models`) resolved against the page's own address, so the page works
 * wherever it is served: at `/`, or under a proxy's prefix such as
 * `/user/ada/proxy/5432/`. A leading `/` is ignored rather than escaping the prefix. */
export function apiUrl(path: string, base: string = document.baseURI): string {
  return new URL(path.replace(/^\/+/, ""), base).toString();
}

export async function request(path: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  const headers = new Headers(init?.headers);
  if (TOKEN && !headers.has("X-Lumos-Token")) headers.set("X-Lumos-Token", TOKEN);
  try {
    response = await fetch(apiUrl(path), { credentials: "same-origin", ...init, headers });
  } catch {
    throw new ApiError("cannot reach the lumos server (is it still running?)", 0);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (typeof body.detail === "string") message = body.detail;
      else if (Array.isArray(body.detail))
        message = body.detail.map((d: { loc?: string[]; msg: string }) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg}`).join("; ");
    } catch {
      /* not JSON: keep the status line */
    }
    throw new ApiError(message, response.status);
  }
  return response;
}

export async function getJSON<T>(path: string): Promise<T> {
  return (await request(path)).json() as Promise<T>;
}

export async function sendJSON<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const r = await request(path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return r.json() as Promise<T>;
}

/** POST a body as it is (e.g. a file's text the server parses and checks itself). */
export async function sendText<T>(path: string, text: string, type = "application/json"): Promise<T> {
  const r = await request(path, { method: "POST", headers: { "Content-Type": type }, body: text });
  return r.json() as Promise<T>;
}

export async function getBytes(path: string): Promise<{ bytes: Uint8Array; headers: Headers }> {
  const r = await request(path);
  return { bytes: new Uint8Array(await r.arrayBuffer()), headers: r.headers };
}

const q = encodeURIComponent;

export const api = {
  status: () => getJSON<Status>("api/status"),
  models: () => getJSON<ModelInfo[]>("api/models"),
  datasets: () => getJSON<DatasetInfo[]>("api/datasets"),
  rowsArrow: (dataset: string) => getBytes(`api/datasets/${q(dataset)}/rows?format=arrow&limit=0`),
  predictIds: (model: string, dataset: string, ids: string[], fields?: string[]) =>
    sendJSON<{ ids: string[]; outputs: Output[] }>("POST", "api/predictions", { model, dataset, ids, fields }),
  predictExamples: (model: string, examples: Example[], signal?: AbortSignal) =>
    sendJSON<{ ids: string[]; outputs: Output[] }>("POST", "api/predictions", { model, examples }, signal),
  predictionTable: (model: string, dataset: string) =>
    getBytes(`api/predictions/table?model=${q(model)}&dataset=${q(dataset)}&cached_only=true`),
  startJob: (model: string, dataset: string) => sendJSON<Job>("POST", "api/predictions/jobs", { model, dataset }),
  job: (id: string) => getJSON<Job>(`api/jobs/${q(id)}`),
  cancelJob: (id: string) => sendJSON<Job>("DELETE", `api/jobs/${q(id)}`, null),
  addDatapoint: (dataset: string, example: Example, parent: string | null) =>
    sendJSON<Example>("POST", `api/datasets/${q(dataset)}/datapoints`, { example, parent }),
  listDatapoints: (dataset: string) => getJSON<Example[]>(`api/datasets/${q(dataset)}/datapoints`),
  deleteDatapoint: (dataset: string, id: string) =>
    sendJSON<unknown>("DELETE", `api/datasets/${q(dataset)}/datapoints/${q(id)}`, null),
  saveSelection: (dataset: string, ids: string[]) =>
    sendJSON<{ id: string; dataset: string; count: number }>("POST", "api/selections", { dataset, ids }),
  selection: (id: string) => getJSON<{ id: string; dataset: string; ids: string[] }>(`api/selections/${q(id)}`),
  listState: <T>(ns: string) => getJSON<Record<string, T>>(`api/state/${q(ns)}`),
  putState: (ns: string, key: string, value: unknown) => sendJSON<unknown>("PUT", `api/state/${q(ns)}/${q(key)}`, value),
  deleteState: (ns: string, key: string) => sendJSON<unknown>("DELETE", `api/state/${q(ns)}/${q(key)}`, null),
  saveSlice: <T>(dataset: string, name: string, ids: string[]) =>
    sendJSON<T>("PUT", `api/slices/${q(dataset)}/${q(name)}`, { ids }),
  deleteSlice: (dataset: string, name: string) =>
    sendJSON<unknown>("DELETE", `api/slices/${q(dataset)}/${q(name)}`, null),
};
