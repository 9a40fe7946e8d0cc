"""The generation runner: chunks, progress, cancel, batched predictions, parent links."""

import threading

import pytest

from lumos.api import types as T
from lumos.api.component import Generated, Generator
from lumos.api.types import SpecError
from lumos.engine import Cancelled, Engine, Workspace
from lumos.engine.generate import generate, prediction_change
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier, FakeGenerator, FakeRegressor, FakeTagger

RULES = "good -> bad | fine; great -> awful"


def test_rows_get_keys_parents_and_predictions_in_batches(reviews):
    ws = reviews.workspace(Store(":memory:"))
    clf = ws.model("clf")
    start = clf.seen  # the workspace's smoke test predicted once
    run = generate(ws, "clf", "reviews", "word_replace", {"rules": RULES})
    ds = ws.dataset("reviews")
    assert [r.parent for r in run.results] == list(ds.ids)
    made = [cf for r in run.results for cf in r.counterfactuals]
    assert made == run.counterfactuals and len(run.rows) == len(made) == 6
    for cf, row in zip(run.counterfactuals, run.rows, strict=True):
        assert row["_parent"] == cf.parent and row["id"].startswith("d")
        assert row["label"] == ds.examples([ds.index_of(cf.parent)])[0]["label"]
    # parents and children were predicted together, in batches, each text once
    assert clf.seen - start == len(ds) + len({r["text"] for r in run.rows})
    assert max(clf.batch_sizes) <= clf.max_batch_size
    # "good movie" -> "bad movie" flips the keyword classifier
    i = next(n for n, r in enumerate(run.rows) if r["text"] == "bad movie")
    assert run.changes[i]["probas"]["flipped"] is True
    assert run.changes[i]["probas"]["score_delta"] < 0
    # a second run predicts nothing again (cached by content)
    before = clf.seen
    generate(ws, "clf", "reviews", "word_replace", {"rules": RULES})
    assert clf.seen == before


