"""word_replace: rule parsing, Unicode word boundaries, modes, case, provenance."""

import pytest

from lumos.api.component import Counterfactual
from lumos.api.types import SpecError
from lumos.components.generators.word_replace import WordReplace, parse_rules
from lumos.testing.context import context_for


def run(texts, **config):
    gen = WordReplace()
    cfg = gen.make_config(config)
    rows = [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]
    return gen.run(rows, context_for(cfg), config=cfg)


def texts(result):
    return [cf.example["text"] for cf in result.counterfactuals]


def test_per_rule_replaces_every_match_once_per_replacement():
    [res] = run(["great film, Great cast"], rules="great -> bad | poor")
    assert texts(res) == ["bad film, Bad cast", "poor film, Poor cast"]
    cf = res.counterfactuals[0]
    assert isinstance(cf, Counterfactual)
    assert cf.parent == "r0" and cf.example["_parent"] == "r0"
    assert cf.generator == "word_replace" and cf.version == WordReplace.version
    assert len(cf.config_hash) == 16
    assert [(c.start, c.end, c.old, c.new_start, c.new_end, c.new) for c in cf.changes] == \
        [(0, 5, "great", 0, 3, "bad"), (12, 17, "Great", 10, 13, "Bad")]
    for c in cf.changes:  # provenance points into both texts
        assert "great film, Great cast"[c.start:c.end] == c.old
        assert cf.example["text"][c.new_start:c.new_end] == c.new
    assert cf.meta == {"rule": "great", "replacement": "bad"}


def test_per_match_gives_one_output_per_occurrence():
    [res] = run(["good good"], rules="good -> bad", mode="per_match")
    assert texts(res) == ["bad good", "good bad"]


def test_all_mode_applies_every_rule_at_once():
    [res] = run(["he is tall and kind"], rules="tall -> short | small\nkind -> cruel",
                mode="all")
    assert texts(res) == ["he is short and cruel", "he is small and cruel"]


@pytest.mark.parametrize("text, expected", [
    ("café cafés", ["bar cafés"]),          # no match inside a longer word, any script
    ("Ελλάδα και ελλάδα", ["X και X"]),      # Greek, case-insensitive
    ("précafé", []),
])
def test_unicode_word_boundaries(text, expected):
    [res] = run([text], rules="café -> bar; ελλάδα -> X")
    assert texts(res) == expected
    if not expected:
        assert res.status == "no_change"


def test_phrases_and_case_sensitivity():
    [res] = run(["New  York is big; new york too"], rules="new york -> Paris",
                ignore_case=False)
    assert texts(res) == ["New  York is big; Paris too"]


def test_budget_exhausted_keeps_what_was_made():
    [res] = run(["a a a a a"], rules="a -> b | c | d", mode="per_match", budget=4)
    assert res.status == "budget_exhausted"
    assert len(res.counterfactuals) == 4 and res.notes["candidates"] == 4


def test_tags_are_realigned_through_the_spans():
    spec_rows = [{"id": "t", "tokens": ["I", "met", "Bob", "today"],
                  "tags": ["O", "O", "B-PER", "O"]}]
    from lumos.api import types as T
    from lumos.testing.context import context_for as ctx

    gen = WordReplace()
    cfg = gen.make_config({"rules": "Bob -> Mary Ann | Al", "field": "tokens"})
    import dataclasses

    context = dataclasses.replace(ctx(cfg), dataset_spec={
        "tokens": T.Tokens(), "tags": T.SequenceTags(align="tokens")})
    [res] = gen.run(spec_rows, context, config=cfg)
    rows = [(cf.example["tokens"], cf.example["tags"]) for cf in res.counterfactuals]
    assert rows == [(["I", "met", "Mary", "Ann", "today"], ["O", "O", "B-PER", "I-PER", "O"]),
                    (["I", "met", "Al", "today"], ["O", "O", "B-PER", "O"])]


