"""A plain PyTorch ``nn.Module`` text classifier.

The module maps token ids ``[B, T]`` (and, if its ``forward`` takes a second argument,
an attention mask ``[B, T]``) to class logits ``[B, C]``. The user gives the vocabulary
(a list or a token -> id mapping; id 0 pads) and optionally a ``tokenize`` function
(default: lower-cased words and punctuation). A ``.pt`` file written by
:func:`save_torch_classifier` holds module, vocabulary and labels together; it is
unpickled on load, so only load files you trust.

Gradients: the adapter finds the module's ``nn.Embedding`` (or ``embedding_attr``) and
looks up the embeddings; a module whose ``forward`` takes an ``inputs_embeds`` keyword
(used instead of the embedding of the ids, as ``torch_nets.MeanEmbeddingClassifier``
does) gets them passed explicitly, so several threads can run gradient methods on it at
once. Any other module still works: the embeddings are substituted by a forward hook on
the embedding layer, which the whole module shares, so the adapter then declares its
gradient field exclusive and the engine runs one such call at a time
(``Model.concurrent_fields``).
"""

from __future__ import annotations

import hashlib
import inspect
import os
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import BatchPool, EmbeddedBatch, Model
from lumos.api.registry import register
from lumos.models.hf.base import ModelLoadError, gradient_wrt_embeddings, want
from lumos.models.keras import tokenize as default_tokenize
from lumos.models.torch_state import module_state_token
from lumos.models.torch_threads import cpu_batch_pool


def save_torch_classifier(module: Any, path: str | os.PathLike[str], *,
                          vocab: Sequence[str], labels: Sequence[str],
                          max_len: int = 128) -> Path:
    import torch

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"module": module, "vocab": list(vocab), "labels": list(labels),
                "max_len": max_len}, p)
    return p


