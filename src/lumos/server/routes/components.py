"""Registered components (interpreters, generators, metrics, projectors) by kind.

The page uses this to fill its plug-in slots: each entry carries its id, display name,
config form and, per loaded model, whether it applies; interpreters also say, per model,
whether the model-randomisation check can run them (``randomisation``: the reason it
cannot, or "" when it can; ``lumos.engine.randomisation.randomisation_problem``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from lumos.api import registry
from lumos.api.component import KINDS
from lumos.engine.randomisation import randomisation_problem
from lumos.server.deps import workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/components", tags=["components"])


@router.get("/{kind}", response_class=JSON)
def list_components(kind: str, request: Request, dataset: str | None = None) -> Any:
    if kind not in KINDS:
        raise HTTPException(404, f"no component kind '{kind}' (kinds: {sorted(KINDS)})")
    ws = workspace(request)
    ds = ws.datasets.get(dataset) if dataset else next(iter(ws.datasets.values()), None)
    spec = ds.spec() if ds is not None else {}
    out = []
    for cid, cls in sorted(registry.available(kind).items()):
        try:
            instance = cls()
        except TypeError:  # needs arguments: listed, compatibility unknown
            instance = None
        compatible = {}
        for mname, model in ws.models.items():
            try:
                compatible[mname] = bool(instance.is_compatible(model, spec)) if instance \
                    else False
            except Exception:
                compatible[mname] = False
        entry = {"id": cid, "display_name": cls.display_name,
                 "description": (cls.__doc__ or "").strip().split("\n")[0],
                 "config": cls.config_schema(), "compatible": compatible}
        if kind == "interpreter" and instance is not None:
            entry["randomisation"] = {mname: randomisation_problem(model, instance) or ""
                                      for mname, model in ws.models.items()}
        out.append(entry)
    return JSON(out)
