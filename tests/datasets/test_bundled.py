"""The bundled datasets are served as a fair look at the data (not sorted by label) and
with their text repaired (issue 12, parts 2 and 7)."""

import collections

import pytest

from lumos.datasets import load
from lumos.datasets.bundled import BUNDLED, LOSSY_PUNCTUATION, SENTIMENT_LABELS, tweets

pytestmark = pytest.mark.slow  # reading and repairing the 38 k tweets takes seconds

TWEETS = [n for n in BUNDLED if n.startswith("tweets")]


@pytest.mark.parametrize("name", TWEETS)
def test_the_first_rows_of_every_tweets_split_hold_every_label(name):
    labels = load(name).to_arrow().column("label").to_pylist()
    first = collections.Counter(labels[:30])
    assert set(first) == set(SENTIMENT_LABELS), first
    # the file is sorted by label, as_trained keeps it so (the demos' training order)
    if name != "tweets":
        split = name.removeprefix("tweets_")
        kept = tweets(split, as_trained=True).to_arrow().column("label").to_pylist()
        assert len(set(kept[:30])) == 1 and sorted(kept) == sorted(labels)


@pytest.mark.parametrize("name", [n for n in BUNDLED if n.startswith("wnut")])
def test_the_first_wnut_sentences_hold_entities(name):
    tags = load(name).to_arrow().column("tags").to_pylist()[:30]
    assert sum(any(t != "O" for t in s) for s in tags) >= 5


def test_no_mojibake_ftfy_or_the_punctuation_table_can_repair_remains():
    import ftfy

    ds = load("tweets_all")
    texts = ds.to_arrow().column("text").to_pylist()
    for bad in ("â€", "Ã", "&amp;", "&lt;", "&quot;", *LOSSY_PUNCTUATION):
        assert not [t for t in texts if bad in t], bad
    assert not [t for t in texts if ftfy.fix_text(t).strip() != t]
    assert "Tom Brady's Unintentional" in " ".join(texts)  # "Bradyäó»s" in the file
    d = ds.description()
    assert "5,634 were repaired by ftfy" in d and "2,202 had lossy punctuation" in d, d
    assert "keep emoji lost to stray bytes" in d


def test_the_split_does_not_depend_on_the_punctuation_table():
    """The demos were trained and scored on the split as ftfy's text decided it."""
    served = load("tweets_train").to_arrow().column("label").to_pylist()
    trained = tweets("train", as_trained=True).to_arrow().column("label").to_pylist()
    assert len(served) == len(trained) and collections.Counter(served) == \
        collections.Counter(trained)
    assert len(load("tweets")) == 1952
