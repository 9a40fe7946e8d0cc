"""Integrated gradients over the input word embeddings (Sundararajan et al., 2017).

Completeness holds by construction: the attributions of an example sum to
``f(x) - f(baseline)`` up to the integration error, reported per example as ``delta``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lumos.api.registry import register
from lumos.components.salience.gradient import GradientInterpreter, baseline_embeds
from lumos.components.salience.targets import TargetConfig

BASELINES = ("zero", "pad", "mask", "unk")
#: interpolated inputs per forward pass unless configured
DEFAULT_ROWS = 256
METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle",
           "riemann_trapezoid")


@register("integrated_gradients", display_name="Integrated gradients")
class IntegratedGradients(GradientInterpreter):
    """Captum ``IntegratedGradients`` on ``inputs_embeds``, summed over dimensions."""
    version = "1"

    signed = True

    @dataclass(frozen=True, kw_only=True)
    class Config(TargetConfig):
        steps: int = field(default=50, metadata={"help": "integration steps (>= 2)"})
        baseline: str = field(default="zero", metadata={
            "help": "baseline embedding at non-special tokens: zero, pad, mask or unk"})
        method: str = field(default="gausslegendre", metadata={
            "help": "integral approximation: gausslegendre, riemann_trapezoid, "
                    "riemann_left, riemann_right, riemann_middle"})
        internal_batch_size: int = field(default=0, metadata={
            "help": "interpolated inputs per forward pass (0: all steps of a batch, at most "
                    "256; never fewer than the examples in a batch)"})

        def __post_init__(self) -> None:
            if self.steps < 2:
                raise ValueError(f"'steps' must be >= 2, got {self.steps}")
            if self.method not in METHODS:
                raise ValueError(f"'method' must be one of {METHODS}, got '{self.method}'")
            if self.baseline not in BASELINES:
                raise ValueError(f"'baseline' must be one of {BASELINES}, got "
                                 f"'{self.baseline}'")

    def attribute(self, forward: Any, embedded: Any, extra: tuple[Any, ...],
                  targets: list[Any], model: Any, config: Any) -> tuple[Any, Any]:
        from captum.attr import IntegratedGradients as CaptumIG

        base = baseline_embeds(model, embedded, config.baseline, self.id)
        n = embedded.inputs_embeds.shape[0]
        ibs = max(n, config.internal_batch_size or min(n * config.steps, DEFAULT_ROWS))
        attr, delta = CaptumIG(forward).attribute(
            embedded.inputs_embeds, baselines=base, target=targets,
            additional_forward_args=extra, n_steps=config.steps, method=config.method,
            internal_batch_size=ibs, return_convergence_delta=True)
        return attr.sum(dim=-1), delta
