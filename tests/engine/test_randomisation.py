"""The model-randomisation check: cascade order, measurable change, one copy at a time,
progress and cancel."""

import gc
import threading

import pytest
import torch

from lumos.api.context import Cancelled
from lumos.api.types import SpecError
from lumos.components.metrics.agreement import method_agreement
from lumos.engine.interpret import explain
from lumos.engine.randomisation import layer_groups, randomisation_check, randomised_copies
from lumos.testing import FakeClassifier
from lumos.testing.interpreter_conformance import TEXTS
from lumos.testing.linear import LinearTextModel

EXAMPLES = [{"text": t} for t in TEXTS]


@pytest.fixture(scope="module")
def linear():
    return LinearTextModel()


def maps_of(model, method, config=None):
    return [r[method] for r in explain(None, model, EXAMPLES, method, config)]


def live_linear_modules():
    """The LinearTextModel weight containers alive in this process."""
    gc.collect()
    return sum(1 for o in gc.get_objects()
               if isinstance(o, torch.nn.ModuleDict) and "regressor" in o)


def test_layer_groups_run_top_down_in_the_cascade(linear):
    names = [n for n, _ in layer_groups(linear.module)]
    assert names == ["embedding", "classifier", "regressor"]
    steps = [n for n, _ in randomised_copies(linear)]
    assert steps == ["regressor", "classifier", "embedding"]


def test_the_cascade_re_initialises_one_more_layer_each_step(linear):
    trained = {k: v.clone() for k, v in linear.module.state_dict().items()}
    changed = []
    for _name, clone in randomised_copies(linear):
        now = clone.module.state_dict()
        changed.append(sorted({k.split(".")[0] for k in now
                               if not torch.equal(now[k], trained[k])}))
    assert changed == [["regressor"], ["classifier", "regressor"],
                       ["classifier", "embedding", "regressor"]]
    # the trained model is untouched
    assert all(torch.equal(v, trained[k]) for k, v in linear.module.state_dict().items())


@pytest.mark.parametrize("method", ["integrated_gradients", "lime"])
def test_randomised_model_maps_differ_measurably(linear, method):
    config = {"n_samples": 100} if method == "lime" else None
    check = randomisation_check(None, linear, EXAMPLES, method, config)
    by_layer = {s["layer"]: s for s in check["steps"]}
    # the regressor does not feed 'probas': its re-initialisation changes nothing
    assert by_layer["regressor"]["rank"] == pytest.approx(1.0, abs=1e-6)
    # once the classifier and the embeddings are random, the map is a different one
    assert check["final_rank"] < 0.6
    # the trained model itself is untouched
    again = maps_of(linear, method, config)
    assert check["final_rank"] < method_agreement(again, again)["spearman"]


def test_randomisation_needs_a_torch_model():
    with pytest.raises(SpecError, match="torch module"):
        randomisation_check(None, FakeClassifier(), EXAMPLES, "occlusion")


def test_at_most_one_randomised_copy_is_alive_at_a_time():
    model = LinearTextModel()
    before = live_linear_modules()
    seen = []

    def progress(done, total):
        seen.append((done, total, live_linear_modules() - before))

    check = randomisation_check(None, model, EXAMPLES, "grad_dot_input",
                                on_progress=progress)
    assert [s["layer"] for s in check["steps"]] == ["regressor", "classifier", "embedding"]
    assert [(d, t) for d, t, _ in seen] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    # during every layer step exactly one copy of the weights exists besides the model's
    assert [extra for _, _, extra in seen[2:]] == [1, 1, 1]
    assert live_linear_modules() == before


def test_cancelling_stops_between_steps(linear):
    cancel = threading.Event()
    steps = []

    def progress(done, total):
        steps.append(done)
        if done == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        randomisation_check(None, linear, EXAMPLES, "grad_dot_input", on_progress=progress,
                            cancel=cancel)
    assert steps == [0, 1, 2]


def test_a_copy_uses_its_own_embedding_layer_where_the_adapter_holds_one(tmp_path):
    """The torch-module adapter keeps its embedding layer as an attribute: a shallow copy
    kept the trained one, so re-initialising the embeddings changed nothing it embedded."""
    from lumos.testing.tiny import build_torch_module

    model, examples = build_torch_module(tmp_path)
    trained = model.embed(examples[:1], "probas").inputs_embeds.detach().clone()
    for _, clone in randomised_copies(model):
        assert clone.embedding_layer() is not model.embedding_layer()
        assert any(clone.embedding_layer() is m for m in clone.module.modules())
    # the last step has re-initialised every layer group, the embeddings included
    after = clone.embed(examples[:1], "probas").inputs_embeds.detach()
    assert not torch.allclose(after, trained)
    # and the trained model is untouched
    assert torch.equal(model.embed(examples[:1], "probas").inputs_embeds.detach(), trained)


# The demos' model kinds, tiny and random (sentiment's TF-IDF pipeline; keras; multitask;
# sentiment's HF classifier is the tiny BERT of tests/components/salience/test_hf_models):
# where the check is offered it runs, where it is not the reason says why. A perturbation
# and a gradient method, and attention rollout (never: it explains no prediction).
DEMO_ADAPTERS = ("sklearn_pipeline", "keras_classifier", "multitask")


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("adapter", DEMO_ADAPTERS)
def test_the_check_is_offered_exactly_where_it_runs(adapter, tmp_path):
    from lumos.engine.interpret import get_interpreter
    from lumos.engine.randomisation import randomisation_problem
    from lumos.testing.tiny import TINY_BUILDERS

    model, examples = TINY_BUILDERS[adapter](tmp_path)
    offered = {}
    for method in ("occlusion", "grad_dot_input", "attention_rollout"):
        interp = get_interpreter(method)
        if not interp.is_compatible(model, {}):
            continue
        problem = randomisation_problem(model, interp)
        offered[method] = problem is None
        if problem is None:
            r = randomisation_check(None, model, examples[:1], method, max_steps=1)
            assert len(r["steps"]) == 1 and r["steps"][0]["n"] > 0, r
        else:
            with pytest.raises(SpecError, match="randomisation check"):
                randomisation_check(None, model, examples[:1], method, max_steps=1)
            assert ("attention" in problem if method == "attention_rollout"
                    else "torch module" in problem), problem
    torch_backed = adapter != "sklearn_pipeline"
    assert offered.get("occlusion") is torch_backed, offered
    assert offered.get("attention_rollout") in (None, False), offered
    if adapter == "multitask":
        assert offered["grad_dot_input"] is True, offered
