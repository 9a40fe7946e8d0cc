"""Entity-level tagging F1 (seqeval) and span F1 against hand-computed values."""

import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.components.metrics.tagging import SpanMetrics, TaggingMetrics

GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC"]]
PRED = [["B-PER", "I-PER", "O", "O"], ["B-LOC", "I-LOC"]]


def run(golds=GOLD, preds=PRED):
    return TaggingMetrics().compute(golds, preds, T.SequenceTags(), T.SequenceTags(),
                                    config=None)


def test_entity_level_scores_by_hand():
    # gold entities: PER(0-1), LOC(3), LOC(1); predicted: PER(0-1), LOC(0-1): 1 right
    r = run()
    assert r["precision"] == pytest.approx(1 / 2)
    assert r["recall"] == pytest.approx(1 / 3)
    assert r["f1"] == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    assert r["token_accuracy"] == pytest.approx(3 / 6)
    assert r["per_type"]["PER"]["f1"] == pytest.approx(1.0)
    assert r["per_type"]["LOC"]["f1"] == pytest.approx(0.0)
    assert r["per_type"]["LOC"]["support"] == 2


def test_a_partial_entity_is_not_a_hit():
    r = run([["B-PER", "I-PER"]], [["B-PER", "O"]])
    assert r["f1"] == 0.0
    assert r["token_accuracy"] == 0.5


def test_length_mismatch_names_the_row():
    with pytest.raises(SpecError, match="row 0"):
        run([["O", "O"]], [["O"]])


def test_entity_precision_without_predicted_entities_is_undefined_not_zero():
    r = run([["B-PER", "I-PER", "O"]], [["O", "O", "O"]])
    assert r["precision"] is None and "no entities predicted" in r["undefined"]["precision"]
    assert r["recall"] == 0.0 and r["f1"] == 0.0
    assert r["per_type"]["PER"]["precision"] is None and r["per_type"]["PER"]["recall"] == 0.0
    r = run([["O", "O"]], [["O", "O"]])
    assert r["precision"] is None and r["recall"] is None and r["f1"] is None
    assert "no gold and no predicted" in r["undefined"]["f1"]
    assert r["token_accuracy"] == 1.0
    r = run([["O", "O"]], [["B-LOC", "O"]])  # a false alarm: precision 0, recall undefined
    assert r["precision"] == 0.0 and r["recall"] is None and r["f1"] == 0.0


@pytest.mark.parametrize("strict", [False, True])
def test_defined_values_match_seqeval(strict):
    from seqeval import metrics as sm
    from seqeval.scheme import IOB2

    from lumos.components.metrics.tagging import TaggingConfig

    kw = {"mode": "strict", "scheme": IOB2} if strict else {}
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC"], ["I-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-LOC", "I-LOC"], ["I-ORG", "O"]]
    r = TaggingMetrics().compute(gold, pred, T.SequenceTags(), T.SequenceTags(),
                                 config=TaggingConfig(strict=strict))
    assert r["precision"] == pytest.approx(sm.precision_score(gold, pred, **kw))
    assert r["recall"] == pytest.approx(sm.recall_score(gold, pred, **kw))
    assert r["f1"] == pytest.approx(sm.f1_score(gold, pred, **kw))


def test_span_f1_exact_match():
    gold = [[{"start": 0, "end": 2, "label": "PER"}, {"start": 3, "end": 4, "label": "LOC"}]]
    pred = [[{"start": 0, "end": 2, "label": "PER"}, {"start": 3, "end": 5, "label": "LOC"},
             {"start": 6, "end": 7, "label": "ORG"}]]
    r = SpanMetrics().compute(gold, pred, T.SpanLabels(), T.SpanLabels(), config=None)
    assert r["precision"] == pytest.approx(1 / 3)
    assert r["recall"] == pytest.approx(1 / 2)
    assert r["f1"] == pytest.approx(0.4)


def test_span_precision_without_predicted_spans_is_undefined_not_zero():
    gold = [[{"start": 0, "end": 2, "label": "PER"}]]
    r = SpanMetrics().compute(gold, [[]], T.SpanLabels(), T.SpanLabels(), config=None)
    assert r["precision"] is None and "no spans predicted" in r["undefined"]["precision"]
    assert r["recall"] == 0.0 and r["f1"] == 0.0
    r = SpanMetrics().compute([[]], [[]], T.SpanLabels(), T.SpanLabels(), config=None)
    assert r["f1"] is None and "no gold" in r["undefined"]["f1"]


def test_tagging_headers_name_the_micro_average():
    label = TaggingMetrics.describe(T.SequenceTags())["f1"]["label"]
    assert label == "entity F1 (micro over entities)"
