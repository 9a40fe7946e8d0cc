"""A generation run as the page's records (and the CLI's flat rows): the same facts."""

import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.engine import Engine, Workspace
from lumos.engine.check_counterfactual import examples_of
from lumos.engine.counterfactual_rows import (
    kept_example,
    page_result,
    page_rows,
    report_rows,
    rows_of,
    span_changes,
)
from lumos.engine.generate import check_config, generate, generator_infos, get_generator
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier, FakeRegressor
from lumos.testing.sample import sentiment_dataset

RULES = {"rules": "good -> bad\ngreat -> awful"}


@pytest.fixture
def run_and_model():
    ws = Workspace({"clf": FakeClassifier()}, {"s": sentiment_dataset()},
                   engine=Engine(Store(":memory:")))
    run = generate(ws, "clf", "s", "word_replace", RULES, indices=range(4))
    return run, ws.model("clf"), ws.dataset("s").spec()


def test_page_rows_agree_with_the_flat_rows(run_and_model):
    run, model, spec = run_and_model
    page, flat = page_rows(run, model, spec), rows_of(run, model)
    assert [p["id"] for p in page] == [f["id"] for f in flat]
    for p, f in zip(page, flat, strict=True):
        assert p["parent"] == f["parent"] and p["changes"] == f["changes"]
        assert p["example"]["text"] == f["text"] and p["parent_example"]["text"] == \
            f["parent:text"]
        assert p["prediction"]["flipped"] == f["probas:flipped"]
        assert p["prediction"]["delta"] == pytest.approx(f["probas:score_delta"])
        assert p["prediction"]["score"] == pytest.approx(max(f["probas:negative"],
                                                             f["probas:positive"]))
        assert p["failed_checks"] == f["failed_checks"] and p["valid"] == f["valid"]
        assert set(p["example"]) == {*spec, "id"}  # the dataset's fields, no provenance
        values, parent = kept_example(p)
        assert parent == p["parent"] and "id" not in values


def test_page_result_carries_statistics_for_a_classifier_only(run_and_model):
    run, model, spec = run_and_model
    res = page_result(run, model, spec, min_pairs=5, seed=3)
    assert res["statistics"]["seed"] == 3 and res["statistics_note"] == ""
    assert res["summary"]["rows"] == len(res["rows"]) and res["attack_table"] is None
    assert [p["id"] for p in res["parents"]] == [str(p["id"]) for p in run.parents]
    ws = Workspace({"reg": FakeRegressor()}, {"s": sentiment_dataset()},
                   engine=Engine(Store(":memory:")))
    reg_run = generate(ws, "reg", "s", "word_replace", RULES, indices=range(2))
    res = page_result(reg_run, ws.model("reg"), spec)
    assert res["statistics"] is None and "regression" in res["statistics_note"]
    assert res["rows"][0]["prediction"]["kind"] == "regression"


def test_check_config_names_the_option_at_fault():
    gen = get_generator("word_replace")
    assert check_config(gen, {"budget": 5, "ignore_case": False}).budget == 5
    for values, named in (({"nope": 1}, "config.nope"), ({"budget": 2.5}, "config.budget"),
                          ({"budget": True}, "config.budget"),
                          ({"ignore_case": "yes"}, "config.ignore_case"),
                          ({"mode": "often"}, "config.mode"), ({"budget": -1}, "budget")):
        with pytest.raises(SpecError, match=named):
            check_config(gen, values)
    assert check_config(get_generator("char_noise"), {"rate": 1}).rate == 1  # int is a number


def test_generator_infos_put_compatible_ones_first_with_reasons_for_the_rest():
    infos = generator_infos(FakeClassifier(), {"text": T.TextSegment()})
    flags = [g["compatible"] for g in infos]
    assert flags == sorted(flags, reverse=True) and not flags[-1]
    assert all(g["reason"] for g in infos if not g["compatible"])
    assert all(g["config"] for g in infos)


def test_report_rows_are_the_page_rows_an_audit_report_keeps(run_and_model):
    run, model, spec = run_and_model
    kept = examples_of(run, flipped_only=False, view="raw", limit=100)
    assert kept, "the run should keep examples"
    page = {p["id"]: p for p in page_rows(run, model, spec)}
    rows = report_rows(kept)
    assert len(rows) == len(kept)
    for row in rows:
        p = page[row["id"]]
        assert set(row) == set(p)  # the same structure as a generation run's rows
        assert row["parent"] == p["parent"] and row["changes"] == p["changes"]
        assert row["example"]["text"] == p["example"]["text"]
        assert row["parent_example"] == p["parent_example"]
        assert row["valid"] == p["valid"] and "changes_derived" not in row["meta"]
        pred, want = row["prediction"], p["prediction"]
        assert (pred["label"], pred["parent_label"], pred["flipped"]) == \
            (want["label"], want["parent_label"], want["flipped"])
        assert pred["delta"] == pytest.approx(want["delta"])
        assert pred["score"] is None and pred["parent_score"] is None  # not in a report
        assert row["failed_checks"] == [] and row["validity"] == {}


def test_report_rows_derive_the_spans_when_a_report_has_none(run_and_model):
    run, _, _ = run_and_model
    kept = examples_of(run, flipped_only=False, view="raw", limit=100)
    bare = [{k: v for k, v in ex.items() if k != "changes"} for ex in kept]
    for row, ex in zip(report_rows(bare), kept, strict=True):
        assert row["meta"]["changes_derived"] is True
        assert row["changes"] == ex["changes"]  # whole-word edits: the generator's spans
    assert report_rows([{"counterfactual": {"text": "a template row"}}]) == []


@pytest.mark.parametrize(("old", "new"), [
    ("I love it", "I hate it"), ("good film", "good film !"), ("not bad at all", "bad"),
    ("", "new text"), ("same", "same"), ("I loge, it", "I love it."),
])
def test_span_changes_turn_the_old_text_into_the_new(old, new):
    changes = span_changes("text", old, new)
    text, shift = old, 0
    for c in changes:
        assert old[c.start:c.end] == c.old and new[c.new_start:c.new_end] == c.new
        text = text[:c.start + shift] + c.new + text[c.end + shift:]
        shift += len(c.new) - len(c.old)
    assert text == new
    assert (changes == []) == (old == new)
