"""Seq2seq demo: a tiny RANDOMLY INITIALISED T5, for exercising the code path only.

No sequence-to-sequence weights ship in any package lumos can install offline, so this
demo builds a T5 with random weights (seeded; d_model=32) and the MiniLM WordPiece
tokenizer, saves it with ``save_pretrained`` into the cache dir and loads it through the
real adapter. Its outputs are gibberish by construction: the demo shows beam candidates,
encoder/decoder/cross attention and per-generated-token salience, not translation quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lumos.demos.base import Demo, cache_dir, register_demo

#: (source, reference)
SOURCES: tuple[tuple[str, str], ...] = (
    ("translate English to German: The house is wonderful.", "Das Haus ist wunderbar."),
    ("translate English to German: I like green tea.", "Ich mag grünen Tee."),
    ("translate English to French: Where is the station?", "Où est la gare ?"),
    ("translate English to French: The cat sleeps on the sofa.", "Le chat dort sur le canapé."),
    ("summarize: The city council met on Tuesday and agreed to build a new library near "
     "the river, opening in two years.", "A new library will open in two years."),
    ("summarize: Heavy rain caused flooding in several villages, and schools stayed "
     "closed for the rest of the week.", "Floods closed schools."),
    ("summarize: The team won the final after extra time, their first title in twenty "
     "years.", "The team won its first title in twenty years."),
    ("question: What colour is the sky on a clear day?", "blue"),
    ("question: How many days are in a week?", "seven"),
    ("paraphrase: The meeting was postponed until next month.",
     "The meeting was moved to next month."),
)


def seq2seq_model_dir() -> Path:
    out = cache_dir("seq2seq") / "tiny-random-t5"
    if not (out / "config.json").exists():
        from lumos.testing.tiny import tiny_seq2seq_dir

        tiny_seq2seq_dir(out.parent)  # writes <cache>/seq2seq/tiny_seq2seq
        (out.parent / "tiny_seq2seq").replace(out)
    return out


def sources_dataset() -> Any:
    import pyarrow as pa

    from lumos.api import types as T
    from lumos.datasets import ArrowDataset

    table = pa.table({"source": [s for s, _ in SOURCES], "target": [t for _, t in SOURCES]})
    spec = {"source": T.TextSegment(), "target": T.TextSegment(required=False)}
    return ArrowDataset(table, spec, name="seq2seq_sources",
                        description="translation / summary inputs written for the demo")


def load_tiny_t5() -> Any:
    from lumos.models.hf.seq2seq import HFSeq2Seq

    return HFSeq2Seq(seq2seq_model_dir(), num_beams=4, num_return_sequences=3,
                     max_new_tokens=12)


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"tiny-random-t5": load_tiny_t5}, {"sources": sources_dataset()}


DEMO = register_demo(Demo(
    name="seq2seq",
    description=("A tiny T5 with RANDOM WEIGHTS (no seq2seq weights ship offline): its "
                 "output is gibberish by design; use it to exercise beam candidates, "
                 "encoder/decoder/cross attention and per-token salience"),
    build=build, default_dataset="sources",
    notes="random weights, built in a second; not a real translation model",
))
