"""HotFlip: minimal sets of word-piece swaps, chosen by gradients, that flip a classifier.

For models that give token gradients (a ``TokenGradients`` output aligned to ``Tokens``)
and expose their input embedding table and tokenizer (the Hugging Face classifier
adapter: ``embedding_layer()``, ``tokenizer``, ``max_length``). Per example:

1. one engine call gives every example's class probabilities, tokens and the gradient
   of the predicted class's probability with respect to each token's input embedding;
2. for each word piece, the first-order estimate of that probability's change when the
   piece becomes vocabulary entry *v* is ``(E[v] - E[piece]) . grad``; the best *v* is
   kept, among entries of the same kind (a word start for a word start, a ``##``
   continuation for a continuation, letters only, no special tokens); by default only
   words that are a single piece are swapped (``whole_words``), so no half-word is
   glued to a new piece;
3. sets of 1 to ``max_flips`` positions (default 3) are tried, ranked by the re-predicted
   drop of single swaps, skipping sets that hold a smaller flip (every set reported is
   minimal), at most ``budget`` candidates per example (status ``budget_exhausted``).

The text is written as a reader writes it: the swapped piece replaces its own character
span in the original text (case kept, ``##`` dropped), so the rest of the text is
untouched; word pieces do not always round-trip, so **every candidate is re-predicted
from its text** through the engine, and only re-predicted flips count. ``notes`` report
``round_trip_lost`` and ``round_trip_lost_share``: the candidates whose text does not
tokenise back to the swapped pieces (the gradient's swap is lost in the text; the
prediction counted is still the text's own); each flip says so in
``meta["round_trip"]``. Texts longer than the model's ``max_length`` tokens are
truncated for the gradients: only positions the model saw are swapped, and the status
is ``truncated`` with ``notes["tokens_total"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, ClassVar

import numpy as np

from lumos.api import types as T
from lumos.api.component import Generated, Generator
from lumos.api.context import RunContext
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.generators._search import (
    TextRow,
    counterfactual,
    engine_scorer,
    probas_field,
)
from lumos.components.generators.ablation_flips import minimal_flip_search
from lumos.components.generators.base import Edit, apply_edits, match_case, parent_key
from lumos.store import keys


@dataclass(frozen=True, kw_only=True)
class HotFlipConfig:
    field: str = dc_field(default="", metadata={
        "help": "the text field to edit; empty: the model's text field"})
    max_flips: int = dc_field(default=3, metadata={
        "help": "largest number of word pieces swapped together"})
    whole_words: bool = dc_field(default=True, metadata={
        "help": "swap only words that are one word piece (no made-up words from half a "
                "word); off: any piece, as in the HotFlip paper"})
    budget: int = dc_field(default=300, metadata={
        "help": "candidates predicted per example at most; beyond it the example's "
                "status is budget_exhausted"})

    def __post_init__(self) -> None:
        if self.max_flips < 1:
            raise ValueError(f"'max_flips' must be >= 1, got {self.max_flips}")
        if self.budget < 1:
            raise ValueError(f"'budget' must be >= 1, got {self.budget}")


def _grad_field(model: Model) -> str | None:
    for name, fs in model.output_spec().items():
        if isinstance(fs, T.TokenGradients):
            return name
    return None


@dataclass(frozen=True)
class Piece:
    """One swappable word piece: its token position, character span and best swap."""

    position: int
    start: int
    end: int
    old: str
    new: str
    estimate: float


class Vocabulary:
    """The tokenizer's entries split by kind, with their surface strings."""

    def __init__(self, tokenizer: Any, table: np.ndarray) -> None:
        size = table.shape[0]
        toks = tokenizer.convert_ids_to_tokens(list(range(size)))
        special = set(getattr(tokenizer, "all_special_ids", []) or [])
        self.table = table
        self.tokens = toks
        self.start_ok = np.zeros(size, dtype=bool)
        self.cont_ok = np.zeros(size, dtype=bool)
        self.surface: list[str] = []
        for i, t in enumerate(toks):
            t = t or ""
            if t.startswith("##"):
                body, cont = t[2:], True
            elif t[:1] in ("\u2581", "\u0120"):  # SentencePiece / byte-level BPE word start
                body, cont = t[1:], False
            else:
                body, cont = t, False
            self.surface.append(body)
            if i in special or t.startswith("[") or not body.isalpha():
                continue
            (self.cont_ok if cont else self.start_ok)[i] = True


