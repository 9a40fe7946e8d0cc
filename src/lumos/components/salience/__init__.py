"""Salience methods, one module each; importing this package registers them.

Gradient methods (need :class:`lumos.api.model.Differentiable`): ``gradient_norm``,
``grad_dot_input``, ``integrated_gradients``. Black-box methods (any model, through
``predict``): ``lime``, ``kernel_shap``, ``occlusion``. Attention: ``attention``,
``attention_rollout``. Generation models: ``sequence_salience``.
"""

import importlib

METHOD_MODULES = (
    "gradient_norm", "grad_dot_input", "integrated_gradients", "lime", "kernel_shap",
    "occlusion", "attention", "rollout", "sequence",
)

for _name in METHOD_MODULES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as e:  # a module not written yet
        if e.name != f"{__name__}.{_name}":
            raise
