"""Keras 3 text classifiers, and the classic Embedding -> BiLSTM -> attention classifier.

Keras runs on whichever backend ``KERAS_BACKEND`` names; lumos sets ``torch`` when unset
(no TensorFlow needed). A model file ``x.keras`` comes with ``x.lumos.json`` holding the
vocabulary, labels and maximum length (written by :func:`save_classifier`).

The adapter expects a model mapping token ids ``[B, T]`` (0 = padding, 1 = unknown) to
``{"probas": [B, C], "attention": [B, T]}`` (attention optional); it batches texts of
equal token length together so no padding reaches the model at inference: the attention weights
the classifier pools with, exposed as ``attention`` (``AttentionHeads`` ``[1, 1, 1, T]``)
and ``attention_weights`` (``TokenSalience``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.models.hf.base import ModelLoadError

PAD, UNK = 0, 1
_WORD = re.compile(r"\w+(?:'\w+)?|[^\w\s]", re.UNICODE)


def keras_module() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras


def tokenize(text: str) -> list[str]:
    """Lower-cased words and punctuation marks."""
    return _WORD.findall(text.lower())


def build_vocab(texts: Iterable[str], max_size: int = 20000, min_count: int = 2) -> list[str]:
    """Vocabulary list: ``[PAD]``, ``[UNK]``, then words by frequency."""
    counts = Counter(t for text in texts for t in tokenize(text))
    words = [w for w, c in counts.most_common(max_size) if c >= min_count]
    return ["[PAD]", "[UNK]", *words]


def sidecar(path: Path) -> Path:
    return path.with_suffix(".lumos.json")


_ATTENTION_CLASS: Any = None


def attention_pooling_class() -> Any:
    """The ``AttentionPooling`` layer (registered for ``.keras`` loading), made once."""
    global _ATTENTION_CLASS
    if _ATTENTION_CLASS is not None:
        return _ATTENTION_CLASS
    keras = keras_module()
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="lumos")
    class AttentionPooling(keras.layers.Layer):
        """Additive attention over time, skipping padding (id 0).

        Inputs ``[states [B, T, D], token ids [B, T]]``; returns (pooled ``[B, D]``,
        weights ``[B, T]``).
        """

        def __init__(self, units: int = 32, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.proj = keras.layers.Dense(units, activation="tanh")
            self.score = keras.layers.Dense(1, use_bias=False)

        def build(self, input_shape: Any) -> None:
            x_shape = input_shape[0]
            self.proj.build(x_shape)
            self.score.build((*x_shape[:-1], self.units))

        def call(self, inputs: Any) -> Any:
            x, ids = inputs
            s = ops.squeeze(self.score(self.proj(x)), -1)
            s = ops.where(ops.not_equal(ids, PAD), s, ops.full_like(s, -1e9))
            e = ops.exp(s - ops.max(s, axis=-1, keepdims=True))  # a softmax that also
            w = e / ops.sum(e, axis=-1, keepdims=True)  # takes one-token texts silently
            pooled = ops.sum(x * ops.expand_dims(w, -1), axis=1)
            return pooled, w

        def compute_output_shape(self, input_shape: Any) -> Any:
            x_shape = input_shape[0]
            return (x_shape[0], x_shape[-1]), (x_shape[0], x_shape[1])

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "units": self.units}

    _ATTENTION_CLASS = AttentionPooling
    return AttentionPooling


def build_bilstm_attention(vocab_size: int, num_classes: int, *, embed_dim: int = 64,
                           lstm_units: int = 32, attention_units: int = 32,
                           seed: int = 0) -> tuple[Any, Any]:
    """(full model with ``probas`` and ``attention`` outputs, training model -> probas).

    Both share their layers; train the second, save the first.
    """
    keras = keras_module()
    keras.utils.set_random_seed(seed)
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    # no Keras masks: masked LSTMs fall back to a slow step loop on some backends; the
    # attention skips padding itself, and the adapter never pads at inference
    x = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")(ids)
    x = keras.layers.Bidirectional(keras.layers.LSTM(lstm_units, return_sequences=True),
                                   name="bilstm")(x)
    pooled, weights = attention_pooling_class()(attention_units,
                                                name="attention_pool")([x, ids])
    probas = keras.layers.Dense(num_classes, activation="softmax", name="probas")(pooled)
    full = keras.Model(ids, {"probas": probas, "attention": weights}, name="bilstm_attention")
    train = keras.Model(ids, probas, name="bilstm_attention_train")
    return full, train


def encode(texts: Sequence[str], vocab: Mapping[str, int], max_len: int
           ) -> tuple[np.ndarray, list[list[str]]]:
    """Token ids ``[B, T]`` (right-padded with 0) and the tokens kept per text."""
    toks = [(tokenize(t) or ["[UNK]"])[:max_len] for t in texts]
    width = max(len(t) for t in toks)
    ids = np.zeros((len(texts), width), np.int32)
    for i, ts in enumerate(toks):
        ids[i, :len(ts)] = [vocab.get(t, UNK) for t in ts]
    return ids, toks


def save_classifier(model: Any, path: str | os.PathLike[str], *, vocab: Sequence[str],
                    labels: Sequence[str], max_len: int, **extra: Any) -> Path:
    p = Path(path)
    if p.suffix != ".keras":
        raise ValueError(f"{p}: Keras models are saved as .keras files")
    p.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(p))
    sidecar(p).write_text(json.dumps({"vocab": list(vocab), "labels": list(labels),
                                      "max_len": max_len, **extra}))
    return p


@register("keras_classifier", kind="model")
class KerasClassifier(Model):
    """A Keras 3 text classifier (e.g. Embedding -> BiLSTM -> attention)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, model: Any = None,
                 vocab: Sequence[str] | None = None, labels: Sequence[str] | None = None,
                 max_len: int = 64, text_field: str = "text", label_field: str = "label",
                 batch_size: int = 64) -> None:
        self.source = str(path) if path is not None else "<in-memory>"
        meta: dict[str, Any] = {}
        if model is None:
            if path is None:
                raise ModelLoadError("give a .keras file, or model= with vocab= and labels=")
            p = Path(path).expanduser()
            if not p.is_file():
                raise ModelLoadError(f"{p}: no such Keras model file")
            side = sidecar(p)
            if (vocab is None or labels is None) and not side.exists():
                raise ModelLoadError(f"{side}: missing; it holds the vocabulary and labels "
                                     f"of {p.name} (or pass vocab= and labels=)")
            if side.exists():
                meta = json.loads(side.read_text())
            keras = keras_module()
            attention_pooling_class()
            try:
                model = keras.saving.load_model(str(p))
            except Exception as e:  # Keras raises many kinds
                raise ModelLoadError(f"{p}: cannot load the Keras model "
                                     f"({type(e).__name__}: {e})") from None
        vocab = list(vocab if vocab is not None else meta.get("vocab", []))
        labels = list(labels if labels is not None else meta.get("labels", []))
        if not vocab or not labels:
            raise ModelLoadError(f"{self.source}: vocab and labels are required")
        self.model = model
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.labels = tuple(str(x) for x in labels)
        self.max_len = int(meta.get("max_len", max_len))
        self.metrics = meta.get("metrics", {})
        self.text_field = text_field
        self.label_field = label_field
        self.max_batch_size = batch_size

    def input_spec(self) -> T.Spec:
        return {self.text_field: T.TextSegment(),
                self.label_field: T.CategoryLabel(vocab=self.labels, required=False)}

    def output_spec(self) -> T.Spec:
        return {
            "probas": T.MulticlassPreds(vocab=self.labels, parent=self.label_field),
            "tokens": T.Tokens(parent=self.text_field),
            "attention_weights": T.TokenSalience(signed=False,
                                                 description="the model's attention pooling"),
            "attention": T.AttentionHeads(align_in="tokens", num_layers=1, num_heads=1,
                                          description="pooling weights as [1, 1, 1, T]"),
        }

    def _run(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        out = self.model(ids, training=False)
        if isinstance(out, Mapping):
            probas, att = out["probas"], out.get("attention")
        else:
            probas, att = out, None
        keras = keras_module()
        p = np.asarray(keras.ops.convert_to_numpy(probas), np.float32)
        a = None if att is None else np.asarray(keras.ops.convert_to_numpy(att), np.float32)
        return p, a

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        texts = [str(ex[self.text_field]) for ex in inputs]
        toks = [(tokenize(t) or ["[UNK]"])[:self.max_len] for t in texts]
        # texts of equal length run together, unpadded, so padding never changes a result
        by_len: dict[int, list[int]] = {}
        for i, ts in enumerate(toks):
            by_len.setdefault(len(ts), []).append(i)
        probas: list[Any] = [None] * len(texts)
        att: list[Any] = [None] * len(texts)
        for idx in by_len.values():
            ids, _ = encode([texts[i] for i in idx], self.vocab, self.max_len)
            p, a = self._run(ids)
            for j, i in enumerate(idx):
                probas[i] = p[j]
                att[i] = None if a is None else a[j]
        results = []
        for i, ts in enumerate(toks):
            r: dict[str, Any] = {"probas": probas[i], "tokens": ts}
            if att[i] is not None:
                w = att[i][:len(ts)]
                r["attention_weights"] = {"tokens": ts, "salience": w}
                r["attention"] = w.reshape(1, 1, 1, -1)
            results.append(r)
        return results

    def fingerprint(self) -> str:
        """Weights, the whole vocabulary and the settings."""
        h = hashlib.blake2b(digest_size=10)
        h.update(repr((self.labels, self.max_len, sorted(self.vocab.items()))).encode())
        for w in self.model.weights:
            h.update(np.ascontiguousarray(keras_module().ops.convert_to_numpy(w)).tobytes())
        return h.hexdigest()

    def state_token(self) -> Hashable:
        """With the torch backend, the variables' tensors' version counters (as for a
        torch module); on other backends the variable objects, so assigning new weights
        in place needs :meth:`invalidate_fingerprint`."""
        parts: list[Hashable] = [self.max_len, len(self.vocab)]
        for w in self.model.weights:
            value = getattr(w, "value", None)
            if hasattr(value, "_version") and hasattr(value, "data_ptr"):
                parts.append((w.path, value._version, value.data_ptr(), tuple(value.shape)))
            else:
                parts.append((getattr(w, "path", ""), w))
        return tuple(parts)

    def description(self) -> str:
        return f"Keras {getattr(self.model, 'name', 'model')} from {self.source}"