def vocabulary_of(model: Any) -> Vocabulary:
    cached = getattr(model, "_lumos_hotflip_vocab", None)
    table = model.embedding_layer().weight.detach().float().cpu().numpy()
    if cached is not None and cached.table.shape == table.shape and np.array_equal(
            cached.table[:8], table[:8]):
        cached.table = table
        return cached
    vocab = Vocabulary(model.tokenizer, table)
    try:
        model._lumos_hotflip_vocab = vocab
    except AttributeError:
        pass
    return vocab


def best_pieces(text: str, ids: Sequence[int], offsets: Sequence[tuple[int, int]],
                grad: np.ndarray, vocab: Vocabulary, *, whole_words: bool = True
                ) -> list[Piece]:
    """The best swap of each swappable piece (estimated drop of the class probability);
    with ``whole_words``, only pieces that are a whole word."""
    out = []
    for pos, (tid, (s, e)) in enumerate(zip(ids, offsets, strict=True)):
        if e <= s or pos >= grad.shape[0]:
            continue  # special tokens have empty spans
        tok = vocab.tokens[tid] or ""
        cont = tok.startswith("##")
        if whole_words:
            nxt = vocab.tokens[ids[pos + 1]] if pos + 1 < len(ids) else ""
            if cont or (nxt or "").startswith("##"):
                continue
        ok = vocab.cont_ok if cont else vocab.start_ok
        if not ok[tid]:
            continue  # punctuation, digits, special: left alone
        g = grad[pos]
        est = (vocab.table - vocab.table[tid]) @ g
        est = np.where(ok, est, np.inf)
        est[tid] = np.inf
        v = int(np.argmin(est))
        if not np.isfinite(est[v]):
            continue
        old = text[s:e]
        new = match_case(old, vocab.surface[v])
        if new == old:
            continue
        out.append(Piece(position=pos, start=s, end=e, old=old, new=new,
                         estimate=float(est[v])))
    return out


