"""Kernel SHAP over words (Lundberg & Lee, 2017): Shapley values of word presence,
estimated by a linear regression with the Shapley kernel.

Captum's ``KernelShap`` draws the coalitions; all of an example's perturbed texts go to
the model in one engine call (de-duplicated, batched, cached).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.registry import register
from lumos.components.salience.perturbation import PerturbationConfig, PerturbationInterpreter


@register("kernel_shap", display_name="Kernel SHAP")
class KernelShap(PerturbationInterpreter):
    """Captum ``KernelShap``; a removed word is deleted (or replaced by ``mask_token``)."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(PerturbationConfig):
        n_samples: int = field(default=256, metadata={"help": "coalitions per example"})
        seed: int = field(default=0, metadata={"help": "random seed of the sampling"})

        def __post_init__(self) -> None:
            if self.n_samples < 2:
                raise ValueError(f"'n_samples' must be >= 2, got {self.n_samples}")

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        import torch
        from captum.attr import KernelShap as CaptumKernelShap

        x = torch.ones(1, n_words)
        if n_words == 1:  # one player: its Shapley value is f(x) - f(empty)
            both = forward(torch.tensor([[1.0], [0.0]]))
            return np.array([float(both[0] - both[1])], np.float32)
        attr = CaptumKernelShap(forward).attribute(
            x, baselines=torch.zeros_like(x), feature_mask=torch.arange(n_words).unsqueeze(0),
            n_samples=config.n_samples, perturbations_per_eval=config.n_samples)
        return attr.reshape(-1).detach().numpy()
