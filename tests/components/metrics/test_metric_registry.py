"""Every built-in metric is registered, declares what it applies to and builds its config."""

import pytest

from lumos.api import types as T
from lumos.api.registry import available
from lumos.engine.aggregate import DEFAULT_METRICS


def test_every_registered_metric_runs_by_default():
    assert sorted(available("metric")) == sorted(DEFAULT_METRICS)


@pytest.mark.parametrize("metric_id", sorted(available("metric")))
def test_metric_contract(metric_id):
    cls = available("metric")[metric_id]
    assert cls.id == metric_id
    assert cls.applies_to and all(issubclass(t, T.FieldSpec) for t in cls.applies_to)
    m = cls()
    cfg = cls.make_config({})
    spec = cls.applies_to[0]()
    assert m.compute([], [], spec, T.CategoryLabel(), config=cfg)["count"] == 0
    assert not m.is_field_compatible(T.Embeddings(), T.CategoryLabel())
