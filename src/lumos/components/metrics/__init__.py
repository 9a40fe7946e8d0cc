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

