"""Group swaps for fairness tests: gender terms and pronouns, person names, user groups.

``group="gender"`` (default) makes up to two outputs per row, one per direction:
``male->female`` replaces every male term, pronoun and (with ``names``) first name by its
female counterpart, ``female->male`` the reverse; terms of the other gender stay, and
``meta["mixed"]`` says a row had both ("John and his wife" -> "Emma and her wife"), so
statistics can leave such rows out. Grammar is kept where English is
ambiguous: "her" becomes "his" as a possessive determiner (Penn ``PRP$``) and "him" as an
object (``PRP``); "his" becomes "her" or "hers" the same way. The tag comes from spaCy's
small English pipeline when installed; otherwise a declared fallback reads "her"/"his"
as a determiner when a word follows it, and flags the row ``pos_out_of_context``.

Person names come from Faker's ``en_US`` first-name lists (names on both lists are left
out), read, never generated. A capitalised token is swapped when the tagger marks it a
PERSON, or when it is not sentence-initial and not ambiguous: a name that is also an
English word ("Will", "Mark", "Hope": in WordNet in lower case, or on :data:`AMBIGUOUS`).
What was skipped is counted in the row's notes (``skipped``: reason -> count). Within a
row one name always maps to the same new name; draws are seeded per row and output.

``group="names"`` swaps names within their own gender (``outputs`` draws per row).
``group="custom"`` swaps user word lists, one group a line, ``label: word, word``, the
*i*-th word of one group becoming the *i*-th of another (the last one if shorter): one
output per (found group, other group), ``meta["from"]``/``meta["to"]`` naming them.

The validity guard's antonym check does not apply to a swap (flag
``not_applicable:antonym``): WordNet lists "man"/"woman", "boy"/"girl" and
"male"/"female" as antonyms, and swapping one group's terms for the other's is the
counterfactual asked for, not a change of meaning that spoils it. The other checks run.
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
    Word,
    match_case,
    parent_key,
    words,
)

GROUPS = ("gender", "names", "custom")
TAGGERS = ("auto", "spacy", "none")

#: (male, female) terms; "his"/"her"/"him"/"hers" are handled by part of speech
GENDER_PAIRS = (
    ("he", "she"), ("himself", "herself"), ("man", "woman"), ("men", "women"),
    ("boy", "girl"), ("boys", "girls"), ("father", "mother"), ("fathers", "mothers"),
    ("son", "daughter"), ("sons", "daughters"), ("brother", "sister"),
    ("brothers", "sisters"), ("husband", "wife"), ("husbands", "wives"), ("king", "queen"),
    ("kings", "queens"), ("mr", "mrs"), ("sir", "madam"), ("uncle", "aunt"),
    ("uncles", "aunts"), ("nephew", "niece"), ("nephews", "nieces"),
    ("boyfriend", "girlfriend"), ("boyfriends", "girlfriends"), ("gentleman", "lady"),
    ("gentlemen", "ladies"), ("male", "female"), ("males", "females"), ("dad", "mom"),
    ("dads", "moms"), ("grandfather", "grandmother"), ("grandson", "granddaughter"),
    ("grandpa", "grandma"), ("actor", "actress"), ("prince", "princess"), ("groom", "bride"),
    ("waiter", "waitress"), ("spokesman", "spokeswoman"), ("chairman", "chairwoman"),
    ("businessman", "businesswoman"), ("widower", "widow"), ("monk", "nun"),
    ("lad", "lass"), ("masculine", "feminine"), ("fiance", "fiancee"),
)
#: names that are also common English words: swapped only when tagged PERSON
AMBIGUOUS = frozenset("""will mark hope may june april august grace rose faith joy bill pat
sue don art ray chase summer autumn amber crystal destiny dawn holly ivy iris lily ruby
jack frank miles max rich drew sky page penny sunny bob dick guy gene carol mercy
patience charity harmony melody heather jasmine violet""".split())
#: words after which "her"/"his" is not a determiner (fallback without a tagger)
_NOT_NOUN = frozenset("""and or but to in on at for with from by of as than that so
because if when while is was are were be been will would can could should did does do
has have had not too very again also just then there here""".split())

#: a swap between groups is the counterfactual asked for: see the module docstring
SWAP_FLAGS = ("not_applicable:antonym",)


@functools.cache
def name_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Faker's en_US male and female first names, names on both lists removed."""
    try:
        from faker.providers.person.en_US import Provider
    except ModuleNotFoundError:
        raise ModuleNotFoundError("group_swap needs Faker's name lists: pip install "
                                  "'lumos[counterfactuals]'", name="faker") from None
    male, female = list(Provider.first_names_male), list(Provider.first_names_female)
    both = set(male) & set(female)
    return (tuple(n for n in male if n not in both), tuple(n for n in female if n not in both))


