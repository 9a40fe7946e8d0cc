"""A small workspace of fake models and data: for tests, screenshots and benchmarks.

The fakes (``lumos.testing``) run in microseconds and behave in known ways: the
sentiment classifiers follow words such as "good" and "bad" (the second one also
reads "not"), the regressor counts words, the tagger marks capitalised words as names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pyarrow as pa

from lumos.api import types as T
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.datasets import ArrowDataset
from lumos.testing import FakeClassifier, FakeGenerator, FakeRegressor, FakeTagger
from lumos.testing.fakes import NEGATIVE, POSITIVE

SENTENCES = [
    ("a good film with a great cast", "positive"),
    ("the plot was bad and the acting awful", "negative"),
    ("not good at all", "negative"),
    ("I love this movie", "positive"),
    ("boring from start to finish", "negative"),
    ("not bad for a sequel", "positive"),
    ("the best thing I saw this year", "positive"),
    ("sad and terrible", "negative"),
    ("an excellent and happy story", "positive"),
    ("the music was nice but the ending was poor", "negative"),
    ("I hate how long it was", "negative"),
    ("awesome effects and a great score", "positive"),
    ("it is not the worst", "positive"),
    ("a film about a dog", "negative"),
    ("great great great", "positive"),
    ("the worst script ever written", "negative"),
]

NER = [
    "Alice met Bob in Paris".split(),
    "the weather is nice today".split(),
    "Ada Lovelace wrote the first program".split(),
    "we flew to New York last week".split(),
]


class NegationClassifier(FakeClassifier):
    """Sentiment by keyword count, flipping the word after 'not'."""

    def logit(self, text: str) -> float:
        words = [w.strip(".,!?").lower() for w in text.split()]
        z = 0.0
        for i, w in enumerate(words):
            s = (w in POSITIVE) - (w in NEGATIVE)
            z += -s if i > 0 and words[i - 1] == "not" else s
        return float(z) * 1.5


class MultiHeadModel(Model):
    """Two heads at once: sentiment probabilities and a length score."""

    def __init__(self) -> None:
        self.sentiment = FakeClassifier()
        self.length = FakeRegressor()

    def input_spec(self) -> T.Spec:
        return {"text": T.TextSegment(),
                "label": T.CategoryLabel(vocab=FakeClassifier.labels, required=False),
                "score": T.Scalar(required=False)}

    def output_spec(self) -> T.Spec:
        return {"sentiment": T.MulticlassPreds(vocab=FakeClassifier.labels, parent="label"),
                "length": T.RegressionScore(parent="score"),
                "tokens": T.Tokens(parent="text")}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        a = self.sentiment.predict(inputs, fields=["probas", "tokens"])
        b = self.length.predict(inputs)
        return [{"sentiment": x["probas"], "tokens": x["tokens"], "length": y["prediction"]}
                for x, y in zip(a, b, strict=True)]


def sentiment_dataset(n: int | None = None) -> Dataset:
    """The sentences above (repeated with a row number when ``n`` is larger)."""
    rows = SENTENCES if n is None else [
        (f"{SENTENCES[i % len(SENTENCES)][0]} #{i}", SENTENCES[i % len(SENTENCES)][1])
        for i in range(n)]
    table = pa.table({"text": [t for t, _ in rows], "label": [lbl for _, lbl in rows],
                      "score": [round(len(t.split()) / 10 + 0.05, 2) for t, _ in rows]})
    spec: T.Spec = {"text": T.TextSegment(),
                    "label": T.CategoryLabel(vocab=FakeClassifier.labels, required=False),
                    "score": T.Scalar(required=False)}
    return ArrowDataset(table, spec, name="sentiment",
                        description="Short film reviews with sentiment labels")


def ner_dataset() -> Dataset:
    tagger = FakeTagger()
    gold = [o["pred_tags"] for o in tagger.predict([{"tokens": t} for t in NER])]
    gold[1] = ["O"] * len(NER[1])
    table = pa.table({"tokens": NER, "tags": gold})
    spec: T.Spec = {"tokens": T.Tokens(),
                    "tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags,
                                           required=False)}
    return ArrowDataset(table, spec, name="ner", description="Names in short sentences")


def translation_dataset() -> Dataset:
    table = pa.table({"source": ["the cat sat", "hello world", "good morning to you"],
                      "target": ["sat cat the", "world hello", "you to morning good"]})
    spec: T.Spec = {"source": T.TextSegment(), "target": T.TextSegment(required=False)}
    return ArrowDataset(table, spec, name="translation", description="Word-order reversal")


def sample_models() -> dict[str, Model]:
    return {"keywords": FakeClassifier(), "negation": NegationClassifier(),
            "multitask": MultiHeadModel(), "length": FakeRegressor(), "tagger": FakeTagger(),
            "reverser": FakeGenerator()}


def sample_datasets(n: int | None = None) -> dict[str, Dataset]:
    return {"sentiment": sentiment_dataset(n), "ner": ner_dataset(),
            "translation": translation_dataset()}


__all__ = ["MultiHeadModel", "NegationClassifier", "sample_datasets", "sample_models",
           "sentiment_dataset"]
