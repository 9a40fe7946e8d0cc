"""What every salience method shares: the config options that choose a target, target
resolution, and the two ways of reaching a model.

*Gradient* methods (:class:`GradientInterpreter`) need the :class:`Differentiable`
protocol: they embed a batch, call Captum on ``forward_from_embeds`` and reduce the
per-dimension attributions to one number per model token. *Perturbation* methods
(:class:`PerturbationInterpreter`) only call ``model.predict`` — through the run
context's ``predict`` (the engine's), so perturbed inputs are de-duplicated, batched to
``max_batch_size`` and cached — on word-level edits of a text field, so they work with
any model (fakes, scikit-learn, Keras, remote). Their samplers are seeded from the run
context (:meth:`RunContext.seed_for`), per example and target.

Each result is a :class:`TokenSalience` value with extra keys:

- ``target``: ``{"output": field, "index": class index or None, "label": class or None,
  "position": token position or None}``
- ``score``: the model's score for that target on the unedited input
- ``granularity``: ``"word"`` (tokens are words of ``field``) or ``"model_token"``
  (tokens are the model's own tokens; ``positions`` index them, special tokens dropped)
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.context import RunContext
from lumos.api.dataset import ID_FIELD
from lumos.api.model import Differentiable, Model
from lumos.api.types import SpecError

if TYPE_CHECKING:
    import torch

#: output types a salience map can explain
TARGET_TYPES: tuple[type[T.FieldSpec], ...] = (T.MulticlassPreds, T.RegressionScore,
                                               T.TokenProbs)


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class TargetConfig:
    """Options every salience method has: which output, class and token to explain."""

    output: str = field(default="", metadata=_help(
        "output field to explain (default: the first one the method supports)"))
    target: str = field(default="", metadata=_help(
        "class label to explain (default: the predicted class; per example, a "
        "'grad_target' input wins)"))
    token_index: int = field(default=0, metadata=_help(
        "for per-token outputs (tagging): the token whose prediction is explained"))


@dataclass(frozen=True)
class Target:
    """A resolved target: ``index`` selects a class, ``position`` a token (tagging)."""

    output: str
    index: int | None
    label: str | None
    position: int | None
    #: where ``position`` (a word) sits in the model's own tokens, when they differ
    piece: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"output": self.output, "index": self.index, "label": self.label,
                "position": self.position}

    def captum(self) -> int | tuple[int, int]:
        """Captum's per-example target into scores ``[C]``/``[1]`` or ``[T, C]``."""
        idx = 0 if self.index is None else self.index
        pos = self.piece if self.piece is not None else self.position
        return (pos, idx) if pos is not None else idx


def explainable_outputs(model: Model, allowed: Sequence[str] | None = None) -> list[str]:
    spec = model.output_spec()
    names = [n for n, f in spec.items() if isinstance(f, TARGET_TYPES)]
    if allowed is not None:
        names = [n for n in names if n in allowed]
    return names


def resolve_output(model: Model, config: TargetConfig, allowed: Sequence[str] | None,
                   method: str) -> str:
    names = explainable_outputs(model, allowed)
    if config.output:
        if config.output not in names:
            raise SpecError(f"{method}: config option 'output': '{config.output}' is not an "
                            f"output this method can explain (choices: {names})")
        return config.output
    if not names:
        raise SpecError(f"{method}: the model has no output this method can explain")
    return names[0]


def resolve_target(model: Model, output: str, config: TargetConfig,
                   example: Mapping[str, Any], scores: np.ndarray, method: str) -> Target:
    """Pick the class (and token) to explain from the config, the example and the scores.

    ``scores`` is the output's value on the unedited input: ``[C]``, a scalar or ``[T, C]``.
    """
    fs = model.output_spec()[output]
    if isinstance(fs, T.RegressionScore):
        return Target(output, None, None, None)
    vocab = tuple(getattr(fs, "vocab", ()) or ())
    position = None
    row = np.asarray(scores, dtype=np.float64)
    if isinstance(fs, T.TokenProbs):
        if row.shape[0] == 0:
            raise SpecError(f"{method}: output '{output}' has no tokens to explain")
        position = config.token_index if config.token_index >= 0 else \
            row.shape[0] + config.token_index
        if not 0 <= position < row.shape[0]:
            raise SpecError(f"{method}: config option 'token_index': {config.token_index} is "
                            f"outside the {row.shape[0]} tokens of the example")
        row = row[position]
    wanted = example.get("grad_target") or config.target
    if wanted:
        if wanted not in vocab:
            where = "input 'grad_target'" if example.get("grad_target") else \
                "config option 'target'"
            raise SpecError(f"{method}: {where}: '{wanted}' is not a label of output "
                            f"'{output}' (labels: {list(vocab)})")
        index = vocab.index(wanted)
    else:
        index = int(np.argmax(row))
    label = vocab[index] if index < len(vocab) else None
    return Target(output, index, label, position)


