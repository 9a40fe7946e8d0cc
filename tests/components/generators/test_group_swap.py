"""group_swap: pronouns by part of speech, names from Faker, skipped names, custom groups."""

import pytest

from lumos.components.generators import tagger
from lumos.components.generators.group_swap import GroupSwap, name_lists, parse_groups
from lumos.testing.context import context_for


def run(text, **config):
    gen = GroupSwap()
    cfg = gen.make_config(config)
    [res] = gen.run([{"id": "p", "text": text}], context_for(cfg), config=cfg)
    return res


def by_direction(res):
    return {cf.meta["direction"]: cf for cf in res.counterfactuals}


@pytest.mark.parametrize("tagger_opt", [
    "none",
    pytest.param("spacy", marks=[pytest.mark.slow, pytest.mark.skipif(
        not tagger.available(), reason="spaCy pipeline not installed")]),
])
@pytest.mark.timeout(300)
def test_her_becomes_his_or_him_by_part_of_speech(tagger_opt):
    res = run("She took her bag and I thanked her.", tagger=tagger_opt)
    cf = by_direction(res)["female->male"]
    assert cf.example["text"] == "He took his bag and I thanked him."
    assert cf.meta == {**cf.meta, "from": "female", "to": "male", "mixed": False}
    assert [(c.old, c.new) for c in cf.changes] == [("She", "He"), ("her", "his"),
                                                   ("her", "him")]
    assert ("pos_out_of_context" in cf.flags) == (tagger_opt == "none")
    assert "male->female" not in by_direction(res)


@pytest.mark.skipif(not __import__("lumos.components.generators.wordnet",
                                    fromlist=["available"]).available(),
                    reason="the offline WordNet is not laid out")
def test_a_swap_is_not_spoiled_by_the_antonym_check():
    """WordNet has man/woman as antonyms: the validity guard must not call the very
    counterfactual a fairness test asks for a meaning change; the other checks run."""
    from lumos.components.generators import wordnet
    from lumos.components.generators.validity import FAILED, NOT_APPLICABLE, check

    assert "woman" in wordnet.antonyms("man")
    parent = {"id": "p", "text": "The man who served us was lovely and very professional"}
    [res] = GroupSwap().run([parent], context_for(GroupSwap().make_config({"tagger": "none"})),
                            config=GroupSwap().make_config({"tagger": "none"}))
    cf = check(by_direction(res)["male->female"], parent)
    assert cf.example["text"] == "The woman who served us was lovely and very professional"
    assert cf.validity["antonym"] == NOT_APPLICABLE
    assert cf.validity["negation"] == "passed" and cf.validity["char_change"] == "passed"
    assert FAILED not in cf.validity.values()
    for_custom = run("a christian wrote this", group="custom",
                     groups="christian: christian\nmuslim: muslim").counterfactuals[0]
    assert "not_applicable:antonym" in for_custom.flags


def test_his_becomes_her_or_hers():
    cf = by_direction(run("The car is his, and his dog too.", tagger="none"))["male->female"]
    assert cf.example["text"] == "The car is hers, and her dog too."


def test_names_swap_to_the_other_gender_consistently_and_skip_ambiguous_ones():
    male, female = name_lists()
    assert "Jordan" not in male and "Jordan" not in female  # on both lists: left out
    text = "Yesterday I met Brian. Later Brian and Mark left; Hope stayed."
    res = run(text, tagger="none", outputs=2)
    outs = [cf for cf in res.counterfactuals if cf.meta["direction"] == "male->female"]
    assert len(outs) == 2
    for cf in outs:
        new = cf.meta["names"]["Brian"]
        assert new in female
        assert cf.example["text"].count(new) == 2  # the same name both times
        assert "Mark" in cf.example["text"]       # ambiguous: left alone
    assert outs[0].meta["names"] != outs[1].meta["names"]  # seeded draws per output
    assert res.notes["skipped"]["ambiguous"] >= 1 and "Mark" in res.notes["skipped_names"]


def test_sentence_initial_names_are_skipped_and_counted():
    res = run("Brian left early.", tagger="none", names=True)
    assert res.status == "no_change" and res.notes["skipped"] == {"sentence_initial": 1}


def test_names_within_a_gender():
    male, _ = name_lists()
    res = run("I saw Brian there.", group="names", outputs=3)
    assert len(res.counterfactuals) == 3
    assert all(cf.meta["names"]["Brian"] in male for cf in res.counterfactuals)


def test_mixed_rows_are_marked():
    cf = by_direction(run("he loves his wife", tagger="none"))["male->female"]
    assert cf.example["text"] == "she loves her wife" and cf.meta["mixed"] is True


def test_custom_groups_both_ways():
    groups = "christian: christian, church\nmuslim: muslim, mosque\njewish: jewish"
    res = run("A Christian went to church.", group="custom", groups=groups)
    d = by_direction(res)
    assert d["christian->muslim"].example["text"] == "A Muslim went to mosque."
    assert d["christian->jewish"].example["text"] == "A Jewish went to jewish."
    back = by_direction(run("a muslim prays", group="custom", groups=groups))
    assert back["muslim->christian"].example["text"] == "a christian prays"


def test_bad_groups_name_the_line():
    with pytest.raises(ValueError, match="'groups' line 1"):
        parse_groups("no colon here")
    from lumos.api.types import SpecError

    with pytest.raises(SpecError, match="at least two lines"):
        GroupSwap.make_config({"group": "custom", "groups": "a: x"})
