"""Salience methods, one module each; importing this package registers them.

Gradient methods (need :class:`lumos.api.model.Differentiable`): ``gradient_norm``,
``grad_dot_input``, ``integrated_gradients``. Black-box methods (any model, through
``predict``): ``lime``, ``kernel_shap``, ``occlusion``. Attention: ``attention``,
``attention_rollout``. Generation models: ``sequence_salience``. A method's module is
named after its id.
"""

import importlib

METHOD_MODULES = (
    "gradient_norm", "grad_dot_input", "integrated_gradients", "lime", "kernel_shap",
    "occlusion", "attention", "attention_rollout", "sequence_salience",
)

for _name in METHOD_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
