"""Embedding map: a model's sentence or token embeddings over a corpus, mapped to 2-D.

:func:`embed_map` reads an embeddings field through the engine (the workbench
projector's path: :func:`lumos.engine.projection.project`, so the layout is cached in the
store and equals the workbench's for the same settings), fits t-SNE or UMAP from
``lumos.components.projections`` with a seed, and returns an :class:`EmbeddingMap`:

* ``.save(path)``: one self-contained HTML page, a canvas scatter drawn by a small inline
  script (no external resource: it opens with the network off); hovering a point shows its
  sentence, or its token highlighted inside the sentence; points are coloured by the gold
  label or any dataset or prediction column, with a legend whose entries hide and show
  their points; the wheel zooms, a drag pans, a double click resets;
* ``._repr_html_()``: the same page in a sandboxed ``<iframe srcdoc>`` for notebooks;
* ``.save_png(path)``: a matplotlib figure (Agg, no window);
* ``.save_projector(dir)``: the TensorBoard Projector's files: ``vectors.tsv`` (one
  embedding a line, tab-separated), ``metadata.tsv`` (a header row when there is more than
  one column; backslash, tab, newline and carriage return inside a value written as
  ``\\\\``, ``\\t``, ``\\n``, ``\\r``, which :func:`unescape_tsv` reverses) and a
  ``projector_config.pbtxt`` naming both.

A sentence map draws one point per row (a pooled ``Embeddings`` field); a token map one
point per model token, special tokens (``[CLS]``) included, as the workbench's projector
does (a ``TokenEmbeddings`` field, which the Hugging Face adapters declare). Fewer than
four points are refused: neither t-SNE nor UMAP has a neighbourhood to keep.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.visual import html

LEVELS = ("sentence", "token")
METHODS = ("tsne", "umap")
#: below this, a map has no neighbourhoods to show (t-SNE itself needs 4 points)
MIN_POINTS = 4
#: categories beyond the most frequent ones share one grey "other" colour
MAX_CATEGORIES = 10
#: Tableau 10: distinct hues, readable with the common colour-vision deficiencies
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
OTHER_COLOUR = "#8c8c8c"
MISSING = "(missing)"
#: viridis at nine stops: perceptually ordered, dark to light, never wrapping around
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725")
DISPLAY = {"tsne": "t-SNE", "umap": "UMAP"}


@dataclasses.dataclass(frozen=True)
class Sentence:
    """One dataset row as the map shows it: its text and, for token maps, its tokens as
    a reader writes them (``joins[i]``: token i continues the word before it)."""

    row: int
    id: str
    text: str
    tokens: tuple[str, ...] = ()
    joins: tuple[bool, ...] = ()


@dataclasses.dataclass(frozen=True)
class Colouring:
    """How points are coloured: ``kind`` is ``"none"``, ``"category"`` (``codes`` index
    ``categories``/``colours``; ``counts`` per category) or ``"number"`` (``values``,
    NaN where missing, on ``[lo, hi]``)."""

    field: str | None
    kind: str
    codes: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    values: tuple[float, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    labels: tuple[str, ...] = ()  # each point's value as text (hover, metadata)


@dataclasses.dataclass(frozen=True)
class EmbeddingMap:
    """A fitted map: 2-D ``coords`` and the original ``vectors`` per point, the dataset row
    (``sentence`` indexes ``sentences``) and token position (-1 for sentences) of each."""

    model_name: str
    dataset_name: str
    level: str
    method: str
    field: str
    config: Mapping[str, Any]
    coords: np.ndarray
    vectors: np.ndarray
    sentence: tuple[int, ...]
    token: tuple[int, ...]
    sentences: tuple[Sentence, ...]
    colouring: Colouring
    cached: bool = False

    def __len__(self) -> int:
        return int(self.coords.shape[0])

    # --- text shown around the map
    @property
    def title(self) -> str:
        unit = "token" if self.level == "token" else "sentence"
        return (f"{DISPLAY[self.method]} map of {len(self):,} {unit}"
                f"{'' if len(self) == 1 else 's'}: {self.model_name} on {self.dataset_name}")

    def description(self) -> str:
        cfg = self.config
        how = f"{DISPLAY[self.method]} of '{self.field}', seed {cfg.get('seed')}"
        if self.method == "tsne":
            asked, used = cfg.get("perplexity"), cfg.get("effective_perplexity")
            how += f", perplexity {_num(used)}"
            if asked != used:
                how += f" (asked {_num(asked)}; capped at (points − 1) / 3)"
        else:
            asked, used = cfg.get("n_neighbors"), cfg.get("effective_neighbors")
            how += f", {used} neighbours"
            if asked != used:
                how += f" (asked {asked}; capped below the points)"
        colour = (f"colour: {self.colouring.field}" if self.colouring.field
                  else "one colour")
        return f"{how}; {colour}"

    def point_label(self, i: int) -> str:
        """The token (token maps) or the sentence of point ``i``."""
        s = self.sentences[self.sentence[i]]
        t = self.token[i]
        if t >= 0 and t < len(s.tokens):
            return s.tokens[t]
        return s.text

    # --- outputs
    def to_html(self) -> str:
        """The whole page (see the module docstring)."""
        return html.page(title=self.title, body=self._body(), css=CSS,
                         scripts=[f"var LUMOS_MAP = {html.script_json(self._data())};",
                                  script()])

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(self.to_html(), encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        return (f'<iframe title="{html.attr(self.title)}" sandbox="allow-scripts" '
                'style="width:100%;height:680px;border:1px solid #ddd" '
                f'srcdoc="{html.attr(self.to_html())}"></iframe>')

    def save_png(self, path: str | Path, *, dpi: int = 150) -> Path:
        """The map as a PNG through matplotlib's Agg canvas (no window, no pyplot state)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import LinearSegmentedColormap
        from matplotlib.figure import Figure

        p = Path(path)
        fig = Figure(figsize=(8, 6.5), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        x, y = self.coords[:, 0], self.coords[:, 1]
        size = 14 if len(self) < 2000 else 5
        c = self.colouring
        if c.kind == "category":
            codes = np.asarray(c.codes)
            for k, (name, colour) in enumerate(zip(c.categories, c.colours, strict=True)):
                sel = codes == k
                ax.scatter(x[sel], y[sel], s=size, color=colour, alpha=0.8, linewidths=0,
                           label=f"{name} ({c.counts[k]})")
            ax.legend(title=c.field, fontsize=8, title_fontsize=9, loc="best",
                      markerscale=1.5, frameon=False)
        elif c.kind == "number":
            cmap = LinearSegmentedColormap.from_list("viridis9", list(VIRIDIS))
            vals = np.asarray(c.values, np.float64)
            ok = np.isfinite(vals)
            ax.scatter(x[~ok], y[~ok], s=size, color=OTHER_COLOUR, alpha=0.6, linewidths=0)
            sc = ax.scatter(x[ok], y[ok], s=size, c=vals[ok], cmap=cmap, vmin=c.lo,
                            vmax=c.hi, alpha=0.85, linewidths=0)
            fig.colorbar(sc, ax=ax, label=c.field)
        else:
            ax.scatter(x, y, s=size, color=PALETTE[0], alpha=0.8, linewidths=0)
        ax.set_title(self.title, fontsize=10)
        ax.set_xlabel(self.description(), fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.tight_layout()
        fig.savefig(p, format="png")
        return p

    def metadata_columns(self) -> dict[str, list[str]]:
        """The columns of ``metadata.tsv``, one value per point."""
        cols: dict[str, list[str]] = {}
        rows = [self.sentences[s] for s in self.sentence]
        if self.level == "token":
            cols["token"] = [self.point_label(i) for i in range(len(self))]
            cols["token_index"] = [str(t) for t in self.token]
        cols["text"] = [s.text for s in rows]
        if self.colouring.field:
            cols[self.colouring.field] = list(self.colouring.labels)
        cols["row"] = [str(s.row) for s in rows]
        cols["id"] = [s.id for s in rows]
        return cols

    def save_projector(self, directory: str | Path) -> Path:
        """``vectors.tsv``, ``metadata.tsv`` and ``projector_config.pbtxt`` in
        ``directory`` (created if needed), for TensorBoard's Projector (or
        projector.tensorflow.org's Load button)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        write_vectors(d / "vectors.tsv", self.vectors)
        write_metadata(d / "metadata.tsv", self.metadata_columns())
        name = f"{self.model_name}:{self.field}".replace("\\", "\\\\").replace('"', '\\"')
        (d / "projector_config.pbtxt").write_text(
            "embeddings {\n"
            f'  tensor_name: "{name}"\n'
            '  tensor_path: "vectors.tsv"\n'
            '  metadata_path: "metadata.tsv"\n'
            "}\n", encoding="utf-8")
        return d

    # --- the page
    def _data(self) -> dict[str, Any]:
        c = self.colouring
        if c.kind == "category":
            colour: list[Any] = list(c.codes)
        elif c.kind == "number":
            colour = [None if math.isnan(v) else round(v, 6) for v in c.values]
        else:
            colour = []
        return {
            "level": self.level,
            "x": [round(float(v), 4) for v in self.coords[:, 0]],
            "y": [round(float(v), 4) for v in self.coords[:, 1]],
            "s": list(self.sentence),
            "t": list(self.token),
            "sentences": [{"text": s.text, "tokens": list(s.tokens),
                           "joins": [int(j) for j in s.joins]} for s in self.sentences],
            "colour": {"field": c.field, "kind": c.kind, "values": colour,
                       "labels": list(c.labels), "colours": list(c.colours),
                       "ramp": list(VIRIDIS), "lo": c.lo, "hi": c.hi,
                       "missing": OTHER_COLOUR},
        }

    def _body(self) -> str:
        c = self.colouring
        if c.kind == "category":
            items = "".join(
                f'<li><button type="button" aria-pressed="true" data-cat="{k}" '
                f'title="{html.attr(name)}: hide or show its points">'
                f'<span class="sw" style="background:{colour}"></span>'
                f'<bdi>{html.text(name)}</bdi> <span class="n">{count:,}</span></button></li>'
                for k, (name, colour, count) in enumerate(zip(c.categories, c.colours,
                                                              c.counts, strict=True)))
            legend = (f'<div id="legend"><div class="lt">{html.text(c.field)}</div>'
                      f'<ul>{items}</ul></div>')
        elif c.kind == "number":
            grad = ", ".join(VIRIDIS)
            legend = (f'<div id="legend"><div class="lt">{html.text(c.field)}</div>'
                      f'<div class="ramp" style="background:linear-gradient(to right, {grad})">'
                      f'</div><div class="ends"><span>{_num(c.lo)}</span>'
                      f'<span>{_num(c.hi)}</span></div></div>')
        else:
            legend = '<div id="legend"></div>'
        return (
            f'<header><h1>{html.text(self.title)}</h1>'
            f'<p class="cap">{html.text(self.description())}. Hover a point to read it; '
            'scroll to zoom, drag to pan, double-click to reset.</p></header>'
            f'<main><div id="wrap"><canvas id="map" data-points="{len(self)}" '
            f'data-drawn="0" data-level="{html.attr(self.level)}" role="img" '
            f'aria-label="{html.attr(self.title)}"></canvas>'
            f'<canvas id="hover" aria-hidden="true"></canvas></div>{legend}</main>'
            '<div id="tip" hidden></div>'
        )


def _num(v: Any) -> str:
    if v is None:
        return "–"
    f = float(v)
    return f"{f:.0f}" if f.is_integer() and abs(f) < 1e6 else f"{f:.3g}"


# --- TensorBoard Projector TSV

_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape_tsv(value: object) -> str:
    """A value on one TSV cell: backslash, tab, newline and CR as ``\\\\ \\t \\n \\r``."""
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def unescape_tsv(cell: str) -> str:
    """The inverse of :func:`escape_tsv`."""
    return re.sub(r"\\([\\tnr])", lambda m: _UNESCAPES[m.group(1)], cell)


def write_vectors(path: Path, vectors: np.ndarray) -> None:
    arr = np.asarray(vectors, np.float32)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in arr:
            f.write("\t".join(f"{float(v):.7g}" for v in row) + "\n")


def write_metadata(path: Path, columns: Mapping[str, Sequence[str]]) -> None:
    """One row per point; the header row only with more than one column (TensorBoard
    reads a single column without one)."""
    names = list(columns)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"metadata columns differ in length: {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        if len(names) > 1:
            f.write("\t".join(escape_tsv(c) for c in names) + "\n")
        for i in range(n):
            f.write("\t".join(escape_tsv(columns[c][i]) for c in names) + "\n")


# --- building a map


def embed_map(model: Model | str, dataset: Dataset | str, *, level: str = "sentence",
              method: str = "tsne", color_by: str | None = None, field: str | None = None,
              seed: int = 0, limit: int | None = None,
              indices: Sequence[int] | None = None, perplexity: float | None = None,
              n_neighbors: int | None = None, layer: int | None = None,
              workspace: Any = None, name: str | None = None,
              progress: bool | str = False,
              on_progress: Callable[[int, int, str], None] | None = None,
              cancel: threading.Event | None = None) -> EmbeddingMap:
    """Map ``model``'s embeddings over ``dataset`` (or its first ``limit`` rows, or rows
    ``indices``) to 2-D.

    ``level``: ``"sentence"`` (a pooled ``Embeddings`` field, default the first one) or
    ``"token"`` (a ``TokenEmbeddings`` field, one point per token). ``method``: ``"tsne"``
    (``perplexity``, default 30, capped for few points) or ``"umap"`` (``n_neighbors``).
    ``color_by``: a dataset column (``label``, any other), ``gold:<field>``, or a
    prediction column (``probas:label``, ``probas:correct``, ...); by default the gold
    ``label`` when the dataset has one. ``model``/``dataset`` may be names in
    ``workspace`` (an ``lumos.engine.Workspace``; by default a fresh one on the user's
    store, so embeddings and layouts are cached across runs). ``name`` is the model's
    name on the map (default: its class name, or its name in ``workspace``).
    ``progress`` shows a bar while embedding (its label when a string); ``on_progress(done,
    total, stage)`` hears the fit's stages (``lumos.engine.projection.project``); setting
    ``cancel`` stops between batches and stages (``lumos.api.context.Cancelled``).
    """
    from lumos.components.projections.tsne import effective_perplexity
    from lumos.components.projections.umap import effective_neighbors
    from lumos.engine import Workspace
    from lumos.engine.frames import check_indices, resolve
    from lumos.engine.projection import embedding_vectors, project

    if level not in LEVELS:
        raise SpecError(f"level: must be one of {list(LEVELS)}, got '{level}'")
    if method not in METHODS:
        raise SpecError(f"method: must be one of {list(METHODS)}, got '{method}'")
    ws = workspace if workspace is not None else Workspace({}, {})
    if not isinstance(model, str) and not any(m is model for m in ws.models.values()):
        ws.add_model(name or type(model).__name__, model, smoke_test=False)
    if not isinstance(dataset, str) and not any(d is dataset for d in ws.datasets.values()):
        ws.add_dataset(getattr(dataset, "name", None) or "dataset", dataset)
    mname, m, dname, ds = resolve(ws, model, dataset)
    assert m is not None
    if limit is not None and indices is not None:
        raise SpecError("limit: give limit or indices, not both")
    if limit is not None:
        if limit <= 0:
            raise SpecError(f"limit: must be positive, got {limit}")
        idx = list(range(min(limit, len(ds))))
    else:
        idx = check_indices(ds, indices)
    config: dict[str, Any] = {"n_components": 2, "seed": seed}
    if perplexity is not None:
        if method != "tsne":
            raise SpecError("perplexity: only applies to method 'tsne'")
        config["perplexity"] = perplexity
    if n_neighbors is not None:
        if method != "umap":
            raise SpecError("n_neighbors: only applies to method 'umap'")
        config["n_neighbors"] = n_neighbors
    fname = field or _default_field(m, level)
    fs = m.output_spec().get(fname)
    want = T.TokenEmbeddings if level == "token" else T.Embeddings
    if not isinstance(fs, want):
        have = T.find_fields(m.output_spec(), want)
        raise SpecError(f"field: '{fname}' is not a field of type {want.__name__} of model "
                        f"'{mname}' ({want.__name__} fields: {have or 'none'})")
    tokens_mode = "all" if level == "token" else "mean"
    vectors, rows, tok = embedding_vectors(ws, mname, dname, fname, layer=layer,
                                           tokens=tokens_mode, indices=idx,
                                           progress=progress, cancel=cancel)
    unit = "tokens" if level == "token" else "sentences"
    if vectors.shape[0] < MIN_POINTS:
        raise SpecError(f"{vectors.shape[0]} {unit} are too few for a map: "
                        f"{DISPLAY[method]} needs at least {MIN_POINTS} points "
                        f"({len(idx)} rows of dataset '{dname}' were read)")
    # what the page shows beside the points, checked before the fit
    sentences, where = _sentences(ws, mname, m, ds, sorted(set(rows)), fs, level)
    lengths = {s.row: len(s.tokens) for s in sentences} if level == "token" else None
    colouring = _colouring(ws, m, ds, rows, list(tok), color_by, lengths)
    res = project(ws, mname, dname, fname, method, config, layer=layer, tokens=tokens_mode,
                  indices=idx, on_progress=on_progress, cancel=cancel)
    points = res["points"]
    coords = np.stack([points.column("x").to_numpy(), points.column("y").to_numpy()], 1)
    if points.column("index").to_pylist() != rows:
        raise RuntimeError("projection points and embeddings are out of order")
    cfg = dict(res["config"])
    if method == "tsne":
        cfg["effective_perplexity"] = effective_perplexity(float(cfg["perplexity"]),
                                                           len(rows))
    else:
        cfg["effective_neighbors"] = effective_neighbors(int(cfg["n_neighbors"]), len(rows))
    return EmbeddingMap(model_name=mname, dataset_name=dname, level=level, method=method,
                        field=fname, config=cfg, coords=coords.astype(np.float32),
                        vectors=vectors, sentence=tuple(where[r] for r in rows),
                        token=tuple(int(t) for t in tok), sentences=tuple(sentences),
                        colouring=colouring, cached=bool(res["cached"]))


def _default_field(m: Model, level: str) -> str:
    spec = m.output_spec()
    if level == "token":
        found = T.find_fields(spec, T.TokenEmbeddings)
        if not found:
            raise SpecError(
                f"level: the model declares no per-token embeddings (a TokenEmbeddings "
                f"output field); its embeddings fields: "
                f"{T.find_fields(spec, T.Embeddings) or 'none'}; use level 'sentence'")
        return found[0]
    pooled = T.find_fields(spec, T.Embeddings)
    single = [f for f in pooled if not getattr(spec[f], "per_layer", False)]
    if not pooled:
        raise SpecError("level: the model declares no pooled embeddings (an Embeddings "
                        "output field)" + ("; use level 'token'" if T.find_fields(
                            spec, T.TokenEmbeddings) else ""))
    return (single or pooled)[0]


def _sentences(ws: Any, mname: str, m: Model, ds: Dataset, rows: list[int],
               fs: T.FieldSpec, level: str) -> tuple[list[Sentence], dict[int, int]]:
    """The rows' texts (the model's text input; a tokens input joined by spaces) and, for
    token maps, the model's tokens of each (its ``align`` field)."""
    from lumos.components.salience.html import display_token, merge_word_pieces

    examples = ds.examples(rows)
    spec = m.input_spec()
    text_field = next((n for n, f in spec.items() if isinstance(f, T.TextSegment)
                       and n in ds.spec()), None)
    tokens_field = next((n for n, f in spec.items() if isinstance(f, T.Tokens)
                         and n in ds.spec()), None)
    toks: list[list[str]] | None = None
    align = getattr(fs, "align", None)
    if level == "token" and align and align in m.output_spec():
        outs = ws.engine.predict(m, examples, fields=[align], model_name=mname)
        toks = [[str(t) for t in o[align]] for o in outs]
    elif level == "token" and align and all(align in ex for ex in examples):
        toks = [[str(t) for t in ex[align]] for ex in examples]  # input words
    all_ids = list(ds.ids)
    out = []
    for k, (r, ex) in enumerate(zip(rows, examples, strict=True)):
        if text_field is not None:
            text = str(ex.get(text_field, ""))
        elif tokens_field is not None:
            text = " ".join(str(t) for t in ex.get(tokens_field) or [])
        else:
            text = all_ids[r]
        shown: tuple[str, ...] = ()
        joins: tuple[bool, ...] = ()
        if toks is not None:
            raw = toks[k]
            shown = tuple(display_token(t) for t in raw)
            j = [False] * len(raw)
            for _, _, pos in merge_word_pieces(raw, [0.0] * len(raw)):
                for p in pos[1:]:
                    j[p] = True
            joins = tuple(j)
        out.append(Sentence(row=r, id=str(all_ids[r]), text=text, tokens=shown,
                            joins=joins))
    return out, {r: k for k, r in enumerate(rows)}