def pick_score(value: Any, target: Target) -> float:
    """The scalar a target selects from one output value."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    if target.position is not None:
        return float(arr[target.position, target.index or 0])
    return float(arr[target.index or 0])


#: held while a section draws from torch's global generator with its own seed: torch has
#: one generator per process, so two threads seeding and drawing at once (two requests
#: served together) would each get the other's numbers
TORCH_RNG_LOCK = threading.RLock()


def seeded(seed: int) -> contextlib.AbstractContextManager[Any]:
    """Torch's global RNG forked and seeded with ``seed`` (e.g. a run context's
    ``seed_for(...)``), for one thread at a time (:data:`TORCH_RNG_LOCK`)."""
    import torch

    @contextlib.contextmanager
    def run() -> Iterator[None]:
        with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield

    return run()


# ------------------------------------------------------------------ gradient methods


class GradientInterpreter(Interpreter):
    """Base of the Captum gradient methods; subclasses implement :meth:`attribute`."""

    #: whether the per-token salience can be negative
    signed: bool = True

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return (model is not None and isinstance(model, Differentiable)
                and bool(explainable_outputs(model, model.gradient_fields())))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.TokenSalience(signed=self.signed)}

    def model_fields(self, model: Model, config: Any) -> list[str] | None:
        """The output explained: ``run`` calls ``embed``/``forward_from_embeds`` for it."""
        if not isinstance(model, Differentiable):
            return None
        return [resolve_output(model, config, model.gradient_fields(), self.id)]

    def attribute(self, forward: Any, embedded: Any, extra: tuple[Any, ...],
                  targets: list[Any], model: Any, config: Any
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-token attributions ``[B, T]`` for ``embedded`` (an EmbeddedBatch) and, if
        the method has one, a per-example convergence delta ``[B]``."""
        raise NotImplementedError

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        import torch

        if not isinstance(model, Differentiable):
            raise SpecError(f"{self.id}: the model does not implement Differentiable "
                            "(embed, forward_from_embeds); use a perturbation method such "
                            "as lime or occlusion")
        output = resolve_output(model, config, model.gradient_fields(), self.id)
        order = sorted(range(len(inputs)), key=lambda i: model.length_key(inputs[i]))
        results: list[dict[str, Any]] = [{} for _ in inputs]
        bs = max(1, int(model.max_batch_size))
        for start in range(0, len(order), bs):
            context.check_cancelled()
            idx = order[start:start + bs]
            batch = [inputs[i] for i in idx]
            for i, r in zip(idx, self._run_batch(batch, model, output, config, torch),
                            strict=True):
                results[i] = r
        return results

    def _run_batch(self, batch: Sequence[Mapping[str, Any]], model: Any, output: str,
                   config: Any, torch: Any) -> list[dict[str, Any]]:
        emb = model.embed(batch, output)
        keys = list(emb.forward_kwargs)
        extra = tuple(emb.forward_kwargs[k] for k in keys)

        def forward(e: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
            return model.forward_from_embeds(output, e, **dict(zip(keys, more, strict=True)))

        with torch.no_grad():
            scores = forward(emb.inputs_embeds, *extra).float().cpu().numpy()
        # a tagger scores word pieces; its targets and scores are per word (first piece)
        firsts = emb.extra.get("word_first_piece")
        rows = [scores[i] if firsts is None else
                scores[i][[p if p is not None else 0 for p in firsts[i]]]
                for i in range(len(batch))]
        targets = [resolve_target(model, output, config, ex, rows[i], self.id)
                   for i, ex in enumerate(batch)]
        if firsts is not None:
            targets = [at_first_piece(t, firsts[i], self.id) for i, t in enumerate(targets)]
        # captum warns when inputs do not already require gradients
        emb.inputs_embeds = emb.inputs_embeds.detach().clone().requires_grad_(True)
        attr, delta = self.attribute(forward, emb, extra, [t.captum() for t in targets],
                                     model, config)
        attr_np = attr.detach().float().cpu().numpy()
        delta_np = None if delta is None else delta.detach().float().cpu().numpy()
        special = emb.special.cpu().numpy()
        out = []
        for i, tgt in enumerate(targets):
            n = len(emb.tokens[i])
            keep = [p for p in range(n) if not special[i, p]]
            value: dict[str, Any] = {
                "tokens": [emb.tokens[i][p] for p in keep],
                "salience": attr_np[i, keep].astype(np.float32),
                "positions": keep,
                "granularity": "model_token",
                "target": tgt.to_json(),
                "score": pick_score(rows[i], tgt),
            }
            if delta_np is not None:
                value["delta"] = float(delta_np[i])
            out.append({self.id: value})
        return out


def at_first_piece(tgt: Target, first_piece: Sequence[int | None], method: str) -> Target:
    """A tagging target whose ``position`` counts *words* (as the tags and the black-box
    methods do), pointed for Captum at the word's first piece in the model's tokens."""
    if tgt.position is None:
        return tgt
    piece = first_piece[tgt.position]
    if piece is None:
        raise SpecError(f"{method}: config option 'token_index': word {tgt.position} was cut "
                        "off by the model's max_length, so it has no prediction to explain")
    return dataclasses.replace(tgt, piece=piece)


def baseline_embeds(model: Any, embedded: Any, choice: str, method: str) -> torch.Tensor:
    """Baseline embeddings: ``zero``, or the embedding of the ``pad``/``mask``/``unk``
    token at every non-special position (special tokens keep their embeddings)."""
    import torch

    emb = embedded.inputs_embeds.detach()
    special = embedded.special.to(emb.device)
    if choice == "zero":
        base = torch.zeros_like(emb)
    else:
        ids = dict(model.special_token_ids())
        if choice not in ids:
            raise SpecError(f"{method}: config option 'baseline': the model's tokenizer has "
                            f"no '{choice}' token (has: {sorted(ids)}); try 'zero'")
        with torch.no_grad():
            vec = model.embedding_layer()(torch.tensor([ids[choice]], device=emb.device))[0]
        base = vec.expand_as(emb).clone()
    return torch.where(special.unsqueeze(-1), emb, base)


# -------------------------------------------------------------- perturbation methods


def text_fields(model: Model) -> list[str]:
    """Input fields a perturbation method can edit word by word."""
    return [n for n, f in model.input_spec().items()
            if isinstance(f, T.TextSegment | T.Tokens) and f.required]


@dataclass(frozen=True, kw_only=True)
class PerturbationConfig(TargetConfig):
    text_field: str = field(default="", metadata=_help(
        "input text field to perturb (default: the model's first text input)"))
    mask_token: str = field(default="", metadata=_help(
        "word put in place of a removed word; empty deletes it (token fields, which must "
        "keep their length, use '[MASK]' when this is empty)"))


def perturbed_examples(base: Mapping[str, Any], fname: str, words: Sequence[str],
                       keeps: Any, mask_token: str, is_tokens: bool) -> list[dict[str, Any]]:
    """One copy of ``base`` per row of ``keeps`` (booleans, one per word) with the dropped
    words of field ``fname`` removed, or replaced by ``mask_token`` when one is given (a
    Tokens field always keeps its length, so it always takes the mask token)."""
    out = []
    for keep in (keeps.tolist() if hasattr(keeps, "tolist") else keeps):
        if is_tokens or mask_token:
            edited = [w if k else mask_token for w, k in zip(words, keep, strict=True)]
        else:
            edited = [w for w, k in zip(words, keep, strict=True) if k]
        new = dict(base)
        new[fname] = edited if is_tokens else " ".join(edited)
        out.append(new)
    return out


class PerturbationInterpreter(Interpreter):
    """Base of the black-box methods: word-level edits of one text field, scored with
    ``model.predict`` through the engine. Subclasses implement :meth:`attribute_one`."""

    signed: bool = True
    # their samplers hold TORCH_RNG_LOCK while they call the model; a batch of them on
    # the pool would wait for the lock while the holder waits for the pool. They need no
    # pool of their own: their model calls are pooled across examples by the engine
    parallel_batches = False

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return model is not None and bool(text_fields(model)) and \
            bool(explainable_outputs(model))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.TokenSalience(signed=self.signed)}

    def model_fields(self, model: Model, config: Any) -> tuple[str, ...]:
        """Nothing directly: every model call goes through the engine's ``predict``."""
        return ()

    def attribute_one(self, forward: Any, n_words: int, config: Any) -> np.ndarray:
        """Salience ``[n_words]`` given ``forward(masks [N, n_words] float) -> [N]``."""
        raise NotImplementedError

    def draw_masks(self, n_words: int, config: Any) -> Any:
        """The masks ``attribute_one`` will evaluate, drawn exactly as it draws them from
        the same generator state, or None when only running it tells (the pooling pass
        then runs it against a stand-in model)."""
        return None

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        import torch

        if getattr(config, "seed", context.seed) != context.seed:
            raise SpecError(f"{self.id}: config option 'seed' is {config.seed} but the run "
                            f"context is seeded with {context.seed}; the engine seeds a "
                            "run from its config")
        output = resolve_output(model, config, None, self.id)
        fields = text_fields(model)
        if config.text_field:
            if config.text_field not in fields:
                raise SpecError(f"{self.id}: config option 'text_field': '{config.text_field}'"
                                f" is not a text input of the model (text inputs: {fields})")
            fname = config.text_field
        elif fields:
            fname = fields[0]
        else:
            raise SpecError(f"{self.id}: the model has no text input to perturb")
        is_tokens = isinstance(model.input_spec()[fname], T.Tokens)
        mask = config.mask_token or ("[MASK]" if is_tokens else "")
        originals = context.predict(model, inputs, fields=[output])
        jobs = []
        for ex, orig in zip(inputs, originals, strict=True):
            value = ex.get(fname)
            if value is None:
                raise SpecError(f"{self.id}: example lacks input field '{fname}'")
            words = list(value) if is_tokens else str(value).split()
            tgt = resolve_target(model, output, config, ex, orig[output], self.id)
            base = {k: v for k, v in ex.items() if k != ID_FIELD}
            key = (" ".join(words), tgt.output, str(tgt.index), str(tgt.position))
            jobs.append((base, words, tgt, key, pick_score(orig[output], tgt)))

        def edits(masks: torch.Tensor, base: dict[str, Any], words: list[str]
                  ) -> list[dict[str, Any]]:
            rows = masks.reshape(masks.shape[0], -1).detach().cpu().numpy() > 0.5
            return perturbed_examples(base, fname, words, rows, mask, is_tokens)

        def rng(key: tuple[str, ...]) -> contextlib.AbstractContextManager[Any]:
            return seeded(context.seed_for(*key))

        def attribute(forward: Any, words: list[str], key: tuple[str, ...]) -> np.ndarray:
            with rng(key):
                return np.asarray(self.attribute_one(forward, len(words), config),
                                  dtype=np.float32).reshape(-1)

        # Pass 1 draws every example's perturbations with Captum's own samplers (same
        # seeds as pass 2) against a stand-in model, so that they all reach the model in
        # one engine call: sorted by length across examples, so batches pad less and
        # there are fewer of them. Pass 2 runs the method for real; its forward calls
        # find their outputs in the engine's cache. (The samplers do not look at the
        # model's outputs; were one to, pass 2 would just predict what it lacks.)
        if len(jobs) > 1:
            pooled: list[dict[str, Any]] = []
            for base, words, _tgt, key, _score in jobs:
                if not words:
                    continue
                with rng(key):
                    drawn = self.draw_masks(len(words), config)
                if drawn is not None:
                    pooled.extend(edits(drawn, base, words))
                    continue

                def record(masks: torch.Tensor, base: dict[str, Any] = base,
                           words: list[str] = words) -> torch.Tensor:
                    pooled.extend(edits(masks, base, words))
                    return torch.zeros(masks.shape[0], dtype=torch.float32)

                attribute(record, words, key)
            context.predict(model, pooled, fields=[output], transient=True)

        results = []
        for base, words, tgt, key, score in jobs:
            context.check_cancelled()

            def forward(masks: torch.Tensor, base: dict[str, Any] = base,
                        words: list[str] = words, tgt: Target = tgt) -> torch.Tensor:
                outs = context.predict(model, edits(masks, base, words), fields=[output],
                                       transient=True)
                return torch.tensor([pick_score(o[output], tgt) for o in outs],
                                    dtype=torch.float32)

            sal = attribute(forward, words, key) if words else np.zeros(0, np.float32)
            results.append({self.id: {
                "tokens": words, "salience": sal, "granularity": "word", "field": fname,
                "mask_token": mask, "target": tgt.to_json(), "score": score}})
        return results
