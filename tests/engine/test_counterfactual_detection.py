"""Detection quality of the group-gap statistic (issue 13, part 6), fixed seeds 0-19.

A bag-of-words logistic regression is trained in the test on sentences holding a first
name and sentiment words. Biased data: rows with a group-A name carry the positive label
80 % of the time, rows with a group-B name 50 %. The name swap (A -> B and B -> A, name
*i* of one list for name *i* of the other) must be flagged, with the right sign, in at
least 19 of 20 seeds; on balanced data (50 % / 50 %) in at most 1 of 20. A simulation
under the null checks that the gap's interval covers the true gap about 95 % of the time.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lumos.engine import counterfactual_stats as cs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

GROUP_A = ("Emily", "Hannah", "Olivia", "Sophia", "Grace", "Chloe", "Abigail", "Natalie",
           "Lauren", "Megan", "Rachel", "Victoria", "Julia", "Sarah", "Anna", "Claire")
GROUP_B = ("Jacob", "Michael", "Joshua", "Andrew", "Daniel", "Tyler", "Joseph", "Ryan",
           "Nathan", "Kevin", "Brandon", "Justin", "Jason", "Kyle", "Aaron", "Adam")
POSITIVE = ("great", "lovely", "wonderful", "happy", "excellent", "fun")
NEGATIVE = ("awful", "boring", "sad", "terrible", "rude", "late")
NEUTRAL = ("today", "the", "meeting", "was", "with", "and", "then", "we", "went", "home",
           "lunch", "call", "after", "train", "office")
SWAP = {**dict(zip(GROUP_A, GROUP_B, strict=True)), **dict(zip(GROUP_B, GROUP_A, strict=True))}
NAME = re.compile(r"\b(" + "|".join(SWAP) + r")\b")


def sentence(rng: np.random.Generator, name: str, label: int) -> str:
    """A name, a few neutral words and sentiment words that lean towards the label."""
    words = list(rng.choice(NEUTRAL, size=5))
    for _ in range(2):
        own = POSITIVE if label else NEGATIVE
        other = NEGATIVE if label else POSITIVE
        words.append(str(rng.choice(own if rng.random() < 0.75 else other)))
    rng.shuffle(words)
    return " ".join([name, *words])


def dataset(rng: np.random.Generator, n: int, p_a: float, p_b: float
            ) -> tuple[list[str], list[int], list[str]]:
    texts, labels, groups = [], [], []
    for i in range(n):
        group = "A" if i % 2 == 0 else "B"
        name = str(rng.choice(GROUP_A if group == "A" else GROUP_B))
        label = int(rng.random() < (p_a if group == "A" else p_b))
        texts.append(sentence(rng, name, label))
        labels.append(label)
        groups.append(group)
    return texts, labels, groups


def swap_names(text: str) -> str:
    return NAME.sub(lambda m: SWAP[m.group()], text)


def gaps_for_seed(seed: int, p_a: float, p_b: float) -> dict[str, cs.GroupGap]:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(seed)
    train_x, train_y, _ = dataset(rng, 4000, p_a, p_b)
    model = make_pipeline(CountVectorizer(lowercase=False, token_pattern=r"\b\w+\b"),
                          LogisticRegression(max_iter=1000))
    model.fit(train_x, train_y)
    test_x, _, test_g = dataset(rng, 200, 0.5, 0.5)
    children = [swap_names(t) for t in test_x]
    assert all(c != t for c, t in zip(children, test_x, strict=True))
    p_parent = model.predict_proba(test_x)[:, 1]
    p_child = model.predict_proba(children)[:, 1]
    keys = [f"r{i}" for i in range(len(test_x))]
    parent_scores = dict(zip(keys, map(float, p_parent), strict=True))
    directions = ["A->B" if g == "A" else "B->A" for g in test_g]
    return cs.group_gap(parent_scores, keys, [float(p) for p in p_child], directions,
                        seed=seed)


def test_a_planted_name_bias_is_flagged_with_its_sign_in_19_of_20_seeds() -> None:
    right = 0
    for seed in range(20):
        gaps = gaps_for_seed(seed, 0.8, 0.5)
        a_to_b, b_to_a = gaps["A->B"], gaps["B->A"]
        assert a_to_b.pairs == b_to_a.pairs == 100
        # swapping an A name for a B name lowers the positive score, and back
        if (a_to_b.verdict == "gap" and a_to_b.gap.high < -cs.DELTA
                and b_to_a.verdict == "gap" and b_to_a.gap.low > cs.DELTA):
            right += 1
    assert right >= 19, f"flagged with the right sign in {right} of 20 seeds"


def test_balanced_training_data_is_flagged_in_at_most_1_of_20_seeds() -> None:
    flagged = 0
    for seed in range(20):
        gaps = gaps_for_seed(seed, 0.5, 0.5)
        if any(g.verdict == "gap" for g in gaps.values()):
            flagged += 1
    assert flagged <= 1, f"flagged in {flagged} of 20 seeds"


def _null_draw(rng: np.random.Generator, n: int, skewed: bool
               ) -> tuple[dict[str, float], list[str], list[float]]:
    keys: list[str] = []
    child: list[float] = []
    parent_scores: dict[str, float] = {}
    for i in range(n):
        k = f"p{i}"
        parent_scores[k] = float(rng.uniform(0.1, 0.9))
        scale = float(rng.uniform(0.01, 0.08))  # some parents move more than others
        for _ in range(int(rng.integers(1, 4))):
            e = float(rng.gamma(4.0, 0.5)) - 2.0 if skewed else float(rng.normal())
            keys.append(k)
            child.append(parent_scores[k] + scale * e)  # mean shift 0
    return parent_scores, keys, child


@pytest.mark.parametrize("skewed", [False, True], ids=["symmetric", "skewed"])
def test_the_gap_interval_covers_the_true_gap_about_95_percent_under_the_null(
        skewed: bool) -> None:
    """1,000 draws of 100 parents (the pairs per direction above), each with 1-3
    children whose score shift has mean zero, with a scale that varies by parent: the
    interval holds 0 in 95 % of draws, within 2.5 binomial sd (0.69 points each)."""
    rng = np.random.default_rng(20 + int(skewed))
    draws = 1000
    covered = 0
    for d in range(draws):
        ps, keys, child = _null_draw(rng, 100, skewed)
        gap = cs.group_gap(ps, keys, child, ["A->B"] * len(keys), seed=d)["A->B"]
        assert gap.pairs == 100 and gap.gap.method == "t"
        covered += int(gap.gap.low <= 0.0 <= gap.gap.high)
    coverage = covered / draws
    assert 0.933 <= coverage <= 0.967, f"coverage {coverage:.3f}"
