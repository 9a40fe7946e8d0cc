"""Ablation flips: minimal removal sets, batched predictions, caps and odd inputs."""

from __future__ import annotations

import pytest

from lumos.api.context import RunContext
from lumos.api.types import SpecError
from lumos.components.generators.ablation_flips import AblationFlips
from lumos.engine.context import run_context
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier, FakeRegressor


def make_context(model, calls: list[int] | None = None) -> RunContext:
    ctx = run_context(Engine(Store(":memory:")), model=model,
                      dataset_spec=model.input_spec())
    if calls is None:
        return ctx

    def predict(m, inputs, *, fields=None, transient=False):
        calls.append(len(inputs))
        return ctx.predict(m, inputs, fields=fields, transient=transient)

    return RunContext(predict=predict, model=model, dataset_spec=model.input_spec())


def run(examples, model=None, calls=None, **config):
    model = model or FakeClassifier()
    gen = AblationFlips()
    return gen.run(examples, make_context(model, calls), config=gen.make_config(config))


def texts(generated) -> list[str]:
    return [cf.example["text"] for cf in generated.counterfactuals]


def test_single_word_flip_and_minimal_pair_flip() -> None:
    one, two = run([{"id": "a", "text": "good fun"}, {"id": "b", "text": "good great movie"}])
    assert texts(one) == ["fun"]
    assert one.counterfactuals[0].meta["removed"] == ["good"]
    assert one.counterfactuals[0].meta["label_before"] == "positive"
    assert one.counterfactuals[0].meta["label_after"] == "negative"
    # neither word flips alone; together they do; the 3-word set holds that flip, so it
    # is not minimal and not reported
    assert texts(two) == ["movie"]
    cf = two.counterfactuals[0]
    assert cf.meta["set_size"] == 2 and sorted(cf.meta["removed"]) == ["good", "great"]
    assert cf.parent == "b" and cf.example["_parent"] == "b" and "id" not in cf.example
    assert [(c.old, c.new) for c in cf.changes] == [("good great ", "")]
    assert cf.generator == "ablation_flips" and cf.version == "1"


def test_removal_keeps_whitespace_tidy_and_spans_point_at_the_text() -> None:
    (g,) = run([{"text": "I really love it, truly"}])
    assert "I really it, truly" in texts(g)
    cf = next(c for c in g.counterfactuals if c.meta["removed"] == ["love"])
    (ch,) = cf.changes
    assert "I really love it, truly"[ch.start:ch.end] == ch.old == "love "
    assert cf.example["text"][ch.new_start:ch.new_end] == ""


def test_max_set_size_caps_the_search() -> None:
    (g,) = run([{"text": "good great movie"}], max_set_size=1)
    assert g.counterfactuals == [] and g.status == "no_change"
    assert g.notes["reason"] == "no flip within the caps"


def test_every_step_is_one_batched_call_and_duplicates_reach_the_model_once() -> None:
    model = FakeClassifier(max_batch_size=64)
    calls: list[int] = []
    examples = [{"id": str(i), "text": t} for i, t in
                enumerate(["good great movie", "good great movie", "a good day", "bad"] * 5)]
    out = run(examples, model=model, calls=calls, max_set_size=3)
    assert len(out) == 20
    assert len(calls) <= 3  # one call per set size, the originals with the singles
    assert calls[0] == 20 + sum(len(t.split()) for t in (e["text"] for e in examples))
    distinct = {cf.example["text"] for g in out for cf in g.counterfactuals}
    assert distinct == {"movie", "a day"}  # 'bad' alone is a tie (0.5/0.5): negative
    # the engine de-duplicated: 20 rows of 4 distinct texts, their candidates once each
    assert model.seen < sum(calls)
    assert model.seen <= 4 + 3 + 3 + 1 + 3 + 1


def test_budget_exhausted_on_a_long_text_keeps_what_was_found() -> None:
    text = " ".join(["movie"] * 9_999 + ["good"])
    (g,) = run([{"text": text}], budget=50)
    assert g.status == "budget_exhausted" and g.notes["candidates"] == 50


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["", "good", "good good good good", "   "],
                         ids=["empty", "one-word", "identical", "blank"])
def test_odd_inputs_neither_hang_nor_crash(text: str) -> None:
    (g,) = run([{"text": text}])
    if not text.strip():
        assert g.status == "no_change" and g.notes["reason"] == "no words to remove"
    elif text == "good":
        assert texts(g) == [""]
    else:
        # four identical words: removing any 3 leaves one 'good', all 4 exceed the cap
        assert g.status == "no_change"


@pytest.mark.timeout(120)
def test_ten_thousand_words_under_the_default_budget() -> None:
    (g,) = run([{"text": " ".join(["good"] * 10_000)}])
    assert g.status == "budget_exhausted" and g.notes["candidates"] == 500


def test_needs_a_classifier() -> None:
    gen = AblationFlips()
    assert not gen.is_compatible(None, {})
    with pytest.raises(SpecError, match="no class-probability output"):
        run([{"text": "x"}], model=FakeRegressor())
    with pytest.raises(ValueError, match="'max_set_size' must be >= 1"):
        gen.Config(max_set_size=0)


def test_through_the_engine_runner_every_row_is_a_re_predicted_flip() -> None:
    from lumos.engine.generate import generate

    rows = [{"id": "a", "text": "good fun", "label": "positive"},
            {"id": "b", "text": "good great movie", "label": "positive"},
            {"id": "c", "text": "just a movie", "label": "negative"}]
    run_ = generate(None, FakeClassifier(), rows, "ablation_flips", {"max_set_size": 2},
                    validity=False)
    assert [r.status for r in run_.results] == ["ok", "ok", "no_change"]
    assert [c.parent for c in run_.counterfactuals] == ["a", "b"]
    assert all(ch["probas"]["flipped"] for ch in run_.changes)
