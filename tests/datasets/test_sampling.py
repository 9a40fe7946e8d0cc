"""Seeded, stratified samples (``lumos --sample``)."""

import numpy as np
import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.datasets.arrow import ArrowDataset
from lumos.datasets.sampling import allocate, sample

SPEC = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("a", "b", "c"))}


def sorted_by_label(n_a=60, n_b=30, n_c=10):
    """A file as many are shipped: every 'a', then every 'b', then every 'c'."""
    labels = ["a"] * n_a + ["b"] * n_b + ["c"] * n_c
    texts = [f"row {i}" for i in range(len(labels))]
    return ArrowDataset(pa.table({"text": texts, "label": labels}), SPEC, name="d")


def test_each_label_keeps_its_share():
    got = sample(sorted_by_label(), 20, seed=3)
    counts = {k: got.to_arrow().column("label").to_pylist().count(k) for k in "abc"}
    assert counts == {"a": 12, "b": 6, "c": 2}  # 60 / 30 / 10 of 100


def test_shares_that_do_not_divide_add_up_by_largest_remainder():
    assert allocate(np.array([5, 3, 2]), 4).tolist() == [2, 1, 1]  # 2.0, 1.2, 0.8
    assert allocate(np.array([1, 1, 1]), 2).sum() == 2


def test_the_seed_decides_the_rows_and_keys_are_the_originals():
    ds = sorted_by_label()
    one, again, other = (sample(ds, 20, seed=s) for s in (0, 0, 1))
    assert list(one.ids) == list(again.ids) and list(one.ids) != list(other.ids)
    assert set(one.ids) <= set(ds.ids)
    order = [list(ds.ids).index(i) for i in one.ids]
    assert order == sorted(order)  # rows stay in file order


def test_asking_for_more_rows_than_there_are_gives_them_all():
    ds = sorted_by_label()
    assert list(sample(ds, 1000).ids) == list(ds.ids)
    with pytest.raises(SpecError, match="positive"):
        sample(ds, 0)


def test_a_dataset_without_a_label_is_sampled_uniformly():
    ds = ArrowDataset(pa.table({"text": [f"t{i}" for i in range(50)]}),
                      {"text": T.TextSegment()}, name="u")
    got = sample(ds, 7, seed=0)
    assert len(got) == 7 and len(set(got.ids)) == 7
