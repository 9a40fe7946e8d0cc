"""Template checks on the keyword classifier, whose answers are known: a positive word
makes 'positive', a negative one 'negative', other words change nothing."""

import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Workspace
from lumos.engine.check_templates import template_results
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

TEMPLATES = "\n".join([
    "MFT: a good {thing} => positive",     # always right
    "MFT: a bad {thing} => positive",      # always wrong
    "INV: {text} {neutral}",               # neutral words: never a flip
    "DIR: {text} awful => down:positive",  # a negative word lowers positive: passes
    "DIR: {text} great => down:positive",  # a positive word raises it: fails
])


@pytest.fixture
def ws(tmp_path):
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative",
                                                                     "positive"))}
    ds = from_table(pa.table({"text": ["good day", "bad day", "a day"] * 4,
                              "label": ["positive", "negative", "negative"] * 4}), spec=spec)
    ws = Workspace({}, {"d": ds}, engine=Engine(Store(tmp_path / "s.sqlite")))
    ws.add_model("m", FakeClassifier(), smoke_test=False)
    return ws


def _check(**kw):
    return {"id": "t", "kind": "templates", "generator": "templates",
            "options": {"templates": TEMPLATES}, "at_least": 0.9, "min_count": 3,
            "pass_on": "point", **kw}


def test_pass_rates_per_kind_and_template(ws):
    res = {r.slice: r for r in template_results(ws, "m", "d", _check())}
    assert res["MFT: a good {thing} => positive"].value == 1.0
    assert res["MFT: a bad {thing} => positive"].value == 0.0
    assert res["MFT"].value == pytest.approx(0.5)
    assert res["INV"].value == 1.0 and res["INV"].verdict == "pass"
    assert res["DIR: {text} awful => down:positive"].value == 1.0
    assert res["DIR: {text} great => down:positive"].value == 0.0
    bad = res["MFT: a bad {thing} => positive"]
    assert bad.verdict == "fail" and bad.examples
    assert bad.examples[0]["label"] == "negative"
    assert bad.low <= bad.value <= bad.high


def test_one_kind_only(ws):
    res = template_results(ws, "m", "d", _check(test="inv"))
    assert {r.slice for r in res} == {"INV", "INV: {text} {neutral}"}