@register("hotflip", display_name="HotFlip")
class HotFlip(Generator):
    """Gradient-chosen word-piece swaps, re-predicted from their text (see the module)."""

    version = "1"
    Config: ClassVar[type[Any]] = HotFlipConfig
    tasks: ClassVar[frozenset[str]] = frozenset({"classification"})
    needs_model: ClassVar[bool] = True

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return (super().is_compatible(model, dataset_spec) and model is not None
                and _grad_field(model) is not None
                and hasattr(model, "embedding_layer") and hasattr(model, "tokenizer")
                and not getattr(model, "text_b_field", None))

    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        model = context.model
        pf = probas_field(model, self.id)
        assert model is not None
        if not self.is_compatible(model, context.dataset_spec or {}):
            raise SpecError("hotflip: the model must give token gradients and expose its "
                            "embedding table and tokenizer (a Hugging Face classifier on "
                            "one text); use ablation_flips or greedy_attack for others")
        gf = _grad_field(model)
        assert gf is not None
        tf = config.field or getattr(model, "text_field", "text")
        for ex in examples:
            if tf not in ex:
                raise SpecError(f"hotflip: config option 'field' names '{tf}', which the "
                                f"rows lack (fields: {sorted(ex)})")
        rows = [TextRow.of(ex, parent_key(ex, context.dataset_spec), tf) for ex in examples]
        live = [r for r in rows if r.text.strip()]
        outs = context.predict(model, [r.example for r in live], fields=[pf, gf],
                               transient=True) if live else []
        got = {id(r): o for r, o in zip(live, outs, strict=True)}
        vocab = vocabulary_of(model)
        max_len = int(getattr(model, "max_length", 512))
        pieces: dict[int, list[Piece]] = {}
        total: dict[int, int] = {}
        for r in live:
            enc = model.tokenize(r.text, truncation=True, max_length=max_len,
                                 return_offsets_mapping=True)
            full = model.tokenize(r.text, truncation=False)["input_ids"]
            total[id(r)] = len(full)
            pieces[id(r)] = best_pieces(r.text, enc["input_ids"], enc["offset_mapping"],
                                        np.asarray(got[id(r)][gf], dtype=float), vocab,
                                        whole_words=config.whole_words)

        tried: dict[int, list[tuple[Sequence[int], str]]] = {}

        def text_for(row: TextRow, combo: Sequence[int]) -> str:
            ps = pieces[id(row)]
            new, _ = apply_edits(row.text, [Edit(ps[i].start, ps[i].end, ps[i].new)
                                            for i in combo], row.field)
            tried.setdefault(id(row), []).append((combo, new))
            return new

        units = [list(range(len(pieces.get(id(r), [])))) for r in rows]
        originals = [np.asarray(got[id(r)][pf]) if id(r) in got else np.zeros(1)
                     for r in rows]
        results = minimal_flip_search(rows, engine_scorer(context, model, pf),
                                      units=units, text_for=text_for,
                                      max_set_size=config.max_flips, budget=config.budget,
                                      originals=originals,
                                      empty_reason="no word piece to swap")
        labels = tuple(model.output_spec()[pf].vocab or ())
        chash = keys.config_hash(config)
        out = []
        for r, res in zip(rows, results, strict=True):
            ps = pieces.get(id(r), [])
            cfs = []
            for combo, p in res.flips:
                edits = [Edit(ps[i].start, ps[i].end, ps[i].new) for i in combo]
                cf, new_text = counterfactual(
                    r, edits, generator=self.id, version=self.version, config_hash=chash,
                    meta={"swaps": [{"old": ps[i].old, "new": ps[i].new,
                                     "position": ps[i].position,
                                     "estimate": ps[i].estimate} for i in combo],
                          "set_size": len(combo),
                          "label_before": _label(labels, res.label),
                          "label_after": _label(labels, int(np.argmax(p)))})
                cf.meta["round_trip"] = _round_trips(model, r.text, new_text, combo, ps,
                                                     max_len)
                cfs.append(cf)
            cands = tried.get(id(r), [])
            lost = sum(not _round_trips(model, r.text, t, c, ps, max_len) for c, t in cands)
            notes: dict[str, Any] = {"candidates": res.tried, "round_trip_lost": lost,
                                     "round_trip_lost_share": lost / len(cands) if cands
                                     else 0.0}
            if res.reason:
                notes["reason"] = res.reason
            status = res.status
            n_tok = total.get(id(r), 0)
            if n_tok > max_len:
                if status == "budget_exhausted":
                    notes["budget_exhausted"] = True
                notes["tokens_total"] = n_tok
                notes["truncated_to"] = max_len
                status = "truncated"
            if not r.text.strip():
                status, notes["reason"] = "no_change", "empty text"
            out.append(Generated(parent=r.parent, counterfactuals=cfs, status=status,
                                 notes=notes))
        return out


def _round_trips(model: Any, old: str, new: str, combo: Sequence[int],
                 pieces: Sequence[Piece], max_len: int) -> bool:
    """Whether ``new`` tokenises to the old pieces with exactly the chosen swaps."""
    a = model.tokenize(old, truncation=True, max_length=max_len)["input_ids"]
    b = model.tokenize(new, truncation=True, max_length=max_len)["input_ids"]
    if len(a) != len(b):
        return False
    swapped = {pieces[i].position for i in combo}
    return all((x == y) != (j in swapped) for j, (x, y) in enumerate(zip(a, b, strict=True)))


def _label(labels: Sequence[str], i: int) -> str:
    return labels[i] if 0 <= i < len(labels) else str(i)
