"""Run a counterfactual generator over a dataset's rows, then predict what it made.

``generate`` is the one entry point the CLI, the server and Python share. It

1. runs the generator (``lumos.api.component.Generator``) over the parent rows in
   chunks, with a progress bar or callback and the caller's cancel event (a chunk's
   ``run`` gets a :class:`~lumos.api.context.RunContext` whose ``predict`` is this
   engine's, so a search's candidates are batched, de-duplicated and cached);
2. gives every counterfactual its row key (a content hash, ``keys.datapoint_key``) and
   its parent's in ``_parent``;
3. predicts parents and counterfactuals together in one engine call (batched by length,
   de-duplicated, cached by content), with the model's pooled embeddings when it has
   them, for the validity guard;
4. applies the validity guard (``lumos.components.generators.validity``) and works out
   each row's prediction change against its parent (:func:`prediction_change`).

Generators that need no model (rules, templates) run with ``model=None``: steps 3 and
the embedding check are skipped ("not checked").
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import registry
from lumos.api import types as T
from lumos.api.component import Counterfactual, Generated, Generator, model_task
from lumos.api.dataset import ID_FIELD, PARENT_FIELD, Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.components.generators.validity import ValidityConfig, apply_validity
from lumos.engine.batches import ProgressFn, run_batches
from lumos.engine.context import config_seed, run_context
from lumos.engine.predict import Engine
from lumos.engine.workspace import Workspace
from lumos.store import keys


def get_generator(generator: str | Generator | type[Generator]) -> Generator:
    inst: Generator = registry.instance("generator", generator, Generator, flag="generator")
    return inst


@dataclass
class GenerationRun:
    """What :func:`generate` returns.

    ``results``: one :class:`Generated` per parent, in the order given (statuses, notes).
    ``counterfactuals``: every row made, parent by parent, then the generator's
    standalone rows (``parent == ""``); ``rows[i]`` is ``counterfactuals[i].example``
    with its ``id``. ``outputs[i]``/``parent_outputs[j]``: model outputs (None without a
    model); ``changes[i]``: :func:`prediction_change` of row ``i`` against its parent.
    """

    generator: str
    version: str
    config: Any
    config_hash: str
    parents: list[dict[str, Any]]
    results: list[Generated]
    counterfactuals: list[Counterfactual]
    rows: list[dict[str, Any]]
    parent_outputs: list[dict[str, Any]] | None = None
    outputs: list[dict[str, Any]] | None = None
    changes: list[dict[str, Any] | None] = field(default_factory=list)

    def parent_index(self) -> dict[str, int]:
        return {str(p[ID_FIELD]): n for n, p in enumerate(self.parents)}

    def summary(self) -> dict[str, Any]:
        """Counts, not statistics: parents, rows, parents by status, rows by validity
        (``valid``/``invalid``/``unknown``) and how often each check failed."""
        statuses: dict[str, int] = {}
        for r in self.results:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        validity = {"valid": 0, "invalid": 0, "unknown": 0}
        failed: dict[str, int] = {}
        for cf in self.counterfactuals:
            validity["valid" if cf.valid else "invalid" if cf.valid is False
                     else "unknown"] += 1
            for check in cf.failed_checks:
                failed[check] = failed.get(check, 0) + 1
        return {"generator": self.generator, "version": self.version,
                "config_hash": self.config_hash, "parents": len(self.parents),
                "rows": len(self.rows), "statuses": statuses, "validity": validity,
                "failed_checks": failed}

    def records(self) -> list[dict[str, Any]]:
        """One JSON-able record per counterfactual: the row, its provenance, validity and
        prediction change (outputs left out: they hold arrays)."""
        out = []
        for n, (cf, row) in enumerate(zip(self.counterfactuals, self.rows, strict=True)):
            rec = cf.to_json()
            rec["example"] = row
            rec["change"] = self.changes[n] if self.changes else None
            out.append(rec)
        return out


def _resolve(target: Workspace | Engine | None, model: Model | str | None
             ) -> tuple[Engine, Model | None, str]:
    name = "model"
    if isinstance(target, Workspace):
        engine = target.engine
        if isinstance(model, str):
            name, model = model, target.model(model)
        elif model is not None:
            name = next((n for n, m in target.models.items() if m is model), name)
    else:
        if target is None:
            from lumos.store import Store

            target = Engine(Store(":memory:"))
        engine = target
    if isinstance(model, str):
        raise SpecError(f"model: '{model}' is a name, but no workspace was given to look it "
                        "up in")
    return engine, model, name


def _parents(data: Dataset | str | Sequence[Mapping[str, Any]], indices: Sequence[int] | None,
             dataset_spec: T.Spec | None, target: Workspace | Engine | None
             ) -> tuple[list[dict[str, Any]], T.Spec | None]:
    if isinstance(data, str):
        if not isinstance(target, Workspace):
            raise SpecError(f"dataset: '{data}' is a name, but no workspace was given to "
                            "look it up in")
        data = target.dataset(data)
    if isinstance(data, Dataset):
        idx = list(range(len(data))) if indices is None else list(indices)
        return data.examples(idx), dataset_spec or data.spec()
    rows = [dict(r) for r in data]
    if indices is not None:
        rows = [rows[i] for i in indices]
    return rows, dataset_spec


def embedding_field(model: Model) -> str | None:
    """The model's pooled-embedding output (one vector per example), if any."""
    return next((n for n, f in model.output_spec().items()
                 if isinstance(f, T.Embeddings) and not f.per_layer), None)


