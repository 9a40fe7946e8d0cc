"""A generation run as records: flat rows for files, structured rows for the page.

``rows_of`` is what ``lumos generate`` writes (one flat record per counterfactual:
provenance, the edited fields beside their parent's, the model's class probabilities,
the prediction change, the validity verdict). ``page_rows`` is what the workbench's
counterfactual module shows: the same facts per row, structured (the new row, its
parent's fields, the changed spans, the predicted class and score before and after, the
flip, which validity check failed). Both read one :class:`GenerationRun`, so the file
and the page cannot disagree. ``report_rows`` gives the counterfactual examples an audit
report keeps (``lumos.engine.check_counterfactual.examples_of``) the structure of
``page_rows``, leaving empty what a report does not hold.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from lumos.api import types as T
from lumos.api.component import SpanChange
from lumos.api.dataset import ID_FIELD, PARENT_FIELD
from lumos.api.model import Model

#: the columns ``rows_of`` writes besides the rows' own fields (a dataset field of one
#: of these names is written as ``input:<name>``)
PROVENANCE = frozenset({"id", "parent", "generator", "version", "config_hash",
                        "parent_status", "changes", "valid", "failed_checks", "validity",
                        "flags", "meta", "expect"})


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python numbers and lists."""
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_SERIALIZE_NUMPY
                                     | orjson.OPT_NON_STR_KEYS))


def rows_of(run: Any, model: Model | None) -> list[dict[str, Any]]:
    """One flat record per counterfactual: provenance, the edited fields, the model's
    prediction and its change from the parent, the validity verdict."""
    spec = model.output_spec() if model is not None else {}
    status = {r.parent: r.status for r in run.results}
    parents = {str(p[ID_FIELD]): p for p in run.parents}
    out = []
    for n, (cf, row) in enumerate(zip(run.counterfactuals, run.rows, strict=True)):
        rec: dict[str, Any] = {"id": row[ID_FIELD], "parent": cf.parent,
                               "generator": cf.generator, "version": cf.version,
                               "config_hash": cf.config_hash,
                               "parent_status": status.get(cf.parent)}
        parent = parents.get(cf.parent, {})
        for k, v in row.items():
            if k.startswith("_") or k == ID_FIELD:
                continue
            col = f"input:{k}" if k in PROVENANCE else k  # a column named like ours
            rec[col] = v
            if any(c.field == k for c in cf.changes):
                rec[f"parent:{k}"] = parent.get(k)
        rec["changes"] = [c.to_json() for c in cf.changes]
        if run.outputs is not None:
            for name, fs in spec.items():
                value = run.outputs[n].get(name)
                if isinstance(fs, T.MulticlassPreds) and value is not None:
                    probas = np.asarray(value, dtype=float)
                    vocab = fs.vocab or tuple(str(i) for i in range(len(probas)))
                    for label, p in zip(vocab, probas, strict=True):
                        rec[f"{name}:{label}"] = float(p)
                elif isinstance(fs, T.RegressionScore) and value is not None:
                    rec[name] = float(value)
        change = run.changes[n] if run.changes else None
        for name, c in (change or {}).items():
            for k, v in c.items():
                rec[f"{name}:{k}"] = v
        rec["valid"] = cf.valid
        rec["failed_checks"] = cf.failed_checks
        rec["validity"] = dict(cf.validity)
        rec["flags"] = list(cf.flags)
        rec["meta"] = _json_text(cf.meta)
        rec["expect"] = _json_text(cf.expect) if cf.expect is not None else None
        out.append(rec)
    return out


