"""A store written by schema 1 (tests/store/fixtures/store_v1.sqlite, made by the code at
d69ab88): its cache is set aside, what the user saved is kept and remapped."""

import shutil
import sqlite3

import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets.arrow import ArrowDataset
from lumos.engine import Workspace
from lumos.engine.predict import Engine
from lumos.engine.slices import get_slice
from lumos.store import Store
from lumos.store.keys import SCHEMA_VERSION
from lumos.testing.fakes import FakeClassifier

FIXTURE = __import__("pathlib").Path(__file__).with_name("fixtures") / "store_v1.sqlite"
TEXTS = ["great wonderful film", "awful terrible film", "a film", "great wonderful film"]
LABELS = ["positive", "negative", "negative", "positive"]
SPEC = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative", "positive"))}


@pytest.fixture
def old_store(tmp_path):
    path = tmp_path / "store.sqlite"
    shutil.copy(FIXTURE, path)
    return path


def films():
    return ArrowDataset(pa.table({"text": TEXTS, "label": LABELS}), SPEC, name="films")


def test_the_old_cache_is_set_aside_with_one_line(old_store, capsys):
    store = Store(old_store)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "schema 1" in err[0] and "set aside" in err[0]
    assert store.schema_version() == SCHEMA_VERSION
    assert store.count_outputs() == 0  # nothing old is served
    info = store.cache_info()
    assert info["set_aside"]["outputs_schema1"] == 9
    assert store.get_state("projections", "old-key") is None
    store.close()
    Store(old_store).close()  # a second open is quiet: already migrated
    assert capsys.readouterr().err == ""


def test_slices_datapoints_and_settings_survive_and_point_at_the_same_rows(old_store):
    store = Store(old_store)
    ds = films()
    ws = Workspace({"fake": FakeClassifier()}, {"films": ds}, engine=Engine(store))
    assert store.get_state("settings", "theme") == {"dark": True}
    sl = get_slice(ws, "films", "first two")
    assert sl["ids"] == list(ds.ids[:2]) and sl["description"] == "kept across versions"
    [dp] = store.datapoints("films")
    assert dp["id"] == "dp1" and dp["text"] == "great film"
    assert dp["_parent"] == ds.ids[1]  # the row 'awful terrible film', under its new key
    assert not store.pending_row_key_migration("films")
    store.close()


def test_prune_drops_what_was_set_aside_and_nothing_the_user_saved(old_store):
    store = Store(old_store)
    Workspace({}, {"films": films()}, engine=Engine(store))
    got = store.prune()
    assert got["set_aside_rows"] == 10  # 9 outputs and 1 cached projection
    assert store.cache_info()["set_aside"] == {}
    assert len(store.datapoints("films")) == 1
    assert store.get_state("slices", "films/first two") is not None
    store.close()


def test_a_store_from_a_newer_lumos_is_refused_by_name(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer lumos"):
        Store(path)
