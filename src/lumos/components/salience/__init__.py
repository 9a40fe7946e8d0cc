"""Salience methods, one module each; importing this package registers them.

Gradient methods (need :class:`lumos.api.model.Differentiable`): ``gradient_norm``,
``grad_dot_input``, ``integrated_gradients``. Black-box methods (any model, through
``predict``): ``lime``, ``kernel_shap``, ``occlusion``. Attention: ``attention``,
``attention_rollout``. Generation models: ``sequence_salience``. A method's module is
named after its id.

What the methods share lives beside them: ``targets`` (which output, class and token a
map explains), ``gradient`` (the gradient family's base), ``perturbation`` (the black-box
family's base and its word-level edits), ``seeding`` (seeded draws from torch's global
generator). Each result is a :class:`TokenSalience` value with extra keys:

- ``target``: ``{"output": field, "index": class index or None, "label": class or None,
  "position": token position or None}``
- ``score``: the model's score for that target on the unedited input
- ``granularity``: ``"word"`` (tokens are words of ``field``) or ``"model_token"``
  (tokens are the model's own tokens; ``positions`` index them, special tokens dropped)
"""

import importlib

METHOD_MODULES = (
    "gradient_norm", "grad_dot_input", "integrated_gradients", "lime", "kernel_shap",
    "occlusion", "attention", "attention_rollout", "sequence_salience",
)

for _name in METHOD_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