def generate(
    target: Workspace | Engine | None,
    model: Model | str | None,
    data: Dataset | str | Sequence[Mapping[str, Any]],
    generator: str | Generator | type[Generator],
    config: Any = None,
    *,
    indices: Sequence[int] | None = None,
    dataset_spec: T.Spec | None = None,
    chunk_size: int | None = None,
    predict: bool = True,
    validity: bool | ValidityConfig = True,
    progress: bool | str = False,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> GenerationRun:
    """Run ``generator`` (an id such as ``"word_replace"``) on rows of ``data``.

    ``target``: a Workspace (then ``model`` and ``data`` may be names), an Engine, or
    None (a throwaway in-memory engine). ``data``: a Dataset (``indices`` picks the
    selection) or row dicts (their ``id`` is the parent key; without one, a content
    hash). ``config``: the generator's Config or a mapping of its options. Cancelling
    raises :class:`~lumos.engine.batches.Cancelled` between chunks; predictions already
    made stay cached.

    From Python it is ``lumos.generate`` (what ``lumos generate`` on the command line
    runs); ``run_statistics`` gives the numbers the command prints and writes to its
    ``.stats.json`` sidecar::

        import lumos
        from lumos.engine.counterfactual_stats import run_statistics

        tweets = lumos.load_dataset("tweets")
        model = ...  # any classifier, e.g. lumos.load_model("path/to/model")
        run = lumos.generate(None, model, tweets, "synonyms", {"budget": 50},
                             indices=range(100), progress=True)
        stats = run_statistics(run, model)  # flip rate, accuracy drop, raw and valid
        stats["valid"]["flip_rate"]["worst_case"]  # estimate, low, high (Wilson 95 %)
        run.records()  # one JSON record per counterfactual: provenance, change, checks
    """
    engine, mdl, _name = _resolve(target, model)
    gen = get_generator(generator)
    cfg = gen.make_config(config)
    parents, spec = _parents(data, indices, dataset_spec, target)
    if spec is None and mdl is not None:  # plain rows: the model says what they hold
        spec = mdl.input_spec()
    if mdl is None and gen.needs_model:
        raise SpecError(f"{gen.id}: this generator searches with a model; pass --model "
                        "(or model=...) to run it")
    if mdl is not None and not gen.is_compatible(mdl, spec or {}):
        raise SpecError(f"{gen.id}: does not support the model's task "
                        f"'{model_task(mdl)}' (it supports {sorted(gen.tasks)}); pick "
                        "another generator or model")
    for p in parents:  # every parent gets its row key, so children can name it
        if p.get(ID_FIELD) in (None, ""):
            names = list(spec) if spec else [n for n in p if not n.startswith("_")]
            p[ID_FIELD] = keys.datapoint_key(p, names)
    seed = config_seed(cfg)
    chash = keys.config_hash(cfg)
    results: list[Generated | None] = [None] * len(parents)
    size = chunk_size or (mdl.max_batch_size if mdl is not None else 32)
    order = list(range(len(parents)))

    def work(chunk: Sequence[int]) -> list[Generated]:
        context = run_context(engine, seed=seed, cancel=cancel, model=mdl,
                              dataset_spec=spec)
        outs = gen.run([parents[i] for i in chunk], context, config=cfg)
        if len(outs) != len(chunk):
            raise RuntimeError(f"{gen.id} returned {len(outs)} results for "
                               f"{len(chunk)} examples")
        return outs

    def finish(chunk: Sequence[int], outs: list[Generated]) -> None:
        for i, out in zip(chunk, outs, strict=True):
            results[i] = out

    run_batches([order[s:s + size] for s in range(0, len(order), size)], work,
                finish=finish, progress=progress, default_desc=f"generate {gen.id}",
                on_progress=on_progress, cancel=cancel)
    done = [r for r in results if r is not None]
    standalone = gen.standalone(run_context(engine, seed=seed, cancel=cancel, model=mdl,
                                            dataset_spec=spec), config=cfg)
    cfs = [cf for r in done for cf in r.counterfactuals] + list(standalone)
    rows = []
    for cf in cfs:
        row = dict(cf.example)
        row.setdefault(PARENT_FIELD, cf.parent)
        names = list(spec) if spec else [n for n in row if not n.startswith("_")]
        row[ID_FIELD] = keys.datapoint_key(row, names)
        rows.append(row)
    run = GenerationRun(generator=gen.id, version=str(gen.version), config=cfg,
                        config_hash=chash, parents=parents, results=done,
                        counterfactuals=cfs, rows=rows)
    if mdl is not None and predict:
        wanted = mdl.default_fields()
        emb = embedding_field(mdl) if validity is not False else None
        if emb is not None and emb not in wanted:
            wanted.append(emb)
        outs = engine.predict(mdl, parents + rows, fields=wanted, cancel=cancel)
        run.parent_outputs, run.outputs = outs[:len(parents)], outs[len(parents):]
        pidx = run.parent_index()
        run.changes = [prediction_change(mdl, run.parent_outputs[pidx[cf.parent]], out)
                       if cf.parent in pidx else None
                       for cf, out in zip(cfs, run.outputs, strict=True)]
    if validity is not False:
        vcfg = validity if isinstance(validity, ValidityConfig) else None
        run.counterfactuals = apply_validity(
            run, mdl, embedding_field(mdl) if mdl is not None and predict else None, vcfg)
        checked = iter(run.counterfactuals)  # the per-parent results hold the same rows
        run.results = [dataclasses.replace(r, counterfactuals=[next(checked)
                                                               for _ in r.counterfactuals])
                       for r in run.results]
    return run


def incompatibility(gen: Generator, model: Model | None, dataset_spec: T.Spec) -> str:
    """Why ``gen`` cannot run on ``model`` (for a generator that is not compatible)."""
    if model is None:
        return "it searches with a model, and none was given"
    task = model_task(model)
    if task not in gen.tasks:
        return (f"it supports {', '.join(sorted(gen.tasks))} models; this model's outputs "
                f"make it a {task or 'model of no known'} task")
    if not any(type(f) in (T.TextSegment, T.Tokens) for f in model.input_spec().values()):
        return "the model reads no text or tokens field for it to edit"
    doc = (type(gen).__doc__ or "").strip().split("\n")[0]
    return f"its requirements are not met by the model ({doc})" if doc else \
        "its requirements are not met by the model"


def compatible(gen: Generator | type[Generator], model: Model | None,
               dataset_spec: T.Spec) -> bool:
    """``gen.is_compatible``, False for a third-party generator that cannot judge."""
    try:
        inst = gen() if isinstance(gen, type) else gen
        return bool(inst.is_compatible(model, dataset_spec))
    except Exception:  # a generator that cannot judge this model does not apply
        return False


def generator_infos(model: Model | None, dataset_spec: T.Spec) -> list[dict[str, Any]]:
    """Every registered generator with its typed config form, and whether (else why
    not) it runs on ``model`` over rows of ``dataset_spec``; compatible ones first."""
    out = []
    for gid, cls in sorted(registry.available("generator").items()):
        ok = compatible(cls, model, dataset_spec)
        reason = ""
        if not ok:
            try:
                reason = incompatibility(cls(), model, dataset_spec)
            except Exception as e:  # a generator that cannot be made without arguments
                reason = f"it cannot be made here ({e})"
        out.append({"id": gid, "display_name": cls.display_name or gid,
                    "description": (cls.__doc__ or "").strip().split("\n")[0],
                    "version": str(cls.version), "tasks": sorted(cls.tasks),
                    "needs_model": bool(cls.needs_model), "config": cls.config_schema(),
                    "example_config": dict(cls.example_config), "compatible": ok,
                    "reason": reason})
    return sorted(out, key=lambda g: not g["compatible"])


_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "bool": ((bool,), "true or false"), "int": ((int,), "an integer"),
    "float": ((int, float), "a number"), "str": ((str,), "text")}


