"""LIME over words (Ribeiro et al., 2016): a weighted linear model fitted to the
predictions on randomly thinned copies of the text.

Captum's ``LimeBase`` fits the surrogate on samples drawn as Captum's ``Lime`` draws them
(see ``attribute_one``); every example's perturbed texts go to the model together through
the engine, which de-duplicates them, sorts them by length into batches and caches them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.registry import register
from lumos.components.salience.perturbation import PerturbationConfig, PerturbationInterpreter


@register("lime", display_name="LIME")
class Lime(PerturbationInterpreter):
    """Captum ``LimeBase`` with Lime's sampling and an exponential kernel on the cosine
    distance of word masks."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(PerturbationConfig):
        n_samples: int = field(default=256, metadata={"help": "perturbed copies per example"})
        kernel_width: float = field(default=0.25, metadata={
            "help": "width of the exponential kernel on the cosine distance between word "
                    "masks (0.25 matches the lime package's text default of 25 on a 0-100 "
                    "scale)"})
        alpha: float = field(default=1.0, metadata={
            "help": "ridge regularisation of the surrogate (0: ordinary least squares)"})
        seed: int = field(default=0, metadata={"help": "random seed of the sampling"})

        def __post_init__(self) -> None:
            if self.n_samples < 2:
                raise ValueError(f"'n_samples' must be >= 2, got {self.n_samples}")
            if self.kernel_width <= 0:
                raise ValueError(f"'kernel_width' must be > 0, got {self.kernel_width}")
            if self.alpha < 0:
                raise ValueError(f"'alpha' must be >= 0, got {self.alpha}")

    def draw_masks(self, n_words: int, config: Any) -> Any:
        """The word masks ``[n_samples, n_words]``: each word kept with probability 1/2
        (Captum's ``default_perturb_func``), from torch's global generator."""
        import torch

        return torch.bernoulli(torch.full((config.n_samples, n_words), 0.5))

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        import torch
        from captum._utils.models.linear_model import SkLearnLinearRegression, SkLearnRidge
        from captum.attr import LimeBase

        surrogate = one_batch(SkLearnLinearRegression)() if config.alpha == 0 else \
            one_batch(SkLearnRidge)(alpha=config.alpha)
        # Captum's Lime draws, transforms and weighs one sample per Python call (~80 us
        # each, as much as the model's share of a short text). Its LimeBase takes these
        # steps as functions, so they are done here at once for all samples, with the
        # same definitions: every word kept with probability 1/2 (Captum's
        # default_perturb_func); the sample is the word mask itself (the input is all
        # ones and the baseline all zeros); the weight is Captum's exponential kernel
        # exp(-d^2 / 2w^2) on the cosine distance d between the all-ones input and the
        # mask, which for a mask keeping k of n words is 1 - sqrt(k / n).
        masks = self.draw_masks(n_words, config)
        kept = torch.arange(n_words + 1, dtype=torch.float64)
        d = 1.0 - torch.sqrt(kept / n_words)
        weight = torch.exp(-(d ** 2) / (2 * config.kernel_width ** 2)).float().reshape(-1, 1)

        def samples(_inputs: Any, **_kw: Any) -> Any:
            for i in range(config.n_samples):
                yield masks[i:i + 1]

        def similarity(_inputs: Any, _sample: Any, interpretable: Any, **_kw: Any) -> Any:
            return weight[int(interpretable.sum())]

        lime = LimeBase(forward, interpretable_model=surrogate, similarity_func=similarity,
                        perturb_func=samples, perturb_interpretable_space=True,
                        from_interp_rep_transform=lambda sample, _inputs, **_kw: sample,
                        to_interp_rep_transform=None)
        attr = lime.attribute(torch.ones(1, n_words), n_samples=config.n_samples,
                              perturbations_per_eval=config.n_samples)
        return attr.reshape(-1).detach().numpy()


@functools.cache
def one_batch(model_cls: type) -> type:
    """Captum's scikit-learn surrogate ``model_cls`` fitted on LIME's samples as the one
    batch they are: Captum hands them over in a ``DataLoader`` whose per-sample collation
    costs more than the fit (0.6 s for 20,000 samples)."""
    from torch.utils.data import TensorDataset

    class OneBatch(model_cls):  # type: ignore[misc, valid-type]
        def fit(self, train_data: Any, **kwargs: Any) -> Any:
            data = getattr(train_data, "dataset", None)
            if isinstance(data, TensorDataset):
                train_data = [data.tensors]
            return super().fit(train_data, **kwargs)

    OneBatch.__name__ = OneBatch.__qualname__ = f"OneBatch{model_cls.__name__}"
    return OneBatch
