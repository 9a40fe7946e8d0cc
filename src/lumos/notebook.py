"""The workbench inside Jupyter: ``show()`` (all of it) and ``show_module()`` (one module).

The server runs in a thread of the kernel's process and serves the caller's own model
objects (a model changed in place is fingerprinted again by the engine when its
``state_token`` changes or after ``invalidate_fingerprint()``). A second ``show()``
reuses the running server and adds the models and datasets it has not seen;
``stop()`` ends it, and so does the kernel's exit (``atexit``), freeing the port.

How the page in the notebook reaches the kernel's server differs by front-end, so the
output's script tries, in order (:func:`candidate_urls`):

1. jupyter-server-proxy under the notebook's base URL (``{base}proxy/{port}/``; the base
   from the page's ``jupyter-config-data``, the classic ``data-base-url``, or the path);
2. the same under ``$JUPYTERHUB_SERVICE_PREFIX`` (JupyterHub);
3. Colab's kernel-port proxy (``google.colab.kernel.proxyPort``), in Colab;
4. ``http://localhost:{port}/`` in VS Code, whose webviews forward localhost ports;
5. ``http://127.0.0.1:{port}/`` directly (a notebook on this machine).

The first whose ``api/health`` answers is framed, with the access token in the frame's
URL (always one, even on loopback: a shared hub shares localhost). When none answers, the
output says what was tried and how to fix it, never a blank frame. Beside the frame the
output holds a static snapshot (the first rows with predictions, the metrics summary,
the module shown) in plain HTML that Jupyter's sanitizer keeps, so an untrusted,
exported (nbconvert) or viewer-rendered notebook still shows the result.
"""

from __future__ import annotations

import atexit
import os
import secrets
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.engine import Engine, Workspace
from lumos.server.security import SELF_ONLY, new_token
from lumos.server.serve import DatasetLike, ModelLike, Server, make_server
from lumos.store import Store
from lumos.visual.html import attr, script_json, text

#: the workbench's modules by id (ui/src/modules/*/module.ts; a test keeps them equal)
MODULES: tuple[str, ...] = (
    "attention", "audits", "classification", "counterfactuals", "datapoint-compare",
    "editor", "generation", "metrics", "model-compare", "projector", "regression",
    "salience", "sequence-salience", "slices", "tags",
)

#: who may frame the notebook's server besides itself: notebooks on this machine, VS Code
#: webviews (desktop and web), Colab's output frames. More through ``frame_ancestors=``
#: or ``$LUMOS_FRAME_ANCESTORS`` (space-separated CSP sources).
NOTEBOOK_ORIGINS: tuple[str, ...] = (
    "http://localhost:*", "http://127.0.0.1:*", "https://localhost:*", "https://127.0.0.1:*",
    "vscode-webview:", "https://*.vscode-cdn.net",
    "https://colab.research.google.com", "https://*.googleusercontent.com",
)

SNAPSHOT_ROWS = 5
#: the snapshot's metrics cover at most this many rows (the first), so that showing a big
#: dataset does not wait for every prediction; the live module covers them all
METRICS_ROWS = 2000
_MAX_CELL = 160


@dataclass
class Running:
    """The kernel's server: its workspace (shared with the caller's objects) and token."""

    server: Server
    workspace: Workspace
    token: str
    port: int
    shown: int = 0
    #: the store was opened here (from a path), so stop() closes it
    owns_store: bool = False


_running: Running | None = None
_start_lock = threading.Lock()
_atexit_registered = False


# ----------------------------------------------------------------- where the server is
def in_colab(env: Mapping[str, str], modules: Mapping[str, Any] | None = None) -> bool:
    return "COLAB_RELEASE_TAG" in env or "google.colab" in (modules or {})


def in_vscode(env: Mapping[str, str]) -> bool:
    return any(k.startswith("VSCODE_") for k in env)


