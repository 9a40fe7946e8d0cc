"""LIME over words (Ribeiro et al., 2016): a weighted linear model fitted to the
predictions on randomly thinned copies of the text.

Captum's ``Lime`` draws the samples; all of an example's perturbed texts go to the model
in one engine call, which de-duplicates them, batches them to ``max_batch_size`` and
caches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.registry import register
from lumos.components.salience.base import PerturbationConfig, PerturbationInterpreter


@register("lime", display_name="LIME")
class Lime(PerturbationInterpreter):
    """Captum ``Lime`` with an exponential kernel on the cosine distance of word masks."""

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

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        import torch
        from captum._utils.models.linear_model import SkLearnLinearRegression, SkLearnRidge
        from captum.attr import Lime as CaptumLime
        from captum.attr._core.lime import get_exp_kernel_similarity_function

        surrogate = SkLearnLinearRegression() if config.alpha == 0 else \
            SkLearnRidge(alpha=config.alpha)
        lime = CaptumLime(forward, interpretable_model=surrogate,
                          similarity_func=get_exp_kernel_similarity_function(
                              "cosine", config.kernel_width))
        x = torch.ones(1, n_words)
        attr = lime.attribute(x, baselines=torch.zeros_like(x),
                              feature_mask=torch.arange(n_words).unsqueeze(0),
                              n_samples=config.n_samples,
                              perturbations_per_eval=config.n_samples)
        return attr.reshape(-1).detach().numpy()
