"""Where the highlighter's per-token values come from, all computed by the engine.

A source is written ``KIND[:KEY=VALUE,...]``:

* ``activation:layer=3,dim=17`` — hidden-state layer 3 (0 = embeddings), dimension 17;
  ``activation:module=bert.encoder.layer.3.output,dim=17`` — a submodule's output, read
  by a forward hook (``lumos.engine.activations``). Without ``dim`` (or ``dim=norm``) the
  value is the vector's L2 norm.
* ``salience:METHOD[,OPTION=VALUE...]`` or just ``METHOD`` — any registered token
  salience method (``integrated_gradients``, ``grad_dot_input``, ``lime``,
  ``occlusion``…) with its options, through ``lumos.engine.interpret.explain`` (cached).
* ``attention:layer=-1,head=mean,token=0`` — the attention *from* token ``token`` (its
  row of layer ``layer``, one head or the mean over heads) to every token.
* ``rollout[:query=0,head_fusion=mean,...]`` — attention rollout (Abnar & Zuidema 2020),
  the registered ``attention_rollout`` method.

Errors are ``SpecError`` naming the source option at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.types import SpecError

KINDS = ("activation", "salience", "attention", "rollout")
_SPLIT = re.compile(r",(?=\s*[A-Za-z_][\w.-]*\s*=)")


@dataclass(frozen=True)
class Source:
    kind: str
    method: str = ""
    options: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in self.options.items())
        name = self.method if self.kind == "salience" else self.kind
        return f"{name} ({opts})" if opts else name


@dataclass
class TokenValues:
    """One example's values: the model's tokens, one value each, the text they came
    from (None when the model read tokens, not text), and how words aggregate them."""

    tokens: list[str]
    values: np.ndarray
    text: str | None
    signed: bool
    how: str = "sum"


def parse(text: str) -> Source:
    """``"activation:layer=3,dim=17"`` -> ``Source``; errors name the part at fault."""
    kind, _, rest = text.strip().partition(":")
    kind = kind.strip()
    options: dict[str, str] = {}
    method = ""
    items = [p.strip() for p in _SPLIT.split(rest)] if rest.strip() else []
    if kind == "salience":
        head = items.pop(0) if items else ""
        if not head or ("=" in head and not head.startswith("method=")):
            raise SpecError("source: salience needs a method, e.g. "
                            "salience:integrated_gradients")
        method = head.removeprefix("method=")
    elif kind not in KINDS:
        if not kind or "=" in kind:
            raise SpecError(f"source: expected one of {', '.join(KINDS)} or a salience "
                            f"method id, got {text!r}")
        method, kind = kind, "salience"
    if kind == "rollout":
        kind, method = "salience", "attention_rollout"
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"source: expected KEY=VALUE, got {item!r} in {text!r}")
        options[key.strip()] = value.strip()
    src = Source(kind, method, options)
    if kind == "activation":
        has = {"layer", "module"} & set(options)
        if len(has) != 1:
            raise SpecError("source: activation needs exactly one of layer=N or "
                            "module=NAME, e.g. activation:module=bert.encoder.layer.3.output,"
                            "dim=17")
        unknown = set(options) - {"layer", "module", "dim"}
        if unknown:
            raise SpecError(f"source: activation has no option '{sorted(unknown)[0]}' "
                            "(options: layer, module, dim)")
        _int_option(src, "layer")
        if options.get("dim", "norm") != "norm":
            _int_option(src, "dim")
    if kind == "attention":
        unknown = set(options) - {"layer", "head", "token", "output"}
        if unknown:
            raise SpecError(f"source: attention has no option '{sorted(unknown)[0]}' "
                            "(options: layer, head, token, output)")
        _int_option(src, "layer")
        _int_option(src, "token")
        if options.get("head", "mean") != "mean":
            _int_option(src, "head")
    return src


def _int_option(src: Source, key: str) -> int | None:
    raw = src.options.get(key)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SpecError(f"source: {src.kind} option '{key}' must be an integer, got "
                        f"{raw!r}") from None


def text_of(model: Model, example: Mapping[str, Any]) -> str | None:
    """The text the model tokenised: its first text input (or its word tokens joined)."""
    for name, fs in model.input_spec().items():
        if isinstance(fs, T.TextSegment) and isinstance(example.get(name), str):
            return str(example[name])
    for name, fs in model.input_spec().items():
        if isinstance(fs, T.Tokens) and example.get(name) is not None:
            return " ".join(str(t) for t in example[name])
    return None


def compute(source: Source | str, target: Any, model: Model,
            examples: Sequence[Mapping[str, Any]], *, use_cache: bool = True,
            progress: bool | str = False, cancel: Any = None) -> list[TokenValues]:
    """Values of ``source`` for each example. ``target``: a Workspace, an Engine or None
    (a throwaway in-memory engine)."""
    from lumos.engine import Workspace
    from lumos.engine.predict import Engine

    src = parse(source) if isinstance(source, str) else source
    if isinstance(target, Workspace):
        engine = target.engine
    elif isinstance(target, Engine):
        engine = target
    else:
        from lumos.store import Store

        engine = Engine(Store(":memory:"))
    texts = [text_of(model, ex) for ex in examples]
    if src.kind == "activation":
        return _activation(src, engine, model, examples, texts, use_cache, progress, cancel)
    if src.kind == "attention":
        return _attention(src, engine, model, examples, texts, use_cache, progress, cancel)
    return _salience(src, engine, model, examples, texts, use_cache, progress, cancel)


def _activation(src: Source, engine: Any, model: Model, examples: Sequence[Mapping[str, Any]],
                texts: list[str | None], use_cache: bool, progress: bool | str,
                cancel: Any) -> list[TokenValues]:
    from lumos.engine.activations import activations

    layer = _int_option(src, "layer")
    where: int | str = layer if layer is not None else src.options["module"]
    dim_raw = src.options.get("dim", "norm")
    outs = activations(engine, model, examples, where, use_cache=use_cache,
                       progress=progress, cancel=cancel)
    result = []
    for out, text in zip(outs, texts, strict=True):
        vals = np.asarray(out["values"], dtype=np.float64)
        if dim_raw == "norm":
            v = np.linalg.norm(vals, axis=-1) if vals.size else np.zeros(len(out["tokens"]))
            signed = False
        else:
            d = int(dim_raw)
            width = vals.shape[-1] if vals.ndim == 2 else 0
            if not -width <= d < width:
                raise SpecError(f"source: activation option 'dim': {d} is out of range "
                                f"(the activation has {width} dimensions)")
            v = vals[:, d]
            signed = True
        result.append(TokenValues([str(t) for t in out["tokens"]], v, text, signed, "mean"))
    return result


def _attention(src: Source, engine: Any, model: Model, examples: Sequence[Mapping[str, Any]],
               texts: list[str | None], use_cache: bool, progress: bool | str,
               cancel: Any) -> list[TokenValues]:
    spec = model.output_spec()
    names = [n for n in T.find_fields(spec, T.AttentionHeads)
             if getattr(spec[n], "kind", "") != "cross"]
    if not names:
        raise SpecError("source: the model has no self-attention output (attention needs "
                        "an AttentionHeads field)")
    fname = src.options.get("output", names[0])
    if fname not in names:
        raise SpecError(f"source: attention option 'output': '{fname}' is not a "
                        f"self-attention output (choices: {', '.join(names)})")
    fs = spec[fname]
    align = getattr(fs, "align_in", None)
    fields = [fname] + ([align] if align and align in spec else [])
    outs = engine.predict(model, examples, fields=fields, use_cache=use_cache,
                          progress=progress, cancel=cancel)
    layer = _int_option(src, "layer")
    token = _int_option(src, "token")
    head_raw = src.options.get("head", "mean")
    result = []
    for ex, out, text in zip(examples, outs, texts, strict=True):
        maps = np.asarray(out[fname], dtype=np.float64)  # [L, H, T, T]
        n_layers, n_heads, n = maps.shape[0], maps.shape[1], maps.shape[-1]
        li = -1 if layer is None else layer
        if not -n_layers <= li < n_layers:
            raise SpecError(f"source: attention option 'layer': {li} is out of range "
                            f"(the model has {n_layers} layers)")
        per_layer = maps[li]
        if head_raw == "mean":
            mat = per_layer.mean(0)
        else:
            h = int(head_raw)
            if not -n_heads <= h < n_heads:
                raise SpecError(f"source: attention option 'head': {h} is out of range "
                                f"(the model has {n_heads} heads)")
            mat = per_layer[h]
        q = 0 if token is None else token
        if not -n <= q < n:
            raise SpecError(f"source: attention option 'token': {q} is outside the {n} "
                            "tokens")
        if align and align in out:
            toks = [str(t) for t in out[align]]
        elif align and align in ex and not isinstance(ex[align], str):
            toks = [str(t) for t in ex[align]]
        else:
            toks = [str(i) for i in range(n)]
        result.append(TokenValues(toks, mat[q], text, False, "sum"))
    return result


def _token_salience_methods(model: Model) -> list[str]:
    """The ids of the salience methods that give ``model`` a token salience map."""
    from lumos.api import registry
    from lumos.engine.interpret import get_interpreter

    ok = []
    for mid in sorted(registry.available("interpreter")):
        try:
            interp = get_interpreter(mid)
            if interp.is_compatible(model, model.input_spec()) and any(
                    isinstance(fs, T.TokenSalience) for fs in interp.output_spec(model).values()):
                ok.append(mid)
        except Exception:  # a method that cannot judge this model does not apply
            continue
    return ok


def _salience(src: Source, engine: Any, model: Model, examples: Sequence[Mapping[str, Any]],
              texts: list[str | None], use_cache: bool, progress: bool | str,
              cancel: Any) -> list[TokenValues]:
    from lumos.engine.interpret import explain, get_interpreter

    try:
        interp = get_interpreter(src.method)
    except SpecError as e:
        raise SpecError(f"source: {e}") from None
    if not interp.is_compatible(model, model.input_spec()):
        ok = _token_salience_methods(model)
        raise SpecError(f"source: {interp.id} does not apply to this model; "
                        + (f"methods that do: {', '.join(ok)} (e.g. salience:{ok[0]})" if ok
                           else "no token salience method applies to it; try an "
                           "activation: or attention: source"))
    out_spec = interp.output_spec(model)
    fname = next((n for n, fs in out_spec.items() if isinstance(fs, T.TokenSalience)), None)
    if fname is None:
        raise SpecError(f"source: {interp.id} gives no token salience map for this model")
    options: dict[str, Any] = {}
    for k, v in src.options.items():
        options[k] = _option_value(v)
    try:
        config = interp.make_config(options)
    except SpecError as e:
        raise SpecError(f"source: {e}") from None
    results = explain(engine, model, examples, interp, config, use_cache=use_cache,
                      progress=progress, cancel=cancel)
    signed = bool(getattr(out_spec[fname], "signed", True))
    return [TokenValues([str(t) for t in r[fname]["tokens"]],
                        np.asarray(r[fname]["salience"], dtype=np.float64), text, signed,
                        "sum")
            for r, text in zip(results, texts, strict=True)]


def _option_value(raw: str) -> Any:
    import orjson

    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
