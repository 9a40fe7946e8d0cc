"""Self-contained HTML pages: escaping for each context and the page skeleton.

Every static file lumos writes (highlighter, embedding map, training curves) goes through
here, so that a token such as ``</script>`` or ``"onload=`` can never leave its context:

* :func:`text` for element content and :func:`attr` for a quoted attribute value
  (``html.escape`` with quotes);
* :func:`script_json` for data inlined in a ``<script>`` element: JSON with ``<``, ``>``,
  ``&`` and the line separators U+2028/U+2029 written as ``\\u`` escapes, so the HTML
  parser never sees ``</script>`` or ``<!--`` inside it;
* :func:`page` for one whole document with inline CSS and scripts and no external
  resource (it opens with the network off).
"""

from __future__ import annotations

import html as _html
import json
from collections.abc import Iterable
from typing import Any

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def text(value: object) -> str:
    """``value`` as element content."""
    return _html.escape(str(value), quote=False)


def attr(value: object) -> str:
    """``value`` inside a double- or single-quoted attribute."""
    return _html.escape(str(value), quote=True)


def script_json(value: Any) -> str:
    """``value`` as a JavaScript expression safe inside ``<script>…</script>``."""
    out = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, esc in _SCRIPT_ESCAPES.items():
        out = out.replace(ch, esc)
    return out


def script_source(source: str) -> str:
    """JavaScript source inlined in ``<script>``: refuses text the HTML parser would end
    the element on (a bundler's output never needs ``</script``)."""
    if "</script" in source.lower() or "<!--" in source:
        raise ValueError("inline script contains '</script' or '<!--'")
    return source


def page(*, title: str, body: str, css: str = "", scripts: Iterable[str] = (),
         lang: str = "en") -> str:
    """One complete document: ``body`` is already-escaped HTML; ``scripts`` are inline
    JavaScript sources (checked by :func:`script_source`)."""
    script_tags = "".join(f"<script>{script_source(s)}</script>\n" for s in scripts)
    return (
        "<!doctype html>\n"
        f'<html lang="{attr(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n"
        f"<style>{css}</style>\n</head>\n<body>\n{body}\n{script_tags}</body>\n</html>\n"
    )
