"""One audit's generation runs by content key: checks sharing a generator, options,
model and rows share one run; any change to those is another key."""

from lumos.components.generators.word_replace import WordReplace
from lumos.engine.check_counterfactual import counterfactual_results, run_generator
from lumos.engine.generate import get_generator
from lumos.engine.generation_memo import GenerationMemo, generation_key
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

RULES = "good -> bad | fine; great -> awful"


class OtherClassifier(FakeClassifier):
    """Another model: the default fingerprint hashes the class and the specs."""


def check(statistic, rules=RULES):
    return {"id": statistic, "kind": "robustness", "generator": "word_replace",
            "options": {"rules": rules}, "statistic": statistic, "at_most": 0.5,
            "min_count": 1, "pass_on": "point"}


def key(ws, rules=RULES, indices=(0, 1, 2), model="clf"):
    gen = get_generator("word_replace")
    ds = ws.dataset("reviews")
    return generation_key(ws.model(model), gen, gen.make_config({"rules": rules}),
                          ds.examples(list(indices)), ds.spec())


def test_the_same_content_is_the_same_key(reviews):
    a, b = reviews.workspace(Store(":memory:")), reviews.workspace(Store(":memory:"))
    assert key(a) == key(b)  # another workspace, engine and model object: same content


def test_config_rows_model_and_version_change_the_key(reviews, monkeypatch):
    ws = reviews.workspace(Store(":memory:"))
    base = key(ws)
    assert key(ws, rules="good -> bad") != base
    assert key(ws, indices=(0, 1, 3)) != base
    assert key(ws, indices=(1, 0, 2)) != base  # the order of the parents is content
    ws.add_model("other", OtherClassifier(), smoke_test=False)
    assert key(ws, model="other") != base
    monkeypatch.setattr(WordReplace, "version", "2")
    assert key(ws) != base


def test_the_dataset_rows_content_changes_the_key(reviews):
    ws = reviews.workspace(Store(":memory:"))
    gen = get_generator("word_replace")
    cfg = gen.make_config({"rules": RULES})
    ds = ws.dataset("reviews")
    rows = ds.examples([0, 1])
    edited = [dict(rows[0], text="good film"), rows[1]]  # same ids, other text
    assert generation_key(ws.model("clf"), gen, cfg, rows, ds.spec()) != \
        generation_key(ws.model("clf"), gen, cfg, edited, ds.spec())


def test_two_checks_share_one_run_and_give_the_same_values(reviews):
    ws = reviews.workspace(Store(":memory:"))
    memo = GenerationMemo()
    first = run_generator(ws, "clf", "reviews", check("flip_rate"), None, memo=memo)
    again = run_generator(ws, "clf", "reviews", check("accuracy_drop"), None, memo=memo)
    assert again is first and (memo.hits, memo.misses, len(memo)) == (1, 1, 1)
    other = run_generator(ws, "clf", "reviews", check("flip_rate", "good -> bad"), None,
                          memo=memo)
    assert other is not first and memo.misses == 2
    plain = reviews.workspace(Store(":memory:"))
    for c in (check("flip_rate"), check("accuracy_drop")):
        shared = counterfactual_results(ws, "clf", "reviews", c, memo=memo)
        alone = counterfactual_results(plain, "clf", "reviews", c)
        assert [(r.value, r.low, r.high, r.verdict, r.count) for r in shared] == \
            [(r.value, r.low, r.high, r.verdict, r.count) for r in alone]
    assert memo.misses == 2  # both checks were answered by the first run
