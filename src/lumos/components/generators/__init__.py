"""Counterfactual generators, one module each, named after its id; importing this
package registers them (``lumos.api.registry``, kind ``generator``).

The contract (``lumos.api.component.Generator``) is batch-wise: ``run(examples, context,
config=...)`` returns one ``Generated`` per parent row, each holding
``Counterfactual`` rows with the parent's row key, the generator's id, version and
config hash, and span-level provenance. The engine's runner
(``lumos.engine.generate.generate``) runs a generator over a dataset's rows, predicts
parents and children in batches and applies the validity guard. Edit generators share
``base``.
"""

import importlib

GENERATOR_MODULES = ("word_replace", "synonyms", "char_noise", "contractions", "numbers_to_words",
                     "group_swap", "templates", "ablation_flips", "greedy_attack", "hotflip",
                     "masked_lm")

for _name in GENERATOR_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
