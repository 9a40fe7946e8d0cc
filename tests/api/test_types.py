import numpy as np
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError


@pytest.mark.parametrize("spec,good,bad,msg", [
    (T.TextSegment(), "hi", "  ", "empty"),
    (T.CategoryLabel(vocab=("a", "b")), "a", "c", "not one of"),
    (T.Scalar(min_val=0), 1.5, float("nan"), "NaN"),
    (T.MulticlassPreds(vocab=("a", "b")), np.array([0.3, 0.7]), np.array([0.2, 0.2, 0.6]),
     "expected 2"),
    (T.Tokens(), ["a", "b"], "a b", "list of tokens"),
    (T.AttentionHeads(num_layers=1), np.ones((1, 2, 3, 3)), np.ones((2, 2, 3, 3)), "1 layers"),
    (T.SpanLabels(), [{"start": 0, "end": 2}], [{"start": 3, "end": 1}], "ends before"),
])
def test_validate(spec, good, bad, msg):
    spec.validate("f", good)
    with pytest.raises(SpecError, match=f"field 'f'.*{msg}"):
        spec.validate("f", bad)


def test_json_round_trip():
    spec = {"p": T.MulticlassPreds(vocab=("a", "b"), parent="label"),
            "att": T.AttentionHeads(num_layers=2, num_heads=4)}
    back = T.spec_from_json(T.spec_to_json(spec))
    assert back == spec


def test_expensive_fields():
    assert T.AttentionHeads().expensive and T.TokenGradients().expensive
    assert not T.MulticlassPreds().expensive
    assert T.Embeddings(per_layer=True).expensive and not T.Embeddings().expensive
