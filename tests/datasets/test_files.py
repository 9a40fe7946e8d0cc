import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.datasets import DatasetError, load, load_file

SPEC = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("neg", "pos")),
        "score": T.Scalar(required=False)}


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_jsonl_parquet_pandas_give_same_ids(tmp_path):
    rows = [{"text": "good film", "label": "pos", "score": 0.5},
            {"text": "bad film", "label": "neg", "score": 1.5}]
    df = pd.DataFrame(rows)
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    pq.write_table(pa.Table.from_pandas(df), tmp_path / "d.parquet")
    loaded = [load_file(tmp_path / f"d.{s}", spec=SPEC) for s in ("csv", "jsonl", "parquet")]
    loaded.append(load(df, spec=SPEC))
    ids = {tuple(d.ids) for d in loaded}
    assert len(ids) == 1 and len(next(iter(ids))) == 2
    assert loaded[0].examples([1])[0]["label"] == "neg"


def test_hf_datasets_object(tmp_path):
    datasets = pytest.importorskip("datasets", reason="the hf-datasets extra (Hugging Face "
                                   "datasets) is not installed")
    ds = datasets.Dataset.from_dict({"text": ["a b", "c d", "e f"], "label": ["pos", "neg", "pos"]})
    d = load(ds.select([2, 0]), spec=SPEC)
    assert [e["text"] for e in d.examples([0, 1])] == ["e f", "a b"]


def test_ids_are_content_hashes(tmp_path):
    a = load(pd.DataFrame({"text": ["x y", "z"], "label": ["pos", "neg"]}), spec=SPEC)
    b = load(pd.DataFrame({"text": ["z", "x y"], "label": ["neg", "pos"]}), spec=SPEC)
    assert a.ids[0] == b.ids[1] and a.ids[1] == b.ids[0]
    assert a.index_of(b.ids[0]) == 1


def test_column_mapping(tmp_path):
    p = write_csv(tmp_path / "m.csv", "tweet,sentiment\nhello there,pos\n")
    d = load_file(p, spec=SPEC, columns={"text": "tweet", "label": "sentiment"})
    assert d.examples([0])[0]["text"] == "hello there"
    with pytest.raises(DatasetError, match="column 'body'.*field 'text'"):
        load_file(p, spec=SPEC, columns={"text": "body"})


def test_inferred_spec(tmp_path):
    rows = "\n".join(f"sentence number {i} here,{'pos' if i % 2 else 'neg'},{i}" for i in range(60))
    p = write_csv(tmp_path / "i.csv", "text,label,n\n" + rows + "\n")
    spec = load_file(p).spec()
    assert isinstance(spec["text"], T.TextSegment)
    assert spec["label"] == T.CategoryLabel(vocab=("neg", "pos"), required=False)
    assert isinstance(spec["n"], T.Scalar)


# ---- bad input: each names what is wrong, and nothing is written or lost


def test_wrong_path():
    with pytest.raises(DatasetError, match="nope.csv: no such file"):
        load_file("nope.csv")


def test_missing_required_column(tmp_path):
    p = write_csv(tmp_path / "c.csv", "body,label\nhi,pos\n")
    with pytest.raises(DatasetError, match=r"c.csv: column 'text' is required but missing"):
        load_file(p, spec=SPEC)


def test_label_outside_vocab(tmp_path):
    p = write_csv(tmp_path / "v.csv", "text,label\nfine,pos\nhmm,meh\n")
    with pytest.raises(DatasetError,
                       match=r"v.csv: column 'label' has label 'meh' at line 3 \(row 1\)"):
        load_file(p, spec=SPEC)


def test_empty_text(tmp_path):
    p = write_csv(tmp_path / "e.csv", 'text,label\nfine,pos\n"   ",neg\n')
    with pytest.raises(DatasetError,
                       match=r"e.csv: column 'text' has empty text at line 3 \(row 1\)"):
        load_file(p, spec=SPEC)


