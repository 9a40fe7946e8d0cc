"""Known answers on the linear model, where every method's attribution is exact."""

import numpy as np
import pytest
import torch

from lumos.api import registry
from lumos.api.types import SpecError
from lumos.testing.context import context_for
from lumos.testing.linear import LinearTextModel

TEXT = "the movie was great but the plot was awful"


def run(method_id, model, text=TEXT, **options):
    cls = registry.get("interpreter", method_id)
    cfg = cls.make_config(options)
    return cls().run([{"text": text}], model, config=cfg, context=context_for(cfg))[0][method_id]


@pytest.mark.parametrize(("method", "options", "tol"), [
    ("grad_dot_input", {}, 1e-5),
    ("integrated_gradients", {"steps": 8}, 1e-5),
    ("occlusion", {}, 1e-5),
    ("kernel_shap", {"n_samples": 300}, 1e-3),
    ("lime", {"n_samples": 1000, "alpha": 0.0}, 1e-3),
])
def test_attributions_equal_w_dot_e_on_a_linear_score(linear, method, options, tol):
    got = run(method, linear, output="score", **options)
    assert got["tokens"] == TEXT.split()
    np.testing.assert_allclose(got["salience"], linear.word_contributions(TEXT), atol=tol)
    assert got["target"]["output"] == "score"


def test_gradient_norm_is_the_weight_norm_everywhere(linear):
    got = run("gradient_norm", linear, output="score")
    w = linear.module["regressor"].weight.detach().numpy()[0]
    np.testing.assert_allclose(got["salience"], np.linalg.norm(w), rtol=1e-5)
    assert (got["salience"] >= 0).all()


def test_mean_pooling_divides_by_length():
    model = LinearTextModel(pooling="mean")
    got = run("integrated_gradients", model, output="score", steps=4)
    np.testing.assert_allclose(got["salience"], model.word_contributions(TEXT), atol=1e-5)


@pytest.mark.parametrize("baseline", ["zero", "pad", "mask", "unk"])
def test_ig_completeness_on_a_softmax_output(linear, baseline):
    """Sum of attributions = f(x) - f(baseline) within 1e-3 (stated tolerance)."""
    got = run("integrated_gradients", linear, output="probas", target="positive",
              baseline=baseline, steps=64)
    emb = linear.embed([{"text": TEXT}])
    from lumos.components.salience.gradient import baseline_embeds

    base = baseline_embeds(linear, emb, baseline, "ig")
    with torch.no_grad():
        fx = linear.forward_from_embeds("probas", emb.inputs_embeds, **emb.forward_kwargs)
        fb = linear.forward_from_embeds("probas", base, **emb.forward_kwargs)
    expected = float(fx[0, 1] - fb[0, 1])
    assert abs(float(got["salience"].sum()) - expected) < 1e-3
    assert abs(got["delta"]) < 1e-3
    assert got["target"] == {"output": "probas", "index": 1, "label": "positive",
                             "position": None}


def test_ig_with_one_step_is_coarse(linear):
    """The completeness check can fail: two Riemann steps leaves a visible gap."""
    got = run("integrated_gradients", linear, output="probas", target="positive", steps=2,
              method="riemann_left", baseline="zero")
    assert abs(got["delta"]) > 1e-3


def test_target_defaults_to_the_predicted_class_and_can_be_chosen(linear):
    text = "great great love"
    probs = linear.predict([{"text": text}])[0]["probas"]
    pred = run("grad_dot_input", linear, text=text)
    assert pred["target"]["label"] == linear.labels[int(np.argmax(probs))] == "positive"
    assert pred["salience"].sum() > 0  # words that raise p(positive)
    other = run("grad_dot_input", linear, text=text, target="negative")
    assert other["target"]["label"] == "negative"
    np.testing.assert_allclose(other["salience"], -pred["salience"], atol=1e-5)
    cls = registry.get("interpreter", "grad_dot_input")
    by_input = cls().run([{"text": text, "grad_target": "negative"}], linear,
                         config=cls.make_config({}),
                         context=context_for())[0]["grad_dot_input"]
    np.testing.assert_allclose(by_input["salience"], other["salience"])


