"""Background jobs: progress, errors and cancelling."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from lumos.server.deps import jobs
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", response_class=JSON)
def list_jobs(request: Request) -> Any:
    return JSON([j.to_json() for j in jobs(request).all()])


@router.get("/{job_id}", response_class=JSON)
def get(job_id: str, request: Request) -> Any:
    job = jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"no job with id '{job_id}'")
    return JSON(job.to_json())


@router.delete("/{job_id}", response_class=JSON)
def cancel(job_id: str, request: Request) -> Any:
    job = jobs(request).cancel(job_id)
    if job is None:
        raise HTTPException(404, f"no job with id '{job_id}'")
    return JSON(job.to_json())