def test_non_utf8_file_names_file_and_fix(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("text,label\ncaf\xe9 ok,pos\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"latin.csv: column 'text' is not valid utf-8.*latin-1"):
        load_file(p, spec=SPEC)
    d = load_file(p, spec=SPEC, encoding="latin-1")
    assert d.examples([0])[0]["text"] == "café ok"


def test_nan_in_numeric_column(tmp_path):
    # pandas and CSV readers turn NaN into a missing value: a required column rejects it
    df = pd.DataFrame({"text": ["a", "b"], "label": ["pos", "neg"], "score": [1.0, math.nan]})
    required = {**SPEC, "score": T.Scalar()}
    with pytest.raises(DatasetError, match=r"column 'score' has a missing value .*NaN.* row 1"):
        load(df, spec=required)
    # a real IEEE NaN (e.g. in Parquet) is rejected even in an optional column
    table = pa.table({"text": ["a", "b"], "label": ["pos", "neg"],
                      "score": pa.array([1.0, math.nan], from_pandas=False)})
    pq.write_table(table, tmp_path / "n.parquet")
    with pytest.raises(DatasetError, match=r"n.parquet: column 'score' is NaN at row 1"):
        load_file(tmp_path / "n.parquet", spec=SPEC)


def test_tags_must_align_with_tokens():
    table = pa.table({"tokens": [["a", "b"]], "tags": [["O"]]})
    spec = {"tokens": T.Tokens(), "tags": T.SequenceTags(align="tokens")}
    with pytest.raises(DatasetError, match=r"row 0 .*'tags' than 'tokens'"):
        load(table, spec=spec)


def test_million_rows_stay_in_arrow():
    n = 1_000_000
    table = pa.table({"text": pa.array(["some words"] * n), "id": pa.array(
        [f"r{i}" for i in range(n)])})
    d = load(table, spec={"text": T.TextSegment()})
    assert len(d) == n
    assert d.examples([n - 1])[0]["id"] == f"r{n - 1}"


# ---- files as users have them: only the fields a model reads are checked


def _fits(ds):
    """The dataset meeting a model (the CLI, the server and Python do this the same way)."""
    from lumos.engine import Engine, Workspace
    from lumos.store import Store
    from lumos.testing import FakeClassifier

    ws = Workspace({}, {"d": ds}, engine=Engine(Store(":memory:")))
    ws.add_model("clf", FakeClassifier(), smoke_test=False)
    return ws


def test_blanks_in_a_column_no_model_reads_never_refuse_a_file(tmp_path):
    p = write_csv(tmp_path / "notes.csv", "text,label,note,stars\n"
                  "good film,positive,,4\n"
                  "bad film,negative,seen twice,\n"
                  "good fun,,,\n")
    ds = load_file(p)
    assert ds.spec()["note"] == T.TextSegment(required=False, allow_empty=False)
    ws = _fits(ds)
    outs = ws.predict("clf", ds.examples(range(3)), fields=["probas"])
    assert [int(o["probas"].argmax()) for o in outs] == [1, 0, 1]
    # an empty cell is a missing value, not a label ''
    assert [e["label"] for e in ds.examples(range(3))] == ["positive", "negative", None]
    assert ds.examples([0])[0]["note"] is None


@pytest.mark.parametrize("body,where", [
    ("text,note\ngood film,\n,x\n", "line 3 (row 1)"),
    ('text,note\n"a film\nin two lines",x\n\n"  ",y\n', "line 5 (row 1)"),
])
def test_a_blank_in_the_text_a_model_reads_names_file_column_and_line(tmp_path, body,
                                                                        where):
    p = write_csv(tmp_path / "blank.csv", body)
    ds = load_file(p)  # nothing reads the text yet
    with pytest.raises(SpecError) as e:
        _fits(ds)
    msg = str(e.value)
    assert "blank.csv: column 'text' has" in msg and f"at {where}" in msg


def test_jsonl_missing_keys_and_the_line_of_a_bad_record(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "good film", "extra": 1}\n\n{"text": "bad film"}\n'
                 '{"text": " ", "extra": 3}\n')
    ds = load_file(p)
    with pytest.raises(SpecError, match=r"d.jsonl: column 'text' has empty text at "
                                        r"line 4 \(row 2\)"):
        _fits(ds)
    p.write_text('{"text": "good film", "extra": 1}\n{"text": "bad film"}\n')
    ws = _fits(load_file(p))
    assert ws.compatible_datasets("clf") == ["d"]


def test_a_declared_spec_still_checks_each_declared_field_at_load(tmp_path):
    p = write_csv(tmp_path / "s.csv", "text,label,other\nfine,pos,\nhmm,,x\n")
    optional = {**SPEC, "label": T.CategoryLabel(vocab=("neg", "pos"), required=False)}
    d = load_file(p, spec=optional)  # an empty cell is a missing gold label
    assert d.examples([1])[0]["label"] is None
    with pytest.raises(DatasetError, match=r"s.csv: column 'label' has a missing value .* "
                                           r"at line 3 \(row 1\)"):
        load_file(p, spec=SPEC)