@pytest.mark.parametrize("rules, words", [
    ("great", "'->'"), ("-> bad", "word on each side"), ("a -> b || c", "empty replacement"),
])
def test_bad_rules_name_the_option_and_the_form(rules, words):
    with pytest.raises(ValueError, match="'rules' line 1") as e:
        parse_rules(rules)
    assert words in str(e.value)
    with pytest.raises(SpecError, match="word_replace: bad config"):
        WordReplace.make_config({"rules": rules})


def test_empty_rules_is_a_clear_error():
    with pytest.raises(ValueError, match="'rules' is empty"):
        run(["x"], rules="")


def test_character_spans_are_carried_through_the_edits():
    import dataclasses

    from lumos.api import types as T

    text = "I met Bob in New York today"
    spans = [{"start": 6, "end": 9, "label": "PER"}, {"start": 13, "end": 21, "label": "LOC"}]
    gen = WordReplace()
    cfg = gen.make_config({"rules": "Bob -> Roberta; met -> saw; New York -> Paris",
                           "mode": "all"})
    ctx = dataclasses.replace(context_for(cfg), dataset_spec={
        "text": T.TextSegment(), "ents": T.SpanLabels(align="text")})
    [res] = gen.run([{"id": "x", "text": text, "ents": spans}], ctx, config=cfg)
    [cf] = res.counterfactuals
    new = cf.example["text"]
    assert new == "I saw Roberta in Paris today"
    assert [(new[s["start"]:s["end"]], s["label"]) for s in cf.example["ents"]] == \
        [("Roberta", "PER"), ("Paris", "LOC")]


def test_untouched_spans_keep_their_text_under_random_edits():
    import numpy as np

    from lumos.components.generators.base import Edit, apply_edits, realign_spans, words

    rng = np.random.default_rng(0)
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    ws = words(text)
    for _ in range(200):
        picked = sorted(rng.choice(len(ws), size=3, replace=False).tolist())
        edits = [Edit(ws[i].start, ws[i].end, "x" * int(rng.integers(0, 9))) for i in picked]
        if rng.random() < 0.5:  # an insertion between words too
            j = int(rng.integers(len(ws)))
            if j not in picked:
                edits.append(Edit(ws[j].start, ws[j].start, "new "))
        new, changes = apply_edits(text, edits, "text")
        spans = [{"start": w.start, "end": w.end} for w in ws]
        for i, (w, sp) in enumerate(zip(ws, realign_spans(spans, changes), strict=True)):
            if i in picked:
                e = next(e for e in edits if e.start == w.start and e.end == w.end)
                assert new[sp["start"]:sp["end"]] == e.new
            else:
                assert new[sp["start"]:sp["end"]] == w.text


def test_realigned_tags_keep_untouched_tokens_and_extend_entities():
    import numpy as np

    from lumos.components.generators.base import Edit, apply_edits, realign_tags

    rng = np.random.default_rng(1)
    tokens = [f"w{i}" for i in range(12)]
    tags = ["O", "B-PER", "I-PER", "O", "B-LOC", "O", "O", "B-ORG", "O", "O", "B-PER", "O"]
    text = " ".join(tokens)
    offs, pos = [], 0
    for t in tokens:
        offs.append((pos, pos + len(t)))
        pos += len(t) + 1
    for _ in range(100):
        picked = sorted(rng.choice(len(tokens), size=3, replace=False).tolist())
        sizes = {i: int(rng.integers(1, 4)) for i in picked}
        edits = [Edit(*offs[i], " ".join(f"n{i}x{k}" for k in range(sizes[i])))
                 for i in picked]
        new, changes = apply_edits(text, edits, "tokens")
        new_tokens, new_tags = realign_tags(tokens, tags, changes, new)
        expected = []
        for i, tag in enumerate(tags):
            k = sizes.get(i, 1)
            cont = "I-" + tag[2:] if tag != "O" else "O"
            expected += [tag] + [cont] * (k - 1)
        assert new_tokens == new.split() and new_tags == expected
