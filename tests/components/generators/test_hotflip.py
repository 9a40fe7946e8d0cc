"""HotFlip on a tiny random BERT classifier: re-predicted flips only, text as a reader
writes it, truncation said, batched predictions, odd inputs."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.api.context import RunContext
from lumos.api.types import SpecError
from lumos.components.generators.hotflip import HotFlip
from lumos.engine.context import run_context
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

pytestmark = pytest.mark.slow

TEXTS = ["the film was wonderful and the actors were great",
         "I did not enjoy the long and boring second half",
         "an unremarkable evening, though the food was tasty",
         "Terrible service; we waited two hours for cold soup"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A one-layer random BERT with large weights (the shared tiny classifier's outputs
    barely depend on the input) and the MiniLM WordPiece tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from lumos.models.hf.classifier import HFClassifier
    from lumos.testing.tiny import save_tiny

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64,
                     initializer_range=0.5, num_labels=2)
    path = save_tiny(BertForSequenceClassification(cfg), tmp_path_factory.mktemp("hotflip"),
                     "sensitive_bert")
    return HFClassifier(path, max_length=32, labels=("negative", "positive"))


def context(model, calls: list[int] | None = None) -> RunContext:
    ctx = run_context(Engine(Store(":memory:")), model=model, dataset_spec=model.input_spec())
    if calls is None:
        return ctx

    def predict(m, inputs, *, fields=None, transient=False):
        calls.append(len(inputs))
        return ctx.predict(m, inputs, fields=fields, transient=transient)

    return RunContext(predict=predict, model=model, dataset_spec=model.input_spec())


def run(model, examples, calls=None, **config):
    gen = HotFlip()
    return gen.run(examples, context(model, calls), config=gen.make_config(config))


def test_flips_are_re_predicted_from_their_text_and_read_naturally(tiny) -> None:
    calls: list[int] = []
    out = run(tiny, [{"id": str(i), "text": t} for i, t in enumerate(TEXTS)], calls=calls,
              max_flips=2, budget=60)
    assert len(calls) <= 1 + 2  # gradients with the originals, then one call per size
    flips = [(g, cf) for g in out for cf in g.counterfactuals]
    assert flips, "the tiny model flips on at least one text"
    for g, cf in flips:
        parent = TEXTS[int(g.parent)]
        new = cf.example["text"]
        assert "##" not in new and new != parent
        (p0,), (p1,) = (tiny.predict([{"text": t}], fields=["probas"]) for t in (parent, new))
        assert int(np.argmax(p0["probas"])) != int(np.argmax(p1["probas"]))
        # untouched outside the changed spans: rebuild the new text from the parent
        rebuilt, pos = [], 0
        for ch in cf.changes:
            assert parent[ch.start:ch.end] == ch.old
            rebuilt += [parent[pos:ch.start], ch.new]
            pos = ch.end
        assert "".join(rebuilt) + parent[pos:] == new
        assert isinstance(cf.meta["round_trip"], bool)
        for ch in cf.changes:  # whole words only: the swap is a word of the new text
            assert ch.new.isalpha() and (ch.end == len(parent) or not parent[ch.end].isalnum())
        assert cf.meta["label_before"] != cf.meta["label_after"]
    for g in out:
        assert 0 <= g.notes["round_trip_lost"] <= g.notes["candidates"]


def test_a_text_longer_than_the_model_says_it_was_truncated(tiny) -> None:
    (g,) = run(tiny, [{"text": " ".join(["wonderful film"] * 40)}], max_flips=1, budget=10)
    assert g.status == "truncated"
    assert g.notes["truncated_to"] == 32 and g.notes["tokens_total"] > 32
    for cf in g.counterfactuals:  # swaps only where the model looked
        assert all(ch.start < 200 for ch in cf.changes)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("text", ["", "wonderful", "good good good good",
                                  " ".join(["good"] * 10_000)],
                         ids=["empty", "one-word", "identical", "10k-words"])
def test_odd_inputs_neither_hang_nor_crash(tiny, text: str) -> None:
    (g,) = run(tiny, [{"text": text}], budget=20)
    assert g.status in {"ok", "no_change", "budget_exhausted", "truncated"}
    assert g.notes["candidates"] <= 20
    if not text:
        assert g.status == "no_change"


def test_needs_gradients_and_an_embedding_table() -> None:
    gen = HotFlip()
    assert not gen.is_compatible(FakeClassifier(), {})
    with pytest.raises(SpecError, match="token gradients"):
        run(FakeClassifier(), [{"text": "good"}])
