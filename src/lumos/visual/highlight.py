"""The Highlighter: text coloured token by token, as one HTML file or a notebook fragment.

    from lumos.visual import highlight
    h = highlight(["a good film", "a bad one"], model=model,
                  source="activation:module=bert.encoder.layer.3.output,dim=17")
    h                      # in Jupyter: the fragment (``_repr_html_``)
    h.save("h.html")       # one self-contained page, many sentences

Values come from the engine (``lumos.visual.sources``: activations, any token salience
method, attention from a token, attention rollout), or are given directly
(``highlight(tokens, values)``, or the results of ``lumos.engine.interpret.explain``).
Sub-word tokens are shown per word (``align="word"``, values aggregated), per original
character span (``"char"``) or as the model's tokens (``"token"``).

One scale covers the whole file, so colours compare across sentences: viridis for
unsigned values, a symmetric blue-red scale centred at 0 for signed ones
(``lumos.visual.scales``), with a legend and text colours of at least 4.5 : 1 contrast.

The fragment is made only of what JupyterLab's HTML sanitizer keeps unchanged (checked
by ``tests/visual/test_sanitizer.py`` with ``@jupyterlab/apputils``' own ``Sanitizer``):
inline hex colours in ``style``, each value in a ``title``, each row's ``dir`` (by its
first strong character, as ``dir="auto"`` decides) with each token isolated in
``<bdi>``, and focusable ``<button type="button">`` cells (Tab moves through the
tokens). The saved page adds a richer tooltip shown on hover and on keyboard
focus (the token's sub-words and their values), and so does ``h.interactive()`` for
trusted notebook output; scripts never reach the fragment.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lumos.api.types import SpecError, TextSegment
from lumos.visual import html as H
from lumos.visual import scales
from lumos.visual.align import (
    AGGREGATES,
    Cell,
    to_chars,
    to_tokens,
    to_words,
    words_from_tokens,
)

ALIGNS = ("word", "char", "token")

_CELL_STYLE = "border-width:0;border-radius:3px;margin:0;padding:0 2px;line-height:1.7"
_ROW_STYLE = "margin-top:0;margin-bottom:8px;line-height:1.9;white-space:pre-wrap"
_LABEL_STYLE = "font-size:85%;color:#444444"


@dataclass
class Row:
    """One sentence: a label (its id) and its cells."""

    label: str
    cells: list[Cell]


def base_direction(text: str) -> str:
    """``rtl`` or ``ltr`` by the first strong character, the rule of ``dir="auto"``
    (HTML's "auto" directionality). Written out because ``dir="auto"`` on a row skips the
    ``<bdi>`` each token sits in, and so would always find the row left-to-right."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def _fmt(v: float, signed: bool) -> str:
    if not math.isfinite(v):
        return "no value"
    return f"{v:+.4g}" if signed else f"{v:.4g}"


class Highlight:
    """Rendered rows of coloured tokens: ``_repr_html_()`` is the sanitizer-safe
    fragment, :meth:`html` the standalone page, :meth:`save` writes it."""

    def __init__(self, rows: Sequence[Row], scale: scales.Scale, *, title: str = "",
                 source: str = "") -> None:
        self.rows = list(rows)
        self.scale = scale
        self.title = title
        self.source = source

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def signed(self) -> bool:
        return self.scale.diverging

    def cells(self) -> list[Cell]:
        """Every coloured cell (gaps left out), row after row."""
        return [c for r in self.rows for c in r.cells if not c.gap]

    # ------------------------------------------------------------------ rendering
    def _title_of(self, cell: Cell) -> str:
        out = f"{cell.text}: {_fmt(cell.value, self.signed)}"
        if len(cell.parts) > 1:
            out += " (" + ", ".join(f"{t} {_fmt(v, self.signed)}" for t, v in cell.parts) + ")"
        return out

    def _cell_html(self, cell: Cell, r: int, c: int, rich: bool) -> str:
        if cell.gap:
            return H.text(cell.text)
        if math.isfinite(cell.value):
            k = self.scale.step(cell.value)
            colour = (f"background-color:{self.scale.colours[k]};"
                      f"color:{self.scale.text_colours[k]};")
        else:
            colour = "background-color:#ffffff;color:#000000;"
        extra = f' data-r="{r}" data-c="{c}"' if rich else ""
        return (f'<button type="button" class="lumos-hl-tok" title="{H.attr(self._title_of(cell))}"'
                f' style="{colour}{_CELL_STYLE}"{extra}><bdi>{H.text(cell.text)}</bdi></button>')

    def legend_html(self) -> str:
        s = self.scale
        swatches = []
        for k, colour in enumerate(s.colours):
            lo, hi = s.bounds(k)
            span = f"{_fmt(lo, s.diverging)} to {_fmt(hi, s.diverging)}"
            swatches.append(
                f'<span class="lumos-hl-step" title="{H.attr(span)}"'
                f' style="display:inline-block;width:9px;height:14px;'
                f'background-color:{colour};vertical-align:middle"></span>')
        kind = "diverging, 0 in the middle" if s.diverging else "sequential"
        what = f"{H.text(self.source)}: " if self.source else ""
        return (f'<div class="lumos-hl-legend" style="margin-bottom:10px;font-size:85%">'
                f'<span class="lumos-hl-legend-what">{what}{H.text(s.name)} ({kind})</span> '
                f'<span class="lumos-hl-min">{H.text(_fmt(s.lo, s.diverging))}</span> '
                + "".join(swatches)
                + f' <span class="lumos-hl-max">{H.text(_fmt(s.hi, s.diverging))}</span>'
                "</div>")

    def fragment(self, *, rich: bool = False) -> str:
        """The HTML of the title, the legend and every row (``rich``: with the data
        attributes the standalone page's tooltip script reads)."""
        parts = ['<div class="lumos-highlight" style="font-size:14px">']
        if self.title:
            parts.append(f'<div class="lumos-hl-title" style="font-weight:bold;'
                         f'margin-bottom:6px">{H.text(self.title)}</div>')
        parts.append(self.legend_html())
        for r, row in enumerate(self.rows):
            if row.label:
                parts.append(f'<div class="lumos-hl-label" style="{_LABEL_STYLE}">'
                             f'<bdi>{H.text(row.label)}</bdi></div>')
            cells = "".join(self._cell_html(cell, r, c, rich)
                            for c, cell in enumerate(row.cells))
            direction = base_direction("".join(c.text for c in row.cells))
            parts.append(f'<p class="lumos-hl-row" dir="{direction}" style="{_ROW_STYLE}">'
                         f'{cells}</p>')
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.fragment()

    def _block(self) -> str:
        """The fragment with data attributes, its tooltip element and the script that
        drives it, scoped to one container (several may share a notebook)."""
        details = [[[[t, None if not math.isfinite(v) else v] for t, v in cell.parts]
                    for cell in row.cells] for row in self.rows]
        data = H.script_json(details)
        uid = "lumos-hl-" + hashlib.blake2b(data.encode(), digest_size=6).hexdigest()
        return (f'<div id="{uid}" class="lumos-hl-root">\n{self.fragment(rich=True)}\n'
                f'<div class="lumos-hl-tip" role="tooltip" hidden style="{_TIP_STYLE}">'
                "</div>\n</div>\n"
                f"<script>{H.script_source(_TOOLTIP_JS)}\n"
                f"lumosHighlightTips(document.getElementById({H.script_json(uid)}), {data});"
                "</script>")

    def html(self) -> str:
        """The standalone page: the fragment plus hover/focus tooltips."""
        return H.page(title=self.title or "lumos highlighter", body=self._block(),
                      css=_PAGE_CSS)

    def interactive(self) -> Interactive:
        """For trusted notebook output: the fragment with the saved page's tooltips
        (an untrusted notebook strips the script and keeps the plain fragment)."""
        return Interactive(self._block())

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(self.html(), encoding="utf-8")
        return p


class Interactive:
    """HTML with a script, shown as is by a notebook that trusts its output."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


_PAGE_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; max-width: 60em; }
.lumos-hl-tok { font-family: inherit; }
.lumos-hl-tok:focus-visible { outline: 2px solid #1a1a1a; outline-offset: 1px; }
"""

_TIP_STYLE = ("position:fixed;z-index:1000;background:#1a1a1a;color:#ffffff;"
              "padding:6px 8px;border-radius:4px;font-size:13px;max-width:28em;"
              "pointer-events:none;white-space:pre-wrap")

_TOOLTIP_JS = r"""
function lumosHighlightTips(root, data) {
  const tip = root.querySelector('.lumos-hl-tip');
  function show(btn) {
    const parts = data[+btn.dataset.r][+btn.dataset.c] || [];
    tip.textContent = '';
    const head = document.createElement('div');
    head.textContent = btn.title;
    tip.appendChild(head);
    if (parts.length > 1) {
      const table = document.createElement('table');
      table.style.borderCollapse = 'collapse';
      for (const [tok, v] of parts) {
        const tr = table.insertRow();
        const a = tr.insertCell();
        a.textContent = tok;
        a.style.paddingRight = '6px';
        tr.insertCell().textContent = v === null ? 'no value' : String(+v.toPrecision(4));
      }
      tip.appendChild(table);
    }
    const r = btn.getBoundingClientRect();
    tip.style.left = r.left + 'px';
    tip.style.top = (r.bottom + 4) + 'px';
    tip.hidden = false;
  }
  function hide() { tip.hidden = true; }
  for (const btn of root.querySelectorAll('.lumos-hl-tok[data-r]')) {
    btn.addEventListener('mouseenter', () => show(btn));
    btn.addEventListener('mouseleave', hide);
    btn.addEventListener('focus', () => show(btn));
    btn.addEventListener('blur', hide);
  }
  root.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });
  window.addEventListener('scroll', hide, { passive: true });
}
"""


# ---------------------------------------------------------------------- building
def _cells(tokens: Sequence[str], values: Sequence[float], text: str | None, align: str,
           how: str) -> list[Cell]:
    if align == "token":
        cells = []
        for i, cell in enumerate(to_tokens(tokens, values)):
            if i:
                cells.append(Cell(" ", math.nan, gap=True))
            cells.append(cell)
        return cells
    if text is None:
        if align == "char":
            raise SpecError("align: 'char' needs the text the tokens came from (texts=)")
        return words_from_tokens(tokens, values, how=how)
    if align == "char":
        return to_chars(text, tokens, values)
    return to_words(text, tokens, values, how=how)


def _as_examples(data: Any, model: Any) -> list[dict[str, Any]]:
    if isinstance(data, str | Mapping):
        data = [data]
    field = next((n for n, fs in model.input_spec().items()
                  if isinstance(fs, TextSegment)), "text")
    return [dict(d) if isinstance(d, Mapping) else {field: str(d)} for d in data]


def highlight(
    data: Any,
    values: Any = None,
    *,
    model: Any = None,
    source: str | None = None,
    texts: Sequence[str | None] | None = None,
    align: str = "word",
    aggregate: str | None = None,
    scale: str = "auto",
    vmin: float | None = None,
    vmax: float | None = None,
    title: str = "",
    labels: Sequence[str] | None = None,
    engine: Any = None,
    use_cache: bool = True,
    progress: bool | str = False,
) -> Highlight:
    """Colour tokens by value.

    With ``model`` and ``source``: ``data`` is a text, a list of texts or of examples
    (dicts of the model's input fields); the values come from the engine
    (``lumos.visual.sources``; ``engine`` is a Workspace or Engine to cache in, default
    a throwaway in-memory one).

    Without a model: ``data`` is one token list with ``values`` one per token, a list of
    token lists with a list of value lists, or a list of salience results (dicts with
    ``tokens`` and ``salience``, as ``lumos.engine.interpret.explain`` returns under the
    method's field, or with ``values``). ``texts`` gives the text each token list came
    from, for word and character alignment by offsets; without it words are rebuilt from
    the sub-word markers.

    ``align``: ``word``, ``char`` or ``token``; ``aggregate``: how a word combines its
    tokens' values (``sum``, ``mean``, ``max``; default ``mean`` for activations,
    ``sum`` otherwise); ``scale``: ``auto``, ``sequential`` or ``diverging`` with
    ``vmin``/``vmax`` (default: from the values, over all rows together).
    """
    from lumos.visual.sources import TokenValues, compute, parse

    if align not in ALIGNS:
        raise SpecError(f"align: must be one of {', '.join(ALIGNS)}, got {align!r}")
    if aggregate is not None and aggregate not in AGGREGATES:
        raise SpecError(f"aggregate: must be one of {', '.join(AGGREGATES)}, got "
                        f"{aggregate!r}")
    row_labels: list[str]
    if model is not None:
        if source is None:
            raise SpecError("source: give a source with a model, e.g. "
                            "activation:layer=3,dim=17 or salience:integrated_gradients")
        src = parse(source)
        examples = _as_examples(data, model)
        items = compute(src, engine, model, examples, use_cache=use_cache, progress=progress)
        row_labels = [str(ex.get("id", i + 1)) for i, ex in enumerate(examples)]
        desc = src.describe()
    else:
        items = _given(data, values, texts)
        row_labels = [str(i + 1) for i in range(len(items))]
        desc = source or ""
    if labels is not None:
        if len(labels) != len(items):
            raise SpecError(f"labels: {len(labels)} given for {len(items)} rows")
        row_labels = [str(x) for x in labels]
    rows = []
    signed = False
    for label, item in zip(row_labels, items, strict=True):
        assert isinstance(item, TokenValues)
        how = aggregate or item.how
        vals = [float(v) for v in np.asarray(item.values, dtype=np.float64).reshape(-1)]
        if len(vals) != len(item.tokens):
            raise SpecError(f"values: row {label} has {len(vals)} values for "
                            f"{len(item.tokens)} tokens")
        rows.append(Row(label, _cells(item.tokens, vals, item.text, align, how)))
        signed = signed or item.signed
    every = [c.value for r in rows for c in r.cells if not c.gap]
    kind = scale
    if scale == "auto" and signed and any(v < 0 for v in every if math.isfinite(v)):
        kind = "diverging"
    try:
        chosen = scales.choose(every, kind=kind, vmin=vmin, vmax=vmax)
    except ValueError as e:
        raise SpecError(str(e)) from None
    return Highlight(rows, chosen, title=title, source=desc)


def _given(data: Any, values: Any, texts: Sequence[str | None] | None) -> list[Any]:
    from lumos.visual.sources import TokenValues

    if values is not None:
        if data and isinstance(data[0], str):
            data, values = [data], [values]
        token_lists = [[str(t) for t in toks] for toks in data]
        value_lists = [np.asarray(v, dtype=np.float64) for v in values]
        if len(token_lists) != len(value_lists):
            raise SpecError(f"values: {len(value_lists)} value lists for "
                            f"{len(token_lists)} token lists")
    else:
        if isinstance(data, Mapping):
            data = [data]
        token_lists, value_lists = [], []
        for i, d in enumerate(data):
            if not isinstance(d, Mapping) or "tokens" not in d or \
                    not ({"salience", "values"} & set(d)):
                raise SpecError(f"data: row {i + 1} is not a dict with 'tokens' and "
                                "'salience' (or 'values'); give values= for token lists")
            token_lists.append([str(t) for t in d["tokens"]])
            value_lists.append(np.asarray(d["salience"] if "salience" in d else d["values"],
                                          dtype=np.float64))
    if texts is not None and len(texts) != len(token_lists):
        raise SpecError(f"texts: {len(texts)} given for {len(token_lists)} rows")
    return [TokenValues(toks, vals, texts[i] if texts is not None else None,
                        bool((vals < 0).any()), "sum")
            for i, (toks, vals) in enumerate(zip(token_lists, value_lists, strict=True))]