@register("torch_module", kind="model")
class TorchModuleClassifier(Model):
    """A PyTorch nn.Module text classifier (token ids -> class logits)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, module: Any = None,
                 vocab: Sequence[str] | Mapping[str, int] | None = None,
                 labels: Sequence[str] | None = None,
                 tokenize: Callable[[str], list[str]] | None = None,
                 embedding_attr: str | None = None, unk_token: str = "[UNK]",
                 max_len: int = 128, text_field: str = "text", label_field: str = "label",
                 batch_size: int = 64) -> None:
        import torch

        self.source = str(path) if path is not None else "<in-memory>"
        if module is None:
            if path is None:
                raise ModelLoadError("give a .pt file, or module= with vocab= and labels=")
            p = Path(path).expanduser()
            if not p.is_file():
                raise ModelLoadError(f"{p}: no such PyTorch model file")
            try:
                saved = torch.load(p, map_location="cpu", weights_only=False)
                module = saved["module"]
            except Exception as e:  # unpickling raises anything
                raise ModelLoadError(f"{p}: cannot load a saved classifier "
                                     f"({type(e).__name__}: {e})") from None
            vocab = vocab if vocab is not None else saved.get("vocab")
            labels = labels if labels is not None else saved.get("labels")
            max_len = int(saved.get("max_len", max_len))
        if vocab is None or labels is None:
            raise ModelLoadError(f"{self.source}: vocab and labels are required")
        self.module = module.eval()
        self.vocab = dict(vocab) if isinstance(vocab, Mapping) else \
            {w: i for i, w in enumerate(vocab)}
        self.unk_id = self.vocab.get(unk_token, 1)
        self.labels = tuple(str(x) for x in labels)
        self.tokenize = tokenize or default_tokenize
        self.max_len = max_len
        self.text_field = text_field
        self.label_field = label_field
        self.max_batch_size = batch_size
        self._embedding = self._find_embedding(embedding_attr)
        params = [p for p in inspect.signature(self.module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.name != "inputs_embeds"]
        self._takes_mask = len(params) >= 2
        self._takes_embeds = "inputs_embeds" in \
            inspect.signature(self.module.forward).parameters

    def _find_embedding(self, attr: str | None) -> Any:
        import torch

        if attr:
            layer = self.module.get_submodule(attr)
        else:
            layer = next((m for m in self.module.modules()
                          if isinstance(m, torch.nn.Embedding)), None)
        if layer is None:
            raise ModelLoadError(f"{self.source}: the module has no nn.Embedding; pass "
                                 "embedding_attr=")
        return layer

    # --- specs
    def input_spec(self) -> T.Spec:
        return {self.text_field: T.TextSegment(),
                self.label_field: T.CategoryLabel(vocab=self.labels, required=False),
                "grad_target": T.CategoryLabel(vocab=self.labels, required=False)}

    def output_spec(self) -> T.Spec:
        return {"probas": T.MulticlassPreds(vocab=self.labels, parent=self.label_field),
                "tokens": T.Tokens(parent=self.text_field),
                "token_grad": T.TokenGradients(align="tokens", grad_for="probas",
                                               target="grad_target")}

    # --- encoding
    def _encode(self, inputs: Sequence[Mapping[str, Any]]) -> tuple[Any, Any, list[list[str]]]:
        import torch

        toks = [(self.tokenize(str(ex[self.text_field])) or ["[UNK]"])[:self.max_len]
                for ex in inputs]
        width = max(len(t) for t in toks)
        ids = torch.zeros((len(toks), width), dtype=torch.long)
        for i, ts in enumerate(toks):
            ids[i, :len(ts)] = torch.tensor([self.vocab.get(t, self.unk_id) for t in ts])
        mask = (torch.arange(width)[None, :] < torch.tensor([len(t) for t in toks])[:, None])
        return ids, mask.long(), toks

    def _call(self, ids: Any, mask: Any) -> Any:
        return self.module(ids, mask) if self._takes_mask else self.module(ids)

    def concurrent_fields(self) -> frozenset[str]:
        """Every field when the module takes ``inputs_embeds``; else only ``tokens``
        (``probas`` is the gradient field, whose path then needs the shared hook)."""
        if self._takes_embeds:
            return frozenset(self.output_spec())
        return frozenset({"tokens"})

    def batch_pool(self) -> BatchPool | None:
        return cpu_batch_pool(self.module)

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return ["probas"]

    def embedding_layer(self) -> Any:
        return self._embedding

    def special_token_ids(self) -> Mapping[str, int]:
        return {"pad": 0, "unk": self.unk_id}

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        import torch

        ids, mask, toks = self._encode(inputs)
        with torch.no_grad():
            emb = self._embedding(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids,
                             forward_kwargs={"input_ids": ids, "attention_mask": mask},
                             tokens=toks, special=mask == 0)

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        """Class probabilities ``[B, C]`` with ``inputs_embeds`` in place of the embedding
        layer's output: passed to the module's ``forward`` when it takes them, else put
        there by a forward hook for this call (exclusive: see ``concurrent_fields``)."""
        ids, mask = forward_kwargs["input_ids"], forward_kwargs["attention_mask"]
        if self._takes_embeds:
            logits = (self.module(ids, mask, inputs_embeds=inputs_embeds) if self._takes_mask
                      else self.module(ids, inputs_embeds=inputs_embeds))
            return logits.softmax(-1)
        handle = self._embedding.register_forward_hook(lambda mod, args, out: inputs_embeds)
        try:
            logits = self._call(ids, mask)
        finally:
            handle.remove()
        return logits.softmax(-1)

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        import torch

        wanted = want(fields, self.default_fields())
        ids, mask, toks = self._encode(inputs)
        with torch.inference_mode():
            probs = self._call(ids, mask).float().softmax(-1).cpu().numpy()
        grads = None
        if "token_grad" in wanted:
            targets = [self.labels.index(ex["grad_target"])
                       if ex.get("grad_target") in self.labels else int(np.argmax(probs[i]))
                       for i, ex in enumerate(inputs)]
            grads = gradient_wrt_embeddings(
                self.embed(inputs), lambda e, **kw: self.forward_from_embeds(None, e, **kw),
                targets)
        out = []
        for i, ts in enumerate(toks):
            r: dict[str, Any] = {"probas": probs[i], "tokens": ts}
            if grads is not None:
                r["token_grad"] = grads[i, :len(ts)]
            out.append(r)
        return out

    def fingerprint(self) -> str:
        """Weights, the whole vocabulary and the settings."""
        h = hashlib.blake2b(digest_size=10)
        h.update(type(self.module).__qualname__.encode())
        h.update(repr((self.labels, self.max_len, sorted(self.vocab.items()))).encode())
        for name, t in self.module.state_dict().items():
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()

    def state_token(self) -> Hashable:
        # the vocabulary is a dict a notebook may change in place: its size and a cheap
        # hash of its items are part of the token
        return module_state_token(self.module, extra=(self.max_len, len(self.vocab),
                                                      hash(frozenset(self.vocab.items()))))

    def description(self) -> str:
        return f"PyTorch {type(self.module).__name__} from {self.source}"
