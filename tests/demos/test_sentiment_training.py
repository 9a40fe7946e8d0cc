import json

from lumos.demos.sentiment import train_classifier
from lumos.models.hf.classifier import HFClassifier


def test_train_classifier_saves_a_loadable_model_with_metrics(tmp_path, tiny_base):
    texts = ["good great fun", "bad awful day", "it is a chair"] * 8
    labels = [2, 0, 1] * 8
    out = tmp_path / "clf"
    metrics = train_classifier(out, base=tiny_base, texts=texts, labels=labels,
                               eval_texts=texts[:6], eval_labels=labels[:6],
                               label_names=("negative", "neutral", "positive"), epochs=2,
                               batch_size=8, progress=False)
    assert set(metrics) >= {"heldout_accuracy", "heldout_macro_f1", "train_seconds"}
    assert json.loads((out / "lumos_metrics.json").read_text()) == metrics
    assert not (tmp_path / "clf.partial").exists()
    model = HFClassifier(out)
    assert model.labels == ("negative", "neutral", "positive")
    assert model.predict([{"text": "good"}])[0]["probas"].shape == (3,)
