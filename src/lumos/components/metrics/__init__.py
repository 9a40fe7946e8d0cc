"""Metrics: each declares the output field types it applies to (``applies_to``).

Built-in: ``classification``, ``regression``, ``tagging``, ``span_f1``, ``qa``,
``generation``, ``perplexity``. Gold values come from the dataset field named by the
prediction field's ``parent``.
"""

from lumos.components.metrics.classification import ClassificationMetrics
from lumos.components.metrics.language_model import Perplexity
from lumos.components.metrics.regression import RegressionMetrics
from lumos.components.metrics.tagging import SpanMetrics, TaggingMetrics
from lumos.components.metrics.text import GenerationMetrics, QAMetrics

__all__ = ["ClassificationMetrics", "GenerationMetrics", "Perplexity", "QAMetrics",
           "RegressionMetrics", "SpanMetrics", "TaggingMetrics"]


def _load_optional(name: str) -> None:
    """Import a metric module written separately (e.g. faithfulness) if it exists yet."""
    import importlib

    try:
        importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name != name:
            raise


_load_optional("lumos.components.metrics.faithfulness")
