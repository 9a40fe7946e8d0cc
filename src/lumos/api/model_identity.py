"""The default identity of a model that does not say what its weights are.

Adapters (Hugging Face, torch, Keras, scikit-learn, HTTP) override
:meth:`~lumos.api.model.Model.fingerprint` with a hash of their weights and settings. A
user's own ``Model`` subclass often does not, and two of them must still never share
cached outputs when they could answer differently. :func:`default_identity` therefore
hashes what decides the outputs of such a model:

* its **code**: the module, name and source of every class in its MRO below
  ``Model`` (falling back to the functions' code objects when the source is not
  available, as for a class typed into ``python -c``), so editing ``predict`` changes it;
* its **settings**: every instance attribute (``vars(model)``), by content: numbers,
  strings, bytes, ``None``, enums, arrays (``dtype``, ``shape``, bytes), dataclasses, and
  lists, tuples, sets and dicts of these; attributes the class names in
  ``fingerprint_ignore`` (call counters, ``max_batch_size``) and lumos's own bookkeeping
  (``_lumos_*``, ``_fingerprint_generation``) are left out;
* its input and output specs.

Locks, events, barriers, conditions, semaphores, executors and loggers are machinery, not
settings, and are left out too. Any other attribute whose content cannot be hashed (a
function, an open file, a foreign object) makes the identity *unvouched*:
:meth:`~lumos.api.model.Model.persistent_cache` is then ``False`` and the model's outputs
are cached in this process only, for the life of the object, never under a key another
object or process could reach; the ``lumos`` logger says so once per class, naming the
attributes and the two ways out (override ``fingerprint`` or list them in
``fingerprint_ignore``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import enum
import hashlib
import inspect
import logging
import threading
import types
import weakref
from collections.abc import Mapping
from typing import Any

__all__ = ["Unhashable", "content_bytes", "default_identity", "unhashable_attributes"]

#: attributes that are lumos's own bookkeeping on the model object
_BOOKKEEPING_PREFIXES = ("_lumos_", "_fingerprint_generation")
#: machinery that never decides an output
_MACHINERY: tuple[type, ...] = (
    type(threading.Lock()), type(threading.RLock()), threading.Event, threading.Barrier,
    threading.Condition, threading.Semaphore, threading.Thread,
    concurrent.futures.Executor, logging.Logger,
)
_log = logging.getLogger("lumos")
_warned: set[str] = set()


class Unhashable(TypeError):
    """A value whose content cannot be hashed stably across processes."""


def content_bytes(value: Any, _depth: int = 0) -> bytes:
    """A stable, type-tagged byte string of ``value``'s content (see the module
    docstring for what is accepted); raises :class:`Unhashable` otherwise."""
    if _depth > 20:
        raise Unhashable("nested more than 20 levels deep")
    d = _depth + 1
    if value is None or isinstance(value, (bool, int, float, complex)):
        return f"{type(value).__name__}:{value!r}".encode()
    if isinstance(value, str):
        return b"str:" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray)):
        return b"bytes:" + bytes(value)
    if isinstance(value, enum.Enum):
        return f"enum:{type(value).__qualname__}.{value.name}".encode()
    if isinstance(value, (list, tuple)):
        return (f"{type(value).__name__}[{len(value)}]:".encode()
                + b"|".join(content_bytes(v, d) for v in value))
    if isinstance(value, (set, frozenset)):
        return b"set:" + b"|".join(sorted(content_bytes(v, d) for v in value))
    if isinstance(value, Mapping):
        items = sorted((content_bytes(k, d), content_bytes(v, d)) for k, v in value.items())
        return b"map:" + b"|".join(k + b"=" + v for k, v in items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return (f"dc:{type(value).__module__}.{type(value).__qualname__}:".encode()
                + content_bytes(fields, d))
    if all(hasattr(value, a) for a in ("dtype", "shape", "tobytes")):  # numpy and alike
        if getattr(value.dtype, "kind", "") == "O":  # its bytes are addresses: hash items
            return (f"array:object:{tuple(value.shape)}:".encode()
                    + content_bytes(value.tolist(), d))
        try:
            raw = bytes(value.tobytes())
        except Exception as e:  # a device tensor, a lazy array
            raise Unhashable(f"{type(value).__qualname__}: {e}") from e
        return f"array:{value.dtype}:{tuple(value.shape)}:".encode() + raw
    raise Unhashable(f"a {type(value).__module__}.{type(value).__qualname__}")


def _code_bytes(code: types.CodeType) -> bytes:
    parts = [code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode()]
    for c in code.co_consts:
        parts.append(_code_bytes(c) if isinstance(c, types.CodeType) else repr(c).encode())
    return b"|".join(parts)


def _class_bytes(cls: type) -> bytes:
    head = f"{cls.__module__}.{cls.__qualname__}".encode()
    try:
        return head + b":src:" + inspect.getsource(cls).encode()
    except (OSError, TypeError):
        pass
    parts = [head]
    for name, member in sorted(vars(cls).items()):
        fn = getattr(member, "__func__", member)
        code = getattr(fn, "__code__", None)
        if isinstance(code, types.CodeType):
            parts.append(name.encode() + b"=" + _code_bytes(code))
        elif not name.startswith("__"):
            try:
                parts.append(name.encode() + b"=" + content_bytes(member))
            except Unhashable:
                parts.append(name.encode() + b"=?" + type(member).__qualname__.encode())
    return b"\x00".join(parts)


_class_digests: weakref.WeakKeyDictionary[type, bytes] = weakref.WeakKeyDictionary()


def _class_digest(cls: type) -> bytes:
    """The digest of one class's code, kept per class object (a class redefined in a
    notebook is a new object, so it is hashed again)."""
    got = _class_digests.get(cls)
    if got is None:
        got = hashlib.sha256(_class_bytes(cls)).digest()
        _class_digests[cls] = got
    return got


def _ignored(model: Any) -> frozenset[str]:
    names: set[str] = set()
    for cls in type(model).__mro__:
        names.update(vars(cls).get("fingerprint_ignore", ()))
    return frozenset(names)


def _settings(model: Any) -> list[tuple[str, Any]]:
    """The instance attributes that count as settings, by name (see the module docstring)."""
    ignore = _ignored(model)
    attrs = vars(model)
    return [(name, attrs[name]) for name in sorted(attrs)
            if not (name in ignore or name.startswith(_BOOKKEEPING_PREFIXES)
                    or isinstance(attrs[name], _MACHINERY))]


def _hashable(value: Any, _depth: int = 0) -> bool:
    """Whether :func:`content_bytes` accepts ``value``, found by walking its types
    without building the bytes (NumPy arrays are not read; any other array-like is
    tried, since only reading it tells whether it can be read)."""
    if _depth > 20:
        return False
    d = _depth + 1
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes,
                                           bytearray, enum.Enum)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_hashable(v, d) for v in value)
    if isinstance(value, Mapping):
        return all(_hashable(k, d) and _hashable(v, d) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_hashable(getattr(value, f.name), d) for f in dataclasses.fields(value))
    if all(hasattr(value, a) for a in ("dtype", "shape", "tobytes")):
        if type(value).__module__ == "numpy":
            return value.dtype.kind != "O" or _hashable(value.tolist(), d)
        try:
            content_bytes(value, _depth)
        except Unhashable:
            return False
        return True
    return False


def _warn_once(model: Any, unhashable: list[str]) -> None:
    where = f"{type(model).__module__}.{type(model).__qualname__}"
    if unhashable and where not in _warned:
        _warned.add(where)
        _log.warning("%s: the content of %s cannot be hashed, so its outputs are cached in "
                     "this process only; override fingerprint() to say what decides them, "
                     "or list attributes that never change an output in fingerprint_ignore",
                     where, ", ".join(repr(n) for n in unhashable))


def unhashable_attributes(model: Any) -> list[str]:
    """The settings of ``model`` that :func:`default_identity` cannot hash, found without
    hashing the others (what ``Model.persistent_cache`` asks on every engine call)."""
    names = [name for name, value in _settings(model) if not _hashable(value)]
    _warn_once(model, names)
    return names


def default_identity(model: Any, base: type) -> tuple[str, list[str]]:
    """``(digest, unhashable)``: the hash of ``model``'s code, settings and specs, and
    the names of attributes left out because their content cannot be hashed (empty when
    the digest vouches for everything). ``base`` is the ``Model`` class, whose own code is
    not part of the hash (the library version is, through the cache key)."""
    h = hashlib.sha256()
    for cls in type(model).__mro__:
        if cls is base or not issubclass(cls, base):
            continue
        h.update(_class_digest(cls))
    unhashable: list[str] = []
    for name, value in _settings(model):
        try:
            h.update(name.encode() + b"=" + content_bytes(value) + b"\x00")
        except Unhashable:
            unhashable.append(name)
    for spec in (model.input_spec(), model.output_spec()):
        h.update(repr(sorted(spec.items())).encode())
    _warn_once(model, unhashable)
    return h.hexdigest()[:16], unhashable
