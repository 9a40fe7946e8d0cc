"""Cached values come back with their types, at any depth (the rule in store/codec.py)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lumos.store.codec import decode, encode

DTYPES = st.sampled_from([np.float32, np.float64, np.float16, np.int8, np.int32, np.int64,
                          np.uint8, np.bool_, np.complex64, "<U3"])
ARRAYS = DTYPES.flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
NP_SCALARS = ARRAYS.filter(lambda a: a.size > 0).map(lambda a: a.ravel()[0])
LEAVES = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
          | st.binary(max_size=8) | ARRAYS | NP_SCALARS)
KEYS = st.text(max_size=6) | st.integers(-5, 5) | st.sampled_from(["\x00lumos", "__nd__"])
VALUES = st.recursive(
    LEAVES,
    lambda inner: (st.lists(inner, max_size=4)
                   | st.lists(inner, max_size=4).map(tuple)
                   | st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12)


def same(a, b) -> bool:
    """Equal in value and in type, all the way down (nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and \
            a.tobytes() == b.tobytes()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and
                                                     math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(type(k) is type(k2) for k, k2 in zip(a, b,
                                                                              strict=True)) \
            and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_every_value_round_trips_with_its_types(value):
    assert same(decode(encode(value)), value)


def test_the_fast_path_is_plain_json():
    value = {"label": "positive", "score": 0.25, "tokens": ["a", "b"], "n": 3}
    blob = encode(value)
    assert blob[:1] == b"j" and decode(blob) == value


@pytest.mark.parametrize("value, kind", [
    (np.float32(0.5), np.float32), ((1, 2), tuple), ({1: "a"}, dict),
    (["text", np.zeros(2, np.float16)], list), (float("nan"), float), (2**80, int)])
def test_the_values_json_would_change(value, kind):
    back = decode(encode(value))
    assert type(back) is kind and same(back, value)


def test_an_array_after_a_string_keeps_its_dtype():
    # schema 1 looked at a list's first element only and stored this one as JSON floats
    back = decode(encode(["tokens", np.arange(3, dtype=np.float32)]))
    assert back[1].dtype == np.float32


@pytest.mark.parametrize("value", [{1, 2}, object(), np.array([object()])])
def test_what_cannot_round_trip_is_refused_by_type(value):
    with pytest.raises(TypeError, match="cannot cache"):
        encode(value)
