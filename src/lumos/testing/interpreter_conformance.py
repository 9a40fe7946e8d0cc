"""Checks every interpreter passes, whatever it computes.

``check_interpreter(cls, model, examples)`` runs the contract: registration (snake_case
id, display name), a frozen keyword-only Config whose every option has a default and a
help text, config errors that name the option, outputs that match ``output_spec`` and
validate, one result per example, the same results whatever the batch order or size,
and reproducible results on a second run. Each run gets a fresh run context (a new
in-memory engine, the config's seed), as the engine gives one. Test suites parametrise it over
``registry.available("interpreter")`` and the models each method is compatible with.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api.component import Interpreter
from lumos.api.model import Model
from lumos.api.types import SpecError, validate_example
from lumos.testing.context import context_for


def _close(a: Any, b: Any, where: str, atol: float) -> None:
    if isinstance(a, Mapping):
        assert isinstance(b, Mapping) and set(a) == set(b), f"{where}: keys differ"
        for k in a:
            _close(a[k], b[k], f"{where}.{k}", atol)
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        x, y = np.asarray(a), np.asarray(b)
        assert x.shape == y.shape, f"{where}: shape {x.shape} != {y.shape}"
        if x.dtype.kind in "fiu":
            np.testing.assert_allclose(x, y, atol=atol, rtol=1e-4, err_msg=where)
        else:
            assert (x == y).all(), where
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(float(a) - float(b)) <= atol + 1e-4 * abs(float(b)), f"{where}: {a} != {b}"
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{n}]", atol)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def check_registration(cls: type[Interpreter]) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.id), f"bad id {cls.id!r}"
    assert cls.display_name, f"{cls.id}: no display name"
    cfg_cls = cls.Config
    assert dataclasses.is_dataclass(cfg_cls), f"{cls.id}: Config is not a dataclass"
    params = cfg_cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, f"{cls.id}: Config must be frozen"
    for f in dataclasses.fields(cfg_cls):
        assert f.default is not dataclasses.MISSING or \
            f.default_factory is not dataclasses.MISSING, f"{cls.id}.{f.name}: no default"
        assert f.metadata.get("help"), f"{cls.id}: option '{f.name}' has no help text"
    cls.make_config({})
    try:
        cls.make_config({"no_such_option": 1})
    except SpecError as e:
        assert "no_such_option" in str(e), f"{cls.id}: error does not name the option"
    else:
        raise AssertionError(f"{cls.id}: an unknown option was accepted")
    schema = cls.config_schema()
    assert [s["name"] for s in schema] == [f.name for f in dataclasses.fields(cfg_cls)]


def check_interpreter(cls: type[Interpreter], model: Model,
                      examples: Sequence[Mapping[str, Any]], *, config: Any = None,
                      atol: float = 1e-5) -> list[dict[str, Any]]:
    """Run every contract check; returns the results of the first run."""
    check_registration(cls)
    interp = cls()
    assert interp.is_compatible(model, {}), f"{cls.id} is not compatible with the model"
    cfg = config if config is not None else cls.make_config({})
    spec = interp.output_spec(model)
    assert spec, f"{cls.id}: empty output spec"
    def run(batch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return interp.run(batch, model, config=cfg, context=context_for(cfg))

    out = run(examples)
    assert len(out) == len(examples), f"{cls.id}: {len(out)} results for {len(examples)}"
    for n, r in enumerate(out):
        assert set(spec) <= set(r), f"{cls.id}: result {n} lacks {sorted(set(spec) - set(r))}"
        validate_example(spec, r, where=f"{cls.id} result {n}")
        for name in spec:
            sal = r[name].get("salience") if isinstance(r[name], Mapping) else None
            if sal is not None:
                assert np.all(np.isfinite(np.asarray(sal, dtype=np.float64))), \
                    f"{cls.id}: non-finite salience in result {n}"
    again = run(examples)
    _close(again, out, f"{cls.id} second run", atol)
    rev = run(list(examples)[::-1])[::-1]
    _close(rev, out, f"{cls.id} reversed order", atol)
    single = [run([ex])[0] for ex in examples]
    _close(single, out, f"{cls.id} one at a time", atol)
    return out


TEXTS = ("the movie was great but the plot was awful", "I love it", "boring",
         "a nice and very happy story , not bad")


def default_cases() -> list[tuple[str, Any, list[dict[str, Any]]]]:
    """(name, model factory, examples) on which every interpreter is checked where it
    is compatible: a differentiable known-answer model and the black-box fakes."""
    from lumos.testing.fakes import FakeClassifier, FakeRegressor, FakeTagger
    from lumos.testing.linear import LinearTextModel

    texts = [{"text": t} for t in TEXTS]
    return [
        ("linear", LinearTextModel, texts),
        ("fake_classifier", FakeClassifier, texts),
        ("fake_regressor", FakeRegressor, texts),
        ("fake_tagger", FakeTagger, [{"tokens": ["Hi", "John", "Smith", "there"]},
                                     {"tokens": ["we", "met", "Ann"]}]),
    ]
