"""Kept datapoints: checked, linked to their parents, offered as a named slice."""

import pytest

from lumos.api.types import SpecError
from lumos.engine import Engine, Workspace
from lumos.engine.datapoints import keep_datapoints
from lumos.engine.slices import get_slice
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier
from lumos.testing.sample import sentiment_dataset


@pytest.fixture
def ws():
    return Workspace({"clf": FakeClassifier()}, {"s": sentiment_dataset()},
                     engine=Engine(Store(":memory:")))


def test_kept_rows_are_stored_with_their_parents_and_sliced(ws):
    parent = ws.dataset("s").ids[0]
    out = keep_datapoints(ws, "s", [({"text": "a bad film", "label": "positive"}, parent),
                                    ({"text": "a fine film"}, parent)], slice_name=" cf ")
    stored = {r["id"]: r for r in ws.store.datapoints("s")}
    assert [stored[r["id"]]["_parent"] for r in out["rows"]] == [parent, parent]
    assert get_slice(ws, "s", "cf")["ids"] == [r["id"] for r in out["rows"]]


def test_a_bad_row_stores_nothing_and_names_itself(ws):
    with pytest.raises(SpecError, match="row 1: field 'colour'"):
        keep_datapoints(ws, "s", [({"text": "ok"}, None), ({"text": "x", "colour": 1}, None)])
    assert ws.store.datapoints("s") == []
    with pytest.raises(SpecError, match="slice"):
        keep_datapoints(ws, "s", [({"text": "ok"}, None)], slice_name="  ")
