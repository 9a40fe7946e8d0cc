"""Salience speed, side by side in one run, on the real MiniLM-L6 encoder and tweets.

1. Integrated gradients on N tweets: ``lumos.engine.interpret.explain`` (cold cache)
   against Captum's ``IntegratedGradients`` called directly on the same model with the
   same settings (steps, zero baseline at non-special tokens, Gauss-Legendre, the same
   internal batch size, predicted-class targets, batches of ``max_batch_size``).
   Goal: lumos / Captum <= 1.05.
2. LIME on M tweets at equal sample counts: lumos ``lime`` (cold cache) against the
   ``lime`` package's ``LimeTextExplainer`` with a classifier function that predicts in
   batches of ``max_batch_size``. Goal: lumos at least 2x faster (lime / lumos >= 2).

The model is MiniLM-L6 with a randomly initialised 3-class head (speed does not depend
on the head being trained). Both sides of each pair are timed alternately, ``--repeat``
times, and the medians are compared.

    .venv/bin/python benchmarks/bench_salience.py [--ig-examples 100] [--steps 20]
        [--lime-examples 20] [--samples 256] [--repeat 2] [--record]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_model(batch_size: int) -> Any:
    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from lumos.demos.base import minilm_path
    from lumos.models.hf.classifier import HFClassifier

    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    path = minilm_path()
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    tok = AutoTokenizer.from_pretrained(path)
    return HFClassifier(model=model, tokenizer=tok, labels=("negative", "neutral", "positive"),
                        batch_size=batch_size, max_length=64)


def load_texts(n: int) -> list[str]:
    from lumos.demos.data import tweets

    ds = tweets("test")
    return [ex["text"] for ex in ds.examples(range(min(n, len(ds))))]


#: CPU seconds of the last timed call (all threads), printed next to wall time
CPU: dict[str, list[float]] = {"ours": [], "theirs": []}


def timed_pair(ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int
               ) -> tuple[float, float, Any, Any]:
    """Median wall seconds of each side (run alternately) and each side's last result;
    CPU seconds go to ``CPU`` (less sensitive to other jobs on a shared machine)."""
    a, b = [], []
    CPU["ours"], CPU["theirs"] = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        res_a = ours()
        a.append(time.perf_counter() - t)
        CPU["ours"].append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        res_b = theirs()
        b.append(time.perf_counter() - t)
        CPU["theirs"].append(time.process_time() - c)
    return statistics.median(a), statistics.median(b), res_a, res_b


def cpu_ratio() -> tuple[float, float, float]:
    o, t = statistics.median(CPU["ours"]), statistics.median(CPU["theirs"])
    return o, t, o / t


# ----------------------------------------------------------------------------- IG


def lumos_ig(model: Any, texts: list[str], steps: int, ibs: int) -> list[np.ndarray]:
    from lumos.engine import Engine
    from lumos.engine.interpret import explain
    from lumos.store import Store

    with tempfile.TemporaryDirectory() as d:
        engine = Engine(Store(Path(d) / "s.sqlite"))
        res = explain(engine, model, [{"text": t} for t in texts], "integrated_gradients",
                      {"steps": steps, "internal_batch_size": ibs})
        engine.store.close()
    return [r["integrated_gradients"]["salience"] for r in res]


def captum_ig(model: Any, texts: list[str], steps: int, ibs: int) -> list[np.ndarray]:
    import torch
    from captum.attr import IntegratedGradients

    hf, tok = model.model, model.tokenizer
    out = []

    def forward(emb: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return hf(inputs_embeds=emb, attention_mask=mask).logits.softmax(-1)

    ig = IntegratedGradients(forward)
    bs = model.max_batch_size
    for start in range(0, len(texts), bs):
        enc = tok(texts[start:start + bs], padding=True, truncation=True, max_length=64,
                  return_tensors="pt", return_special_tokens_mask=True)
        special = enc["special_tokens_mask"].bool() | (enc["attention_mask"] == 0)
        with torch.no_grad():
            emb = hf.get_input_embeddings()(enc["input_ids"])
            target = forward(emb, enc["attention_mask"]).argmax(-1).tolist()
        base = torch.where(special.unsqueeze(-1), emb, torch.zeros_like(emb))
        emb = emb.clone().requires_grad_(True)
        attr = ig.attribute(emb, baselines=base, target=target,
                            additional_forward_args=(enc["attention_mask"],), n_steps=steps,
                            method="gausslegendre", internal_batch_size=ibs)
        sal = attr.sum(-1).detach().numpy()
        for i in range(sal.shape[0]):
            keep = (~special[i]).numpy()
            out.append(sal[i][keep])
    return out


# --------------------------------------------------------------------------- LIME


def lumos_lime(model: Any, texts: list[str], samples: int) -> list[np.ndarray]:
    from lumos.engine import Engine
    from lumos.engine.interpret import explain
    from lumos.store import Store

    with tempfile.TemporaryDirectory() as d:
        engine = Engine(Store(Path(d) / "s.sqlite"))
        res = explain(engine, model, [{"text": t} for t in texts], "lime",
                      {"n_samples": samples})
        engine.store.close()
    return [r["lime"]["salience"] for r in res]


def lime_package(model: Any, texts: list[str], samples: int) -> list[Any]:
    from lime.lime_text import LimeTextExplainer

    def classifier_fn(batch: list[str]) -> np.ndarray:
        out = []
        bs = model.max_batch_size
        for start in range(0, len(batch), bs):
            chunk = [{"text": t} for t in batch[start:start + bs]]
            out += [r["probas"] for r in model.predict(chunk, fields=["probas"])]
        return np.stack(out)

    explainer = LimeTextExplainer(class_names=list(model.labels), split_expression=r"\s+",
                                  random_state=0)
    exps = []
    for t in texts:
        pred = int(np.argmax(classifier_fn([t])[0]))
        exps.append(explainer.explain_instance(t, classifier_fn, labels=(pred,),
                                               num_features=len(t.split()),
                                               num_samples=samples))
    return exps


def bench_ig(model: Any, texts: list[str], args: argparse.Namespace
             ) -> tuple[float, float, float, float]:
    t_ours, t_captum, ours, theirs = timed_pair(lambda: lumos_ig(model, texts, args.steps,
                                                   args.internal_batch),
                                  lambda: captum_ig(model, texts, args.steps,
                                                    args.internal_batch), args.repeat)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs, strict=True))
    ratio = t_ours / t_captum
    co, ct, cr = cpu_ratio()
    print(f"IG, {len(texts)} tweets, {args.steps} steps: lumos {t_ours:.2f} s, "
          f"captum {t_captum:.2f} s, ratio {ratio:.3f} (goal <= 1.05); CPU {co:.1f} s vs "
          f"{ct:.1f} s, ratio {cr:.3f}; max |difference| {diff:.2e}")
    IG_CPU.update(ours=co, theirs=ct, ratio=cr)
    return t_ours, t_captum, ratio, diff


IG_CPU: dict[str, float] = {}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ig-examples", type=int, default=100)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--internal-batch", type=int, default=256)
    p.add_argument("--lime-examples", type=int, default=20)
    p.add_argument("--samples", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-ig", action="store_true")
    p.add_argument("--record", action="store_true",
                   help="append the figures to benchmarks/RESULTS.md")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    model = load_model(args.batch_size)
    texts = load_texts(max(args.ig_examples, args.lime_examples))
    ig_texts, lime_texts = texts[:args.ig_examples], texts[:args.lime_examples]
    model.predict([{"text": t} for t in texts[:4]])  # warm up: imports, first kernels
    lumos_lime(model, texts[:1], 8)
    lime_package(model, texts[:1], 8)
    lumos_ig(model, texts[:1], 2, 8)
    captum_ig(model, texts[:1], 2, 8)
    t_ours = t_captum = ig_ratio = diff = float("nan")
    if not args.skip_ig:
        t_ours, t_captum, ig_ratio, diff = bench_ig(model, ig_texts, args)

    t_lumos, t_lime, _, _ = timed_pair(lambda: lumos_lime(model, lime_texts, args.samples),
                                 lambda: lime_package(model, lime_texts, args.samples),
                                 args.repeat)
    speedup = t_lime / t_lumos
    lo, lt, lr = cpu_ratio()
    print(f"LIME, {len(lime_texts)} tweets, {args.samples} samples: lumos {t_lumos:.2f} s, "
          f"lime {t_lime:.2f} s, speed-up {speedup:.2f}x (goal >= 2); CPU {lo:.1f} s vs "
          f"{lt:.1f} s, speed-up {1 / lr:.2f}x")
    ig_cpu = (f"{IG_CPU['ours']:.1f} s vs {IG_CPU['theirs']:.1f} s "
              f"({IG_CPU['ratio']:.3f})") if IG_CPU else "-"

    if args.record:
        path = Path(__file__).with_name("RESULTS.md")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        section = f"""
## Salience (`benchmarks/bench_salience.py`)

{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, \
{os.cpu_count()} CPUs, torch threads {args.threads}, load average {load:.1f} at the end.
MiniLM-L6 (real encoder, random 3-class head), tweets test split, batch size \
{args.batch_size}, max length 64, median of {args.repeat} alternating runs, cold cache.

| comparison | lumos | baseline | wall ratio | CPU time (ratio) | goal |
| --- | ---: | ---: | ---: | ---: | --- |
| IG, {len(ig_texts)} tweets, {args.steps} steps, internal batch {args.internal_batch} \
| {t_ours:.2f} s | Captum direct {t_captum:.2f} s | {ig_ratio:.3f} | {ig_cpu} | <= 1.05 |
| LIME, {len(lime_texts)} tweets, {args.samples} samples | {t_lumos:.2f} s \
| `lime` package {t_lime:.2f} s | {speedup:.2f}x faster | {lo:.1f} s vs {lt:.1f} s \
({1 / lr:.2f}x faster) | >= 2x |

IG maps agree with Captum's to {diff:.1e} (max absolute difference).
"""
        with path.open("a", encoding="utf-8") as f:
            f.write(section)
        print(f"appended to {path}")


if __name__ == "__main__":
    main()
