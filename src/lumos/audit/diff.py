"""Token-level diffs of a counterfactual against its original, for the reports."""

from __future__ import annotations

from typing import Any

from lumos.engine.counterfactual_rows import span_changes


def token_ops(old: str, new: str) -> list[tuple[str, str]]:
    """``[(op, text)]`` with op ``=`` (kept), ``-`` (removed) or ``+`` (added): the
    engine's token-level changes (:func:`~lumos.engine.counterfactual_rows.span_changes`)
    with the kept text between them."""
    old, new = old or "", new or ""
    out: list[tuple[str, str]] = []
    pos = 0
    for ch in span_changes("", old, new):
        if ch.start > pos:
            out.append(("=", old[pos:ch.start]))
        if ch.old:
            out.append(("-", ch.old))
        if ch.new:
            out.append(("+", ch.new))
        pos = ch.end
    if pos < len(old):
        out.append(("=", old[pos:]))
    return out


def inline(old: str, new: str) -> str:
    """A one-line diff: ``I [-love-]{+hate+} it``."""
    parts = []
    for op, text in token_ops(old, new):
        parts.append(text if op == "=" else f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return "".join(parts)


def example_line(ex: dict[str, Any]) -> str:
    """One example of a check as a line of text: a counterfactual's diff and prediction
    change, or a misclassified row's text, gold and prediction."""
    if "expect" in ex and "original" not in ex:  # a template's row of its own (MFT)
        text = " ".join(str(v) for v in (ex.get("counterfactual") or {}).values())
        return f"{text}  [expected {ex['expect'].get('label')}, predicted {ex.get('label')}]"
    if "original" in ex and "counterfactual" in ex:
        diffs = "; ".join(inline(str(ex["original"].get(f) or ""),
                                 str(ex["counterfactual"].get(f) or ""))
                          for f in ex["original"])
        pred = f"{ex.get('parent_label')} -> {ex.get('label')}"
        delta = ex.get("score_delta")
        shown = f" (score {delta:+.3f})" if isinstance(delta, float) else ""
        return f"{diffs}  [{pred}{shown}]"
    text = next((str(v) for k, v in ex.items() if isinstance(v, str) and k == "text"),
                None) or next((str(v) for v in ex.values() if isinstance(v, str)), "")
    gold = next((v for k, v in ex.items() if k == "label"), None)
    pred = next((v for k, v in ex.items() if k.endswith(":label")), None)
    return f"{text}  [gold {gold}, predicted {pred}]"


__all__ = ["example_line", "inline", "token_ops"]
