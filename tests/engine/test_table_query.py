"""Filter, sort and page an Arrow table with prediction columns."""

import pyarrow as pa
import pytest

from lumos.api.types import SpecError
from lumos.engine.frames import build_frame
from lumos.engine.table_query import query

FP = [5, 8]


@pytest.fixture
def table(reviews):
    return reviews.dataset().to_arrow()


def test_filter_sort_page(table):
    r = query(table, filters=[{"field": "source", "op": "==", "value": "c"},
                              {"field": "stars", "op": ">=", "value": 3}],
              sort=[("stars", "desc")])
    assert r.total == 4
    assert r.page.column("_index").to_pylist() == [11, 10, 9, 8]
    assert r.page.column("stars").to_pylist() == [10, 8, 5, 3]
    page2 = query(table, sort=[("stars", "desc"), ("text", "asc")], offset=2, limit=2)
    assert page2.total == 12 and page2.offset == 2
    assert page2.page.column("stars").to_pylist() == [5, 3]


def test_text_contains_is_case_insensitive_by_default(table):
    r = query(table, filters=[{"field": "text", "op": "contains", "value": "GOOD"}])
    assert r.indices.to_pylist() == [0, 2]
    r = query(table, filters=[{"field": "text", "op": "contains", "value": "GOOD",
                               "case_sensitive": True}])
    assert r.total == 0


def test_id_set_and_within(table):
    ids = table.column("id").to_pylist()
    r = query(table, filters=[{"field": "id", "op": "in", "value": [ids[7], ids[2]]}])
    assert r.indices.to_pylist() == [2, 7]
    r = query(table, within=[1, 2, 3], filters=[{"field": "source", "op": "==",
                                                 "value": "b"}])
    assert r.indices.to_pylist() == [2, 3]


def test_prediction_columns_as_extra(store, reviews, table):
    ws = reviews.workspace(store)
    frame = build_frame(ws, "clf", "reviews")
    extra = {"error": frame.column("probas:error"), "conf": frame.column("probas:confidence")}
    r = query(table, filters=[{"field": "error", "op": "==", "value": "FP"}],
              sort=[("conf", "asc")], columns=["text", "error"], extra=extra)
    assert sorted(r.indices.to_pylist()) == FP
    assert r.page.column_names == ["_index", "text", "error"]


def test_bad_filters_name_themselves(table):
    with pytest.raises(SpecError, match="'nope'"):
        query(table, filters=[{"field": "nope", "op": "==", "value": 1}])
    with pytest.raises(SpecError, match="'~'"):
        query(table, filters=[{"field": "stars", "op": "~", "value": 1}])
    with pytest.raises(SpecError, match="'stars'.*text column"):
        query(table, filters=[{"field": "stars", "op": "contains", "value": "1"}])
    with pytest.raises(SpecError, match="sort on 'stars'"):
        query(table, sort=[("stars", "up")])
    with pytest.raises(SpecError, match="rows"):
        query(table, extra={"x": pa.array([1])})


def test_pages_of_a_chunked_table_keep_their_order():
    import pyarrow as pa

    from lumos.engine.table_query import take

    t = pa.Table.from_batches(pa.table({"v": list(range(100))}).to_batches(max_chunksize=7))
    assert t.column("v").num_chunks > 10
    r = query(t, filters=[{"field": "v", "op": ">=", "value": 20}], sort=[("v", "desc")],
              offset=5, limit=10)
    assert r.page.column("v").to_pylist() == list(range(94, 84, -1))
    assert take(t.column("v"), pa.array([99, 0, 50, 51, 6, 7])).to_pylist() == \
        [99, 0, 50, 51, 6, 7]


def test_wrong_tag_counts_compare_each_tag_with_gold():
    from lumos.engine.table_query import wrong_tag_counts

    pred = pa.chunked_array([[["B-PER", "O", "B-PER"], ["O", "O"]],
                             [None, ["B-PER", "I-PER"], [], ["O", "B-PER", "O"]]])
    gold = pa.array([["B-PER", "O", "O"], ["O", "O"], ["O"], ["O", "O"], [], ["O"]])
    got = wrong_tag_counts(pred, gold).to_pylist()
    # one differs; none; not predicted; both differ; empty rows; one agrees, two missing
    assert got == [1, 0, None, 2, 0, 2]
    assert wrong_tag_counts(pa.array([["O"]]), pa.array([None], pa.list_(pa.string()))
                            ).to_pylist() == [None]
    with pytest.raises(SpecError, match="1 predicted rows for 2 gold rows"):
        wrong_tag_counts(pa.array([["O"]]), gold.slice(0, 2))
