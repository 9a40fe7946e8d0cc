"""Shared by the slicing, metrics and projection tests: a 12-row sentiment dataset whose
FakeClassifier errors and facet counts are known.

Predicted positive: rows 0 2 5 6 8 10. False positives: 5, 8. False negatives: 3, 9.
Accuracy 8/12. ``source``: a (2 rows, all right), b (4, half right), c (6, 4 right).
"""

from types import SimpleNamespace

import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Engine, Workspace
from lumos.testing.fakes import FakeClassifier

TEXTS = ["good movie", "bad movie", "good good fun", "awful day", "great but bad", "nice one",
         "great", "terrible sad", "love it", "plain words here", "happy", "hate"]
LABELS = ["positive", "negative", "positive", "positive", "negative", "negative",
          "positive", "negative", "negative", "positive", "positive", "negative"]
SOURCE = ["a", "a", "b", "b", "b", "b", "c", "c", "c", "c", "c", "c"]
STARS = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5, 8, 10]
FP, FN = [5, 8], [3, 9]


def dataset():
    table = pa.table({"text": TEXTS, "label": LABELS, "source": SOURCE, "stars": STARS})
    spec = {"text": T.TextSegment(),
            "label": T.CategoryLabel(vocab=("negative", "positive")),
            "source": T.CategoryLabel(required=False), "stars": T.Scalar(required=False)}
    return from_table(table, spec=spec, name="reviews")


def workspace(store):
    return Workspace({"clf": FakeClassifier()}, {"reviews": dataset()}, engine=Engine(store))


@pytest.fixture
def reviews():
    """The 12-row reviews dataset: ``dataset()``, ``workspace(store)``, ``FP``, ``FN``."""
    return SimpleNamespace(dataset=dataset, workspace=workspace, FP=FP, FN=FN)
