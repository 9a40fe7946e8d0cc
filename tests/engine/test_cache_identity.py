"""The cache never serves a stale or foreign number. Each test here fails on the code at
d69ab88, where predictions were keyed by a row's id and models by ``id(model)``."""

import gc

import numpy as np
import pytest

from lumos.api import types as T
from lumos.datasets.files import load_file
from lumos.engine import Engine
from lumos.engine.interpret import explain
from lumos.store import Store
from lumos.store.keys import DuplicateIdError, example_key, model_key
from lumos.testing.linear import LinearTextModel


@pytest.fixture
def engine(tmp_path):
    e = Engine(Store(tmp_path / "store.sqlite"))
    yield e
    e.store.close()


def positive(outputs):
    return [float(o["probas"][1]) for o in outputs]


def test_two_files_with_the_same_ids_get_their_own_predictions(tmp_path, engine):
    (tmp_path / "a.csv").write_text("id,text\n1,great wonderful film\n")
    (tmp_path / "b.csv").write_text("id,text\n1,awful terrible film\n")
    model = LinearTextModel()
    a = engine.predict(model, load_file(tmp_path / "a.csv").examples([0]))
    b = engine.predict(model, load_file(tmp_path / "b.csv").examples([0]))
    assert positive(a)[0] > 0.5 > positive(b)[0]
    fresh = Engine(Store(tmp_path / "other.sqlite"))
    assert positive(b) == positive(fresh.predict(model, [{"text": "awful terrible film"}]))


def test_an_edited_text_is_predicted_again(engine):
    model = LinearTextModel()
    first = engine.predict(model, [{"id": "row-7", "text": "great film"}])
    edited = engine.predict(model, [{"id": "row-7", "text": "terrible film"}])
    assert positive(first)[0] > 0.5 > positive(edited)[0]


def test_keys_cover_the_input_fields_and_nothing_else():
    fields = ["text", "label"]
    base = {"text": "a film", "label": "positive"}
    assert example_key({**base, "id": "1"}, fields) == example_key({**base, "id": "2"}, fields)
    assert example_key(base, fields) != example_key({**base, "label": "negative"}, fields)
    assert example_key(base, fields) != example_key({**base, "text": "a film "}, fields)
    assert example_key(base, fields) == example_key({**base, "other": 1}, fields)


def test_models_made_in_a_loop_never_get_a_dead_models_outputs(engine):
    texts = [{"text": "great film"}, {"text": "awful day"}]
    for seed in range(20):
        model = LinearTextModel(seed=seed)
        got = positive(engine.predict(model, texts))
        want = positive(model.predict(texts))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
        del model
        gc.collect()  # the next model may reuse this one's address


def test_a_weight_changed_in_place_is_noticed(engine):
    import torch

    model = LinearTextModel()
    ex = [{"text": "great film"}]
    before = positive(engine.predict(model, ex))
    key = model_key(model)
    with torch.no_grad():
        model.module["classifier"].bias.add_(torch.tensor([3.0, -3.0]))
    after = positive(engine.predict(model, ex))
    assert after[0] < before[0] and model_key(model) != key
    np.testing.assert_allclose(after, positive(model.predict(ex)), atol=1e-7)
    # load_state_dict back: the old key, and the old outputs, come back
    fresh = LinearTextModel()
    model.module.load_state_dict(fresh.module.state_dict())
    assert model_key(model) == key
    assert positive(engine.predict(model, ex)) == before


def test_invalidate_fingerprint_covers_what_no_token_sees(engine):
    model = LinearTextModel()
    ex = [{"text": "great film"}]
    before = positive(engine.predict(model, ex))
    model.pooling = "mean"  # a setting, not a weight: the token does not see it ...
    model.invalidate_fingerprint()  # ... so the user says so
    assert positive(engine.predict(model, ex)) == positive(model.predict(ex)) != before


def test_a_component_version_change_recomputes_its_results(engine):
    from lumos.components.salience.gradient_norm import GradientNorm

    model = LinearTextModel()
    ex = [{"text": "great film"}]
    explain(engine, model, ex, "gradient_norm")
    cached = engine.store.count_outputs()

    class Newer(GradientNorm):
        version = "2"

    Newer.id = "gradient_norm"
    explain(engine, model, ex, Newer)
    assert engine.store.count_outputs() > cached  # stored under a new key, not served


def test_a_component_without_a_version_is_refused():
    from lumos.api.component import Interpreter
    from lumos.api.registry import register

    class Unversioned(Interpreter):
        def output_spec(self, model):
            return {"x": T.Scalar()}

    with pytest.raises(ValueError, match="declares no version"):
        register("unversioned_method_for_test")(Unversioned)


def test_a_tokenizer_change_changes_the_hf_fingerprint(tmp_path):
    from lumos.models.hf.classifier import HFClassifier
    from lumos.testing.tiny import tiny_classifier_dir

    model = HFClassifier(tiny_classifier_dir(tmp_path))
    key = model_key(model)
    model.tokenizer.add_tokens(["brandnewword"])
    assert model_key(model) != key


def test_the_torch_module_fingerprint_covers_its_whole_vocabulary(tmp_path):
    from lumos.testing.tiny import build_torch_module

    model, _ = build_torch_module(tmp_path)
    before = model.fingerprint()
    last = max(model.vocab, key=model.vocab.get)  # beyond the first 50 entries
    model.vocab[last + "x"] = model.vocab.pop(last)
    assert model.fingerprint() != before


def test_duplicate_ids_are_refused_naming_both_rows(tmp_path):
    (tmp_path / "d.csv").write_text("id,text\n1,good\n2,bad\n1,fine\n")
    named = r"repeats the id '1' at line 2 \(row 0\) and line 4 \(row 2\)"
    with pytest.raises(DuplicateIdError, match=named):
        load_file(tmp_path / "d.csv")


def test_rows_without_ids_get_unique_keys_even_when_they_repeat(tmp_path):
    (tmp_path / "r.csv").write_text("text\ngood\nbad\ngood\ngood\n")
    ds = load_file(tmp_path / "r.csv")
    assert len(set(ds.ids)) == 4
    assert ds.ids[2] == ds.ids[0] + "~2" and ds.ids[3] == ds.ids[0] + "~3"


def test_a_remote_model_without_a_server_fingerprint_is_cached_in_this_process_only(
        tmp_path):
    from lumos.models.remote import RemoteModel
    from lumos.testing.fakes import FakeClassifier
    from lumos.testing.tiny import LocalModelServer

    server = LocalModelServer(FakeClassifier())
    try:
        vouched = RemoteModel(server.url)
        assert vouched.persistent_cache()
        del server.spec["fingerprint"]  # a server that does not vouch for its weights
        one, two = RemoteModel(server.url), RemoteModel(server.url)
        assert not one.persistent_cache() and model_key(one) != model_key(two)
        pinned = RemoteModel(server.url, cache_across_processes=True)
        assert pinned.persistent_cache() and model_key(pinned) != model_key(one)
        engine = Engine(Store(tmp_path / "s.sqlite"))
        engine.predict(one, [{"text": "good"}])
        assert engine.store.count_outputs() == 0
        assert engine.predict(one, [{"text": "good"}])  # served from memory
        for m in (vouched, one, two, pinned):
            m.close()
    finally:
        server.close()
