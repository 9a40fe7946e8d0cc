"""WordNet synonyms, part-of-speech aware, inflection kept.

With the offline tagger (spaCy's small English pipeline, ``tagger="auto"`` or
``"spacy"``) each content word's Penn tag picks its WordNet part of speech and the
synonym is inflected back to that tag with ``lemminflect`` ("bought" -> "purchased",
"films" -> "movies"). Without it (``tagger="wordnet"``, or ``auto`` when spaCy is not
installed) the declared fallback takes WordNet's most common part of speech for the
word out of context, recovers the inflection from ``lemminflect``'s tables, and flags
the rows ``pos_out_of_context``: the validity guard then never marks them valid.

An indefinite article before the word follows the synonym ("a great day" -> "an
outstanding day"; by its first letter, so "an hour"-like exceptions are missed).
One output per (word, synonym), words in text order, at most ``max_synonyms`` per word;
proper nouns, stop words and words shorter than three letters are left alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lumos.api.context import RunContext
from lumos.api.registry import register
from lumos.components.generators import tagger as tagger_mod
from lumos.components.generators import wordnet
from lumos.components.generators.base import (
    Candidate,
    Edit,
    EditGenerator,
    GeneratorConfig,
    match_case,
    words,
)

TAGGERS = ("auto", "spacy", "wordnet")
STOP = frozenset("""a an the and or but if of at by for with about against between into
through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very can will just don should now is are was were
be been being have has had having do does did doing i me my we our you your he him his she
her it its they them their what which who whom this that these those am get got make made
let say said go went thing things really lot""".split())
#: an indefinite article right before a word (matched up to the word's start)
_ARTICLE = re.compile(r"(?<!\w)(an?)\s+$", re.IGNORECASE)
_UPOS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "r": "ADV"}


@dataclass(frozen=True)
class Slot:
    """A word to replace: where, its lemma, WordNet part of speech and Penn tag."""

    start: int
    end: int
    text: str
    lemma: str
    pos: str
    tag: str | None


@functools.lru_cache(maxsize=65536)
def synonyms_of(lemma: str, pos: str, limit: int) -> tuple[str, ...]:
    """WordNet lemmas sharing a synset with ``lemma`` (sense order), at most ``limit``."""
    wn = wordnet.load()
    out: list[str] = []
    for syn in wn.synsets(lemma, pos=pos):
        for lem in syn.lemmas():
            name = lem.name().replace("_", " ")
            if name.lower() != lemma.lower() and name not in out and name.isascii() \
                    and not any(c.isdigit() for c in name):
                out.append(name)
    return tuple(out[:limit])


def inflect(word: str, tag: str | None) -> str:
    """``word`` (a lemma, maybe several words) inflected to Penn ``tag``: verbs on the
    first word ("give up" -> "gave up"), other parts of speech on the last."""
    if not tag or tag in ("NN", "VB", "JJ", "RB"):
        return word
    from lemminflect import getInflection

    parts = word.split(" ")
    i = 0 if tag.startswith("VB") else len(parts) - 1
    forms = getInflection(parts[i], tag=tag)
    if forms:
        parts[i] = forms[0]
    return " ".join(parts)


def _fallback_slots(text: str) -> list[Slot]:
    """Parts of speech out of context: WordNet's first sense's, inflection recovered."""
    wn = wordnet.load()
    from lemminflect import getAllInflections

    out = []
    for w in words(text):
        low = w.text.lower()
        if low in STOP or len(low) < 3 or not w.text.isalpha():
            continue
        syns = wn.synsets(low)
        if not syns:
            continue
        pos = "a" if syns[0].pos() == "s" else syns[0].pos()
        lemma = wn.morphy(low, pos) or low
        tag = None
        if lemma != low:
            for t, forms in getAllInflections(lemma, upos=_UPOS[pos]).items():
                if low in forms:
                    tag = t
                    break
        out.append(Slot(w.start, w.end, w.text, lemma, pos, tag))
    return out


def _spacy_slots(doc: Any) -> list[Slot]:
    out = []
    for t in doc:
        pos = tagger_mod.wordnet_pos(t.tag_)
        low = t.text.lower()
        if pos is None or t.is_stop or low in STOP or len(low) < 3 or not t.text.isalpha():
            continue
        out.append(Slot(t.idx, t.idx + len(t.text), t.text, t.lemma_.lower(), pos, t.tag_))
    return out


@register("synonyms", display_name="WordNet synonyms")
class Synonyms(EditGenerator):
    """Replaces content words by WordNet synonyms of the same part of speech."""

    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        max_synonyms: int = field(default=3, metadata={
            "help": "synonyms tried per word at most"})
        tagger: str = field(default="auto", metadata={"choices": TAGGERS,
            "help": "auto: spaCy's small English pipeline when installed, else WordNet's "
                    "part of speech out of context (rows flagged lower validity); spacy; "
                    "wordnet"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.tagger not in TAGGERS:
                raise ValueError(f"'tagger' must be one of {list(TAGGERS)}, "
                                 f"got {self.tagger!r}")
            if self.max_synonyms < 1:
                raise ValueError(f"'max_synonyms' must be >= 1, got {self.max_synonyms}")

    def prepare(self, config: Any) -> bool:
        wordnet.load()  # a clear error now, naming how to install it
        try:
            import lemminflect  # noqa: F401
        except ModuleNotFoundError:
            raise ModuleNotFoundError("synonyms keeps inflections with lemminflect: pip "
                                      "install 'lumos[counterfactuals]'",
                                      name="lemminflect") from None
        use_spacy = config.tagger == "spacy" or (config.tagger == "auto"
                                                 and tagger_mod.available())
        if use_spacy:
            tagger_mod.load()
        return use_spacy

    def prepare_batch(self, texts: Sequence[str], context: RunContext, config: Any,
                      prepared: bool) -> Sequence[Any]:
        if not prepared:
            return [None] * len(texts)
        nlp = tagger_mod.load()
        nlp.max_length = max([nlp.max_length, *(len(t) + 1 for t in texts)])
        return [_spacy_slots(doc) for doc in nlp.pipe(texts, batch_size=64)]

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: bool, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        slots = notes.get("_item")
        flags: tuple[str, ...] = ()
        if slots is None:
            slots = _fallback_slots(text)
            flags = ("pos_out_of_context",)
        notes["tagger"] = "spacy" if not flags else "wordnet_out_of_context"
        for s in slots:
            article = _ARTICLE.search(text, max(0, s.start - 8), s.start)
            for syn in synonyms_of(s.lemma, s.pos, config.max_synonyms):
                new = match_case(s.text, inflect(syn, s.tag))
                edits = [Edit(s.start, s.end, new)]
                if article is not None:  # "a great day" -> "an outstanding day"
                    want = "an" if new[:1].lower() in "aeiou" else "a"
                    if article.group(1).lower() != want:
                        edits.insert(0, Edit(article.start(1), article.end(1),
                                             match_case(article.group(1), want)))
                yield Candidate(tuple(edits), flags=flags,
                                meta={"word": s.text, "synonym": syn, "pos": s.pos,
                                      "tag": s.tag})
