"""Every registered interpreter passes the shared contract on every model it supports."""

import pytest

from lumos.api import registry
from lumos.testing.interpreter_conformance import (
    check_interpreter,
    check_registration,
    default_cases,
)

METHODS = sorted(registry.available("interpreter"))
CASES = default_cases()


def test_the_issue_methods_are_registered():
    assert {"gradient_norm", "grad_dot_input", "integrated_gradients", "lime", "kernel_shap",
            "occlusion", "attention", "attention_rollout"} <= set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_registration_and_config(method):
    check_registration(registry.get("interpreter", method))


#: methods for generation models, checked on tiny random LMs in test_hf_models.py
GENERATION_METHODS = {"sequence_salience"}


@pytest.mark.parametrize("method", sorted(set(METHODS) - GENERATION_METHODS))
def test_each_method_supports_at_least_one_model(method):
    cls = registry.get("interpreter", method)
    assert any(cls().is_compatible(make(), {}) for _, make, _ in CASES)


PAIRS = [(m, name) for m in METHODS for name, make, _ in CASES
         if registry.get("interpreter", m)().is_compatible(make(), {})]


@pytest.mark.parametrize(("method", "case"), PAIRS)
def test_conformance(method, case):
    cls = registry.get("interpreter", method)
    _, make, examples = next(c for c in CASES if c[0] == case)
    options = {f["name"] for f in cls.config_schema()}
    values = {}
    if "n_samples" in options:
        values["n_samples"] = 64
    if case == "fake_tagger" and "token_index" in options:
        values["token_index"] = 1
    check_interpreter(cls, make(), examples, config=cls.make_config(values))


def test_gradient_methods_refuse_black_box_models():
    from lumos.testing import FakeClassifier

    for method in ("gradient_norm", "grad_dot_input", "integrated_gradients"):
        assert not registry.get("interpreter", method)().is_compatible(FakeClassifier(), {})


def test_each_method_lives_in_a_module_named_after_its_id():
    for method in METHODS:
        module = registry.get("interpreter", method).__module__
        if module.startswith("lumos.components.salience."):
            assert module.rsplit(".", 1)[1] == method, f"{method} lives in {module}"
