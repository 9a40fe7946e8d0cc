"""Pooled gradient and perturbation maps equal one-at-a-time maps, on every tiny torch
model, with two batches provably in flight at once (``lumos.testing.pooled_conformance``)."""

import pytest

from lumos.api import registry
from lumos.components.salience.gradient import GradientInterpreter
from lumos.components.salience.perturbation import PerturbationInterpreter
from lumos.testing.pooled_conformance import PoolGate, check_pooled, distinct_examples
from lumos.testing.tiny import TINY_BUILDERS

METHODS = sorted(m for m in registry.available("interpreter")
                 if issubclass(registry.get("interpreter", m),
                               GradientInterpreter | PerturbationInterpreter))
#: the in-process torch adapters (remote, scikit-learn and Keras have no torch module)
TORCH_ADAPTERS = sorted(a for a in TINY_BUILDERS if a.startswith("hf_") or a in
                        {"multitask", "torch_module"})
#: those that the methods apply to (the others generate text or answer questions; a test
#: below keeps this list honest)
ADAPTERS = ["hf_classifier", "hf_tagger", "multitask", "torch_module"]
#: the quick cases; the others are marked slow (they still run in CI)
QUICK = {"torch_module"}
CONFIG = {"integrated_gradients": {"steps": 8}, "lime": {"n_samples": 32},
          "kernel_shap": {"n_samples": 32}}


def test_the_methods_and_adapters_are_all_here():
    assert {"gradient_norm", "grad_dot_input", "integrated_gradients", "lime",
            "kernel_shap", "occlusion"} <= set(METHODS)
    assert {"torch_module", "hf_classifier", "hf_tagger"} <= set(ADAPTERS)


def cases():
    for adapter in ADAPTERS:
        for method in METHODS:
            marks = () if adapter in QUICK else (pytest.mark.slow,)
            yield pytest.param(adapter, method, marks=marks, id=f"{adapter}-{method}")


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("adapter", "method"), list(cases()))
def test_pooled_maps_equal_one_at_a_time_maps(tiny, adapter, method):
    model, examples = tiny(adapter)
    assert registry.get("interpreter", method)().is_compatible(model, {})
    exs = distinct_examples(model, examples, 40)
    assert len({repr(sorted(e.items())) for e in exs}) == 40
    size = model.max_batch_size
    model.max_batch_size = 4  # many batches, so the pool has work for both workers
    try:
        check_pooled(model, method, exs, config=CONFIG.get(method))
    finally:
        model.max_batch_size = size


@pytest.mark.parametrize("adapter", [
    pytest.param(a, marks=() if a in QUICK else (pytest.mark.slow,)) for a in TORCH_ADAPTERS])
def test_the_checked_adapters_are_those_the_methods_apply_to(tiny, adapter):
    model, _ = tiny(adapter)
    ok = {m for m in METHODS if registry.get("interpreter", m)().is_compatible(model, {})}
    assert ok == (set(METHODS) if adapter in ADAPTERS else set())


@pytest.mark.timeout(60)
def test_a_model_that_did_not_opt_in_is_caught_not_waited_for(tiny):
    """The torch module with its concurrency declaration taken away: the engine keeps
    its batches off the pool, the gate sees no pooled forward, and the check says so."""
    model, examples = tiny("torch_module")
    model.concurrent_fields = frozenset  # declares nothing
    try:
        with pytest.raises(AssertionError, match="no forward pass ran on the pool"):
            check_pooled(model, "grad_dot_input", distinct_examples(model, examples, 8),
                         timeout=5)
    finally:
        del model.concurrent_fields


@pytest.mark.timeout(60)
def test_a_lone_pooled_forward_times_out_and_is_reported():
    import threading

    from lumos.testing.pooled_conformance import POOL_THREADS

    gate = PoolGate(timeout=0.5)
    t = threading.Thread(target=gate, args=(None, ()), name=f"{POOL_THREADS}_0")
    t.start()
    t.join()
    assert gate.broken and not gate.met
    assert "one at a time" in gate.verdict("m")
