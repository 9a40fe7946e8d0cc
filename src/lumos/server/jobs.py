"""Long work (predicting a whole dataset) as background jobs the page can poll and cancel.

A job runs one engine call in a worker thread, reports ``done``/``total`` through the
engine's ``on_progress`` hook, and keeps its error message for the page to show, or the
call's result when it returns one (the page reads it from ``GET /api/jobs/{id}``). Work
that goes through named steps (a projection: embeddings, then fitting) passes a third
argument, ``stage``, which the job shows as ``stage`` (e.g. "fitting UMAP"). Asking
for a job that is already running for the same key returns that job.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

ProgressFn = Callable[..., None]  # (done, total[, stage])
Work = Callable[[ProgressFn, threading.Event], Any]


@dataclass
class Job:
    id: str
    kind: str
    key: tuple[str, ...]
    label: str
    status: str = "queued"  # queued | running | done | error | cancelled
    done: int = 0
    total: int = 0
    error: str = ""
    #: the named step the work is in ("embeddings", "fitting UMAP", ...), when it has steps
    stage: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    #: what the work returned (JSON-ready), for jobs whose answer is small
    result: Any = None

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "kind": self.kind, "label": self.label, "status": self.status,
               "done": self.done, "total": self.total, "error": self.error,
               "stage": self.stage, "key": list(self.key), "started": self.started,
               "finished": self.finished}
        if self.result is not None:
            out["result"] = self.result
        return out


class Jobs:
    def __init__(self, workers: int = 1, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lumos-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._keep = keep

    def submit(self, kind: str, key: tuple[str, ...], label: str, work: Work) -> Job:
        with self._lock:
            for job in self._jobs.values():
                if job.key == key and job.kind == kind and job.status in ("queued", "running"):
                    return job
            job = Job(id=str(next(self._ids)), kind=kind, key=key, label=label)
            self._jobs[job.id] = job
            self._trim()

        def progress(done: int, total: int, stage: str | None = None) -> None:
            job.done, job.total = done, total
            if stage is not None:
                job.stage = stage

        def run() -> None:
            job.status = "running"
            try:
                job.result = work(progress, job.cancel)
                job.status = "cancelled" if job.cancel.is_set() else "done"
            except Exception as e:  # shown in the page
                job.status = "cancelled" if job.cancel.is_set() else "error"
                job.error = str(e) or type(e).__name__
            finally:
                job.finished = time.time()

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()
        return job

    def shutdown(self) -> None:
        for job in self._jobs.values():
            job.cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _trim(self) -> None:
        finished = [j for j in self._jobs.values() if j.status not in ("queued", "running")]
        for j in finished[: max(0, len(self._jobs) - self._keep)]:
            self._jobs.pop(j.id, None)