def test_selection_progress_and_validity_are_reported(reviews):
    ws = reviews.workspace(Store(":memory:"))
    seen = []
    run = generate(ws, "clf", "reviews", "word_replace", {"rules": RULES},
                   indices=[0, 2], chunk_size=1, on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    assert len(run.results) == 2
    for cf in run.counterfactuals:
        assert set(cf.validity) >= {"negation", "char_change", "embedding"}
        assert cf.valid is not True or "not_checked" not in cf.validity.values()
    recs = run.records()
    assert recs[0]["example"]["id"] == run.rows[0]["id"]


@pytest.mark.timeout(60)
def test_cancel_stops_between_chunks(reviews):
    ws = reviews.workspace(Store(":memory:"))
    cancel = threading.Event()

    def on_progress(done, total):
        cancel.set()

    with pytest.raises(Cancelled):
        generate(ws, "clf", "reviews", "word_replace", {"rules": RULES}, chunk_size=2,
                 on_progress=on_progress, cancel=cancel)


def test_rule_generators_run_without_a_model():
    run = generate(None, None, [{"text": "good day"}, {"text": "good day"}], "word_replace",
                   {"rules": RULES})
    assert run.outputs is None and len(run.rows) == 4
    # rows without an id get a content key, the same for identical rows
    assert run.results[0].parent == run.results[1].parent == run.parents[0]["id"]
    assert all(cf.validity["embedding"] == "not_checked" for cf in run.counterfactuals)


class _Search(Generator):
    """A toy search that predicts all its candidates in one engine call (not registered:
    the registry-wide tests must not see it)."""

    id = "test_search"
    version = "1"
    needs_model = True
    tasks = frozenset({"classification"})

    def run(self, examples, context, *, config):
        cands = [{"text": w} for ex in examples for w in ex["text"].split()]
        context.predict(context.model, cands, transient=True)
        return [Generated(parent=ex["id"], status="no_change") for ex in examples]


def test_a_search_predicts_through_the_engine_in_batches():
    clf = FakeClassifier(max_batch_size=64)
    rows = [{"id": str(i), "text": "good bad good"} for i in range(5)]
    generate(Engine(Store(":memory:")), clf, rows, _Search(), chunk_size=5)
    assert clf.batch_sizes[0] == 2  # "good", "bad": de-duplicated, one call


def test_incompatible_and_missing_models_are_named():
    with pytest.raises(SpecError, match="test_search.*pass --model"):
        generate(None, None, [{"text": "x"}], _Search())
    with pytest.raises(SpecError, match="task 'regression'.*supports \\['classification'\\]"):
        generate(None, FakeRegressor(), [{"text": "x y"}], _Search())
    with pytest.raises(SpecError, match="no generator named 'nope'"):
        generate(None, None, [{"text": "x"}], "nope")
    with pytest.raises(SpecError, match="unknown config option 'rule'"):
        generate(None, None, [{"text": "x"}], "word_replace", {"rule": "a -> b"})


def test_prediction_change_per_task():
    reg = FakeRegressor()
    assert prediction_change(reg, {"prediction": 0.2}, {"prediction": 0.5})["prediction"][
        "delta"] == pytest.approx(0.3)
    tag = FakeTagger()
    ch = prediction_change(tag, {"pred_tags": ["O", "B-PER"]}, {"pred_tags": ["O", "O", "O"]})
    assert ch["pred_tags"] == {"changed": True, "changed_share": 2 / 3}
    gen = FakeGenerator()
    ch = prediction_change(gen, {"output_text": [["a b", -1.0]]}, {"output_text": [["a", -1]]})
    assert ch["output_text"]["changed"] is True and ch["output_text"]["text"] == "a"


def test_tagging_rows_are_realigned_and_predicted():
    tagger = FakeTagger()
    rows = [{"id": "s", "tokens": ["we", "saw", "bob"], "tags": ["O", "O", "B-PER"]}]
    spec = {"tokens": T.Tokens(), "tags": T.SequenceTags(align="tokens", vocab=tagger.tags)}
    run = generate(Workspace({"t": tagger}), "t", rows, "word_replace",
                   {"rules": "bob -> Bob Smith"}, dataset_spec=spec)
    [row] = run.rows
    assert row["tokens"] == ["we", "saw", "Bob", "Smith"]
    assert row["tags"] == ["O", "O", "B-PER", "I-PER"]
    assert run.changes[0]["pred_tags"]["changed"] is True
    # without a dataset spec, the model's input spec says which tags to realign
    again = generate(None, tagger, rows, "word_replace", {"rules": "bob -> Bob Smith"})
    assert again.rows[0]["tags"] == ["O", "O", "B-PER", "I-PER"]


def test_generation_models_get_their_input_changed_and_output_change_reported():
    run = generate(None, FakeGenerator(), [{"id": "s", "source": "a good day"}],
                   "word_replace", {"rules": "good -> bad"})
    [row] = run.rows
    assert row["source"] == "a bad day"  # the model's text input, found from its spec
    assert run.changes[0]["output_text"] == {"changed": True, "parent_text": "day good a",
                                             "text": "day bad a"}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_synonyms_on_the_sentiment_demo_predict_in_batches_and_check_embeddings():
    from lumos.components.generators import wordnet

    if not wordnet.available():
        pytest.skip("WordNet not laid out (make bootstrap)")
    from lumos.demos.data import tweets
    from lumos.demos.sentiment import load_sentiment_model
    from lumos.engine.generate import embedding_field

    model = load_sentiment_model(progress=False)
    calls = []
    real = model.predict
    model.predict = lambda inputs, **kw: calls.append(len(inputs)) or real(inputs, **kw)
    ds = tweets("test")
    run = generate(Engine(Store(":memory:")), model, ds, "synonyms",
                   {"max_synonyms": 2, "budget": 10}, indices=range(8))
    assert len(run.results) == 8 and run.rows
    texts = {r["text"] for r in run.rows} | {p["text"] for p in run.parents}
    # one engine call: the model saw each distinct text once, in full batches
    assert sum(calls) == len(texts)
    assert len(calls) == -(-len(texts) // model.max_batch_size)
    assert embedding_field(model) is not None
    checked = [cf.validity["embedding"] for cf in run.counterfactuals]
    assert "not_checked" not in checked and "passed" in checked
    preds = next(n for n, f in model.output_spec().items()
                 if isinstance(f, T.MulticlassPreds))
    assert all(isinstance(c[preds]["flipped"], bool) for c in run.changes)


def test_compatibility_needs_a_field_to_edit():
    from lumos.engine.generate import get_generator

    gen = get_generator("word_replace")
    assert gen.is_compatible(FakeClassifier(), {})
    assert gen.is_compatible(None, {"text": T.TextSegment()})
    assert not gen.is_compatible(None, {"score": T.Scalar()})
    assert not get_generator("templates").is_compatible(FakeTagger(), {})
