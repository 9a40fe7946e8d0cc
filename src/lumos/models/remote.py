"""A model behind HTTP: lumos sees only its specs and predictions (a black box).

Protocol: ``GET {url}/spec`` returns ``{"input_spec": ..., "output_spec": ...}`` written
with ``lumos.api.types.spec_to_json`` (optionally ``"max_batch_size"``,
``"max_concurrency"``, ``"fingerprint"`` and ``"description"``); ``POST {url}/predict``
with ``{"inputs": [...], "fields": [...] | null}`` returns ``{"outputs": [...]}``, one
per input. Arrays travel as nested lists and come back as ``numpy`` arrays for
array-typed fields.

Timeouts, connection failures and 5xx answers are retried with exponential backoff;
every error names the URL. The engine keeps up to ``concurrency`` batches in flight, and
the model itself never has more than ``concurrency`` /predict requests open, whoever
calls it (several engines, server threads, a user's own threads).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import BatchPool, Model
from lumos.api.registry import register
from lumos.models.hf.base import ModelLoadError


class RemoteModelError(T.SpecError):
    """The remote model failed or answered badly; the message names the URL."""


ARRAY_TYPES = (T.MulticlassPreds, T.TokenProbs, T.Embeddings, T.TokenEmbeddings,
               T.TokenGradients, T.AttentionHeads)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def from_json(spec: Mapping[str, T.FieldSpec], output: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in output.items():
        fs = spec.get(k)
        if isinstance(fs, ARRAY_TYPES) and v is not None:
            out[k] = np.asarray(v, dtype=np.float32)
        elif isinstance(fs, T.TokenSalience | T.SequenceSalience) and isinstance(v, Mapping):
            out[k] = {**v, "salience": np.asarray(v.get("salience", []), dtype=np.float32)}
        else:
            out[k] = v
    return out


@register("remote", kind="model")
class RemoteModel(Model):
    """A model served over HTTP (GET /spec, POST /predict)."""

    def __init__(self, url: str, *, timeout: float = 30.0, retries: int = 2,
                 backoff: float = 0.5, headers: Mapping[str, str] | None = None,
                 batch_size: int | None = None, concurrency: int | None = None,
                 cache_across_processes: bool = False) -> None:
        """``concurrency``: how many batches may be sent at once (default: the server's
        ``max_concurrency`` from /spec, else 4); 1 sends one request at a time.

        A server that sends a ``fingerprint`` in /spec vouches for its weights, and its
        outputs are cached in the store like a local model's. Without one, outputs are
        cached for the life of this object only, unless ``cache_across_processes=True``
        says the model behind the URL does not change."""
        import httpx

        if not url.startswith(("http://", "https://")):
            raise ModelLoadError(f"{url}: a remote model URL starts with http:// or https://")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._client = httpx.Client(timeout=timeout, headers=dict(headers or {}))
        info = self._request("GET", "/spec")
        if not isinstance(info, Mapping) or "input_spec" not in info or \
                "output_spec" not in info:
            raise RemoteModelError(f"{self.url}/spec: expected a JSON object with "
                                   "'input_spec' and 'output_spec'")
        try:
            self._input_spec = T.spec_from_json(info["input_spec"])
            self._output_spec = T.spec_from_json(info["output_spec"])
        except (T.SpecError, TypeError, AttributeError) as e:
            raise RemoteModelError(f"{self.url}/spec: bad spec ({e})") from None
        self.max_batch_size = int(batch_size or info.get("max_batch_size") or 32)
        chosen = concurrency if concurrency is not None else info.get("max_concurrency")
        self.concurrency = int(chosen) if chosen is not None else 4
        if self.concurrency < 1:
            raise ModelLoadError(f"{self.url}: concurrency must be at least 1, "
                                 f"got {self.concurrency}")
        self._pool: BatchPool | None = None
        #: one slot per request that may be open at once (the limit, for every caller)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._pool_lock = threading.Lock()
        self._remote_fp = str(info.get("fingerprint", ""))
        self.cache_across_processes = cache_across_processes
        self._description = str(info.get("description", ""))

    # --- HTTP
    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        import httpx

        where = f"{self.url}{path}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                resp = self._client.request(method, where, json=payload)
            except httpx.TimeoutException:
                last = f"timed out after {self.timeout:g} s"
                continue
            except httpx.TransportError as e:
                last = f"cannot connect ({type(e).__name__}: {e})"
                continue
            if resp.status_code >= 500:
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                continue
            if resp.status_code >= 400:
                raise RemoteModelError(f"{where}: HTTP {resp.status_code}: {resp.text[:200]}")
            try:
                return resp.json()
            except (json.JSONDecodeError, ValueError):
                raise RemoteModelError(f"{where}: the answer is not JSON "
                                       f"({resp.text[:80]!r})") from None
        raise RemoteModelError(f"{where}: {last} ({self.retries + 1} attempts)")

    # --- contract
    def input_spec(self) -> T.Spec:
        return dict(self._input_spec)

    def output_spec(self) -> T.Spec:
        return dict(self._output_spec)

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        payload = {"inputs": [to_jsonable(dict(ex)) for ex in inputs],
                   "fields": sorted(fields) if fields is not None else None}
        with self._slots:
            answer = self._request("POST", "/predict", payload)
        outputs = answer.get("outputs") if isinstance(answer, Mapping) else None
        if not isinstance(outputs, list):
            raise RemoteModelError(f"{self.url}/predict: expected a JSON object with an "
                                   "'outputs' list")
        if len(outputs) != len(inputs):
            raise RemoteModelError(f"{self.url}/predict: returned {len(outputs)} outputs for "
                                   f"{len(inputs)} inputs")
        spec = self._output_spec
        return [from_json(spec, o if isinstance(o, Mapping) else {}) for o in outputs]

    def concurrent_fields(self) -> frozenset[str]:
        """Every field: each call is a request of its own, and the server (not this
        process) decides what it runs at once; the ``concurrency`` limit still holds."""
        return frozenset(self._output_spec)

    def batch_pool(self) -> BatchPool | None:
        """Threads that keep up to ``concurrency`` requests in flight: a remote model's
        time is mostly waiting for answers (httpx's client is safe to share)."""
        if self.concurrency < 2:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = BatchPool(ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="lumos-remote"),
                    self.concurrency)
        return self._pool

    def fingerprint(self) -> str:
        h = hashlib.blake2b(digest_size=10)
        h.update(self.url.encode())
        h.update(self._remote_fp.encode())
        h.update(json.dumps(T.spec_to_json(self._output_spec), sort_keys=True).encode())
        return h.hexdigest()

    def persistent_cache(self) -> bool:
        return bool(self._remote_fp) or self.cache_across_processes

    def description(self) -> str:
        return self._description or f"remote model at {self.url}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.executor.shutdown(wait=True)
            self._pool = None
        self._client.close()


def model_handlers(model: Model) -> tuple[dict[str, Any], Any]:
    """What a server for ``model`` answers, for any web framework:
    ``(spec JSON for GET /spec, predict(payload) -> JSON for POST /predict)``."""

    def predict(payload: Mapping[str, Any]) -> dict[str, Any]:
        outs = model.predict(payload["inputs"], fields=payload.get("fields"))
        return {"outputs": [to_jsonable(o) for o in outs]}

    spec = {"input_spec": T.spec_to_json(model.input_spec()),
            "output_spec": T.spec_to_json(model.output_spec()),
            "max_batch_size": model.max_batch_size, "fingerprint": model.fingerprint(),
            "description": model.description()}
    return spec, predict
