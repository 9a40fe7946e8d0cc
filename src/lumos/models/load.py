"""``load_model``: pick the adapter for a model directory, file or URL.

- a directory with ``config.json``: by its ``architectures`` (``...ForSequenceClassification``
  -> ``hf_classifier``, ``...ForTokenClassification`` -> ``hf_tagger``, ...);
- a ``*.gguf`` file: ``hf_causal_lm`` with ``gguf_file=``;
- ``*.keras``: ``keras_classifier``; ``*.joblib``/``*.pkl``/``*.pickle``: ``sklearn_pipeline``;
  ``*.pt``/``*.pth``: ``torch_module``;
- ``http://`` or ``https://``: ``remote``.

``task=`` overrides the choice: an adapter id (``hf_tagger``) or a task name
(``classification``, ``tagging``/``ner``, ``qa``, ``seq2seq``, ``generation``/
``causal_lm``, ``masked_lm``/``fill_mask``, ``multitask``, ``keras``, ``sklearn``,
``torch``, ``remote``). Every error names the path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lumos.api import registry
from lumos.api.model import Model
from lumos.models.hf.base import ModelLoadError

#: architecture name suffix -> adapter id (first match wins)
ARCHITECTURE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("LumosMultiTaskModel", "multitask"),
    ("ForSequenceClassification", "hf_classifier"),
    ("ForTokenClassification", "hf_tagger"),
    ("ForQuestionAnswering", "hf_qa"),
    ("ForConditionalGeneration", "hf_seq2seq"),
    ("ForSeq2SeqLM", "hf_seq2seq"),
    ("MTModel", "hf_seq2seq"),
    ("ForCausalLM", "hf_causal_lm"),
    ("LMHeadModel", "hf_causal_lm"),
    ("ForMaskedLM", "hf_masked_lm"),
)

TASK_ALIASES: dict[str, str] = {
    "classification": "hf_classifier", "classifier": "hf_classifier",
    "regression": "hf_classifier", "text_classification": "hf_classifier",
    "tagging": "hf_tagger", "tagger": "hf_tagger", "ner": "hf_tagger",
    "token_classification": "hf_tagger",
    "qa": "hf_qa", "question_answering": "hf_qa",
    "seq2seq": "hf_seq2seq", "translation": "hf_seq2seq", "summarization": "hf_seq2seq",
    "generation": "hf_causal_lm", "causal_lm": "hf_causal_lm", "text_generation": "hf_causal_lm",
    "masked_lm": "hf_masked_lm", "fill_mask": "hf_masked_lm",
    "multitask": "multitask", "keras": "keras_classifier", "sklearn": "sklearn_pipeline",
    "torch": "torch_module", "remote": "remote",
}

FILE_SUFFIXES: dict[str, str] = {
    ".keras": "keras_classifier", ".joblib": "sklearn_pipeline", ".pkl": "sklearn_pipeline",
    ".pickle": "sklearn_pipeline", ".pt": "torch_module", ".pth": "torch_module",
    ".gguf": "hf_causal_lm",
}


def adapter_for_architectures(architectures: list[str]) -> str | None:
    for arch in architectures:
        for suffix, adapter in ARCHITECTURE_SUFFIXES:
            if arch.endswith(suffix):
                return adapter
    return None


def resolve_adapter(path_or_name: str, task: str | None = None) -> str:
    """The adapter id ``load_model`` would use (raises ``ModelLoadError`` naming the path)."""
    available = registry.available("model")
    if task:
        key = task.strip().lower().replace("-", "_")
        adapter = key if key in available else TASK_ALIASES.get(key)
        if adapter is None or adapter not in available:
            raise ModelLoadError(f"{path_or_name}: unknown task {task!r} (tasks: "
                                 f"{sorted(set(TASK_ALIASES) | set(available))})")
        return adapter
    s = str(path_or_name)
    if s.startswith(("http://", "https://")):
        return "remote"
    p = Path(s).expanduser()
    if p.is_file():
        adapter = FILE_SUFFIXES.get(p.suffix.lower())
        if adapter is None:
            raise ModelLoadError(f"{p}: cannot tell which kind of model this file is (known "
                                 f"endings: {sorted(FILE_SUFFIXES)}); pass task=")
        return adapter
    if p.is_dir():
        cfg_path = p / "config.json"
        if not cfg_path.exists():
            raise ModelLoadError(f"{p}: is not a model directory (no config.json in it)")
        try:
            cfg = json.loads(cfg_path.read_text())
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"{cfg_path}: unreadable ({e})") from None
        archs = cfg.get("architectures") or []
        adapter = adapter_for_architectures([str(a) for a in archs])
        if adapter is None:
            raise ModelLoadError(f"{p}: cannot tell the task from config.json architectures "
                                 f"{archs}; pass task= (e.g. 'classification')")
        return adapter
    raise ModelLoadError(f"{p}: no such model file or directory (looked for {p.absolute()}); "
                         "give a directory saved with save_pretrained, a .keras/.joblib/"
                         ".gguf file or an http(s) URL")


def load_model(path_or_name: str | os.PathLike[str], task: str | None = None,
               **kwargs: Any) -> Model:
    """Load a model with the adapter that fits it; ``kwargs`` go to the adapter."""
    s = str(path_or_name)
    adapter = resolve_adapter(s, task)
    cls = registry.get("model", adapter)
    p = Path(s).expanduser()
    if p.is_file() and p.suffix.lower() == ".gguf":
        kwargs.setdefault("gguf_file", p.name)
        return cls(str(p.parent), **kwargs)  # type: ignore[no-any-return]
    return cls(s, **kwargs)  # type: ignore[no-any-return]
