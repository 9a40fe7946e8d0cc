"""scikit-learn text classifiers: a ``Pipeline`` (e.g. TfidfVectorizer + LogisticRegression)
or any estimator with ``predict_proba`` over raw strings, given as an object or loaded from a
joblib/pickle file. Outputs class probabilities only (the model is a black box to lumos:
LIME/SHAP style salience still works through ``predict``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Collection, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.models.hf.base import ModelLoadError


def load_estimator(path: str | os.PathLike[str]) -> Any:
    p = Path(path).expanduser()
    if not p.exists():
        raise ModelLoadError(f"{p}: no such scikit-learn model file")
    if p.is_dir():
        raise ModelLoadError(f"{p}: is a directory; give the .joblib or .pkl file")
    try:
        if p.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(p)
        with p.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - the user's own model file
    except Exception as e:  # unpickling raises anything
        raise ModelLoadError(f"{p}: cannot load the scikit-learn model "
                             f"({type(e).__name__}: {e})") from None


@register("sklearn_pipeline", kind="model")
class SklearnTextClassifier(Model):
    """A scikit-learn text classifier (Pipeline with a vectoriser and predict_proba)."""

    def __init__(self, path_or_estimator: Any, *, text_field: str = "text",
                 label_field: str = "label", labels: Sequence[str] | None = None,
                 batch_size: int = 256) -> None:
        if isinstance(path_or_estimator, str | os.PathLike):
            self.source = str(path_or_estimator)
            est = load_estimator(path_or_estimator)
        else:
            self.source = "<in-memory>"
            est = path_or_estimator
        if not hasattr(est, "predict_proba"):
            raise ModelLoadError(f"{self.source}: {type(est).__name__} has no predict_proba; "
                                 "use a probabilistic classifier")
        classes = getattr(est, "classes_", None)
        if classes is None:
            raise ModelLoadError(f"{self.source}: the estimator is not fitted (no classes_)")
        self.estimator = est
        self.labels = tuple(str(c) for c in (labels if labels is not None else classes))
        if len(self.labels) != len(classes):
            raise T.SpecError(f"labels: {len(self.labels)} given but the model has "
                              f"{len(classes)} classes")
        self.text_field = text_field
        self.label_field = label_field
        self.max_batch_size = batch_size

    def input_spec(self) -> T.Spec:
        return {self.text_field: T.TextSegment(),
                self.label_field: T.CategoryLabel(vocab=self.labels, required=False)}

    def output_spec(self) -> T.Spec:
        return {"probas": T.MulticlassPreds(vocab=self.labels, parent=self.label_field)}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        texts = [str(ex[self.text_field]) for ex in inputs]
        probs = np.asarray(self.estimator.predict_proba(texts), dtype=np.float32)
        return [{"probas": p} for p in probs]

    def fingerprint(self) -> str:
        """The pickled estimator (its fitted parameters) and the settings. scikit-learn
        has no cheap change counter: after refitting ``estimator`` in place, call
        :meth:`invalidate_fingerprint`."""
        h = hashlib.blake2b(pickle.dumps(self.estimator, protocol=4), digest_size=10)
        h.update(repr((self.labels, self.text_field)).encode())
        return h.hexdigest()

    def state_token(self) -> Hashable:
        # the estimator object itself (a new one assigned is noticed) and its steps
        steps = getattr(self.estimator, "steps", None)
        return (self.estimator, tuple(s for _, s in steps) if steps else ())

    def description(self) -> str:
        return f"scikit-learn {type(self.estimator).__name__} from {self.source}"
