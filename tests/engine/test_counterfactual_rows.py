"""A generation run as the page's records (and the CLI's flat rows): the same facts."""

import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.engine import Engine, Workspace
from lumos.engine.counterfactual_rows import kept_example, page_result, page_rows, rows_of
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
