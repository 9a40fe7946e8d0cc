"""The greedy black-box attack end to end on a keyword model whose outcomes are known,
and TextAttack's summary of it."""

from __future__ import annotations

import pytest

from lumos.api.context import RunContext
from lumos.components.generators.greedy_attack import GreedyAttack, lexicon_synonyms
from lumos.engine import counterfactual_stats as cs
from lumos.engine.context import run_context
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

LEXICON = "good -> fine | nice; great -> fine | grand; day -> time"


def make_context(model, calls: list[int] | None = None) -> RunContext:
    ctx = run_context(Engine(Store(":memory:")), model=model,
                      dataset_spec=model.input_spec())
    if calls is None:
        return ctx

    def predict(m, inputs, *, fields=None, transient=False):
        calls.append(len(inputs))
        return ctx.predict(m, inputs, fields=fields, transient=transient)

    return RunContext(predict=predict, model=model, dataset_spec=model.input_spec())


def attack(examples, calls=None, model=None, **config):
    model = model or FakeClassifier()
    gen = GreedyAttack()
    config.setdefault("lexicon", LEXICON)
    return gen.run(examples, make_context(model, calls), config=gen.make_config(config))


EXAMPLES = [
    # 'good' matters most; 'fine' is neutral, so one swap flips it: succeeded
    {"id": "s", "text": "a good movie", "label": "positive"},
    # one word of four may change (25 %); one swap leaves a positive word: failed
    {"id": "f", "text": "a great great day", "label": "positive"},
    # the model already gets it wrong: skipped
    {"id": "k", "text": "bad day", "label": "positive"},
    # no synonym for 'happy' or 'dog' in the lexicon: failed
    {"id": "n", "text": "the happy dog", "label": "positive"},
]


def test_known_outcomes_and_textattacks_summary() -> None:
    calls: list[int] = []
    out = attack(EXAMPLES, calls=calls)
    assert [g.notes["attack"] for g in out] == ["succeeded", "failed", "skipped", "failed"]
    assert [g.status for g in out] == ["ok", "no_change", "skipped", "no_change"]
    (cf,) = out[0].counterfactuals
    assert cf.example["text"] == "a fine movie"
    assert cf.meta["swaps"] == {"good": "fine"}
    assert (cf.meta["label_before"], cf.meta["label_after"]) == ("positive", "negative")
    assert [(c.old, c.new) for c in cf.changes] == [("good", "fine")]
    # original, 3 deletions, 2 synonyms of 'good'
    assert out[0].notes["queries"] == 6
    assert out[1].notes["reason"] == "more than 25% of the words would change"
    assert out[2].notes["queries"] == 1
    assert all(g.counterfactuals == [] for g in out[1:])
    s = cs.attack_summary_of(out)
    assert (s.succeeded, s.failed, s.skipped) == (1, 2, 1)
    assert s.original_accuracy == pytest.approx(75.0)
    assert s.accuracy_under_attack == pytest.approx(50.0)
    assert s.success_rate == pytest.approx(100 / 3)
    assert s.perturbed_word_percentage == pytest.approx(100 / 3)
    # one call for the originals, one for the deletions, then one per greedy step
    assert len(calls) <= 2 + 2


def test_a_looser_share_lets_the_second_swap_succeed() -> None:
    (g,) = attack([EXAMPLES[1]], max_share=0.5)
    assert g.notes["attack"] == "succeeded"
    assert g.counterfactuals[0].example["text"] == "a fine fine day"
    assert g.notes["words_changed"] == 2 and g.notes["words_total"] == 4


def test_the_query_budget_stops_an_attack() -> None:
    (g,) = attack([{"text": "a great great day", "label": "positive"}], max_share=0.5,
                  query_budget=7)
    # 1 + 4 deletions + 2 swaps of the first 'great' = 7: the second swap is never tried
    assert g.notes["attack"] == "failed" and g.status == "budget_exhausted"
    assert g.notes["queries"] == 7
    assert g.notes["reason"] == "query budget spent"


def test_without_gold_labels_the_prediction_is_attacked() -> None:
    (g,) = attack([{"text": "bad day"}], lexicon="bad -> poor | good")
    assert g.notes["attack"] == "succeeded"
    assert g.counterfactuals[0].example["text"] == "good day"
    assert g.counterfactuals[0].meta["label_before"] == "negative"


def test_case_is_kept_and_lexicon_errors_name_the_line() -> None:
    (g,) = attack([{"text": "Good movie", "label": "positive"}])
    assert g.counterfactuals[0].example["text"] == "Fine movie"
    assert lexicon_synonyms("good -> fine | nice")("GOOD") == ["fine", "nice"]
    with pytest.raises(ValueError, match="'rules' line 1"):
        lexicon_synonyms("good fine")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", ["", "good", "good good good good",
                                  " ".join(["good"] * 10_000)],
                         ids=["empty", "one-word", "identical", "10k-words"])
def test_odd_inputs_neither_hang_nor_crash(text: str) -> None:
    (g,) = attack([{"text": text}], query_budget=200)
    assert g.notes["attack"] in {"succeeded", "failed"}
    assert g.notes["queries"] <= 200
    if text == "good":
        assert g.counterfactuals[0].example["text"] == "fine"


def test_a_row_without_words_is_skipped_first_when_the_model_gets_it_wrong() -> None:
    # TextAttack decides "skipped" before any search: an empty original the keyword
    # model calls negative is skipped under a positive gold label and fails (nothing
    # to change, one query) under a negative one; without a label it fails unqueried
    out = attack([{"id": "p", "text": "", "label": "positive"},
                  {"id": "n", "text": "", "label": "negative"},
                  {"id": "u", "text": ""}])
    assert [g.notes["attack"] for g in out] == ["skipped", "failed", "failed"]
    assert [g.status for g in out] == ["skipped", "no_change", "no_change"]
    assert [g.notes["queries"] for g in out] == [1, 1, 0]
    assert out[1].notes["reason"] == "no words to change"
    s = cs.attack_summary_of(out)
    assert (s.succeeded, s.failed, s.skipped) == (0, 2, 1)
    assert s.original_accuracy == pytest.approx(200 / 3)
