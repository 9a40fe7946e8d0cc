"""templates: MFT rows without parents, INV/DIR edits of parents, declared expectations."""

import pytest

from lumos.api.types import SpecError
from lumos.components.generators.templates import Templates
from lumos.engine.generate import generate
from lumos.testing.fakes import FakeClassifier

TEMPLATES = """MFT: The {thing} was {adj}. => positive
INV: {text} {tag}
DIR: Honestly, {text} {bad} => down:positive"""
LEXICONS = "thing: food, seat\nadj: good, great\ntag: @a, @b\nbad: Awful."


def test_mft_inv_dir_rows_and_expectations():
    run = generate(None, FakeClassifier(), [{"id": "p", "text": "nice seat",
                                             "label": "positive"}], "templates",
                   {"templates": TEMPLATES, "lexicons": LEXICONS})
    by_kind = {}
    for cf in run.counterfactuals:
        by_kind.setdefault(cf.expect["kind"], []).append(cf)
    mft = by_kind["MFT"]
    assert sorted(cf.example["text"] for cf in mft) == [
        "The food was good.", "The food was great.", "The seat was good.",
        "The seat was great."]
    assert all(cf.parent == "" and cf.example["label"] == "positive" for cf in mft)
    assert mft[0].expect == {"kind": "MFT", "template": TEMPLATES.splitlines()[0],
                             "label": "positive", "direction": None}
    inv = by_kind["INV"]
    assert [cf.example["text"] for cf in inv] == ["nice seat @a", "nice seat @b"]
    assert all(cf.parent == "p" for cf in inv)
    assert [(c.start, c.end, c.old, c.new) for c in inv[0].changes] == [(9, 9, "", " @a")]
    [d] = by_kind["DIR"]
    assert d.example["text"] == "Honestly, nice seat Awful."
    assert [(c.start, c.new) for c in d.changes] == [(0, "Honestly, "), (9, " Awful.")]
    assert d.expect["direction"] == "down" and d.expect["label"] == "positive"
    # the keyword model gets this DIR test right: "Awful" lowers "positive"
    i = run.counterfactuals.index(d)
    assert run.changes[i]["probas"]["score_delta"] < 0
    # MFT rows were predicted too (they have no parent to compare with)
    j = run.counterfactuals.index(mft[0])
    assert run.changes[j] is None and "probas" in run.outputs[j]


def test_fills_are_capped_by_a_seeded_sample():
    gen = Templates()
    cfg = gen.make_config({"templates": "MFT: {a} {b} => positive",
                           "lexicons": "a: " + ", ".join(f"a{i}" for i in range(30))
                                       + "\nb: " + ", ".join(f"b{i}" for i in range(30)),
                           "max_fills": 7})
    from lumos.testing.context import context_for

    rows = gen.standalone(context_for(cfg), config=cfg)
    again = gen.standalone(context_for(cfg), config=cfg)
    assert len(rows) == 7 and [r.example for r in rows] == [r.example for r in again]
    assert len({r.example["text"] for r in rows}) == 7


@pytest.mark.parametrize("templates, words", [
    ("XYZ: hi", "must start with one of"),
    ("MFT: hi", "needs '=> label'"),
    ("DIR: {text} x => sideways", "'=> up:label'"),
    ("INV: no text slot", "use '{text}' once"),
    ("MFT: {text} => positive", "belongs in INV or DIR"),
    ("MFT: a {nothing} => positive", "slot '{nothing}' that no lexicon fills"),
])
def test_bad_templates_name_the_line(templates, words):
    with pytest.raises(SpecError, match="'templates' line 1") as e:
        Templates.make_config({"templates": templates})
    assert words in str(e.value)


def test_a_label_the_model_lacks_is_named():
    with pytest.raises(ValueError, match="expects label 'joy'.*labels: \\['negative'"):
        generate(None, FakeClassifier(), [{"text": "x y"}], "templates",
                 {"templates": "MFT: The {thing} was fine. => joy"})


def test_tagging_models_are_declared_incompatible():
    from lumos.testing.fakes import FakeTagger

    with pytest.raises(SpecError, match="does not support the model's task 'tagging'"):
        generate(None, FakeTagger(), [{"tokens": ["a"]}], "templates")
