"""Cheap tokens of a torch module's weights, so in-place changes are noticed.

Hashing a model's weights takes a while (MiniLM: about 90 MB). The engine therefore
fingerprints a model once and afterwards only compares :func:`module_state_token`: every
parameter's and buffer's version counter (bumped by every in-place write: an optimiser
step, ``load_state_dict``, ``with torch.no_grad(): p.add_(...)``), its data pointer
(changed by ``p.data = ...``) and its shape and dtype. A change of any of them makes the
engine fingerprint the model again.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


def module_state_token(*modules: Any, extra: Hashable = None) -> Hashable:
    parts: list[Hashable] = [extra]
    for m in modules:
        for name, t in m.state_dict(keep_vars=True).items():
            parts.append((name, t._version, t.data_ptr(), tuple(t.shape), str(t.dtype)))
    return tuple(parts)


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A hash of everything a Hugging Face tokenizer turns text into ids with: the fast
    tokenizer's whole JSON (vocabulary, merges, normaliser, pre-tokeniser,
    post-processor; not the truncation and padding that each call sets) or a slow
    tokenizer's vocabulary, plus the special tokens and the padding and truncation
    settings."""
    import hashlib

    h = hashlib.blake2b(digest_size=10)
    h.update(type(tokenizer).__qualname__.encode())
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        import json

        config = json.loads(backend.to_str())
        # set per call by tokenizer(..., truncation=, padding=): not the tokenizer's identity
        config.pop("truncation", None)
        config.pop("padding", None)
        h.update(json.dumps(config, sort_keys=True).encode())
    else:
        vocab = tokenizer.get_vocab()
        h.update(repr(sorted(vocab.items())).encode())
    h.update(repr(sorted((k, str(v)) for k, v in tokenizer.special_tokens_map.items()))
             .encode())
    h.update(repr((len(tokenizer), getattr(tokenizer, "padding_side", None),
                   getattr(tokenizer, "truncation_side", None),
                   getattr(tokenizer, "model_max_length", None))).encode())
    return h.hexdigest()


def tokenizer_state_token(tokenizer: Any) -> Hashable:
    """The tokenizer object itself (held, so its address cannot be reused) and its size
    (tokens added in place change it)."""
    return (tokenizer, len(tokenizer))
