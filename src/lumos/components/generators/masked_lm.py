"""Masked-LM substitution: each word masked in turn, filled by a masked language model.

The masked LM is the user's: ``mlm`` is a directory (or name) that
``AutoModelForMaskedLM.from_pretrained`` and ``AutoTokenizer.from_pretrained`` read
(BERT, RoBERTa, DistilBERT, ...). **No masked LM with its head ships offline with
lumos**: the MiniLM encoder in the demos has none; the tests build a tiny random
``BertForMaskedLM`` from a config. Nothing is downloaded (``HF_HUB_OFFLINE`` is set while
loading unless the caller set it).

For each word (in text order) the word is replaced by the tokenizer's mask token, in a
window of ``window`` words either side (so long texts never exceed the LM's length);
the ``top_k`` likeliest whole-word entries at the mask (letters only, not the word
itself, cased like it) each give one counterfactual. A text's masks are filled in
batches of ``batch_size`` per forward pass; the base stops after ``budget`` candidates
per example (status ``budget_exhausted``). No model of the user's classifier is needed:
the engine's runner predicts the rows afterwards.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np

from lumos.api.context import RunContext
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.generators.base import (
    Candidate,
    Edit,
    EditGenerator,
    GeneratorConfig,
    match_case,
    words,
)


@dataclass(frozen=True, kw_only=True)
class MaskedLMConfig(GeneratorConfig):
    mlm: str = dc_field(default="", metadata={
        "help": "directory (or cached name) of a masked language model with its head "
                "(AutoModelForMaskedLM); none ships offline"})
    top_k: int = dc_field(default=5, metadata={"help": "substitutes tried per word"})
    window: int = dc_field(default=30, metadata={
        "help": "words of context either side of the masked word"})
    batch_size: int = dc_field(default=32, metadata={"help": "masks per forward pass"})

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("top_k", "window", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"'{name}' must be >= 1, got {getattr(self, name)}")


@dataclass
class LoadedMLM:
    model: Any
    tokenizer: Any
    whole_word: list[bool]
    surface: list[str]


@functools.lru_cache(maxsize=2)
def load_mlm(path: str) -> LoadedMLM:
    """The masked LM at ``path`` and which vocabulary entries are whole words."""
    if not path:
        raise SpecError("masked_lm: config option 'mlm' is empty; give the directory of a "
                        "masked language model with its head (none ships offline)")
    try:
        from transformers import AutoModelForMaskedLM, AutoTokenizer
    except ModuleNotFoundError:
        raise SpecError("masked_lm needs transformers: pip install 'lumos[torch]'") from None
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = old or "1"
    try:
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForMaskedLM.from_pretrained(path).eval()
    except (OSError, ValueError) as e:
        raise SpecError(f"masked_lm: config option 'mlm' = {path!r} is not a masked "
                        f"language model that loads offline ({e}); give a local directory "
                        "holding config.json, the weights and the tokenizer") from None
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
    if tok.mask_token_id is None:
        raise SpecError(f"masked_lm: the tokenizer at {path!r} has no mask token")
    toks = tok.convert_ids_to_tokens(list(range(len(tok))))
    special = set(tok.all_special_ids)
    whole, surface = [], []
    for i, t in enumerate(toks):
        t = t or ""
        body = t[1:] if t[:1] in ("\u2581", "\u0120") else t
        surface.append(body)
        whole.append(i not in special and not t.startswith("##") and not t.startswith("[")
                     and body.isalpha())
    return LoadedMLM(model=model, tokenizer=tok, whole_word=whole, surface=surface)


@register("masked_lm", display_name="Masked-LM substitution")
class MaskedLMSubstitution(EditGenerator):
    """Each word masked and filled by the user's masked LM (see the module)."""

    version = "1"
    Config = MaskedLMConfig
    tasks = frozenset({"classification", "regression", "generation"})

    def prepare(self, config: Any) -> Any:
        return load_mlm(config.mlm)

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]) -> Iterator[Candidate]:
        import torch

        mlm: LoadedMLM = prepared
        ws = words(text)
        mask = mlm.tokenizer.mask_token
        for start in range(0, len(ws), config.batch_size):
            context.check_cancelled()
            chunk = list(range(start, min(start + config.batch_size, len(ws))))
            windows = []
            for i in chunk:
                lo = ws[max(0, i - config.window)].start
                hi = ws[min(len(ws) - 1, i + config.window)].end
                windows.append(text[lo:ws[i].start] + mask + text[ws[i].end:hi])
            enc = mlm.tokenizer(windows, padding=True, truncation=True, return_tensors="pt")
            with torch.inference_mode():
                logits = mlm.model(**enc).logits
            notes["forward_passes"] = notes.get("forward_passes", 0) + 1
            is_mask = enc["input_ids"] == mlm.tokenizer.mask_token_id
            allowed = np.zeros(logits.shape[-1], dtype=bool)
            allowed[:len(mlm.whole_word)] = mlm.whole_word[:logits.shape[-1]]
            for row, i in enumerate(chunk):
                where = is_mask[row].nonzero()
                if len(where) == 0:
                    notes["mask_truncated"] = notes.get("mask_truncated", 0) + 1
                    continue
                scores = logits[row, int(where[0])].float().cpu().numpy().copy()
                scores[~allowed] = -np.inf
                order = np.argsort(-scores, kind="stable").tolist()
                word = ws[i].text
                taken = 0
                for v in order:
                    if taken >= config.top_k or not np.isfinite(scores[v]):
                        break
                    sub = mlm.surface[v]
                    if sub.lower() == word.lower():
                        continue
                    taken += 1
                    yield Candidate(edits=(Edit(ws[i].start, ws[i].end,
                                                match_case(word, sub)),),
                                    meta={"word": word, "substitute": sub, "position": i,
                                          "rank": taken})
