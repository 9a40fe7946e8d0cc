"""Bytes for cached values: JSON for plain data, ``.npy`` for arrays, nested freely."""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np
import orjson

_JSON = b"j"
_ARRAY = b"n"  # .npy bytes (read for old caches; no longer written)
_RAW = b"a"  # dtype, shape, raw bytes: decodes in microseconds
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
    """An array as ``_RAW`` bytes: dtype string, rank, shape, then the data."""
    if not a.flags.c_contiguous:  # (ascontiguousarray would turn 0-d into 1-d)
        a = a.copy(order="C")
    if a.dtype.hasobject:
        raise TypeError("cannot cache an array of Python objects")
    dt = a.dtype.str.encode()
    return b"".join([_RAW, struct.pack("<BB", len(dt), a.ndim), dt,
                     struct.pack(f"<{a.ndim}q", *a.shape), a.tobytes()])


def _array(body: bytes | memoryview) -> np.ndarray:
    tag, view = bytes(body[:1]), memoryview(body)[1:]
    if tag == _ARRAY:
        arr: np.ndarray = np.load(io.BytesIO(view), allow_pickle=False)
        return arr
    if tag == b"\x93":  # bare .npy bytes inside nested values of older caches
        old: np.ndarray = np.load(io.BytesIO(memoryview(body)), allow_pickle=False)
        return old
    dlen, ndim = struct.unpack_from("<BB", view, 0)
    dtype = np.dtype(bytes(view[2:2 + dlen]).decode())
    pos = 2 + dlen
    shape = struct.unpack_from(f"<{ndim}q", view, pos)
    pos += 8 * ndim
    return np.frombuffer(view[pos:], dtype=dtype).reshape(shape).copy()


def encode(value: Any) -> bytes:
    if isinstance(value, np.ndarray):
        return _npy(value)
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
    if tag in (_ARRAY, _RAW):
        return _array(blob)
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
        arrays.append(_array(body[pos:pos + size]))
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