def _colouring(ws: Any, m: Model, ds: Dataset, rows: list[int], tok: list[int],
               color_by: str | None, lengths: Mapping[int, int] | None) -> Colouring:
    """``lengths``: each row's number of tokens on a token map (a column holding one
    value per token, such as gold tags aligned with those tokens, colours each token)."""
    from lumos.engine.frames import build_frame

    data = ds.to_arrow()
    name = color_by
    if name is None:  # the gold label; on a token map, gold tags that align too
        dspec = ds.spec()
        golds = [p for f in m.output_spec().values() if (p := getattr(f, "parent", None))
                 and p in data.column_names]
        scalar = [p for p in golds if isinstance(dspec.get(p), T.CategoryLabel | T.Scalar)]
        if "label" in data.column_names and not isinstance(dspec.get("label"),
                                                           T.SequenceTags):
            scalar.insert(0, "label")
        tags = [p for p in golds if isinstance(dspec.get(p), T.SequenceTags)
                and lengths is not None and _aligns(data.column(p).take(
                    sorted(lengths)).to_pylist(), sorted(lengths), lengths)]
        name = next(iter(scalar + tags), None)
        if name is None:
            return Colouring(field=None, kind="none")
    column = name[len("gold:"):] if name.startswith("gold:") else name
    uniq = sorted(set(rows))
    if column in data.column_names:
        taken = data.column(column).take(uniq).to_pylist()
    else:
        frame = build_frame(ws, m, ds, indices=uniq)
        if column not in frame.column_names:
            have = [c for c in dict.fromkeys([*data.column_names, *frame.column_names])
                    if not c.startswith("_")]
            raise SpecError(f"color_by: '{name}' is neither a dataset column nor a "
                            f"prediction column (columns: {', '.join(have)})")
        taken = frame.column(column).to_pylist()
    by_row = dict(zip(uniq, taken, strict=True))
    values = [by_row[r] for r in rows]
    if any(isinstance(v, list | tuple | dict | np.ndarray) for v in values):
        if lengths is None or not _aligns(taken, uniq, lengths):
            raise SpecError(
                f"color_by: '{name}' holds a list per row"
                + (", not one value per token of the map (its tokens are the model's "
                   "word pieces)" if lengths is not None else "")
                + "; colour by a column with one value per row"
                + ("" if lengths is not None else ", or use level 'token'"))
        values = [by_row[r][t] for r, t in zip(rows, tok, strict=True)]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool)
                  for v in values if v is not None)
    present = [v for v in values if v is not None and not
               (isinstance(v, float) and math.isnan(v))]
    if numeric and present and (any(isinstance(v, float) for v in present)
                                or len(set(present)) > MAX_CATEGORIES):
        vals = tuple(math.nan if v is None else float(v) for v in values)
        finite = [v for v in vals if math.isfinite(v)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 0.0)
        return Colouring(field=name, kind="number", values=vals, lo=lo, hi=hi,
                         labels=tuple("" if math.isnan(v) else _num(v) for v in vals))
    labels = [MISSING if v is None or (isinstance(v, float) and math.isnan(v))
              else str(v) for v in values]
    counts = Counter(labels)
    order = _category_order(m, column, counts)
    kept = order[:MAX_CATEGORIES] if len(order) <= MAX_CATEGORIES else \
        order[:MAX_CATEGORIES - 1]
    rest = [c for c in order if c not in kept]
    cats = list(kept) + ([f"other ({len(rest)} values)"] if rest else [])
    code_of = {c: k for k, c in enumerate(kept)}
    codes = tuple(code_of.get(lbl, len(kept)) for lbl in labels)
    colours = [OTHER_COLOUR if c == MISSING else PALETTE[k % len(PALETTE)]
               for k, c in enumerate(kept)] + ([OTHER_COLOUR] if rest else [])
    tally = Counter(codes)
    return Colouring(field=name, kind="category", codes=codes, categories=tuple(cats),
                     colours=tuple(colours), counts=tuple(tally[k] for k in range(len(cats))),
                     labels=tuple(labels))


