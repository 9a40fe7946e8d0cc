"""The demos' datasets: the bundled ones of ``lumos.datasets.bundled`` (kept importable
from here for the demos, tests and benchmarks that name them so)."""

from lumos.datasets.bundled import (
    SENTIMENT_LABELS,
    TWEETS_TEST_SIZE,
    WNUT_TAGS,
    tweets,
    wnut,
)

__all__ = ["SENTIMENT_LABELS", "TWEETS_TEST_SIZE", "WNUT_TAGS", "tweets", "wnut"]
