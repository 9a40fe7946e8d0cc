"""Occlusion / leave-one-out: how much the target score drops when a window of words is
removed. With ``window=1`` this is leave-one-out; wider windows average over every window
that covers a word (Captum ``Occlusion``). All windows of an example go to the model in one
engine call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.registry import register
from lumos.components.salience.perturbation import PerturbationConfig, PerturbationInterpreter


@register("occlusion", display_name="Occlusion (leave-one-out)")
class Occlusion(PerturbationInterpreter):
    """Captum ``Occlusion`` over word positions."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(PerturbationConfig):
        window: int = field(default=1, metadata={
            "help": "words removed together (1: leave-one-out)"})

        def __post_init__(self) -> None:
            if self.window < 1:
                raise ValueError(f"'window' must be >= 1, got {self.window}")

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        import torch
        from captum.attr import Occlusion as CaptumOcclusion

        x = torch.ones(1, n_words)
        w = min(config.window, n_words)
        attr = CaptumOcclusion(forward).attribute(
            x, sliding_window_shapes=(w,), strides=1, baselines=0.0,
            perturbations_per_eval=max(1, n_words - w + 1))
        return attr.reshape(-1).detach().numpy()