def _aligns(values: Sequence[Any], rows: Sequence[int], lengths: Mapping[int, int]) -> bool:
    """Each row's value is a list with one entry per token of that row on the map."""
    return all(isinstance(v, list | tuple | np.ndarray) and len(v) == lengths[r]
               and lengths[r] > 0 for v, r in zip(values, rows, strict=True))


def _category_order(m: Model, column: str, counts: Counter[str]) -> list[str]:
    """A label's vocabulary order when the model declares one (a gold field's, or a
    prediction column's such as ``probas:label``, so a class keeps its colour across
    maps), then the other values by frequency; ``(missing)`` last."""
    vocab: tuple[str, ...] = ()
    pred = m.output_spec().get(column.partition(":")[0])
    for fs in (m.input_spec().get(column), m.output_spec().get(column), pred):
        if isinstance(fs, T.CategoryLabel | T.MulticlassPreds) and fs.vocab:
            vocab = tuple(fs.vocab)
            break
    first = [v for v in vocab if v in counts]
    rest = sorted((v for v in counts if v not in first and v != MISSING),
                  key=lambda v: (-counts[v], v))
    return first + rest + ([MISSING] if MISSING in counts else [])


CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f1f1f;
background:#fff;height:100vh;display:flex;flex-direction:column}
header{padding:.7em 1em .3em}h1{font-size:1.1em;margin:0}
.cap{margin:.2em 0 0;color:#555;font-size:.88em}
main{flex:1;display:flex;min-height:0;padding:0 1em 1em;gap:1em}
#wrap{flex:1;position:relative;min-width:0;border:1px solid #e2e2e2;border-radius:6px}
#map,#hover{position:absolute;inset:0;width:100%;height:100%}
#map{cursor:crosshair;touch-action:none}#hover{pointer-events:none}
#legend{width:14em;overflow:auto;font-size:.9em}
#legend .lt{font-weight:600;margin:.2em 0 .4em;overflow-wrap:anywhere}
#legend ul{list-style:none;margin:0;padding:0}
#legend button{display:flex;align-items:center;gap:.45em;width:100%;text-align:left;
font:inherit;background:none;border:0;padding:.15em .2em;cursor:pointer;border-radius:4px}
#legend button:hover,#legend button:focus-visible{background:#f0f3fa}
#legend button[aria-pressed=false]{opacity:.4;text-decoration:line-through}
#legend .sw{width:.9em;height:.9em;border-radius:50%;flex:none}
#legend .n{color:#777;margin-left:auto}
#legend .ramp{height:.8em;border-radius:3px}
#legend .ends{display:flex;justify-content:space-between;color:#555}
#tip{position:fixed;z-index:2;max-width:34em;background:#fff;border:1px solid #ccc;
border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.15);padding:.5em .7em;
pointer-events:none;font-size:.92em}
#tip .tok{font-weight:600;font-size:1.05em}
#tip .sent{margin:.25em 0;overflow-wrap:anywhere}#tip .sent.whole{white-space:pre-wrap}
#tip mark{background:#ffe066;border-radius:3px;padding:0 .1em;font-weight:600}
#tip .val{color:#555}
"""



def script() -> str:
    """The page's script (``embed_map.js`` beside this module)."""
    from importlib.resources import files

    return files("lumos.visual").joinpath("embed_map.js").read_text(encoding="utf-8")
