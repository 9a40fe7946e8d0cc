"""Audit reports (``lumos audit --json``) opened in the workbench.

A thin caller of ``lumos.audit.open_report``: ``GET /api/audits`` lists the reports in
the configured audit directory (the server setting ``audit_dir``, ``lumos serve
--audit-dir``), ``GET /api/audits/open?name=`` opens one of them by name (any other path
is refused, 403, naming the setting) and ``POST /api/audits/upload`` opens a report sent
as the request body. Both answer the checks with their examples mapped to the served
dataset's rows, and say when the report's dataset fingerprint is not the served one's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from lumos.audit.open_report import (
    SETTING,
    RefusedPath,
    ReportError,
    list_reports,
    match_report,
    read_report,
    report_path,
)
from lumos.server.deps import workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/audits", tags=["audits"])


def _dir(request: Request) -> Any:
    return getattr(request.app.state, "audit_dir", None)


def _current(request: Request, dataset: str | None) -> str | None:
    ws = workspace(request)
    if dataset is not None and dataset not in ws.datasets:
        raise HTTPException(404, f"dataset: no dataset named '{dataset}' (datasets: "
                            f"{sorted(ws.datasets)})")
    return dataset


def _open(request: Request, raw: bytes, dataset: str | None, source: str) -> Any:
    current = _current(request, dataset)
    try:
        report = read_report(raw)
    except ReportError as e:
        raise HTTPException(422, f"{source}: {e}") from None
    out = match_report(report, workspace(request).datasets, current)
    out["source"] = source
    return JSON(out)


@router.get("", response_class=JSON)
def listing(request: Request) -> Any:
    """``{"audit_dir": configured?, "setting", "reports": [names]}``."""
    root = _dir(request)
    return JSON({"configured": root is not None, "setting": SETTING,
                 "reports": list_reports(root)})


@router.get("/open", response_class=JSON)
def open_named(request: Request,
               name: str = Query(description="a report's path inside the audit directory"),
               dataset: str | None = Query(None, description="the page's dataset, "
                                           "compared with the report's")) -> Any:
    """The named report from the audit directory, matched with the served data."""
    try:
        path = report_path(_dir(request), name)
    except RefusedPath as e:
        raise HTTPException(403, str(e)) from None
    except FileNotFoundError as e:
        raise HTTPException(404, str(e)) from None
    return _open(request, path.read_bytes(), dataset, name)


@router.post("/upload", response_class=JSON,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {
                     "type": "object", "description": "a lumos audit JSON report"}}}}})
async def upload(request: Request,
                 dataset: str | None = Query(None, description="the page's dataset, "
                                             "compared with the report's"),
                 filename: str = Query("upload", description="shown as the source")
                 ) -> Any:
    """A report sent as the body, matched with the served data."""
    raw = await request.body()
    return _open(request, raw, dataset, filename)