def _prediction(model: Model, parent_out: dict[str, Any] | None, out: dict[str, Any]
                ) -> dict[str, Any] | None:
    """The first class-probability (else regression) output before and after."""
    for name, fs in model.output_spec().items():
        if name not in out:
            continue
        if isinstance(fs, T.MulticlassPreds):
            probas = np.asarray(out[name], dtype=float)
            vocab = fs.vocab or tuple(str(i) for i in range(len(probas)))
            k = int(probas.argmax())
            rec: dict[str, Any] = {"field": name, "kind": "class", "label": vocab[k],
                                   "score": float(probas[k]), "parent_label": None,
                                   "parent_score": None, "flipped": None, "delta": None}
            if parent_out is not None and name in parent_out:
                pp = np.asarray(parent_out[name], dtype=float)
                j = int(pp.argmax())
                rec.update(parent_label=vocab[j], parent_score=float(pp[j]), flipped=j != k,
                           delta=float(probas[j] - pp[j]))
            return rec
        if isinstance(fs, T.RegressionScore):
            value = float(out[name])
            before = float(parent_out[name]) if parent_out and name in parent_out else None
            return {"field": name, "kind": "regression", "label": None, "score": value,
                    "parent_label": None, "parent_score": before, "flipped": None,
                    "delta": None if before is None else value - before}
    return None


def page_rows(run: Any, model: Model | None, spec: T.Spec | None = None
              ) -> list[dict[str, Any]]:
    """One structured record per counterfactual, for the workbench.

    ``example``: the new row's dataset fields (``spec``'s, when given) with its ``id``;
    ``parent_example``: the parent's values of the fields that changed; ``changes``: the
    spans (old span -> new span, character offsets); ``prediction``: the predicted
    class and its score before and after (``delta``: the change in the parent's class's
    probability), ``flipped``; ``change``: every output's change
    (``lumos.engine.generate.prediction_change``); ``valid``/``failed_checks``/
    ``validity``: the validity guard's verdict."""
    status = {r.parent: r.status for r in run.results}
    parents = {str(p[ID_FIELD]): p for p in run.parents}
    pidx = run.parent_index()
    out = []
    for n, (cf, row) in enumerate(zip(run.counterfactuals, run.rows, strict=True)):
        names = list(spec) if spec else [k for k in row if not k.startswith("_")]
        example = {k: row[k] for k in names if k in row and k != ID_FIELD}
        example[ID_FIELD] = row[ID_FIELD]
        parent = parents.get(cf.parent, {})
        changed = dict.fromkeys(c.field for c in cf.changes)
        pred = None
        if model is not None and run.outputs is not None:
            pout = (run.parent_outputs[pidx[cf.parent]]
                    if run.parent_outputs is not None and cf.parent in pidx else None)
            pred = _prediction(model, pout, run.outputs[n])
        out.append({
            "id": row[ID_FIELD], "parent": cf.parent or None,
            "parent_status": status.get(cf.parent),
            "example": _plain(example),
            "parent_example": _plain({k: parent.get(k) for k in changed}),
            "changes": [c.to_json() for c in cf.changes],
            "prediction": pred,
            "change": _plain(run.changes[n]) if run.changes else None,
            "valid": cf.valid, "failed_checks": cf.failed_checks,
            "validity": dict(cf.validity), "flags": list(cf.flags),
            "meta": _plain(cf.meta),
            "expect": _plain(cf.expect) if cf.expect is not None else None,
        })
    return out


