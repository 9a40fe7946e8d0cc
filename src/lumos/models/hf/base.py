"""Shared machinery of the Hugging Face adapters.

Loading (``from_pretrained`` from a local directory or a name, offline by default, with
errors that name the path), weight fingerprints, tokenisation, and the pieces every
encoder-style adapter needs: attention only when asked (eager kernels switched on just
for that call), hidden states only when asked, and gradients w.r.t. input embeddings.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Collection, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from lumos.api.model import BatchPool, EmbeddedBatch, Model
from lumos.api.types import AttentionHeads, SpecError, TextSegment, TokenEmbeddings, Tokens
from lumos.models.torch_state import (
    module_state_token,
    tokenizer_fingerprint,
    tokenizer_state_token,
)
from lumos.models.torch_threads import cpu_batch_pool


class ModelLoadError(SpecError):
    """A model cannot be loaded; the message names the path or name at fault."""


def _torch() -> Any:
    import torch

    return torch


def resolve_source(path_or_name: str | os.PathLike[str], gguf_file: str | None = None) -> str:
    """Check a local path early so the error names it; names pass through to the hub code.

    With ``gguf_file`` the directory must hold that file instead of ``config.json``.
    """
    s = str(path_or_name)
    p = Path(s).expanduser()
    looks_like_path = p.is_absolute() or s.startswith((".", "~")) or os.sep in s and p.exists()
    if p.exists():
        if not p.is_dir():
            raise ModelLoadError(f"{p}: is a file, not a model directory")
        if gguf_file is not None:
            if not (p / gguf_file).is_file():
                raise ModelLoadError(f"{p / gguf_file}: no such GGUF file")
            return str(p)
        if not (p / "config.json").exists():
            raise ModelLoadError(f"{p}: is not a model directory (no config.json in it)")
        return str(p)
    if looks_like_path:
        raise ModelLoadError(f"{p}: no such model directory")
    return s


def load_pretrained(auto_cls: Any, source: str, what: str, **kwargs: Any) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        return auto_cls.from_pretrained(source, **kwargs)
    except (OSError, ValueError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelLoadError(f"{source}: cannot load the {what} ({first}). No model hub is "
                             "reached: give a local directory saved with "
                             "save_pretrained()") from None


def weights_fingerprint(module: Any, *extra: Any) -> str:
    """Hash of every parameter and buffer, plus ``extra`` settings."""
    h = hashlib.blake2b(digest_size=10)
    h.update(type(module).__qualname__.encode())
    for e in extra:
        h.update(repr(e).encode())
    for name, t in module.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().view(-1).view(_torch().uint8).numpy().tobytes())
    return h.hexdigest()


class HFModel(Model):
    """Base of the Hugging Face adapters: holds ``self.model`` and ``self.tokenizer``."""

    auto_class: ClassVar[str] = "AutoModel"
    task_name: ClassVar[str] = "model"

    def __init__(self, path_or_name: str | os.PathLike[str] | None = None, *,
                 model: Any = None, tokenizer: Any = None, max_length: int = 128,
                 batch_size: int = 32, **load_kwargs: Any) -> None:
        import transformers

        self.source = str(path_or_name) if path_or_name is not None else "<in-memory>"
        if model is None or tokenizer is None:
            if path_or_name is None:
                raise ModelLoadError("give a model directory, or both model= and tokenizer=")
            src = resolve_source(path_or_name, load_kwargs.get("gguf_file"))
            if tokenizer is None:
                tok_kwargs = {k: v for k, v in load_kwargs.items() if k == "gguf_file"}
                tokenizer = load_pretrained(transformers.AutoTokenizer, src, "tokenizer",
                                            **tok_kwargs)
            if model is None:
                model = load_pretrained(getattr(transformers, self.auto_class), src,
                                        f"{self.task_name} model", **load_kwargs)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.max_batch_size = batch_size
        self._attn_lock = threading.RLock()
        self._tokenizer_lock = threading.Lock()
        self._piece_counts: dict[str, int] = {}  # word -> its tokens (length_key)
        self._text_inputs: list[tuple[str, bool]] | None = None
        self._base_attn: str | None = None

    # --- identity
    def fingerprint(self) -> str:
        """Weights, tokenizer (vocabulary, merges, normaliser, special tokens) and
        settings; the engine keeps it and asks again when :meth:`state_token` changes."""
        return weights_fingerprint(self.model, type(self).__qualname__, self.max_length,
                                   self.output_spec_key(),
                                   tokenizer_fingerprint(self.tokenizer))

    def state_token(self) -> Hashable:
        return (module_state_token(self.model, extra=self.max_length),
                tokenizer_state_token(self.tokenizer))

    def output_spec_key(self) -> str:
        return repr(sorted(self.output_spec()))

    def description(self) -> str:
        """What the model is, and its held-out scores when its directory records them."""
        text = f"{self.task_name} ({type(self.model).__name__}) from {self.source}"
        scores = Path(self.source) / "lumos_metrics.json"
        if scores.is_file():
            import json

            found = {k: v for k, v in json.loads(scores.read_text()).items()
                     if k.startswith("heldout_") and isinstance(v, int | float)}
            if found:
                text += "; " + ", ".join(f"{k.removeprefix('heldout_').replace('_', ' ')} "
                                         f"{v:.3f}" if isinstance(v, float) else
                                         f"{k.removeprefix('heldout_').replace('_', ' ')} {v}"
                                         for k, v in found.items())
        return text

    @property
    def config(self) -> Any:
        return self.model.config

    def length_key(self, example: Mapping[str, Any]) -> int:
        """About how many tokens the example's text fields make: the engine sorts by this
        into batches.

        Characters are a poor proxy for subword tokens (emoji, URLs and hashtags split
        into many); on the demo tweets, sorting by tokens halves the padding that sorting
        by characters leaves. Each whitespace-separated word is tokenised once and its
        count remembered, so keys for many texts over the same words (a dataset, or a
        perturbation method's thousands of edited copies) cost a dictionary lookup per
        word. The sum is exact for WordPiece and close for byte-level BPE (a word inside
        a text carries its leading space); a sort key needs no more.
        """
        if self._text_inputs is None:
            self._text_inputs = [(n, isinstance(fs, Tokens)) for n, fs in
                                 self.input_spec().items()
                                 if isinstance(fs, TextSegment | Tokens)]
        counts = self._piece_counts
        if len(counts) > 500_000:
            counts.clear()
        total, found = 0, False
        for name, is_tokens in self._text_inputs:
            v = example.get(name)
            if v is None or (not is_tokens and not isinstance(v, str)):
                continue
            found = True
            for w in (v if is_tokens else v.split()):
                c = counts.get(w)
                if c is None:
                    c = counts[w] = len(self.tokenize(str(w), add_special_tokens=False)[
                        "input_ids"])
                total += c
        if not found:
            return super().length_key(example)
        return min(total, self.max_length)

    def concurrent_fields(self) -> frozenset[str]:
        """Every output but attention weights and per-token hidden states.

        Attention needs the eager kernels switched on for the whole model while it runs
        (:meth:`attention_implementation`); per-token embeddings are kept exclusive as
        well (the largest outputs; one such call at a time bounds memory). The other
        fields, and ``embed``/``forward_from_embeds``, pass everything a forward needs
        as arguments: several threads may compute them at once (the tokenizer has its
        own lock, :meth:`tokenize`).
        """
        return frozenset(n for n, f in self.output_spec().items()
                         if not isinstance(f, AttentionHeads | TokenEmbeddings))

    def batch_pool(self) -> BatchPool | None:
        return cpu_batch_pool(self.model)

    def tokenize(self, *args: Any, **kwargs: Any) -> Any:
        """``self.tokenizer(...)``, one thread at a time. A fast tokenizer resets its own
        truncation and padding settings on each call, and in some versions of
        transformers a call that does so while another thread is encoding fails with
        "Already borrowed" (transformers issue 47085). The engine runs batches on
        several threads, and the server serves requests on several."""
        with self._tokenizer_lock:
            return self.tokenizer(*args, **kwargs)

    # --- forward helpers
    def attention_implementation(self, need_attention: bool) -> Any:
        """Context manager: eager attention kernels while attention weights are wanted.

        The model's own kernels (e.g. SDPA) are faster but return no weights. Calls that
        want weights hold a lock for their whole forward pass, so two of them never see
        the kernels switched back under their feet; calls that do not want weights run
        with whatever kernels are set (results are the same either way).
        """
        import contextlib

        if self._base_attn is None:
            self._base_attn = getattr(self.config, "_attn_implementation", None) or "eager"
        base = self._base_attn
        if not need_attention or base == "eager":
            return contextlib.nullcontext()

        @contextlib.contextmanager
        def switch() -> Any:
            with self._attn_lock:
                self.model.set_attn_implementation("eager")
                try:
                    yield
                finally:
                    self.model.set_attn_implementation(base)

        return switch()

    # --- activations (lumos.api.model.Activations)
    def activation_layers(self) -> int:
        """Hidden-state layers: the embeddings plus one per transformer layer."""
        n: Any = getattr(self.config, "num_hidden_layers", None)
        if n is None:
            n = getattr(getattr(self.config, "text_config", None), "num_hidden_layers", 0)
        return int(n or 0) + 1

    def activation_modules(self) -> list[str]:
        return [n for n, _ in self.model.named_modules() if n]

    def activations(self, inputs: Sequence[Mapping[str, Any]], where: int | str
                    ) -> list[dict[str, Any]]:
        """What ``where`` (a hidden-state layer index or a submodule's dotted name) holds
        for each token of each input; a module is read through a forward hook installed
        for this call only (the engine holds the model exclusively meanwhile)."""
        torch = _torch()
        encode = getattr(self, "_encode", None)
        if encode is None:
            raise SpecError(f"{type(self).__name__} cannot read activations")
        enc = encode(inputs)
        enc.pop("special_tokens_mask", None)
        lengths = enc["attention_mask"].sum(1).tolist()
        net = self.model.get_encoder() if getattr(self.config, "is_encoder_decoder", False) \
            else self.model
        if isinstance(where, int):
            n = self.activation_layers()
            if not -n <= where < n:
                raise SpecError(f"layer: {where} is out of range (the model has {n} "
                                "hidden-state layers, 0 = embeddings)")
            with torch.inference_mode():
                out = net(**enc, output_hidden_states=True)
            hidden = out.hidden_states[where]
        else:
            modules = dict(self.model.named_modules())
            if where not in modules:
                import difflib

                close = difflib.get_close_matches(where, list(modules), n=3, cutoff=0.5)
                raise SpecError(f"module: '{where}' is not a module of the model"
                                + (f"; close: {', '.join(close)}" if close else
                                   f"; e.g. {', '.join(list(modules)[1:4])}"))
            captured: list[Any] = []

            def hook(_module: Any, _args: Any, output: Any) -> None:
                captured.append(output[0] if isinstance(output, tuple) else output)

            handle = modules[where].register_forward_hook(hook)
            try:
                with torch.inference_mode():
                    net(**enc)
            finally:
                handle.remove()
            if not captured:
                raise SpecError(f"module: '{where}' did not run in the forward pass")
            hidden = captured[0]
            if not hasattr(hidden, "shape") or hidden.ndim != 3 or \
                    hidden.shape[:2] != enc["input_ids"].shape:
                shape = tuple(getattr(hidden, "shape", ()))
                raise SpecError(f"module: '{where}' outputs shape {shape}, not "
                                "[batch, tokens, dim]")
        arr = hidden.float().cpu().numpy()
        tokens = self.tokens_of(enc["input_ids"], lengths)
        return [{"tokens": tokens[i], "values": trim(arr[i], n, [0])}
                for i, n in enumerate(lengths)]

    def special_token_ids(self) -> Mapping[str, int]:
        tok = self.tokenizer
        out = {}
        for name in ("pad", "mask", "unk", "cls", "sep", "bos", "eos"):
            v = getattr(tok, f"{name}_token_id", None)
            if v is not None:
                out[name] = int(v)
        return out

    def embedding_layer(self) -> Any:
        return self.model.get_input_embeddings()

    def tokens_of(self, input_ids: Any, lengths: Sequence[int]) -> list[list[str]]:
        ids = input_ids.tolist()
        return [self.tokenizer.convert_ids_to_tokens(row[:n]) for row, n in zip(ids, lengths,
                                                                                 strict=True)]


def trim(arr: np.ndarray, n: int, axes: Sequence[int]) -> np.ndarray:
    """Cut padded axes of ``arr`` to length ``n``."""
    index: list[Any] = [slice(None)] * arr.ndim
    for a in axes:
        index[a] = slice(0, n)
    return np.ascontiguousarray(arr[tuple(index)])


def mean_pool(hidden: Any, mask: Any) -> Any:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def stack_attentions(attentions: Sequence[Any]) -> np.ndarray:
    """Tuple of ``[B, H, T, T]`` per layer -> ``[B, L, H, T, T]`` float32 array."""
    return _torch().stack(list(attentions), dim=1).float().cpu().numpy()


def gradient_wrt_embeddings(embedded: EmbeddedBatch, forward: Any,
                            targets: Sequence[Any]) -> np.ndarray:
    """d score(target) / d inputs_embeds for each example; returns ``[B, T, D]``.

    ``forward(inputs_embeds, **forward_kwargs)`` gives scores; ``targets[i]`` indexes
    example i's scores (an int class, or a tuple such as (position, class)).
    """
    torch = _torch()
    emb = embedded.inputs_embeds.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        scores = forward(emb, **embedded.forward_kwargs)
        picked = []
        for i, t in enumerate(targets):
            idx = (i, *t) if isinstance(t, tuple) else (i, t)
            picked.append(scores[idx])
        total = torch.stack(picked).sum()
        (grad,) = torch.autograd.grad(total, emb)
    return grad.detach().float().cpu().numpy()


def want(fields: Collection[str] | None, default: Collection[str]) -> set[str]:
    return set(fields) if fields is not None else set(default)
