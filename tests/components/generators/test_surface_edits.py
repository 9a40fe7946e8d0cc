"""char_noise, contractions, numbers_to_words: outputs, provenance and seeding."""

import pytest

from lumos.api import registry
from lumos.api.context import RunContext
from lumos.components.generators.char_noise import NEIGHBOURS
from lumos.testing.context import context_for


def run(gen_id, texts, seed=None, **config):
    gen = registry.get("generator", gen_id)()
    cfg = gen.make_config(config)
    ctx = context_for(cfg) if seed is None else RunContext(predict=None, seed=seed)
    return gen.run([{"id": f"r{i}", "text": t} for i, t in enumerate(texts)], ctx,
                   config=cfg)


def outs(res):
    return [cf.example["text"] for cf in res.counterfactuals]


def test_typos_are_keyboard_neighbours_and_seeded():
    text = "the quick brown fox jumps over the lazy dog"
    [a] = run("char_noise", [text], kinds="typo", outputs=4, rate=0.3)
    [b] = run("char_noise", [text], kinds="typo", outputs=4, rate=0.3)
    assert outs(a) == outs(b) and len(outs(a)) == 4
    [c] = run("char_noise", [text], kinds="typo", outputs=4, rate=0.3, seed=7)
    assert outs(c) != outs(a)
    for cf in a.counterfactuals:
        assert len(cf.changes) == 3  # 30 % of 9 words
        for ch in cf.changes:
            assert len(ch.old) == len(ch.new) == 1 and ch.new in NEIGHBOURS[ch.old]
            assert text[ch.start:ch.end] == ch.old


def test_outputs_depend_on_the_parent_not_the_batch():
    text = "a sentence with several words to edit"
    gen = registry.get("generator", "char_noise")()
    cfg = gen.make_config({"kinds": "typo,case"})
    [alone] = gen.run([{"id": "r0", "text": text}], context_for(cfg), config=cfg)
    _, batched = gen.run([{"id": "zz", "text": "other words here"},
                          {"id": "r0", "text": text}], context_for(cfg), config=cfg)
    assert outs(alone) == outs(batched) and alone.notes["candidates"] == 6


def test_case_and_punctuation():
    [res] = run("char_noise", ["Hello world, friends!"], kinds="case,punctuation",
                outputs=1, rate=1.0)
    case, punct = res.counterfactuals
    assert case.example["text"] == "HELLO WORLD, FRIENDS!"
    assert punct.meta["kind"] == "punctuation"
    # every word: "Hello" gains a mark, "world," and "friends!" lose theirs
    assert [(c.start, c.old) for c in punct.changes] == [(5, ""), (11, ","), (20, "!")]
    assert punct.changes[0].new in "!,."
    assert punct.example["text"] == f"Hello{punct.changes[0].new} world friends"


def test_inner_punctuation_is_left_alone():
    [res] = run("char_noise", ["paid 1,200 now"], kinds="punctuation", outputs=3, rate=1.0)
    assert all("1,200" in t for t in outs(res))


def test_bad_kinds_are_named():
    from lumos.api.types import SpecError

    with pytest.raises(SpecError, match="'kinds' must name some of"):
        registry.get("generator", "char_noise").make_config({"kinds": "typos"})


def test_contractions_both_ways_with_spans():
    text = "I don't know. I am sure it is fine."
    [res] = run("contractions", [text])
    expand, contract = res.counterfactuals
    assert expand.example["text"] == "I do not know. I am sure it is fine."
    assert contract.example["text"] == "I don't know. I'm sure it's fine."
    assert [(c.old, c.new) for c in expand.changes] == [("don't", "do not")]
    assert [(c.old, c.new) for c in contract.changes] == [("I am", "I'm"), ("it is", "it's")]
    [per] = run("contractions", [text], direction="contract", mode="per_match")
    assert outs(per) == ["I don't know. I'm sure it is fine.",
                         "I don't know. I am sure it's fine."]


def test_contract_keeps_the_first_letters_case():
    [res] = run("contractions", ["Do not go. They are here."], direction="contract")
    assert outs(res) == ["Don't go. They're here."]


def test_numbers_to_words():
    text = "I paid 42 dollars, 3.5 each, 1,200 total on the 2nd day of 1999."
    [res] = run("numbers_to_words", [text])
    [cf] = res.counterfactuals
    assert cf.example["text"] == ("I paid forty-two dollars, three point five each, one "
                                  "thousand, two hundred total on the second day of 1999.")
    [yrs] = run("numbers_to_words", ["in 1999"], years=True)
    assert outs(yrs) == ["in nineteen ninety-nine"]
    [none] = run("numbers_to_words", ["no digits"])
    assert none.status == "no_change"


def test_numbers_bad_language_is_named():
    with pytest.raises(ValueError, match="no language 'xx'"):
        run("numbers_to_words", ["1"], lang="xx")
