"""Gradient × input: per token, the dot product of the gradient and the embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumos.api.registry import register
from lumos.components.salience.gradient import GradientInterpreter
from lumos.components.salience.targets import TargetConfig


@register("grad_dot_input", display_name="Gradient × input")
class GradDotInput(GradientInterpreter):
    """Captum ``InputXGradient``, summed over the embedding dimensions (signed)."""
    version = "1"

    signed = True

    @dataclass(frozen=True, kw_only=True)
    class Config(TargetConfig):
        pass

    def attribute(self, forward: Any, embedded: Any, extra: tuple[Any, ...],
                  targets: list[Any], model: Any, config: Any) -> tuple[Any, Any]:
        from captum.attr import InputXGradient

        attr = InputXGradient(forward).attribute(embedded.inputs_embeds, target=targets,
                                                 additional_forward_args=extra)
        return attr.sum(dim=-1), None
