"""Bytes for cached values: JSON for plain data, ``.npy`` for arrays, nested freely."""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np
import orjson

_JSON = b"j"
_ARRAY = b"n"
_NESTED = b"m"


def _has_array(v: Any) -> bool:
    if isinstance(v, np.ndarray):
        return True
    if isinstance(v, dict):
        return any(_has_array(x) for x in v.values())
    if isinstance(v, list | tuple):
        return any(_has_array(x) for x in v[:8]) if v and not isinstance(v[0], str) else False
    return False


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def encode(value: Any) -> bytes:
    if isinstance(value, np.ndarray):
        return _ARRAY + _npy(value)
    if not _has_array(value):
        return _JSON + orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
    arrays: list[bytes] = []

    def strip(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            arrays.append(_npy(v))
            return {"__nd__": len(arrays) - 1}
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [strip(x) for x in v]
        return v

    head = orjson.dumps(strip(value), option=orjson.OPT_SERIALIZE_NUMPY)
    parts = [_NESTED, struct.pack("<II", len(head), len(arrays)), head]
    for a in arrays:
        parts += [struct.pack("<I", len(a)), a]
    return b"".join(parts)


def decode(blob: bytes) -> Any:
    tag, body = blob[:1], memoryview(blob)[1:]
    if tag == _JSON:
        return orjson.loads(body)
    if tag == _ARRAY:
        return np.load(io.BytesIO(body), allow_pickle=False)
    if tag != _NESTED:
        raise ValueError(f"unknown cache value tag {tag!r}")
    head_len, n = struct.unpack_from("<II", body, 0)
    pos = 8
    head = orjson.loads(body[pos:pos + head_len])
    pos += head_len
    arrays = []
    for _ in range(n):
        (size,) = struct.unpack_from("<I", body, pos)
        pos += 4
        arrays.append(np.load(io.BytesIO(body[pos:pos + size]), allow_pickle=False))
        pos += size

    def fill(v: Any) -> Any:
        if isinstance(v, dict):
            if len(v) == 1 and "__nd__" in v:
                return arrays[v["__nd__"]]
            return {k: fill(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fill(x) for x in v]
        return v

    return fill(head)
