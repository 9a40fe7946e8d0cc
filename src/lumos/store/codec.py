"""Bytes for cached values, and back, with their types.

The rule: a value decodes to what was encoded, type for type, at any depth.

- ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and ``dict`` with string keys
  are JSON (the fast path, when nothing below needs more).
- NumPy arrays keep their dtype and shape (raw bytes, decoded without copying JSON);
  NumPy scalars come back as the same NumPy type (``np.float32(0.5)`` stays one).
- ``tuple`` comes back as ``tuple``; ``bytes`` as ``bytes``; a ``dict`` whose keys are
  not all strings keeps its keys' types; ``nan``/``inf`` floats and integers beyond 64
  bits survive.
- Anything else (sets, arbitrary objects, arrays of Python objects) is refused with a
  ``TypeError`` naming its type, rather than stored as something else.

Tags: ``j`` JSON, ``a`` one array, ``t`` JSON with tagged values and arrays after it.
``n`` and ``m`` are read for user tables written before store schema 2.
"""

from __future__ import annotations

import io
import math
import struct
from typing import Any

import numpy as np
import orjson

_JSON = b"j"
_RAW = b"a"  # dtype, shape, raw bytes: decodes in microseconds
_TAGGED = b"t"
_OLD_NPY = b"n"  # .npy bytes (schema 1)
_OLD_NESTED = b"m"  # schema 1's nested format

_MARK = "\x00lumos"  # the key of a tagged object; a user dict holding it is escaped
_INT64 = 2**63


def _plain(v: Any) -> bool:
    """Whether ``v`` survives a JSON round trip unchanged (no tags needed)."""
    t = type(v)
    if v is None or t is bool or t is str:
        return True
    if t is int:
        return bool(-_INT64 <= v < _INT64)
    if t is float:
        return math.isfinite(v)
    if t is list:
        return all(_plain(x) for x in v)
    if t is dict:
        return all(type(k) is str and k != _MARK and _plain(x) for k, x in v.items())
    return False


def _npy(a: np.ndarray) -> bytes:
    """An array as ``_RAW`` bytes: dtype string, rank, shape, then the data."""
    if a.dtype.hasobject:
        raise TypeError("cannot cache an array of Python objects")
    if not a.flags.c_contiguous:  # (ascontiguousarray would turn 0-d into 1-d)
        a = a.copy(order="C")
    dt = a.dtype.str.encode()
    return b"".join([_RAW, struct.pack("<BB", len(dt), a.ndim), dt,
                     struct.pack(f"<{a.ndim}q", *a.shape), a.tobytes()])


def _array(body: bytes | memoryview) -> np.ndarray:
    tag, view = bytes(body[:1]), memoryview(body)[1:]
    if tag == _OLD_NPY:
        arr: np.ndarray = np.load(io.BytesIO(view), allow_pickle=False)
        return arr
    if tag == b"\x93":  # bare .npy bytes inside nested values of schema 1
        old: np.ndarray = np.load(io.BytesIO(memoryview(body)), allow_pickle=False)
        return old
    dlen, ndim = struct.unpack_from("<BB", view, 0)
    dtype = np.dtype(bytes(view[2:2 + dlen]).decode())
    pos = 2 + dlen
    shape = struct.unpack_from(f"<{ndim}q", view, pos)
    pos += 8 * ndim
    return np.frombuffer(view[pos:], dtype=dtype).reshape(shape).copy()


def _pack(v: Any, arrays: list[bytes]) -> Any:
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if -_INT64 <= v < _INT64 else {_MARK: ["i", str(v)]}
    if t is float:
        return v if math.isfinite(v) else {_MARK: ["f", repr(v)]}
    if isinstance(v, np.ndarray):
        arrays.append(_npy(v))
        return {_MARK: ["nd", len(arrays) - 1]}
    if isinstance(v, np.generic):
        arrays.append(_npy(np.asarray(v)))
        return {_MARK: ["np", len(arrays) - 1]}
    if t is bytes:
        arrays.append(_npy(np.frombuffer(v, dtype=np.uint8)))
        return {_MARK: ["b", len(arrays) - 1]}
    if t is list:
        return [_pack(x, arrays) for x in v]
    if t is tuple:
        return {_MARK: ["t", [_pack(x, arrays) for x in v]]}
    if t is dict:
        if all(type(k) is str and k != _MARK for k in v):
            return {k: _pack(x, arrays) for k, x in v.items()}
        return {_MARK: ["d", [[_pack(k, arrays), _pack(x, arrays)] for k, x in v.items()]]}
    raise TypeError(f"cannot cache a value of type {t.__name__}")


def _unpack(v: Any, arrays: list[np.ndarray]) -> Any:
    if type(v) is list:
        return [_unpack(x, arrays) for x in v]
    if type(v) is not dict:
        return v
    tagged = v.get(_MARK) if len(v) == 1 else None
    if tagged is None:
        return {k: _unpack(x, arrays) for k, x in v.items()}
    kind, body = tagged
    if kind == "nd":
        return arrays[body]
    if kind == "np":
        return arrays[body][()]
    if kind == "b":
        return arrays[body].tobytes()
    if kind == "t":
        return tuple(_unpack(x, arrays) for x in body)
    if kind == "d":
        return {_unpack(k, arrays): _unpack(x, arrays) for k, x in body}
    if kind == "f":
        return float(body)
    if kind == "i":
        return int(body)
    raise ValueError(f"unknown tagged value {kind!r} in a cached value")


def encode(value: Any) -> bytes:
    if isinstance(value, np.ndarray):
        return _npy(value)
    if _plain(value):
        return _JSON + orjson.dumps(value)
    arrays: list[bytes] = []
    head = orjson.dumps(_pack(value, arrays))
    parts = [_TAGGED, struct.pack("<II", len(head), len(arrays)), head]
    for a in arrays:
        parts += [struct.pack("<I", len(a)), a]
    return b"".join(parts)


def _split(body: memoryview) -> tuple[Any, list[np.ndarray]]:
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
    return head, arrays


def decode(blob: bytes) -> Any:
    tag, body = blob[:1], memoryview(blob)[1:]
    if tag == _JSON:
        return orjson.loads(body)
    if tag in (_OLD_NPY, _RAW):
        return _array(blob)
    if tag == _TAGGED:
        head, arrays = _split(body)
        return _unpack(head, arrays)
    if tag == _OLD_NESTED:
        head, arrays = _split(body)

        def fill(v: Any) -> Any:
            if isinstance(v, dict):
                if len(v) == 1 and "__nd__" in v:
                    return arrays[v["__nd__"]]
                return {k: fill(x) for k, x in v.items()}
            if isinstance(v, list):
                return [fill(x) for x in v]
            return v

        return fill(head)
    raise ValueError(f"unknown cache value tag {tag!r}")
