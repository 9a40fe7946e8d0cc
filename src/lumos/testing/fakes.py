"""Small deterministic fake models, one per task type, for tests and examples.

They need only numpy, run in microseconds and behave in known ways, so tests can check
the engine, the server and components against exact answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import Model

POSITIVE = {"good", "great", "love", "happy", "excellent", "nice", "best", "awesome"}
NEGATIVE = {"bad", "awful", "hate", "sad", "terrible", "worst", "boring", "poor"}


def _vec(token: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


class _Counting(Model):
    """Counts calls and examples seen, so tests can check batching and caching."""

    #: counters and batch size never change an output: not part of the fingerprint
    fingerprint_ignore = ("calls", "seen", "batch_sizes", "max_batch_size")

    def __init__(self) -> None:
        self.calls = 0
        self.seen = 0
        self.batch_sizes: list[int] = []

    def _count(self, inputs: Sequence[Any]) -> None:
        self.calls += 1
        self.seen += len(inputs)
        self.batch_sizes.append(len(inputs))


class FakeClassifier(_Counting):
    """Sentiment by keyword count: positive words push 'positive', negative 'negative'.

    ``embedding`` is the mean of fixed per-word vectors; with ``token_embeddings=True``
    the model also declares those vectors per token (``token_embeddings``, aligned with
    ``tokens``), as the Hugging Face adapters do."""

    labels = ("negative", "positive")

    def __init__(self, *, max_batch_size: int = 8, dim: int = 8, text_field: str = "text",
                 label_field: str = "label", token_embeddings: bool = False) -> None:
        super().__init__()
        self.token_embeddings = token_embeddings
        self.max_batch_size = max_batch_size
        self.dim = dim
        self.text_field = text_field
        self.label_field = label_field

    def input_spec(self) -> T.Spec:
        return {self.text_field: T.TextSegment(),
                self.label_field: T.CategoryLabel(vocab=self.labels, required=False)}

    def output_spec(self) -> T.Spec:
        return {
            "probas": T.MulticlassPreds(vocab=self.labels, parent=self.label_field),
            "tokens": T.Tokens(parent=self.text_field),
            "embedding": T.Embeddings(),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=1, num_heads=2),
            **({"token_embeddings": T.TokenEmbeddings(align="tokens")}
               if self.token_embeddings else {}),
        }

    def logit(self, text: str) -> float:
        words = [w.strip(".,!?").lower() for w in text.split()]
        return float(sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words))

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        self._count(inputs)
        wanted = set(fields) if fields is not None else set(self.default_fields())
        out = []
        for ex in inputs:
            text = ex[self.text_field]
            toks = text.split()
            z = self.logit(text)
            r: dict[str, Any] = {"probas": _softmax(np.array([-z, z], np.float32))}
            if "tokens" in wanted:
                r["tokens"] = toks
            if "embedding" in wanted:
                vs = [_vec(t.lower(), self.dim) for t in toks] or [np.zeros(self.dim, np.float32)]
                r["embedding"] = np.mean(vs, 0)
            if "token_embeddings" in wanted and self.token_embeddings:
                r["token_embeddings"] = np.array(
                    [_vec(t.lower(), self.dim) for t in toks], np.float32
                ).reshape(len(toks), self.dim)
            if "attention" in wanted:
                n = len(toks)
                r["attention"] = np.full((1, 2, n, n), 1.0 / max(n, 1), np.float32)
            out.append(r)
        return out


    # --- lumos.api.model.Activations: layer 0 / "embed" is each word's vector, layer 1
    # / "mix" the running mean of the vectors so far (so a word's value depends on
    # what came before it, as a real layer's would)
    def activation_layers(self) -> int:
        return 2

    def activation_modules(self) -> list[str]:
        return ["embed", "mix"]

    def activations(self, inputs: Sequence[Mapping[str, Any]], where: int | str
                    ) -> list[dict[str, Any]]:
        names = {0: "embed", 1: "mix", -2: "embed", -1: "mix"}
        name = names.get(where) if isinstance(where, int) else where
        if name not in ("embed", "mix"):
            raise T.SpecError(f"{'layer' if isinstance(where, int) else 'module'}: "
                              f"{where!r} is not in this fake (layers 0-1; modules embed, mix)")
        self._count(inputs)
        out = []
        for ex in inputs:
            toks = ex[self.text_field].split()
            vs = np.array([_vec(t.lower(), self.dim) for t in toks],
                          np.float32).reshape(len(toks), self.dim)
            if name == "mix" and len(toks):
                vs = np.cumsum(vs, 0) / np.arange(1, len(toks) + 1, dtype=np.float32)[:, None]
            out.append({"tokens": toks, "values": vs})
        return out


class FakeRegressor(_Counting):
    """Predicts the number of words divided by ten."""

    def input_spec(self) -> T.Spec:
        return {"text": T.TextSegment(), "score": T.Scalar(required=False)}

    def output_spec(self) -> T.Spec:
        return {"prediction": T.RegressionScore(parent="score"), "tokens": T.Tokens()}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        self._count(inputs)
        return [{"prediction": len(ex["text"].split()) / 10.0, "tokens": ex["text"].split()}
                for ex in inputs]


class FakeTagger(_Counting):
    """Tags capitalised tokens as B-PER (I-PER when following one), others O."""

    tags = ("O", "B-PER", "I-PER")

    def input_spec(self) -> T.Spec:
        return {"tokens": T.Tokens(),
                "tags": T.SequenceTags(align="tokens", vocab=self.tags, required=False)}

    def output_spec(self) -> T.Spec:
        return {"pred_tags": T.SequenceTags(align="tokens", vocab=self.tags, parent="tags"),
                "tag_probs": T.TokenProbs(vocab=self.tags, align="tokens")}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        self._count(inputs)
        out = []
        for ex in inputs:
            tags, prev = [], "O"
            for t in ex["tokens"]:
                tag = ("I-PER" if prev != "O" else "B-PER") if t[:1].isupper() else "O"
                tags.append(tag)
                prev = tag
            probs = np.full((len(tags), 3), 0.05, np.float32)
            for i, tag in enumerate(tags):
                probs[i, self.tags.index(tag)] = 0.9
            out.append({"pred_tags": tags, "tag_probs": probs})
        return out


class FakeGenerator(_Counting):
    """'Translates' by reversing the words; two candidates with fixed scores."""

    def input_spec(self) -> T.Spec:
        return {"source": T.TextSegment(), "target": T.TextSegment(required=False)}

    def output_spec(self) -> T.Spec:
        return {"output_text": T.GeneratedTextCandidates(parent="target")}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        self._count(inputs)
        return [{"output_text": [[" ".join(ex["source"].split()[::-1]), -0.5],
                                 [ex["source"], -2.0]]} for ex in inputs]


class BrokenModel(FakeClassifier):
    """Declares two classes but returns three probabilities: a spec violation."""

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        return [{"probas": np.array([0.2, 0.3, 0.5], np.float32), "tokens": ["x"],
                 "embedding": np.zeros(8, np.float32)} for _ in inputs]
