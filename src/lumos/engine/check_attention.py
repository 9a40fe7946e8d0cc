"""Attention checks: the share of attention on given words, or a head's entropy.

For each checked row the model's attention ``[layers, heads, T, T]`` and tokens are
read; a token matches a word when, lower-cased and without sub-word marks (``##``,
``Ġ``, ``▁``), it equals one of the words (lower-cased). Per row:

- ``share``: the attention the first token (``[CLS]``, the query a classifier pools)
  gives the matching tokens, per layer and head, or of the attention rollout (Abnar &
  Zuidema, 2020; ``lumos.components.salience.attention_rollout``) with ``rollout: true``;
  rows without a matching token are left out (the check's count is the rows that have
  one);
- ``entropy``: a head's attention entropy in nats, averaged over query positions.

The check's value is the mean over rows with a seeded BCa bootstrap interval. Without
``layer``/``head`` every layer × head is a slice of its own (``L0H3``); ``layer`` alone
gives that layer's heads. The per-row numbers are cached in the store under a key of the
model's fingerprint, the check's words and this module's version, so a second run
reads them without calling the model (the attention itself is kept in memory only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.components.salience.attention_rollout import rollout
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.counterfactual_stats import bootstrap_mean
from lumos.engine.derived import derived_outputs
from lumos.engine.workspace import Workspace
from lumos.store import keys

VERSION = "1"
_MARKS = ("##", "Ġ", "▁")


def _norm(token: str) -> str:
    t = token
    for m in _MARKS:
        t = t.replace(m, "")
    return t.strip().lower()


def row_statistics(attention: Any, tokens: Sequence[str], words: Sequence[str]
                   ) -> dict[str, Any]:
    """``share`` ``[L][H]`` and ``rollout`` (None without a matching token) and
    ``entropy`` ``[L][H]`` of one row."""
    a = np.asarray(attention, dtype=np.float64)
    want = {w.lower() for w in words}
    n = a.shape[-1]
    mask = np.array([_norm(t) in want for t in list(tokens)[:n]] + [False] *
                    max(0, n - len(tokens)))
    p = np.clip(a, 1e-12, 1.0)
    entropy = (-(p * np.log(p)).sum(-1)).mean(-1)
    out: dict[str, Any] = {"entropy": entropy.tolist(), "matches": int(mask.sum())}
    if mask.any():
        out["share"] = a[:, :, 0, :][:, :, mask].sum(-1).tolist()
        out["rollout"] = float(rollout(a)[0, mask].sum())
    else:
        out["share"] = None
        out["rollout"] = None
    return out


def _fields(model: Any, name: str) -> tuple[str, str]:
    spec = model.output_spec()
    att = [n for n, f in spec.items() if isinstance(f, T.AttentionHeads)
           and getattr(f, "kind", "encoder") != "cross"]
    if not att:
        raise CheckSpecError("model", f"attention checks read attention weights; model "
                             f"'{name}' gives none (outputs: {', '.join(sorted(spec))})")
    fs = spec[att[0]]
    tok = getattr(fs, "align_in", None)
    if not tok or tok not in spec:
        raise CheckSpecError("model", f"model '{name}' gives no tokens aligned with its "
                             f"attention '{att[0]}'")
    return att[0], tok


def per_row(workspace: Workspace, model: str, examples: Sequence[Mapping[str, Any]],
            words: Sequence[str]) -> list[dict[str, Any]]:
    """:func:`row_statistics` of each example, from the store when cached."""
    engine = workspace.engine
    mdl = workspace.model(model)
    att, tok = _fields(mdl, model)
    key = keys.content_key(engine.fingerprint(mdl), "audit-attention", VERSION, att,
                           sorted(w.lower() for w in words))

    def compute(batch: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        outs = engine.predict(mdl, batch, fields=[att, tok], model_name=model,
                              persist=False)
        return [{"stats": row_statistics(out[att], [str(t) for t in out[tok]], words)}
                for out in outs]

    return [r["stats"] for r in derived_outputs(
        engine, mdl, examples, key, ("stats",), compute, name="attention statistics",
        batch_size=max(1, len(examples)))]


def attention_results(workspace: Workspace, model: str, dataset: str,
                      check: Mapping[str, Any], indices: Sequence[int] | None = None, *,
                      seed: int = 0, confidence: float = 0.95) -> list[CheckResult]:
    ds = workspace.dataset(dataset)
    idx = list(range(len(ds))) if indices is None else list(indices)
    examples = ds.examples(idx)
    words = [str(w) for w in check.get("words") or []]
    statistic = str(check.get("statistic", "share"))
    stats = per_row(workspace, model, examples, words)
    if not stats:
        return [result(check, model=model, dataset=dataset, slice="overall",
                       statistic=statistic, value=None, insufficient="no rows")]
    n_layers = len(stats[0]["entropy"])
    n_heads = len(stats[0]["entropy"][0]) if n_layers else 0
    layer, head = check.get("layer"), check.get("head")
    for what, v, n in (("layer", layer, n_layers), ("head", head, n_heads)):
        if v is not None and not 0 <= int(v) < n:
            raise CheckSpecError(what, f"{what} {v} is out of range (the model has {n})")
    if statistic == "share" and check.get("rollout"):
        cells: list[tuple[str, int | None, int | None]] = [("rollout", None, None)]
    else:
        layers = [int(layer)] if layer is not None else list(range(n_layers))
        heads = [int(head)] if head is not None else list(range(n_heads))
        cells = [(f"L{la}H{h}", la, h) for la in layers for h in heads]
    texts = [{k: v for k, v in ex.items() if isinstance(v, str) and not k.startswith("_")}
             for ex in examples]
    limit = int(check.get("examples", 20))
    out = []
    for label, la, h in cells:
        vals, rows = [], []
        for n, st in enumerate(stats):
            if statistic == "entropy":
                v = st["entropy"][la][h] if la is not None and h is not None else None
            elif la is None:
                v = st["rollout"]
            else:
                v = st["share"][la][h] if st["share"] is not None else None
            if v is not None:
                vals.append(float(v))
                rows.append(n)
        iv = bootstrap_mean(vals, seed=seed, confidence=confidence)
        order = sorted(range(len(vals)), key=lambda k: -vals[k] if check.get("at_most")
                       is not None else vals[k])[:limit]
        exs = [{"row": int(idx[rows[k]]), f"attention_{statistic}": vals[k],
                **texts[rows[k]]}
               for k in order]
        why = None if vals else ("no checked row holds any of the words "
                                 + ", ".join(words) if statistic == "share" else "no rows")
        out.append(result(check, model=model, dataset=dataset,
                          slice="overall" if len(cells) == 1 else label,
                          statistic=f"attention_{statistic}", value=iv.estimate,
                          low=iv.low, high=iv.high, count=len(vals), insufficient=why,
                          examples=exs, details={"cell": label, "words": words}))
    return out


__all__ = ["VERSION", "attention_results", "per_row", "row_statistics"]
