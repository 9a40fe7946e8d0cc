"""What every demo's training shares: the optimisation loop and the atomic save.

Demos fine-tune a real encoder on CPU in minutes, so they freeze the word-embedding table
(most of the weights; it learns little from a few thousand examples), use AdamW with a
linear warm-up/decay schedule and gradient clipping, and show a progress bar. A model is
written to a ``.partial`` directory and renamed into place only when complete, so a run
killed half-way never leaves a half-written model that looks finished.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def length_bucketed(order: list[int], size: int, rng: Any, length: Callable[[int], int],
                    pool: int = 50) -> list[list[int]]:
    """Batches of similar length, in random order: shuffle, sort each pool of
    ``size * pool`` items by ``length``, cut into batches, shuffle the batches. Padding
    (wasted compute) drops while every epoch still sees a new mix."""
    items = list(order)
    rng.shuffle(items)
    out: list[list[int]] = []
    for start in range(0, len(items), size * pool):
        out += batches(sorted(items[start:start + size * pool], key=length), size)
    rng.shuffle(out)
    return out


def trainable_params(model: Any, encoder: Any = None) -> list[Any]:
    """Freeze the word embeddings of ``encoder`` (default: ``model``); return the rest."""
    (encoder if encoder is not None else model).get_input_embeddings().weight \
        .requires_grad_(False)
    return [p for p in model.parameters() if p.requires_grad]


def optimise(params: list[Any], losses: Iterable[tuple[Any, dict[str, str]]], *, total: int,
             lr: float, warmup: float, desc: str, progress: bool = True) -> None:
    """One optimiser step per ``(loss, progress-bar postfix)`` that ``losses`` yields."""
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(warmup * total), total)
    with tqdm(total=total, desc=desc, unit="batch", disable=not progress) as bar:
        for loss, postfix in losses:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", **postfix)


def save_atomically(out_dir: Path, write: Callable[[Path], None], metrics: dict[str, Any],
                    metrics_file: str = "lumos_metrics.json") -> None:
    """``write(tmp_dir)`` then the metrics file, then rename ``tmp_dir`` to ``out_dir``."""
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write(tmp)
    (tmp / metrics_file).write_text(json.dumps(metrics, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
