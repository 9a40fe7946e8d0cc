import pytest

from lumos.demos.data import SENTIMENT_LABELS, tweets
from lumos.demos.keras_demo import train_keras_classifier


def test_train_keras_classifier_saves_model_vocab_and_metrics(tmp_path):
    from lumos.models import load_model
    from lumos.models.keras import KerasClassifier

    t = tweets("test").to_arrow().slice(0, 64)
    texts, labels = t.column("text").to_pylist(), t.column("label").to_pylist()
    path = tmp_path / "bilstm.keras"
    metrics = train_keras_classifier(path, texts=texts, labels=labels, eval_texts=texts[:16],
                                     eval_labels=labels[:16], label_names=SENTIMENT_LABELS,
                                     epochs=1, batch_size=32, max_len=16, vocab_size=200,
                                     embed_dim=8, lstm_units=4, progress=False)
    assert metrics["heldout_size"] == 16 and 0 <= metrics["heldout_accuracy"] <= 1
    model = load_model(path)
    assert isinstance(model, KerasClassifier) and model.metrics == metrics
    (out,) = model.predict([{"text": texts[0]}])
    assert abs(out["attention_weights"]["salience"].sum() - 1) < 1e-5
    assert not list(tmp_path.glob("partial-*"))


@pytest.mark.slow
def test_keras_demo_end_to_end(lumos_home):  # 1-2 minutes on 2 cores
    from lumos.demos.keras_demo import build, cached_metrics

    models, _ = build(progress=False)
    models["keras-bilstm"]()
    assert cached_metrics()["heldout_accuracy"] > 0.55
