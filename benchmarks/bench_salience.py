"""Salience speed, side by side in one run, on the real MiniLM-L6 encoder and tweets.

1. Integrated gradients on N tweets: ``lumos.engine.interpret.explain`` (cold cache)
   against Captum's ``IntegratedGradients`` called directly on the same model with the
   same settings (steps, zero baseline at non-special tokens, Gauss-Legendre, the same
   internal batch size, predicted-class targets, batches of ``max_batch_size``).
   Goal: lumos / Captum <= 1.05.
2. LIME on M tweets at equal sample counts: lumos ``lime`` (cold cache) against the
   ``lime`` package's ``LimeTextExplainer`` with a classifier function that predicts in
   batches of ``max_batch_size``. Goal: lumos at least 2x faster (lime / lumos >= 2).
   ``--sweep`` adds 1,000 samples (10 tweets) and the lime package's default of 5,000
   (4 tweets). Each side's padded tokens are counted: the model's work is proportional
   to them, so their ratio is the ceiling of what scheduling alone can gain.

The model is MiniLM-L6 with a randomly initialised 3-class head (speed does not depend
on the head being trained). Both sides of each pair are timed alternately, ``--repeat``
times, and the medians are compared.

    .venv/bin/python benchmarks/bench_salience.py [--ig-examples 100] [--steps 20]
        [--lime-examples 20] [--samples 256] [--sweep] [--repeat 2] [--record]
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


#: padded tokens the model ran on (input_ids elements), counted by ``count_tokens``
TOKENS = {"n": 0}


def count_tokens(model: Any) -> None:
    """Wrap the adapter's tokenisation to count the padded tokens each side feeds the
    model (negligible cost; both sides go through the same adapter)."""
    encode = model._encode

    def counted(inputs: Any) -> Any:
        enc = encode(inputs)
        TOKENS["n"] += int(enc["input_ids"].numel())
        return enc

    model._encode = counted


def tokens_of(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` wrapped to leave its padded-token count in ``TOKENS[fn]``."""
    def run() -> Any:
        before = TOKENS["n"]
        out = fn()
        TOKENS[str(id(fn))] = TOKENS["n"] - before
        return out

    return run


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


def lime_settings(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(tweets, samples) pairs to time LIME on."""
    out = [(args.lime_examples, args.samples)]
    if args.sweep:
        out += [(10, 1000), (4, 5000)]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ig-examples", type=int, default=100)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--internal-batch", type=int, default=256)
    p.add_argument("--lime-examples", type=int, default=20)
    p.add_argument("--samples", type=int, default=256)
    p.add_argument("--sweep", action="store_true",
                   help="LIME also at 1,000 samples (10 tweets) and at the lime package's "
                   "default of 5,000 (4 tweets)")
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
    count_tokens(model)
    texts = load_texts(max(args.ig_examples, args.lime_examples))
    ig_texts = texts[:args.ig_examples]
    model.predict([{"text": t} for t in texts[:4]])  # warm up: imports, first kernels
    lumos_lime(model, texts[:1], 8)
    lime_package(model, texts[:1], 8)
    lumos_ig(model, texts[:1], 2, 8)
    captum_ig(model, texts[:1], 2, 8)
    t_ours = t_captum = ig_ratio = diff = float("nan")
    if not args.skip_ig:
        t_ours, t_captum, ig_ratio, diff = bench_ig(model, ig_texts, args)

    lime_rows = []
    for n_tweets, samples in lime_settings(args):
        ours_fn = lambda n=n_tweets, k=samples: lumos_lime(model, texts[:n], k)  # noqa: E731
        theirs_fn = lambda n=n_tweets, k=samples: lime_package(model, texts[:n], k)  # noqa: E731
        ours, theirs = tokens_of(ours_fn), tokens_of(theirs_fn)
        t_lumos, t_lime, _, _ = timed_pair(ours, theirs, args.repeat)
        speedup = t_lime / t_lumos
        lo, lt, lr = cpu_ratio()
        tok_o, tok_t = TOKENS[str(id(ours_fn))], TOKENS[str(id(theirs_fn))]
        print(f"LIME, {n_tweets} tweets, {samples} samples: lumos {t_lumos:.2f} s, "
              f"lime {t_lime:.2f} s, speed-up {speedup:.2f}x (goal >= 2); CPU {lo:.1f} s vs "
              f"{lt:.1f} s, speed-up {1 / lr:.2f}x; padded tokens {tok_o} vs {tok_t} "
              f"({tok_t / max(tok_o, 1):.2f}x fewer)")
        lime_rows.append((n_tweets, samples, t_lumos, t_lime, speedup, lo, lt, lr, tok_o, tok_t))
    ig_cpu = (f"{IG_CPU['ours']:.1f} s vs {IG_CPU['theirs']:.1f} s "
              f"({IG_CPU['ratio']:.3f})") if IG_CPU else "-"

    if args.record:
        lime_table = "\n".join(
            f"| LIME, {n} tweets, {k} samples | {a:.2f} s | `lime` package {b:.2f} s | "
            f"{sp:.2f}x faster | {lo:.1f} s vs {lt:.1f} s ({1 / lr:.2f}x faster) | >= 2x "
            f"| {to / 1000:.1f} k vs {tt / 1000:.1f} k |"
            for n, k, a, b, sp, lo, lt, lr, to, tt in lime_rows)
        path = Path(__file__).with_name("RESULTS.md")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        section = f"""
## Salience (`benchmarks/bench_salience.py`)

{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, \
{os.cpu_count()} CPUs, torch threads {args.threads}, load average {load:.1f} at the end.
MiniLM-L6 (real encoder, random 3-class head), tweets test split, batch size \
{args.batch_size}, max length 64, median of {args.repeat} alternating runs, cold cache.

| comparison | lumos | baseline | wall ratio | CPU time (ratio) | goal | padded tokens |
| --- | ---: | ---: | ---: | ---: | --- | ---: |
| IG, {len(ig_texts)} tweets, {args.steps} steps, internal batch {args.internal_batch} \
| {t_ours:.2f} s | Captum direct {t_captum:.2f} s | {ig_ratio:.3f} | {ig_cpu} | <= 1.05 | |
{lime_table}

IG maps agree with Captum's to {diff:.1e} (max absolute difference).
"""
        with path.open("a", encoding="utf-8") as f:
            f.write(section)
        print(f"appended to {path}")


if __name__ == "__main__":
    main()
