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


def test_length_bucketed_batches_cover_everything_once_with_less_padding():
    import random

    from lumos.demos.finetune import batches, length_bucketed

    lengths = [random.Random(i).randint(1, 100) for i in range(1000)]
    order = list(range(1000))
    got = length_bucketed(order, 32, random.Random(0), lambda i: lengths[i], pool=10)
    assert sorted(i for b in got for i in b) == order
    assert all(len(b) <= 32 for b in got)

    def padded(bs):
        return sum(max(lengths[i] for i in b) * len(b) for b in bs)

    shuffled = order[:]
    random.Random(1).shuffle(shuffled)
    assert padded(got) < 0.7 * padded(batches(shuffled, 32))
    again = length_bucketed(order, 32, random.Random(0), lambda i: lengths[i], pool=10)
    assert got == again  # seeded
