from lumos.demos.data import SENTIMENT_LABELS, WNUT_TAGS, tweets, wnut
from lumos.demos.multitask import train_multitask


def test_train_multitask_trains_both_heads_and_saves(tmp_path, tiny_base):
    from lumos.models import load_model
    from lumos.models.hf.multitask import MultiTaskModel

    tw = tweets("test").to_arrow().slice(0, 16)
    nt = wnut("test").to_arrow().slice(0, 16)
    sent = (tw.column("text").to_pylist(), tw.column("label").to_pylist())
    ner = (nt.column("tokens").to_pylist(), nt.column("tags").to_pylist())
    out = tmp_path / "mt"
    metrics = train_multitask(out, base=tiny_base, sentiment=sent, ner=ner,
                              eval_sentiment=sent, eval_ner=ner,
                              sentiment_labels=SENTIMENT_LABELS, ner_labels=WNUT_TAGS,
                              epochs=1, batch_size=8, progress=False)
    assert set(metrics) >= {"heldout_sentiment_accuracy", "heldout_ner_entity_f1"}
    model = load_model(out)
    assert isinstance(model, MultiTaskModel)
    (pred,) = model.predict([{"text": sent[0][0]}])
    assert pred["sentiment_probas"].shape == (3,)
    assert len(pred["ner_tags"]) == len(sent[0][0].split())


def test_multitask_demo_is_registered():
    from lumos.demos.base import get_demo

    d = get_demo("multitask")
    assert "sentiment" in d.description and "NER" in d.description
