"""The perturbation family: black-box methods that only call ``model.predict``.

They edit one text field word by word and score the copies through the run context's
``predict`` (the engine's), so perturbed inputs are de-duplicated, batched to
``max_batch_size`` and cached, and the methods work with any model (fakes,
scikit-learn, Keras, remote). Their maps are per word (``granularity`` ``"word"``: tokens
are the words of ``field``). Their samplers are seeded from the run context
(:meth:`RunContext.seed_for`), per example and target (:mod:`.seeding`). Subclasses
implement :meth:`PerturbationInterpreter.attribute_one`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.context import RunContext
from lumos.api.dataset import ID_FIELD
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.components.salience.seeding import seeded
from lumos.components.salience.targets import (
    Target,
    TargetConfig,
    explainable_outputs,
    pick_score,
    resolve_output,
    resolve_target,
)

if TYPE_CHECKING:
    import torch


def text_fields(model: Model) -> list[str]:
    """Input fields a perturbation method can edit word by word."""
    return [n for n, f in model.input_spec().items()
            if isinstance(f, T.TextSegment | T.Tokens) and f.required]


@dataclass(frozen=True, kw_only=True)
class PerturbationConfig(TargetConfig):
    text_field: str = field(default="", metadata={
        "help": "input text field to perturb (default: the model's first text input)"})
    mask_token: str = field(default="", metadata={
        "help": "word put in place of a removed word; empty deletes it (token fields, which "
                "must keep their length, use '[MASK]' when this is empty)"})


def perturbed_examples(base: Mapping[str, Any], fname: str, words: Sequence[str],
                       keeps: Any, mask_token: str, is_tokens: bool) -> list[dict[str, Any]]:
    """One copy of ``base`` per row of ``keeps`` (booleans, one per word) with the dropped
    words of field ``fname`` removed, or replaced by ``mask_token`` when one is given (a
    Tokens field always keeps its length, so it always takes the mask token)."""
    out = []
    for keep in (keeps.tolist() if hasattr(keeps, "tolist") else keeps):
        if is_tokens or mask_token:
            edited = [w if k else mask_token for w, k in zip(words, keep, strict=True)]
        else:
            edited = [w for w, k in zip(words, keep, strict=True) if k]
        new = dict(base)
        new[fname] = edited if is_tokens else " ".join(edited)
        out.append(new)
    return out


class PerturbationInterpreter(Interpreter):
    """Base of the black-box methods: word-level edits of one text field, scored with
    ``model.predict`` through the engine. Subclasses implement :meth:`attribute_one`."""

    signed: bool = True
    # their samplers hold TORCH_RNG_LOCK while they call the model; a batch of them on
    # the pool would wait for the lock while the holder waits for the pool. They need no
    # pool of their own: their model calls are pooled across examples by the engine
    parallel_batches = False

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return model is not None and bool(text_fields(model)) and \
            bool(explainable_outputs(model))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.TokenSalience(signed=self.signed)}

    def model_fields(self, model: Model, config: Any) -> tuple[str, ...]:
        """Nothing directly: every model call goes through the engine's ``predict``."""
        return ()

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        """Salience ``[n_words]`` given ``forward(masks [N, n_words] float) -> [N]``."""
        raise NotImplementedError

    def draw_masks(self, n_words: int, config: Any) -> Any:
        """The masks ``attribute_one`` will evaluate, drawn exactly as it draws them from
        the same generator state, or None when only running it tells (the pooling pass
        then runs it against a stand-in model)."""
        return None

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        import torch

        if getattr(config, "seed", context.seed) != context.seed:
            raise SpecError(f"{self.id}: config option 'seed' is {config.seed} but the run "
                            f"context is seeded with {context.seed}; the engine seeds a "
                            "run from its config")
        output = resolve_output(model, config, None, self.id)
        fields = text_fields(model)
        if config.text_field:
            if config.text_field not in fields:
                raise SpecError(f"{self.id}: config option 'text_field': '{config.text_field}'"
                                f" is not a text input of the model (text inputs: {fields})")
            fname = config.text_field
        elif fields:
            fname = fields[0]
        else:
            raise SpecError(f"{self.id}: the model has no text input to perturb")
        is_tokens = isinstance(model.input_spec()[fname], T.Tokens)
        mask = config.mask_token or ("[MASK]" if is_tokens else "")
        originals = context.predict(model, inputs, fields=[output])
        jobs = []
        for ex, orig in zip(inputs, originals, strict=True):
            value = ex.get(fname)
            if value is None:
                raise SpecError(f"{self.id}: example lacks input field '{fname}'")
            words = list(value) if is_tokens else str(value).split()
            tgt = resolve_target(model, output, config, ex, orig[output], self.id)
            base = {k: v for k, v in ex.items() if k != ID_FIELD}
            key = (" ".join(words), tgt.output, str(tgt.index), str(tgt.position))
            jobs.append((base, words, tgt, key, pick_score(orig[output], tgt)))

        def edits(masks: torch.Tensor, base: dict[str, Any], words: list[str]
                  ) -> list[dict[str, Any]]:
            rows = masks.reshape(masks.shape[0], -1).detach().cpu().numpy() > 0.5
            return perturbed_examples(base, fname, words, rows, mask, is_tokens)

        def rng(key: tuple[str, ...]) -> contextlib.AbstractContextManager[Any]:
            return seeded(context.seed_for(*key))

        def attribute(forward: Any, words: list[str], key: tuple[str, ...]) -> np.ndarray:
            with rng(key):
                return np.asarray(self.attribute_one(forward, len(words), config),
                                  dtype=np.float32).reshape(-1)

        # Pass 1 draws every example's perturbations with Captum's own samplers (same
        # seeds as pass 2) against a stand-in model, so that they all reach the model in
        # one engine call: sorted by length across examples, so batches pad less and
        # there are fewer of them. Pass 2 runs the method for real; its forward calls
        # find their outputs in the engine's cache. (The samplers do not look at the
        # model's outputs; were one to, pass 2 would just predict what it lacks.)
        if len(jobs) > 1:
            pooled: list[dict[str, Any]] = []
            for base, words, _tgt, key, _score in jobs:
                if not words:
                    continue
                with rng(key):
                    drawn = self.draw_masks(len(words), config)
                if drawn is not None:
                    pooled.extend(edits(drawn, base, words))
                    continue

                def record(masks: torch.Tensor, base: dict[str, Any] = base,
                           words: list[str] = words) -> torch.Tensor:
                    pooled.extend(edits(masks, base, words))
                    return torch.zeros(masks.shape[0], dtype=torch.float32)

                attribute(record, words, key)
            context.predict(model, pooled, fields=[output], transient=True)

        results = []
        for base, words, tgt, key, score in jobs:
            context.check_cancelled()

            def forward(masks: torch.Tensor, base: dict[str, Any] = base,
                        words: list[str] = words, tgt: Target = tgt) -> torch.Tensor:
                outs = context.predict(model, edits(masks, base, words), fields=[output],
                                       transient=True)
                return torch.tensor([pick_score(o[output], tgt) for o in outs],
                                    dtype=torch.float32)

            sal = attribute(forward, words, key) if words else np.zeros(0, np.float32)
            results.append({self.id: {
                "tokens": words, "salience": sal, "granularity": "word", "field": fname,
                "mask_token": mask, "target": tgt.to_json(), "score": score}})
        return results