def kept_example(record: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A :func:`page_rows` record as a datapoint to save: its fields and its parent."""
    example = {k: v for k, v in record["example"].items()
               if k != ID_FIELD and not k.startswith("_")}
    return example, record.get("parent") or record["example"].get(PARENT_FIELD)



def page_result(run: Any, model: Model | None, spec: T.Spec | None = None, *,
                reference: str | None = None, delta: float | None = None,
                min_pairs: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Everything the workbench shows of a run: counts (``GenerationRun.summary``), the
    rows (:func:`page_rows`), per-parent statuses and notes, and the paired statistics
    (``lumos.engine.counterfactual_stats.run_statistics``: raw and validity-filtered,
    with intervals and sample sizes; TextAttack's table for an attack) for a
    classifier, else ``statistics_note`` saying why there are none."""
    from lumos.api.component import model_task
    from lumos.engine import counterfactual_stats as S

    stats: dict[str, Any] | None = None
    table: list[list[str]] | None = None
    note = ""
    if model is None:
        note = "no model: the rows are not predicted, so there are no statistics"
    elif model_task(model) != "classification":
        note = (f"statistics are computed for classifiers; this is a "
                f"{model_task(model) or 'model of no known task'}, so only the rows "
                "and their prediction changes are shown")
    else:
        kw: dict[str, Any] = {"reference": reference, "seed": seed}
        if delta is not None:
            kw["delta"] = delta
        if min_pairs is not None:
            kw["min_pairs"] = min_pairs
        stats = _plain(S.run_statistics(run, model, **kw))
        if "attack_summary" in stats:
            table = [list(r) for r in S.attack_summary_of(run.results).table()]
    return {"generator": run.generator, "version": run.version,
            "config": _plain(_config_values(run.config)), "config_hash": run.config_hash,
            "summary": run.summary(),
            "parents": [{"id": str(r.parent), "status": r.status, "notes": _plain(
                {k: v for k, v in r.notes.items() if not str(k).startswith("_")})}
                for r in run.results],
            "rows": page_rows(run, model, spec), "statistics": stats,
            "attack_table": table, "statistics_note": note}


#: words, runs of punctuation, runs of space: the units a derived change is made of
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")


def span_changes(field: str, old: str, new: str) -> list[SpanChange]:
    """The edits that turn ``old`` into ``new``, as character-offset spans of whole
    tokens (words, punctuation, spaces; a token-level ``difflib`` alignment): for rows
    whose generator's own spans are not at hand."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    starts_a = [0]
    for t in a:
        starts_a.append(starts_a[-1] + len(t))
    starts_b = [0]
    for t in b:
        starts_b.append(starts_b[-1] + len(t))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False
                                                        ).get_opcodes():
        if tag == "equal":
            continue
        s, e, ns, ne = starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]
        out.append(SpanChange(field=field, start=s, end=e, old=old[s:e], new_start=ns,
                              new_end=ne, new=new[ns:ne]))
    return out


def report_rows(examples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An audit report's counterfactual examples (each with ``parent``, ``id``,
    ``original`` and ``counterfactual`` fields, ``changes``, ``parent_label``,
    ``label``, ``flipped``, ``score_delta``, ``valid``, ``direction``) as
    :func:`page_rows` records. ``example`` holds the edited fields only (a report keeps
    no other); ``changes`` are the report's, else derived from the two texts
    (:func:`span_changes`; ``meta.changes_derived``); the scores before and after, the
    failed validity checks and the parents' statuses are not in a report (None, empty).
    Examples without a parent (a template's rows) are left out."""
    out = []
    for ex in examples:
        if not ex.get("parent") or not isinstance(ex.get("counterfactual"), Mapping):
            continue
        original = dict(ex.get("original") or {})
        child = dict(ex["counterfactual"])
        meta: dict[str, Any] = {}
        if ex.get("direction"):
            meta["direction"] = ex["direction"]
        given = ex.get("changes")
        if isinstance(given, list):
            changes = [dict(c) for c in given]
        else:
            changes = [c.to_json() for f in child if isinstance(child[f], str)
                       and isinstance(original.get(f), str)
                       for c in span_changes(f, original[f], child[f])]
            meta["changes_derived"] = True
        pred = None
        if ex.get("label") is not None or ex.get("parent_label") is not None:
            delta = ex.get("score_delta")
            pred = {"field": None, "kind": "class", "label": ex.get("label"),
                    "score": None, "parent_label": ex.get("parent_label"),
                    "parent_score": None, "flipped": ex.get("flipped"),
                    "delta": float(delta) if isinstance(delta, int | float) else None}
        valid = ex.get("valid")
        out.append({
            "id": str(ex.get("id") or ""), "parent": str(ex["parent"]),
            "parent_status": None,
            "example": _plain({**child, ID_FIELD: str(ex.get("id") or "")}),
            "parent_example": _plain(original), "changes": _plain(changes),
            "prediction": pred, "change": None,
            "valid": valid if isinstance(valid, bool) else None,
            "failed_checks": [], "validity": {}, "flags": [], "meta": _plain(meta),
            "expect": None,
        })
    return out


def _config_values(cfg: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}
    return cfg


__all__ = ["PROVENANCE", "kept_example", "page_result", "page_rows", "report_rows",
           "rows_of", "span_changes"]