def test_errors_name_the_option(linear):
    with pytest.raises(SpecError, match="'target'"):
        run("grad_dot_input", linear, target="neutral")
    with pytest.raises(SpecError, match="'output'"):
        run("occlusion", linear, output="tokens")
    with pytest.raises(SpecError, match="steps"):
        registry.get("interpreter", "integrated_gradients").make_config({"steps": 0})
    with pytest.raises(SpecError, match="baseline"):
        registry.get("interpreter", "integrated_gradients").make_config({"baseline": "x"})
    with pytest.raises(SpecError, match="'text_field'"):
        run("lime", linear, text_field="nope")


def test_occlusion_windows_average_over_covering_windows(linear):
    got = run("occlusion", linear, text="great awful bad", output="score", window=2)
    c = linear.word_contributions("great awful bad")
    # each window removes two words; a word's value averages the windows covering it
    pair01, pair12 = c[0] + c[1], c[1] + c[2]
    np.testing.assert_allclose(got["salience"], [pair01, (pair01 + pair12) / 2, pair12],
                               atol=1e-5)


def test_black_box_methods_are_reproducible_and_seeded(linear):
    a = run("lime", linear, n_samples=40, seed=1)
    b = run("lime", linear, n_samples=40, seed=1)
    c = run("lime", linear, n_samples=40, seed=2)
    np.testing.assert_array_equal(a["salience"], b["salience"])
    assert not np.allclose(a["salience"], c["salience"])


@pytest.mark.parametrize("method", ["lime", "kernel_shap", "occlusion"])
def test_black_box_methods_pool_perturbations_across_examples(counting_linear, method):
    """Several examples' perturbations reach the model together (fewer, fuller batches),
    and each example's map is exactly what it gets when explained alone."""
    texts = ["great awful bad movie", "good fine", "awful awful great day today"]
    interp = registry.get("interpreter", method)()
    cfg = interp.make_config({"output": "score"} if method == "occlusion" else
                             {"output": "score", "n_samples": 30, "seed": 3})
    calls = counting_linear.calls
    alone, per_example = [], []
    for t in texts:
        calls.clear()
        alone.append(interp.run([{"text": t}], counting_linear, config=cfg,
                                context=context_for(cfg))[0])
        per_example.append(sum(calls[1:]))
    calls.clear()
    together = interp.run([{"text": t} for t in texts], counting_linear, config=cfg,
                          context=context_for(cfg))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a[method]["salience"], b[method]["salience"])
    # one call for the unedited inputs, one for all examples' perturbations together
    assert len(calls) == 2, calls
    assert calls[1] > max(per_example)


def test_lime_equals_captums_lime_on_the_same_random_stream():
    """lumos draws and weighs LIME's samples in one go (for speed); the attributions are
    Captum's ``Lime`` with the lime-package kernel, to float precision."""
    from captum._utils.models.linear_model import SkLearnRidge
    from captum.attr import Lime as CaptumLime
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    gen = torch.Generator().manual_seed(1)
    w = torch.randn(9, generator=gen)

    def forward(m):  # not linear: an interaction, so the fit has residuals
        return torch.sigmoid(m @ w + 0.7 * m[:, 0] * m[:, 3])

    cls = registry.get("interpreter", "lime")
    cfg = cls.make_config({"n_samples": 300, "kernel_width": 0.4})
    torch.manual_seed(7)
    ours = cls().attribute_one(forward, 9, cfg)
    torch.manual_seed(7)
    x = torch.ones(1, 9)
    theirs = CaptumLime(forward, interpretable_model=SkLearnRidge(alpha=1.0),
                        similarity_func=get_exp_kernel_similarity_function("cosine", 0.4)
                        ).attribute(x, baselines=torch.zeros_like(x),
                                    feature_mask=torch.arange(9).unsqueeze(0), n_samples=300,
                                    perturbations_per_eval=300).reshape(-1).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.abs(theirs).max() > 0.01


def test_a_black_box_method_refuses_a_context_seeded_unlike_its_config(linear):
    """The engine seeds a run from the config (the seed is part of the cache key); a
    context seeded otherwise would give a map the key does not describe."""
    cls = registry.get("interpreter", "lime")
    cfg = cls.make_config({"n_samples": 10, "seed": 5})
    with pytest.raises(SpecError, match="'seed'"):
        cls().run([{"text": TEXT}], linear, config=cfg, context=context_for())