def candidate_urls(port: int, env: Mapping[str, str] | None = None,
                   modules: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """The ways to reach ``port`` from the notebook's page, in the order they are tried.

    Each is ``{"kind", "label", ...}``: ``kind="notebook-base"`` has a ``path`` the page
    resolves against its notebook server's base URL; ``kind="url"`` a ``url`` (absolute,
    or a path on the page's origin); ``kind="colab"`` asks Colab's kernel-port proxy.
    ``env`` defaults to the kernel's environment, ``modules`` to ``sys.modules``.
    """
    env = os.environ if env is None else env
    modules = sys.modules if modules is None else modules
    out = [{"kind": "notebook-base", "path": f"proxy/{port}/",
            "label": "jupyter-server-proxy under the notebook's base URL"}]
    hub = env.get("JUPYTERHUB_SERVICE_PREFIX", "").strip()
    if hub:
        out.append({"kind": "url", "url": "/" + hub.strip("/") + f"/proxy/{port}/",
                    "label": "jupyter-server-proxy under $JUPYTERHUB_SERVICE_PREFIX"})
    if in_colab(env, modules):
        out.append({"kind": "colab", "label": "Colab's kernel-port proxy"})
    if in_vscode(env):
        out.append({"kind": "url", "url": f"http://localhost:{port}/",
                    "label": "VS Code's port forwarding (localhost)"})
    out.append({"kind": "url", "url": f"http://127.0.0.1:{port}/",
                "label": "this machine, directly"})
    return out


def frame_query(token: str, *, models: Sequence[str] | None = None,
                dataset: str | None = None, module: str | None = None) -> str:
    """The frame's query string: the token, then the view (models, dataset, module)."""
    q: dict[str, str] = {"token": token}
    if models:
        q["models"] = ",".join(models)
    if dataset:
        q["dataset"] = dataset
    if module:
        q["only"] = module
    return urlencode(q, safe=",")


def frame_ancestors(extra: Sequence[str] = (), env: Mapping[str, str] | None = None
                    ) -> tuple[str, ...]:
    env = os.environ if env is None else env
    configured = env.get("LUMOS_FRAME_ANCESTORS", "").split()
    return tuple(dict.fromkeys([*SELF_ONLY, *NOTEBOOK_ORIGINS, *configured, *extra]))


# ----------------------------------------------------------------- the server
def _materialise(items: Mapping[str, Any] | None, kind: type, what: str) -> dict[str, Any]:
    out = {}
    for name, obj in (items or {}).items():
        if not isinstance(obj, kind):
            if not callable(obj):
                raise TypeError(f"{what}['{name}']: expected a {kind.__name__} or a function "
                                f"that returns one, got {type(obj).__name__}")
            obj = obj()
            if not isinstance(obj, kind):
                raise TypeError(f"{what}['{name}']: the function returned "
                                f"{type(obj).__name__}, not a {kind.__name__}")
        out[name] = obj
    return out


def start(models: Mapping[str, ModelLike] | None = None,
          datasets: Mapping[str, DatasetLike] | None = None, *,
          store: Store | str | os.PathLike[str] | None = None, port: int = 0,
          forwarded_hosts: Sequence[str] | None = None,
          frame_sources: Sequence[str] = ()) -> Running:
    """The kernel's server, started on first use; later calls add what is new to it
    (``store``, ``port`` and the proxy settings count only when it starts).

    A model or dataset under a name already served is replaced only when it is another
    object (the same object is the same model, whatever changed inside it)."""
    global _running, _atexit_registered
    ms = _materialise(models, Model, "models")
    ds = _materialise(datasets, Dataset, "datasets")
    with _start_lock:
        if _running is not None and _running.server.thread is not None \
                and _running.server.thread.is_alive():
            ws = _running.workspace
            for name, d in ds.items():
                if ws.datasets.get(name) is not d:
                    ws.add_dataset(name, d)
            for name, m in ms.items():
                if ws.models.get(name) is not m:
                    ws.add_model(name, m)
            return _running
        st = store if isinstance(store, Store) else Store(store)
        ws = Workspace(ms, ds, engine=Engine(st))
        token = new_token()
        server = make_server(port=port, token=token, check_host=False, quiet=True,
                             forwarded_hosts=forwarded_hosts,
                             frame_ancestors=frame_ancestors(frame_sources),
                             workspace=(ws, {}, None)).start()
        _running = Running(server, ws, token, server.port,
                           owns_store=not isinstance(store, Store))
        if not _atexit_registered:
            atexit.register(stop)
            _atexit_registered = True
        return _running


def running() -> Running | None:
    """The kernel's server when one runs."""
    return _running


def stop() -> None:
    """Stop the kernel's server (the next ``show()`` starts a new one)."""
    global _running
    with _start_lock:
        r, _running = _running, None
    if r is not None:
        r.server.stop()
        if r.owns_store:
            r.workspace.store.close()


# ----------------------------------------------------------------- the static snapshot
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    s = str(value)
    return s if len(s) <= _MAX_CELL else s[:_MAX_CELL - 1] + "…"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str) -> str:
    head = "".join(f"<th>{text(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{text(_cell(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return (f"<table><caption>{text(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _scalar_columns(table: Any) -> list[str]:
    import pyarrow as pa

    keep = []
    for f in table.schema:
        if f.name.startswith("_") or f.name.endswith(":length"):
            continue
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) \
                or pa.types.is_integer(f.type) or pa.types.is_floating(f.type) \
                or pa.types.is_boolean(f.type):
            keep.append(f.name)
    return keep


def rows_snapshot(ws: Workspace, model: str, dataset: str, n: int = SNAPSHOT_ROWS) -> str:
    """The first ``n`` rows of ``dataset`` with ``model``'s predictions (the engine's frame)."""
    from lumos.engine.frames import build_frame

    ds = ws.dataset(dataset)
    table = build_frame(ws, model, dataset, list(range(min(n, len(ds)))))
    cols = _scalar_columns(table)
    data = [table.column(c).to_pylist() for c in cols]
    rows = list(zip(*data, strict=True)) if data else []
    return _table(cols, rows, f"{model} on {dataset}: the first {len(rows)} of {len(ds)} rows")


def metrics_snapshot(ws: Workspace, model: str, dataset: str,
                     limit: int = METRICS_ROWS) -> str:
    """The metrics summary of ``model`` on ``dataset`` (the engine's table): on every
    row, or on the first ``limit`` rows of a bigger dataset (so showing a large dataset
    does not wait for all its predictions; the caption says which)."""
    from lumos.engine.aggregate import compute_metrics

    n = len(ws.dataset(dataset))
    indices = None if n <= limit else list(range(limit))
    try:
        result = compute_metrics(ws, model, dataset, indices)
    except SpecError as e:
        return f"<p>No metrics for {text(model)} on {text(dataset)}: {text(e)}</p>"
    cols = [c for c in result["columns"] if c != "kind"
            and any(isinstance(r.get(c), str | int | float) for r in result["rows"])]
    rows = [[r.get(c) for c in cols] for r in result["rows"]]
    scope = "" if indices is None else f", on the first {limit} of {n} rows"
    return _table(cols, rows, f"Metrics of {model} on {dataset}{scope}")


def projection_snapshot(ws: Workspace, model: str, dataset: str,
                        limit: int = METRICS_ROWS) -> str:
    """The projector's static copy: a PNG of the engine's PCA layout of the model's first
    embeddings field over (the first ``limit`` rows of) ``dataset``, coloured by its first
    label field."""
    import base64
    import io

    from lumos.api import types as T
    from lumos.engine.projection import embedding_fields, project

    fields = embedding_fields(ws.model(model))
    if not fields:
        return f"<p>{text(model)} has no embeddings field to project.</p>"
    ds = ws.dataset(dataset)
    idx = list(range(min(limit, len(ds))))
    try:
        result = project(ws, model, dataset, fields[0], "pca", indices=idx)
    except (ImportError, SpecError, ValueError) as e:
        return f"<p>No projection of {text(model)} on {text(dataset)}: {text(e)}</p>"
    pts = result["points"]
    label = next((n for n, fs in ds.spec().items() if isinstance(fs, T.CategoryLabel)), None)
    try:
        from matplotlib.figure import Figure  # no pyplot: the kernel's backend stays
    except ImportError:
        return ('<p>The projector\'s static copy needs matplotlib: pip install '
                '"lumos[plots]".</p>')

    fig = Figure(figsize=(5, 4), dpi=96)
    ax = fig.add_subplot()
    x, y = pts.column("x").to_numpy(), pts.column("y").to_numpy()
    rows = pts.column("index").to_pylist()
    if label is not None:
        values = ds.to_arrow().column(label).to_pylist()
        by = [str(values[i]) for i in rows]
        for k, v in enumerate(sorted(set(by))):
            mask = [b == v for b in by]
            ax.scatter(x[mask], y[mask], s=14, color=f"C{k}", label=v)
        ax.legend(title=label, fontsize=8)
    else:
        ax.scatter(x, y, s=14)
    ax.set_title(f"{model}: PCA of {fields[0]} ({len(rows)} rows of {dataset})", fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = f"PCA of {model}'s {fields[0]} over {len(rows)} rows of {dataset}"
    return f'<p><img alt="{attr(alt)}" src="data:image/png;base64,{data}"></p>'


def snapshot(ws: Workspace, *, models: Sequence[str], dataset: str,
             module: str | None = None, rows: int = SNAPSHOT_ROWS) -> str:
    """Static HTML of what the frame shows: tables and text only, which Jupyter's HTML
    sanitizer keeps (no script, style element, iframe or event handler)."""
    parts = []
    for m in models:
        if dataset not in ws.compatible_datasets(m):
            parts.append(f"<p>{text(m)} does not fit the dataset {text(dataset)}.</p>")
            continue
        if module in (None, "classification", "regression", "tags", "generation", "editor"):
            parts.append(rows_snapshot(ws, m, dataset, rows))
        if module in (None, "metrics"):
            parts.append(metrics_snapshot(ws, m, dataset))
        if module == "projector":
            parts.append(projection_snapshot(ws, m, dataset))
        if module not in (None, "classification", "regression", "tags", "generation",
                          "editor", "metrics"):
            if module != "projector":
                parts.append(f"<p>The {text(module)} module is interactive: its static "
                             "copy holds the first rows instead.</p>")
            parts.append(rows_snapshot(ws, m, dataset, rows))
    return "".join(parts)


# ----------------------------------------------------------------- the output
_SCRIPT = r"""
(async () => {
  const cfg = __LUMOS_CONFIG__;
  // the element before this script (a front-end may run the script before the output
  // is in the document), else by id
  const me = document.currentScript, prev = me && me.previousElementSibling;
  const root = prev && prev.id === cfg.id ? prev : document.getElementById(cfg.id);
  if (!root) return;
  const live = root.querySelector(".lumos-live");
  live.textContent = "Connecting to the lumos server in this kernel (port " + cfg.port + ")…";
  const notebookBase = () => {
    const el = document.getElementById("jupyter-config-data");
    if (el) { try { const b = JSON.parse(el.textContent).baseUrl; if (b) return b; } catch (e) {} }
    const d = document.body && document.body.getAttribute("data-base-url");
    if (d) return d;
    const m = location.pathname.match(/^(.*?\/)(lab|notebooks|tree|doc|edit|voila)(\/|$)/);
    return m ? m[1] : null;
  };
  const where = async (c) => {
    if (c.kind === "colab") {
      const k = window.google && google.colab && google.colab.kernel;
      if (!k || !k.proxyPort) return null;
      const u = String(await k.proxyPort(cfg.port, { cache: false }));
      return u.endsWith("/") ? u : u + "/";
    }
    if (c.kind === "notebook-base") {
      const b = notebookBase();
      return b === null ? null : new URL(b.replace(/\/?$/, "/") + c.path, location.href).href;
    }
    return new URL(c.url, location.href).href;
  };
  const answers = async (base) => {
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), 4000);
    try {
      const r = await fetch(base + "api/health",
        { mode: "no-cors", signal: ctl.signal });  // with the notebook server's login cookie
      if (r.type === "opaque") return true;
      if (!r.ok) return false;
      return (await r.json()).status === "ok";
    } catch (e) { return false; } finally { clearTimeout(t); }
  };
  const tried = [], seen = new Set();
  for (const c of cfg.candidates) {
    let base = null;
    try { base = await where(c); } catch (e) { base = null; }
    if (!base) { tried.push(c.label + ": not available in this front-end"); continue; }
    if (seen.has(base)) continue;
    seen.add(base);
    if (await answers(base)) {
      const f = document.createElement("iframe");
      f.src = base + "?" + cfg.query;
      f.title = "lumos workbench";
      f.style.cssText = "width:100%;height:" + cfg.height + "px;" +
        "border:1px solid #ccc;border-radius:4px";
      f.setAttribute("data-lumos", "frame");
      live.replaceChildren(f);
      root.setAttribute("data-lumos-url", base);
      const snap = root.querySelector(".lumos-snapshot");
      if (snap) snap.hidden = true;
      return;
    }
    tried.push(c.label + ": " + base + " did not answer");
  }
  const box = document.createElement("div");
  box.setAttribute("data-lumos", "unreachable");
  box.style.cssText = "border:1px solid #d33;padding:8px;border-radius:4px";
  const h = document.createElement("strong");
  h.textContent = "lumos: this page cannot reach the server in the kernel (port " + cfg.port + ").";
  const ul = document.createElement("ul");
  for (const t of tried) {
    const li = document.createElement("li");
    li.textContent = t;
    ul.append(li);
  }
  const fix = document.createElement("p");
  fix.textContent = cfg.fix;
  box.append(h, ul, fix);
  live.replaceChildren(box);
})();
"""

FIX = ("Fix: install jupyter-server-proxy in the environment that runs Jupyter "
       "(pip install jupyter-server-proxy) and restart the Jupyter server; on a remote "
       "machine without it, forward the port (ssh -L {port}:127.0.0.1:{port} host). "
       "The snapshot below was taken when the cell ran.")


def render(r: Running, *, models: Sequence[str], dataset: str, module: str | None = None,
           height: int = 640, rows: int = SNAPSHOT_ROWS,
           env: Mapping[str, str] | None = None) -> str:
    """The output's ``text/html``: the live frame's placeholder and script, then the
    static snapshot."""
    r.shown += 1
    oid = f"lumos-{r.port}-{r.shown}-{secrets.token_hex(4)}"
    cfg = {"id": oid, "port": r.port, "height": int(height),
           "query": frame_query(r.token, models=models, dataset=dataset, module=module),
           "candidates": candidate_urls(r.port, env), "fix": FIX.format(port=r.port)}
    title = f"lumos: {module} module" if module else "lumos workbench"
    snap = snapshot(r.workspace, models=models, dataset=dataset, module=module, rows=rows)
    return (f'<div id="{attr(oid)}" class="lumos-output">'
            f'<div class="lumos-live"><p><strong>{text(title)}</strong> (live in the running '
            "kernel): not shown here, because this output's script did not run (an untrusted "
            "or exported notebook, or a static viewer). Below: the snapshot taken when the "
            "cell ran.</p></div>"
            f'<div class="lumos-snapshot">{snap}</div>'
            "</div><script>" + _SCRIPT.replace("__LUMOS_CONFIG__", script_json(cfg)) + "</script>")


def _display_html(html: str) -> None:
    from IPython.display import display

    display({"text/html": html}, raw=True)  # type: ignore[no-untyped-call]


def _view(r: Running, models: Mapping[str, Any] | None, datasets: Mapping[str, Any] | None,
          dataset: str | None) -> tuple[list[str], str]:
    ws = r.workspace
    if not ws.datasets:
        raise ValueError("datasets: the workbench needs at least one dataset")
    dname = dataset or (next(iter(datasets)) if datasets else next(iter(ws.datasets)))
    if dname not in ws.datasets:
        raise ValueError(f"dataset='{dname}': not served (datasets: {sorted(ws.datasets)})")
    names = list(models) if models else [m for m in ws.models
                                          if dname in ws.compatible_datasets(m)]
    return names, dname


def show(models: Mapping[str, ModelLike] | None = None,
         datasets: Mapping[str, DatasetLike] | None = None, *, height: int = 640,
         dataset: str | None = None, store: Store | str | os.PathLike[str] | None = None,
         rows: int = SNAPSHOT_ROWS, forwarded_hosts: Sequence[str] | None = None,
         frame_sources: Sequence[str] = (), display: bool = True) -> str | None:
    """Show the whole workbench for ``models`` and ``datasets`` in the notebook.

    The frame opens on ``dataset`` (default: the first given) with the given models (all
    served ones that fit, when none is given). ``height`` in pixels. ``frame_sources``:
    more CSP sources that may frame the server (e.g. your hub's origin when it frames
    the kernel's port directly). Displays the output; with ``display=False`` returns
    its HTML instead."""
    return _show(None, models, datasets, height=height, dataset=dataset, store=store,
                 rows=rows, forwarded_hosts=forwarded_hosts, frame_sources=frame_sources,
                 display=display)


def show_module(name: str, models: Mapping[str, ModelLike] | None = None,
                datasets: Mapping[str, DatasetLike] | None = None, *, height: int = 480,
                dataset: str | None = None,
                store: Store | str | os.PathLike[str] | None = None,
                rows: int = SNAPSHOT_ROWS, display: bool = True) -> str | None:
    """Show one module (``"metrics"``, ``"classification"``, …: :data:`MODULES`) beside
    the data table, for ``models`` on ``dataset``; otherwise as :func:`show`."""
    if name not in MODULES:
        raise ValueError(f"module '{name}': not a workbench module; one of {list(MODULES)}")
    return _show(name, models, datasets, height=height, dataset=dataset, store=store,
                 rows=rows, forwarded_hosts=None, frame_sources=(), display=display)


def _show(module: str | None, models: Mapping[str, Any] | None,
          datasets: Mapping[str, Any] | None, *, height: int, dataset: str | None,
          store: Any, rows: int, forwarded_hosts: Sequence[str] | None,
          frame_sources: Sequence[str], display: bool) -> str | None:
    if height < 100:
        raise ValueError(f"height={height}: give at least 100 (pixels)")
    r = start(models, datasets, store=store, forwarded_hosts=forwarded_hosts,
              frame_sources=frame_sources)
    names, dname = _view(r, models, datasets, dataset)
    html = render(r, models=names, dataset=dname, module=module, height=height, rows=rows)
    if display:
        _display_html(html)
        return None  # a cell ending in show() shows the output once, not its HTML as text
    return html


__all__ = ["MODULES", "candidate_urls", "running", "show", "show_module", "snapshot", "stop"]
