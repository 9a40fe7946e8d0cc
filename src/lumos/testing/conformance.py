"""Conformance checks every model adapter passes.

``check_model(model, examples)`` raises ``ConformanceError`` (naming the model, field and
example) unless:

- ``input_spec`` and ``output_spec`` map names to ``FieldSpec`` instances, and the
  examples satisfy the input spec;
- ``predict`` returns one output per input, with every default field (no ``fields``)
  and every field of the spec (all asked for) present and valid
  (``lumos.api.model.check_outputs``); expensive fields may be left out when not asked;
- predicting the batch and predicting each example alone agree (numbers ``allclose``,
  text equal);
- ``fingerprint()`` is a non-empty string that stays the same across calls and
  predictions;
- a ``Differentiable`` model's ``embed`` + ``forward_from_embeds`` give scores for
  every gradient field, batch-first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api.model import Differentiable, Model, check_outputs
from lumos.api.types import FieldSpec, SpecError, validate_example


class ConformanceError(AssertionError):
    """A model breaks its contract; the message names the model, field and example."""


def assert_close(a: Any, b: Any, where: str, *, rtol: float = 1e-3, atol: float = 1e-4
                 ) -> None:
    """Recursive comparison: arrays and floats with tolerance, the rest exactly."""
    if isinstance(a, np.ndarray | np.generic) or isinstance(b, np.ndarray | np.generic):
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape:
            raise ConformanceError(f"{where}: shapes differ {x.shape} vs {y.shape}")
        if x.dtype.kind in "fciub" and y.dtype.kind in "fciub":
            if not np.allclose(x, y, rtol=rtol, atol=atol):
                diff = float(np.max(np.abs(x.astype(float) - y.astype(float))))
                raise ConformanceError(f"{where}: values differ (max abs diff {diff:.3g})")
        elif x.tolist() != y.tolist():
            raise ConformanceError(f"{where}: values differ")
        return
    if isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, int | float) and isinstance(b, int | float)) or \
                not np.isclose(a, b, rtol=rtol, atol=atol):
            raise ConformanceError(f"{where}: {a!r} != {b!r}")
        return
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if set(a) != set(b):
            raise ConformanceError(f"{where}: keys differ {sorted(a)} vs {sorted(b)}")
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}", rtol=rtol, atol=atol)
        return
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            raise ConformanceError(f"{where}: lengths differ {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]", rtol=rtol, atol=atol)
        return
    if a != b:
        raise ConformanceError(f"{where}: {a!r} != {b!r}")


def _check_specs(model: Model, name: str) -> None:
    for which in ("input_spec", "output_spec"):
        spec = getattr(model, which)()
        if not isinstance(spec, Mapping) or not spec:
            raise ConformanceError(f"{name}: {which}() must return a non-empty mapping")
        for k, v in spec.items():
            if not isinstance(k, str) or not isinstance(v, FieldSpec):
                raise ConformanceError(f"{name}: {which}() field {k!r} is not a FieldSpec "
                                       f"(got {type(v).__name__})")


def _predict(model: Model, examples: Sequence[Mapping[str, Any]], fields: Any,
             name: str) -> list[dict[str, Any]]:
    out = model.predict(examples, fields=fields)
    if len(out) != len(examples):
        raise ConformanceError(f"{name}: predict returned {len(out)} outputs for "
                               f"{len(examples)} inputs")
    return out


def check_model(model: Model, examples: Sequence[Mapping[str, Any]], *,
                name: str | None = None, rtol: float = 1e-3, atol: float = 1e-4) -> None:
    """Run every check; raise ``ConformanceError`` at the first failure."""
    name = name or type(model).__name__
    if not examples:
        raise ConformanceError(f"{name}: give at least one example")
    _check_specs(model, name)
    in_spec, out_spec = model.input_spec(), model.output_spec()
    for i, ex in enumerate(examples):
        try:
            validate_example(in_spec, ex, where=f"{name} example {i}")
        except SpecError as e:
            raise ConformanceError(str(e)) from None
    if len(examples) > model.max_batch_size:
        raise ConformanceError(f"{name}: give at most max_batch_size={model.max_batch_size} "
                               "examples")
    fp = model.fingerprint()
    if not isinstance(fp, str) or not fp:
        raise ConformanceError(f"{name}: fingerprint() must be a non-empty string")

    defaults = model.default_fields()
    everything = list(out_spec)
    try:
        check_outputs(model, _predict(model, examples, None, name), defaults, name)
        batch = _predict(model, examples, everything, name)
        check_outputs(model, batch, everything, name)
    except SpecError as e:
        raise ConformanceError(str(e)) from None

    for i, ex in enumerate(examples):
        (single,) = _predict(model, [ex], everything, name)
        for f in everything:
            assert_close(batch[i][f], single[f], f"{name}: example {i} field '{f}' "
                         "(batch vs alone)", rtol=rtol, atol=atol)

    if model.fingerprint() != fp or model.fingerprint() != fp:
        raise ConformanceError(f"{name}: fingerprint() changed between calls")

    if isinstance(model, Differentiable):
        _check_differentiable(model, examples, name)


def _check_differentiable(model: Any, examples: Sequence[Mapping[str, Any]], name: str
                          ) -> None:
    out_spec = model.output_spec()
    for field in model.gradient_fields():
        if field not in out_spec:
            raise ConformanceError(f"{name}: gradient field '{field}' is not in the output "
                                   "spec")
        emb = model.embed(examples, field)
        n = len(examples)
        if emb.inputs_embeds.ndim != 3 or emb.inputs_embeds.shape[0] != n:
            raise ConformanceError(f"{name}: embed('{field}') gave inputs_embeds of shape "
                                   f"{tuple(emb.inputs_embeds.shape)}; expected [{n}, T, D]")
        if tuple(emb.input_ids.shape) != tuple(emb.inputs_embeds.shape[:2]) or \
                tuple(emb.special.shape) != tuple(emb.input_ids.shape):
            raise ConformanceError(f"{name}: embed('{field}'): input_ids/special shapes do "
                                   "not match inputs_embeds")
        if len(emb.tokens) != n:
            raise ConformanceError(f"{name}: embed('{field}') gave {len(emb.tokens)} token "
                                   f"lists for {n} examples")
        scores = model.forward_from_embeds(field, emb.inputs_embeds, **emb.forward_kwargs)
        if scores.shape[0] != n or scores.ndim not in (2, 3):
            raise ConformanceError(f"{name}: forward_from_embeds('{field}') gave shape "
                                   f"{tuple(scores.shape)}; expected [{n}, C] or [{n}, T, C]")
        if not bool(np.isfinite(scores.detach().float().cpu().numpy()).all()):
            raise ConformanceError(f"{name}: forward_from_embeds('{field}') is not finite")
