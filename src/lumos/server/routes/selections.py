"""Named selections: a selection too large for a link, kept in the store under an id.

``POST /api/selections`` saves the row keys of a selection of one dataset and answers
its id, a hash of the dataset and the keys (``lumos.store.keys.selection_key``), so the
same selection always gets the same id and saving it again is harmless. The page puts
only that id in the URL (``?selid=...``); ``GET /api/selections/{id}`` gives the rows
back when the link is opened.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field

from lumos.server.deps import workspace
from lumos.server.responses import JSON
from lumos.server.routes.slices import check_user_ids, dataset_of
from lumos.store.keys import selection_key

router = APIRouter(prefix="/api/selections", tags=["selections"])

#: the state namespace the selections live in (shared with /api/state/selections)
NAMESPACE = "selections"
MAX_IDS = 1_000_000

SelectionId = Annotated[str, Path(pattern=r"^s[0-9a-f]{20}$",
                                  description="an id POST /api/selections answered")]


class NewSelection(BaseModel):
    dataset: str
    ids: list[str] = Field(min_length=1, max_length=MAX_IDS,
                           description="row keys of the selection, in order")


@router.post("", response_class=JSON, status_code=201)
def save(body: NewSelection, request: Request) -> Any:
    """Store the selection; answers ``{"id", "dataset", "count"}``."""
    ws = workspace(request)
    ds = dataset_of(request, body.dataset)
    check_user_ids(ws, body.dataset, ds, body.ids)
    key = selection_key(body.dataset, body.ids)
    if ws.store.get_state(NAMESPACE, key) is None:
        ws.store.put_state(NAMESPACE, key, {"dataset": body.dataset, "ids": body.ids})
    return JSON({"id": key, "dataset": body.dataset, "count": len(body.ids)}, status_code=201)


@router.get("/{sel_id}", response_class=JSON)
def get(sel_id: SelectionId, request: Request) -> Any:
    """The stored selection: ``{"id", "dataset", "ids"}``."""
    value = workspace(request).store.get_state(NAMESPACE, sel_id)
    if not isinstance(value, dict) or "ids" not in value:
        raise HTTPException(404, f"selection id: no selection saved under '{sel_id}' (it "
                            "lives in this server's store; open the link on the server "
                            "that made it, or select the rows again)")
    return JSON({"id": sel_id, **value})