@functools.cache
def _is_word(low: str) -> bool:
    if low in AMBIGUOUS:
        return True
    if not wordnet.available():
        return False
    return any(lem.name() == low for s in wordnet.load().synsets(low) for lem in s.lemmas())


def parse_groups(text: str) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        label, sep, rest = line.partition(":")
        terms = tuple(t.strip() for t in rest.split(",") if t.strip())
        if not sep or not label.strip() or not terms:
            raise ValueError(f"'groups' line {n} ({line!r}) must read 'label: word, word'")
        out.append((label.strip(), terms))
    if len({label for label, _ in out}) != len(out):
        raise ValueError("'groups' names a group twice; give each line its own label")
    return out


def _sentence_initial(text: str, w: Word) -> bool:
    before = text[:w.start].rstrip(" \t\"'“‘([")
    return not before or before[-1] in ".!?\n:"


@dataclass(frozen=True)
class Tag:
    tag: str
    person: bool


@register("group_swap", display_name="Group swap (gender, names, groups)")
class GroupSwap(EditGenerator):
    """Swaps gender terms, pronouns and names (both ways), or user-given word groups."""

    version = "2"  # 2: swaps are exempt from the antonym check

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        group: str = field(default="gender", metadata={"choices": GROUPS,
            "help": "gender (terms, pronouns and names, both ways), names (within a "
                    "gender), custom (the 'groups' lists)"})
        names: bool = field(default=True, metadata={
            "help": "with group=gender: swap first names to the other gender too"})
        groups: str = field(default="", metadata={"multiline": True,
            "help": "group=custom: one group a line, 'label: word, word'"})
        outputs: int = field(default=1, metadata={
            "help": "name draws per row and direction"})
        tagger: str = field(default="auto", metadata={"choices": TAGGERS,
            "help": "auto: spaCy's small English pipeline when installed; spacy; none "
                    "(rule fallback, rows flagged pos_out_of_context)"})
        seed: int = field(default=0, metadata={"help": "seed of the name draws"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.group not in GROUPS:
                raise ValueError(f"'group' must be one of {list(GROUPS)}, got {self.group!r}")
            if self.tagger not in TAGGERS:
                raise ValueError(f"'tagger' must be one of {list(TAGGERS)}, "
                                 f"got {self.tagger!r}")
            if self.outputs < 1:
                raise ValueError(f"'outputs' must be >= 1, got {self.outputs}")
            if self.group == "custom":
                groups = parse_groups(self.groups)
                if len(groups) < 2:
                    raise ValueError("group=custom needs at least two lines in 'groups', "
                                     "e.g. 'a: x, y' and 'b: z, w'")

    def prepare(self, config: Any) -> Any:
        if config.group == "custom":
            return parse_groups(config.groups)
        name_lists()
        use = config.tagger == "spacy" or (config.tagger == "auto" and tagger_mod.available())
        if use:
            tagger_mod.load()
        return use

    def prepare_batch(self, texts: Sequence[str], context: RunContext, config: Any,
                      prepared: Any) -> Sequence[Any]:
        if prepared is not True:
            return [None] * len(texts)
        nlp = tagger_mod.load()
        nlp.max_length = max([nlp.max_length, *(len(t) + 1 for t in texts)])
        return [{t.idx: Tag(t.tag_, t.ent_type_ == "PERSON") for t in doc}
                for doc in nlp.pipe(texts, batch_size=64)]

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        if config.group == "custom":
            yield from self._custom(text, prepared)
            return
        tags: dict[int, Tag] | None = notes.get("_item")
        ws = words(text)
        male, female = name_lists()
        genders = {n: "male" for n in male} | {n: "female" for n in female}
        skipped: dict[str, int] = {}
        found_names: list[tuple[Word, str]] = []
        for w in ws:
            if not w.text[:1].isupper() or w.text.lower() in _TERMS:
                continue
            tag = tags.get(w.start) if tags else None
            person = bool(tag and tag.person)
            gender = genders.get(w.text) or genders.get(w.text.capitalize())
            if gender is None:
                if person:
                    skipped["unknown_name"] = skipped.get("unknown_name", 0) + 1
                continue
            if not person and tags is not None and tag is not None and \
                    not tag.tag.startswith("NNP"):
                skipped["not_a_name_here"] = skipped.get("not_a_name_here", 0) + 1
                continue
            if not person and _sentence_initial(text, w):
                skipped["sentence_initial"] = skipped.get("sentence_initial", 0) + 1
                continue
            if not person and _is_word(w.text.lower()):
                skipped["ambiguous"] = skipped.get("ambiguous", 0) + 1
                notes.setdefault("skipped_names", []).append(w.text)
                continue
            found_names.append((w, gender))
        if skipped:
            notes["skipped"] = skipped
        flags = () if tags is not None else ("pos_out_of_context",)
        parent = parent_key(example, context.dataset_spec)
        pools = {"male": male, "female": female}
        directions = [("male", "female"), ("female", "male")]
        if config.group == "names":
            directions = [("male", "male"), ("female", "female")]
        present = {g for _, g in found_names} | {
            g for g, table in (("male", _TO_FEMALE), ("female", _TO_MALE))
            if any(w.text.lower() in table or w.text.lower() == ("his" if g == "male" else "her")
                   for w in ws)}
        for src, dst in directions:
            term_edits = [] if config.group == "names" else \
                self._term_edits(text, ws, src, tags)
            name_targets = [(w, g) for w, g in found_names if g == src] \
                if (config.group == "names" or config.names) else []
            if not term_edits and not name_targets:
                continue
            for n in range(config.outputs if name_targets else 1):
                rng = context.rng_for(self.id, parent, f"{src}->{dst}", str(n))
                mapping: dict[str, str] = {}
                edits = list(term_edits)
                for w, _ in name_targets:
                    if w.text not in mapping:
                        pool = [x for x in pools[dst] if x != w.text
                                and x not in mapping.values()]
                        mapping[w.text] = pool[int(rng.integers(len(pool)))]
                    edits.append(Edit(w.start, w.end, match_case(w.text, mapping[w.text])))
                uses_pos = any(e.new.lower() in ("his", "her", "him", "hers")
                               for e in term_edits)
                yield Candidate(tuple(edits), flags=(flags if uses_pos else ()) + SWAP_FLAGS,
                                meta={"direction": f"{src}->{dst}", "from": src, "to": dst,
                                      "names": mapping, "terms": len(term_edits),
                                      "mixed": len(present) > 1})

    def _term_edits(self, text: str, ws: list[Word], src: str,
                    tags: dict[int, Tag] | None) -> list[Edit]:
        table = _TO_FEMALE if src == "male" else _TO_MALE
        out = []
        for i, w in enumerate(ws):
            low = w.text.lower()
            if low in table:
                out.append(Edit(w.start, w.end, match_case(w.text, table[low])))
            elif low in ("his", "her"):
                if src == "male" and low == "his":
                    det = self._determiner(text, ws, i, tags)
                    out.append(Edit(w.start, w.end, match_case(w.text, "her" if det
                                                                else "hers")))
                elif src == "female" and low == "her":
                    det = self._determiner(text, ws, i, tags)
                    out.append(Edit(w.start, w.end, match_case(w.text, "his" if det
                                                                else "him")))
        return out

    @staticmethod
    def _determiner(text: str, ws: list[Word], i: int, tags: dict[int, Tag] | None) -> bool:
        w = ws[i]
        if tags is not None and w.start in tags:
            return tags[w.start].tag == "PRP$"
        if i + 1 >= len(ws):
            return False
        between = text[w.end:ws[i + 1].start]
        return between.strip() == "" and ws[i + 1].text.lower() not in _NOT_NOUN

    @staticmethod
    def _custom(text: str, groups: list[tuple[str, tuple[str, ...]]]) -> Iterator[Candidate]:
        pats = {label: [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, t.split()))
                                   + r"(?!\w)", re.IGNORECASE) for t in terms]
                for label, terms in groups}
        for label, _terms in groups:
            hits = [(i, m) for i, p in enumerate(pats[label]) for m in p.finditer(text)]
            if not hits:
                continue
            hits.sort(key=lambda h: (h[1].start(), -(h[1].end() - h[1].start())))
            kept, last = [], -1
            for i, m in hits:  # the longest term at each place, no overlaps
                if m.start() >= last:
                    kept.append((i, m))
                    last = m.end()
            for other, oterms in groups:
                if other == label:
                    continue
                edits = tuple(Edit(m.start(), m.end(),
                                   match_case(m.group(), oterms[min(i, len(oterms) - 1)]))
                              for i, m in kept)
                yield Candidate(edits, flags=SWAP_FLAGS, meta={"direction": f"{label}->{other}",
                                             "from": label, "to": other})


_TO_FEMALE = {m: f for m, f in GENDER_PAIRS} | {"him": "her"}
_TO_MALE = {f: m for m, f in GENDER_PAIRS} | {"hers": "his"}
_TERMS = set(_TO_FEMALE) | set(_TO_MALE) | {"his", "her"}
