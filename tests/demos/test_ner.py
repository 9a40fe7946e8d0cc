import json

from lumos.demos.data import WNUT_TAGS, wnut
from lumos.demos.ner import align_labels, train_tagger


def test_align_labels_marks_first_pieces_only():
    assert align_labels([None, 0, 0, 1, None], [3, 5]) == [-100, 3, -100, 5, -100]


def test_train_tagger_writes_a_loadable_model_with_metrics(tmp_path, tiny_base):
    from lumos.models.hf.tagger import HFTagger

    data = wnut("train").to_arrow().slice(0, 24)
    test = wnut("test").to_arrow().slice(0, 8)
    out = tmp_path / "tagger"
    metrics = train_tagger(out, base=tiny_base, sentences=data.column("tokens").to_pylist(),
                           tags=data.column("tags").to_pylist(),
                           eval_sentences=test.column("tokens").to_pylist(),
                           eval_tags=test.column("tags").to_pylist(), label_names=WNUT_TAGS,
                           epochs=1, batch_size=8, progress=False)
    assert 0.0 <= metrics["heldout_entity_f1"] <= 1.0 and metrics["heldout_size"] == 8
    assert json.loads((out / "lumos_metrics.json").read_text()) == metrics
    assert not (tmp_path / "tagger.partial").exists()
    model = HFTagger(out)
    assert model.labels == WNUT_TAGS
    (pred,) = model.predict([{"tokens": test.column("tokens")[0].as_py()}])
    assert len(pred["pred_tags"]) == len(test.column("tokens")[0].as_py())


def test_ner_demo_is_registered_and_honest():
    from lumos.demos.base import get_demo

    demo = get_demo("ner")
    assert "WNUT-16" in demo.description and "F1" in demo.description
    assert demo.default_dataset == "wnut"
