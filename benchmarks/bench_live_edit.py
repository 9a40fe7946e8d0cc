"""Live edit: the page's round trip for one edited example vs. the model's raw forward.

    python benchmarks/bench_live_edit.py [--n 40]

A real MiniLM-L6 encoder with a two-class head (random head weights: speed, not
accuracy, is measured) is served by the workbench; each edit is a new text (no cache
hit), posted to ``/api/predictions`` over HTTP as the page does. The baseline is the
adapter's own ``predict`` on the same kind of text, in the same process. Goal: median
round trip <= 1.2 x raw + 30 ms. Prints both medians and the ratio.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BASE = "the film was {} and the cast, which had worked together for years, seemed {}"
WORDS = ["good", "bad", "great", "slow", "long", "odd", "fine", "awful", "calm", "loud"]


def texts(n: int, salt: str) -> list[str]:
    return [BASE.format(WORDS[i % 10], WORDS[(i * 7 + 3) % 10]) + f" {salt}{i}"
            for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="edits to time")
    args = parser.parse_args(argv)

    import httpx
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from lumos.demos.base import minilm_path
    from lumos.models.hf.classifier import HFClassifier
    from lumos.server.serve import make_server
    from lumos.testing.sample import sentiment_dataset

    torch.manual_seed(0)
    torch.set_num_threads(max(1, (os.cpu_count() or 2)))
    path = minilm_path()
    net = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2)
    model = HFClassifier(model=net, tokenizer=AutoTokenizer.from_pretrained(path),
                         labels=["negative", "positive"])

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = make_server({"minilm": model}, {"sentiment": sentiment_dataset()}, port=port,
                      store=":memory:", quiet=True).start()
    srv.wait_loaded(60)
    url = srv.url.rstrip("/") + "/api/predictions"
    fields = model.default_fields()
    raw: list[float] = []
    trip: list[float] = []
    try:
        with httpx.Client() as client:
            for t in texts(5, "warm"):  # warm up both paths
                model.predict([{"text": t}], fields=fields)
                client.post(url, json={"model": "minilm", "examples": [{"text": t + "!"}]})
            # interleave so both see the same machine load
            for a, b in zip(texts(args.n, "raw"), texts(args.n, "http"), strict=True):
                t0 = time.perf_counter()
                model.predict([{"text": a}], fields=fields)
                raw.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                r = client.post(url, json={"model": "minilm", "examples": [{"text": b}]})
                trip.append(time.perf_counter() - t0)
                r.raise_for_status()
    finally:
        srv.stop()
    raw_ms = statistics.median(raw) * 1000
    trip_ms = statistics.median(trip) * 1000
    goal = 1.2 * raw_ms + 30
    print(f"raw forward (adapter.predict, 1 example): median {raw_ms:.1f} ms")
    print(f"live edit round trip (HTTP /api/predictions): median {trip_ms:.1f} ms")
    print(f"ratio {trip_ms / raw_ms:.2f}x; overhead {trip_ms - raw_ms:.1f} ms; "
          f"goal <= {goal:.1f} ms: {'met' if trip_ms <= goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
