"""Facets, bins, derived fields, error sets, confusion cells, named slices and exports."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from lumos.api.types import SpecError
from lumos.engine import Engine, Workspace
from lumos.engine.error_sets import confusion_cells, error_rows
from lumos.engine.export import export, export_rows
from lumos.engine.frames import build_frame
from lumos.engine.grouping import bin_numeric, facet, group_by, scatter
from lumos.engine.slices import delete_slice, get_slice, list_slices, save_slice, slice_indices
from lumos.store import Store

FP, FN = [5, 8], [3, 9]


@pytest.fixture
def ws(store, reviews):
    return reviews.workspace(store)


@pytest.fixture
def frame(ws):
    return build_frame(ws, "clf", "reviews")


def counts(groups):
    return {g.label: len(g.rows) for g in groups}


def test_frame_has_predictions_and_derived_fields(frame):
    assert frame.num_rows == 12
    assert frame.column("text:length").to_pylist() == [2, 2, 3, 2, 3, 2, 1, 2, 2, 3, 1, 1]
    assert frame.column("probas:correct").to_pylist().count(True) == 8
    errors = frame.column("probas:error").to_pylist()
    assert [i for i, e in enumerate(errors) if e == "FP"] == FP
    assert [i for i, e in enumerate(errors) if e == "FN"] == FN
    conf = frame.column("probas:confidence").to_pylist()
    assert conf[4] == pytest.approx(0.5)  # "great but bad": a tie
    assert frame.column("probas:margin").to_pylist()[4] == pytest.approx(0.0)


def test_facet_counts(frame):
    assert counts(facet(frame, "source")) == {"a": 2, "b": 4, "c": 6}
    assert counts(facet(frame, "probas:correct")) == {"false": 4, "true": 8}


def test_equal_width_and_quantile_bins(frame):
    eq = bin_numeric(frame, "stars", 3, "equal_width")
    assert [(g.label, len(g.rows)) for g in eq] == [("[1, 4)", 9), ("[4, 7)", 1),
                                                     ("[7, 10]", 2)]
    q = bin_numeric(frame, "stars", 2, "quantile")
    assert [(g.label, len(g.rows)) for g in q] == [("[1, 1.5)", 6), ("[1.5, 10]", 6)]
    assert sorted(np.concatenate([g.rows for g in q]).tolist()) == list(range(12))


def test_group_by_bins_numeric_and_facets_few_values(frame):
    assert counts(group_by(frame, "text:length", bins=5)) == {"1": 3, "2": 6, "3": 3}
    assert len(group_by(frame, "stars", bins=2)) == 2


def test_unknown_field_and_bad_binning_name_themselves(frame):
    with pytest.raises(SpecError, match="'nope'"):
        facet(frame, "nope")
    with pytest.raises(SpecError, match="binning"):
        bin_numeric(frame, "stars", 3, "log")
    with pytest.raises(SpecError, match="'source'"):
        bin_numeric(frame, "source", 3)


def test_error_sets(frame):
    assert error_rows(frame, "probas", "fp").tolist() == FP
    assert error_rows(frame, "probas", "fn").tolist() == FN
    # per class: false positives of 'negative' are the false negatives of 'positive'
    assert error_rows(frame, "probas", "fp", "negative").tolist() == FN
    assert error_rows(frame, "probas", "incorrect").tolist() == sorted(FP + FN)


def test_confusion_cells_select_their_rows(frame):
    cm = confusion_cells(frame, "probas")
    assert cm["labels"] == ["negative", "positive"]
    assert cm["matrix"] == [[4, 2], [2, 4]]
    assert cm["rows"][0][1] == FP  # gold negative, predicted positive
    assert cm["rows"][1][0] == FN


def test_scatter(frame):
    sc = scatter(frame, "stars", "probas:confidence")
    assert sc["x"][11] == 10.0 and len(sc["y"]) == 12 and sc["indices"] == list(range(12))
    with pytest.raises(SpecError, match="not numeric"):
        scatter(frame, "source", "stars")


def test_frame_of_a_selection(ws):
    f = build_frame(ws, "clf", "reviews", [3, 5])
    assert f.column("_index").to_pylist() == [3, 5]
    assert f.column("probas:error").to_pylist() == ["FN", "FP"]
    with pytest.raises(SpecError, match="row 99"):
        build_frame(ws, "clf", "reviews", [99])


def test_named_slices_survive_a_restart(tmp_path, reviews):
    path = tmp_path / "s.sqlite"
    store = Store(path)
    ws = reviews.workspace(store)
    ids = [ws.dataset("reviews").ids[i] for i in (1, 4, 7)]
    save_slice(ws, "reviews", "negatives", ids, description="three")
    store.close()

    store2 = Store(path)
    ws2 = Workspace({}, {"reviews": reviews.dataset()}, engine=Engine(store2))
    assert slice_indices(ws2, "reviews", "negatives") == [1, 4, 7]
    assert list(list_slices(ws2, "reviews")) == ["negatives"]
    assert get_slice(ws2, "reviews", "negatives")["description"] == "three"
    assert delete_slice(ws2, "reviews", "negatives")
    with pytest.raises(KeyError, match="negatives"):
        get_slice(ws2, "reviews", "negatives")
    with pytest.raises(SpecError, match="'nope'"):
        save_slice(ws2, "reviews", "bad", ["nope"])
    store2.close()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_contains_exactly_the_error_rows(frame, tmp_path, fmt):
    rows = error_rows(frame, "probas", "fp")
    out = export_rows(frame.take(rows), tmp_path / f"fp.{fmt}")
    if fmt == "parquet":
        got = pq.read_table(out).to_pylist()
    elif fmt == "jsonl":
        got = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        import pyarrow.csv as pcsv

        got = pcsv.read_csv(out).to_pylist()
    assert [r["text"] for r in got] == ["nice one", "love it"]
    assert [r["gold:label"] for r in got] == ["negative", "negative"]  # gold named as gold
    assert [r["probas:label"] for r in got] == ["positive", "positive"]
    assert "_index" not in got[0] and list(got[0])[0] == "id"
    # one column per class, in the model's class order, beside the label and its score
    assert got[0]["probas:positive"] > 0.5 > got[0]["probas:negative"]
    assert got[0]["probas:score"] == pytest.approx(got[0]["probas:positive"])
    if fmt == "parquet":
        meta = pq.read_schema(out).metadata
        assert json.loads(meta[b"lumos.vocab"]) == {"probas": ["negative", "positive"]}


def test_export_rejects_unknown_format(frame, tmp_path):
    with pytest.raises(SpecError, match="xlsx"):
        export_rows(frame, tmp_path / "x.xlsx")


def test_export_an_error_set_of_a_selection(ws, tmp_path):
    res = export(ws, "clf", "reviews", tmp_path / "fn.jsonl", indices=[0, 3, 5, 9],
                   error=("probas", "fn"))
    assert res["rows"] == 2
    got = [json.loads(line) for line in (tmp_path / "fn.jsonl").read_text().splitlines()]
    assert [r["text"] for r in got] == ["awful day", "plain words here"]


def test_models_frame_names_each_models_columns(store, reviews):
    from lumos.engine.export import models_frame

    base = reviews.workspace(store)
    model = base.model("clf")
    two = Workspace({"a": model, "b": model}, {"reviews": base.dataset("reviews")},
                    engine=Engine(store))
    one = build_frame(two, "a", "reviews")
    both = models_frame(two, "a", ["b"], "reviews")
    assert models_frame(two, "a", [], "reviews").equals(one)
    assert "text" in both.column_names and "probas" not in both.column_names
    for name in ("a", "b"):
        assert both.column(f"{name}/probas:error").to_pylist() == \
            one.column("probas:error").to_pylist()
    # the decision applies to the first model only
    shifted = models_frame(two, "a", ["b"], "reviews", margin=5.0)
    assert shifted.column("b/probas:error").to_pylist() == one.column("probas:error").to_pylist()
    assert shifted.column("a/probas:error").to_pylist() != one.column("probas:error").to_pylist()
