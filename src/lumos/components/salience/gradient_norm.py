"""Gradient norm: the L2 norm of d score / d embedding for each token (unsigned)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumos.api.registry import register
from lumos.components.salience.gradient import GradientInterpreter
from lumos.components.salience.targets import TargetConfig


@register("gradient_norm", display_name="Gradient norm")
class GradientNorm(GradientInterpreter):
    """Captum ``Saliency``; the gradient per embedding dimension is reduced by its L2 norm."""
    version = "1"

    signed = False

    @dataclass(frozen=True, kw_only=True)
    class Config(TargetConfig):
        pass

    def attribute(self, forward: Any, embedded: Any, extra: tuple[Any, ...],
                  targets: list[Any], model: Any, config: Any) -> tuple[Any, Any]:
        from captum.attr import Saliency

        grads = Saliency(forward).attribute(embedded.inputs_embeds, target=targets,
                                            abs=False, additional_forward_args=extra)
        return grads.norm(dim=-1), None
