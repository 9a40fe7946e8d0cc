"""The model-randomisation sanity check (Adebayo et al., 2018).

The layers of a copy of a torch model are re-initialised one by one from the top
(cascading: step i has the top ``i + 1`` layer groups random); after each step the
method's maps are recomputed and compared with the trained model's by Spearman rank
correlation (``lumos.components.metrics.agreement.method_agreement``). A map that
barely changes when the weights are random does not explain the weights.

One randomised copy exists at a time: it is made once and re-initialised further in
place at each step, and its maps go to a scratch engine that is dropped after the step
(maps of random weights are not worth caching). The trained model's maps are the
caller's engine's, cached like any other explanation.

:func:`randomisation_problem` says, from capabilities only, whether the check can run for
a (model, method) pair: the method gives a token salience map *of a prediction* (its
config picks the output and class to explain, :class:`TargetConfig`), and the model holds
a torch module with layers to re-initialise. Methods that read attention weights
(attention, attention rollout) explain no prediction: randomising the layers above the
attention leaves their maps unchanged by construction, so the check's verdict would be
meaningless and it is not offered.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lumos.api.component import Interpreter
from lumos.api.context import Cancelled, ProgressFn
from lumos.api.model import Model
from lumos.api.types import SpecError, TokenSalience
from lumos.components.metrics.agreement import method_agreement
from lumos.components.salience.seeding import TORCH_RNG_LOCK
from lumos.components.salience.targets import TargetConfig
from lumos.engine.interpret import explain, get_interpreter
from lumos.engine.predict import Engine
from lumos.engine.workspace import Workspace
from lumos.store import Store


def torch_module(model: Any) -> tuple[str, Any]:
    """The attribute holding a model adapter's torch module (``model`` or ``module``)."""
    import torch

    for attr in ("model", "module"):
        m = getattr(model, attr, None)
        if isinstance(m, torch.nn.Module):
            return attr, m
    raise SpecError("the model holds no torch module (attribute 'model' or 'module'); "
                    "the check re-initialises a PyTorch model's layers")


def layer_groups(module: Any) -> list[tuple[str, Any]]:
    """Parameter-owning units in forward order: a ModuleList is split into its layers,
    modules without a layer stack inside are kept whole."""
    import torch

    def has_stack(m: Any) -> bool:
        return any(isinstance(c, torch.nn.ModuleList) for c in m.modules())

    groups: list[tuple[str, Any]] = []

    def walk(prefix: str, m: Any) -> None:
        for name, child in m.named_children():
            full = f"{prefix}.{name}" if prefix else name
            if not any(True for _ in child.parameters()):
                continue
            if isinstance(child, torch.nn.ModuleList):
                groups.extend((f"{full}.{i}", c) for i, c in enumerate(child))
            elif has_stack(child):
                walk(full, child)
            else:
                groups.append((full, child))

    walk("", module)
    return groups


def randomisation_steps(model: Any, *, max_steps: int | None = None) -> list[str]:
    """The layer groups the check re-initialises, in order (top layer first)."""
    _, module = torch_module(model)
    names = [n for n, _ in layer_groups(module)][::-1]
    return names if max_steps is None else names[:max_steps]


def randomisation_problem(model: Model, method: Interpreter | str) -> str | None:
    """Why the randomisation check cannot run ``method`` on ``model`` (None when it can).

    Decided from capabilities: the method must give a token salience map of one of the
    model's predictions, and the model must hold a torch module with layers."""
    interp = get_interpreter(method) if isinstance(method, str) else method
    name = interp.id
    try:
        if not interp.is_compatible(model, {}):
            return f"method '{name}' does not apply to this model"
        spec = interp.output_spec(model)
    except Exception as e:  # a component that cannot judge this model does not apply
        return f"method '{name}' cannot judge this model: {e}"
    if not spec or not isinstance(next(iter(spec.values())), TokenSalience):
        return f"method '{name}' does not give a token salience map"
    try:
        if not randomisation_steps(model):
            return "the model's torch module has no layers with weights to re-initialise"
    except SpecError as e:
        return str(e)
    if not issubclass(type(interp).Config, TargetConfig):
        return (f"method '{name}' does not explain a prediction (it reads the model's "
                "attention), so re-initialising the layers above it cannot change its map; "
                "run the check with a gradient or perturbation method")
    return None