def check_config(gen: Generator, values: Mapping[str, Any] | None) -> Any:
    """The generator's typed Config from JSON values (a form's), each checked against its
    field's declared type and choices; a wrong one is a SpecError naming
    ``config.<option>``."""
    values = dict(values or {})
    schema = {f["name"]: f for f in type(gen).config_schema()}
    for key, value in values.items():
        f = schema.get(key)
        if f is None:
            raise SpecError(f"config.{key}: {gen.id} has no option '{key}' (options: "
                            f"{', '.join(schema) or 'none'})")
        kinds, what = _KINDS.get(str(f["type"]), ((object,), ""))
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise SpecError(f"config.{key}: {gen.id} option '{key}' must be {what}, got "
                            f"{value!r}")
        if f.get("choices") and value not in f["choices"]:
            raise SpecError(f"config.{key}: {gen.id} option '{key}' must be one of "
                            f"{list(f['choices'])}, got {value!r}")
    try:
        return gen.make_config(values)
    except SpecError as e:
        raise SpecError(f"config: {e}") from None


def prediction_change(model: Model, parent: Mapping[str, Any], child: Mapping[str, Any]
                      ) -> dict[str, Any]:
    """How ``child``'s prediction differs from its parent's, field by field.

    Class probabilities: ``label``/``parent_label`` (argmax), ``flipped``, and
    ``score_delta``, the change in the probability of the parent's predicted class.
    Regression: ``delta``. Tags: ``changed`` and the share of positions that differ.
    Generated text: ``changed`` and both texts (the first candidate)."""
    out: dict[str, Any] = {}
    for name, fs in model.output_spec().items():
        if name not in parent or name not in child:
            continue
        a, b = parent[name], child[name]
        if isinstance(fs, T.MulticlassPreds):
            pa_, pb = np.asarray(a, float), np.asarray(b, float)
            ia, ib = int(pa_.argmax()), int(pb.argmax())
            vocab = fs.vocab or tuple(str(i) for i in range(len(pa_)))
            out[name] = {"parent_label": vocab[ia], "label": vocab[ib], "flipped": ia != ib,
                         "score_delta": float(pb[ia] - pa_[ia])}
        elif isinstance(fs, T.RegressionScore):
            out[name] = {"parent": float(a), "value": float(b), "delta": float(b) - float(a)}
        elif isinstance(fs, T.SequenceTags):
            la, lb = list(a), list(b)
            n = max(len(la), len(lb), 1)
            diff = sum(x != y for x, y in zip(la, lb, strict=False)) + abs(len(la) - len(lb))
            out[name] = {"changed": la != lb, "changed_share": diff / n}
        elif isinstance(fs, T.GeneratedText | T.GeneratedTextCandidates):
            ta = a if isinstance(a, str) else (a[0][0] if a else "")
            tb = b if isinstance(b, str) else (b[0][0] if b else "")
            out[name] = {"changed": ta != tb, "parent_text": ta, "text": tb}
    return out


__all__ = ["GenerationRun", "ValidityConfig", "check_config", "compatible", "generate",
           "generator_infos", "get_generator", "incompatibility", "prediction_change"]
