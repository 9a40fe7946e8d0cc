import pickle

import numpy as np
import pytest

from lumos.models.hf.base import ModelLoadError


def test_sklearn_probas_match_the_pipeline(tiny):
    model, examples = tiny("sklearn_pipeline")
    texts = [ex["text"] for ex in examples]
    ref = model.estimator.predict_proba(texts)
    out = model.predict(examples)
    np.testing.assert_allclose(np.stack([o["probas"] for o in out]), ref, rtol=1e-6)
    assert model.labels == ("negative", "neutral", "positive")


def test_sklearn_bad_files_name_the_path(tmp_path):
    from lumos.models.sklearn import SklearnTextClassifier

    with pytest.raises(ModelLoadError, match="nope.joblib: no such"):
        SklearnTextClassifier(str(tmp_path / "nope.joblib"))
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(ModelLoadError, match="junk.pkl: cannot load"):
        SklearnTextClassifier(str(junk))
    obj = tmp_path / "obj.pkl"
    obj.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ModelLoadError, match="obj.pkl: dict has no predict_proba"):
        SklearnTextClassifier(str(obj))


def test_keras_attention_weights_are_a_distribution_over_tokens(tiny):
    model, _ = tiny("keras_classifier")
    (out,) = model.predict([{"text": "I love this movie , unknownword"}],
                           fields=["probas", "attention_weights", "attention"])
    tokens = out["tokens"]
    assert tokens == ["i", "love", "this", "movie", ",", "unknownword"]
    w = out["attention_weights"]["salience"]
    assert w.shape == (6,) and abs(w.sum() - 1) < 1e-5 and (w > 0).all()
    np.testing.assert_allclose(out["attention"][0, 0, 0], w)


def test_keras_round_trip_and_missing_sidecar(tiny, tiny_dir, tmp_path):
    from lumos.models.keras import KerasClassifier

    model, examples = tiny("keras_classifier")
    again = KerasClassifier(tiny_dir / "tiny_bilstm.keras")
    assert again.fingerprint() == model.fingerprint()
    lone = tmp_path / "lone.keras"
    lone.write_bytes((tiny_dir / "tiny_bilstm.keras").read_bytes())
    with pytest.raises(ModelLoadError, match="lone.lumos.json: missing"):
        KerasClassifier(lone)
    with pytest.raises(ModelLoadError, match="absent.keras: no such"):
        KerasClassifier(tmp_path / "absent.keras")


def test_torch_module_gradients_come_through_the_embedding_hook(tiny):
    import torch

    model, examples = tiny("torch_module")
    emb = model.embed(examples[:2])
    with torch.no_grad():
        probs = model.forward_from_embeds("probas", emb.inputs_embeds, **emb.forward_kwargs)
    out = model.predict(examples[:2], fields=["probas", "token_grad"])
    np.testing.assert_allclose(probs.numpy(), np.stack([o["probas"] for o in out]), atol=1e-6)
    # zeroing the embeddings changes the output: the hook really feeds them in
    with torch.no_grad():
        zeroed = model.forward_from_embeds("probas", torch.zeros_like(emb.inputs_embeds),
                                           **emb.forward_kwargs)
    assert not torch.allclose(zeroed, probs)
    assert out[0]["token_grad"].shape == (len(out[0]["tokens"]), 8)


def test_torch_module_without_embedding_is_refused():
    import torch

    from lumos.models.torch_module import TorchModuleClassifier

    with pytest.raises(ModelLoadError, match="no nn.Embedding"):
        TorchModuleClassifier(module=torch.nn.Linear(2, 2), vocab=["[PAD]", "[UNK]"],
                              labels=["a", "b"])