def _reinit(unit: Any, seed: int) -> None:
    import torch

    torch.manual_seed(seed)
    for m in unit.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()


def randomised_copies(model: Any, *, seed: int = 0, max_steps: int | None = None
                      ) -> Iterator[tuple[str, Any]]:
    """Cascading re-initialisation, one step per item: ``(layer name, model)`` where the
    model has the top ``i + 1`` layer groups random.

    Every item is the *same* copy, randomised further in place between items, so that at
    most one copy of the weights exists however many layers there are: use each item
    before asking for the next, and do not keep it.
    """
    import torch

    attr, module = torch_module(model)
    names = randomisation_steps(model, max_steps=max_steps)
    current = copy.deepcopy(module).eval()
    clone = copy.copy(model)
    setattr(clone, attr, current)
    # an adapter may hold parts of its module directly (the torch-module adapter keeps its
    # embedding layer): point those at the copy's parts, or they stay trained
    names_of: dict[int, str] = {}
    for sub_name, sub in module.named_modules():
        names_of.setdefault(id(sub), sub_name)
    for key, value in list(vars(clone).items()):
        if isinstance(value, torch.nn.Module) and value is not module and \
                id(value) in names_of:
            setattr(clone, key, current.get_submodule(names_of[id(value)]))
    for step, name in enumerate(names):
        with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):
            _reinit(current.get_submodule(name), seed + step)
        invalidate = getattr(clone, "invalidate_fingerprint", None)
        if callable(invalidate):
            invalidate()
        elif hasattr(clone, "_fp"):
            clone._fp = None
        yield name, clone


def randomisation_check(target: Workspace | Engine | None, model: Model | str,
                        examples: Sequence[Mapping[str, Any]], method: str,
                        config: Any = None, *, seed: int = 0, max_steps: int | None = None,
                        on_progress: ProgressFn | None = None,
                        cancel: threading.Event | None = None) -> dict[str, Any]:
    """Spearman between the trained model's maps and the maps after each cascading
    re-initialisation step (top layer first). Low correlation = the map depends on the
    weights, as it should. ``rank`` compares signed salience, ``abs_rank`` magnitudes.

    ``target`` is as for :func:`lumos.engine.interpret.explain`. ``on_progress(done,
    total)`` counts the trained model's maps as one step and each layer as one more;
    ``cancel`` stops between and inside steps with :class:`~lumos.api.context.Cancelled`.
    """
    if isinstance(target, Workspace) and isinstance(model, str):
        model = target.model(model)
    if isinstance(model, str):
        raise SpecError(f"model: '{model}' is a name, but no workspace was given to look it "
                        "up in")
    interp = get_interpreter(method)
    problem = randomisation_problem(model, interp)
    if problem is not None:
        raise SpecError(f"randomisation check: {problem}")
    key = next(iter(interp.output_spec(model)))
    names = randomisation_steps(model, max_steps=max_steps)
    total = len(names) + 1

    def report(done: int) -> None:
        if on_progress is not None:
            on_progress(done, total)

    def check() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"randomisation check cancelled after {done} of {total} steps")

    done = 0
    report(done)
    trained = [r[key] for r in explain(target, model, examples, interp, config,
                                       cancel=cancel)]
    done += 1
    report(done)
    steps = []
    for name, clone in randomised_copies(model, seed=seed, max_steps=max_steps):
        check()
        scratch = Engine(Store(":memory:"))
        try:
            rand = [r[key] for r in explain(scratch, clone, examples, interp, config,
                                            cancel=cancel)]
        finally:
            scratch.store.close()
        signed = method_agreement(trained, rand)
        unsigned = method_agreement(trained, rand, absolute=True)
        steps.append({"layer": name, "rank": signed["spearman"],
                      "abs_rank": unsigned["spearman"], "n": signed["n"]})
        done += 1
        report(done)
    return {"method": interp.id, "steps": steps,
            "final_rank": steps[-1]["rank"] if steps else None,
            "final_abs_rank": steps[-1]["abs_rank"] if steps else None}
