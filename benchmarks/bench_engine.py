"""Engine prediction throughput vs a plain transformers loop, in one run.

Both sides run the same model over the same 1,000 tweets with the same batch size:
- baseline: tokenise and forward in dataset order (what a user writes by hand);
- lumos: ``Engine.predict`` (length-sorted batches, dedupe, only requested fields, cache).
Then the second visit (cached, in memory and from SQLite after a restart) against the
first, and the peak resident memory of the process.

    .venv/bin/python benchmarks/bench_engine.py [--n 1000] [--record]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_model(batch_size: int):
    import transformers

    from lumos.demos.base import cache_dir, minilm_path
    from lumos.demos.data import SENTIMENT_LABELS
    from lumos.models.hf.classifier import HFClassifier

    trained = [p for p in (cache_dir("sentiment")).glob("minilm-tweets-*")
               if (p / "lumos_metrics.json").exists()]
    if trained:
        return HFClassifier(trained[0], label_field="label", batch_size=batch_size), "fine-tuned"
    path = minilm_path()
    model = transformers.AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    tok = transformers.AutoTokenizer.from_pretrained(path)
    return HFClassifier(model=model, tokenizer=tok, labels=SENTIMENT_LABELS,
                        label_field="label", batch_size=batch_size), "random head"


def plain_loop(model, texts: list[str], batch_size: int, max_length: int) -> list:
    import torch

    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = model.tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
            out.append(model.model(**enc).logits.softmax(-1).numpy())
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()

    import numpy as np
    import torch

    from lumos.demos.data import tweets
    from lumos.engine import Engine
    from lumos.store import Store

    torch.set_num_threads(os.cpu_count() or 1)
    model, kind = load_model(args.batch_size)
    ds = tweets("test")
    examples = ds.examples(range(min(args.n, len(ds))))
    texts = [e["text"] for e in examples]
    plain_loop(model, texts[:64], args.batch_size, model.max_length)  # warm-up
    rss_before = peak_rss_mb()

    base_t, ours_t, full_t = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):  # alternate to share the machine's noise
            t = time.perf_counter()
            ref = plain_loop(model, texts, args.batch_size, model.max_length)
            base_t.append(time.perf_counter() - t)
            engine = Engine(Store(Path(tmp) / f"s{r}.sqlite"))
            t = time.perf_counter()
            got = engine.predict(model, examples, fields=["probas"])
            ours_t.append(time.perf_counter() - t)
            engine = Engine(Store(Path(tmp) / f"full{r}.sqlite"))
            t = time.perf_counter()
            engine.predict(model, examples)  # default fields: + tokens, pooled embedding
            full_t.append(time.perf_counter() - t)
        diff = float(np.abs(np.concatenate(ref) - np.stack([g["probas"] for g in got])).max())

        # second visit: memory, then a restarted engine on the same store file
        engine = Engine(Store(Path(tmp) / "cache.sqlite"))
        t = time.perf_counter()
        engine.predict(model, examples, fields=["probas"])
        first = time.perf_counter() - t
        hot = []
        for _ in range(5):
            t = time.perf_counter()
            engine.predict(model, examples, fields=["probas"])
            hot.append(time.perf_counter() - t)
        restarted = Engine(Store(Path(tmp) / "cache.sqlite"))
        t = time.perf_counter()
        restarted.predict(model, examples, fields=["probas"])
        disk = time.perf_counter() - t

    base, ours, full = (statistics.median(x) for x in (base_t, ours_t, full_t))
    hot_m = statistics.median(hot)
    lines = [
        f"model: MiniLM-L6 classifier ({kind}), {len(texts)} tweets, batch {args.batch_size}",
        f"plain transformers loop (dataset order): {base:.2f} s",
        f"lumos Engine.predict (probas):           {ours:.2f} s   ratio {base / ours:.2f}x "
        "(goal >= 1.3)",
        f"lumos Engine.predict (default fields):   {full:.2f} s   ratio {base / full:.2f}x",
        f"max |difference| in probabilities: {diff:.1e}",
        f"second visit, in memory: {hot_m * 1000:.2f} ms = {hot_m / first:.5f} of first "
        f"({first:.2f} s) (goal <= 0.001)",
        f"second visit after restart (SQLite): {disk * 1000:.1f} ms = {disk / first:.4f} of first",
        f"peak RSS: {peak_rss_mb():.0f} MB (before the runs: {rss_before:.0f} MB)",
    ]
    print("\n".join(lines))
    if args.record:
        load = os.getloadavg()[0]
        section = (
            f"\n## Engine throughput (`benchmarks/bench_engine.py`)\n\n"
            f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"load average {load:.1f}; median of {args.repeat} alternating runs.\n\n"
            + "\n".join(f"- {line}" for line in lines) + "\n")
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as f:
            f.write(section)


if __name__ == "__main__":
    main()
