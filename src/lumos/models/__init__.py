"""Model adapters. Importing this package registers them (kind ``model``).

Each adapter imports its framework lazily, so a missing optional dependency only
matters when that adapter is used.
"""

from lumos.models.hf.classifier import HFClassifier

__all__ = ["HFClassifier"]
