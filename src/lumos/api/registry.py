"""Registry of components and model adapters, by stable snake_case id.

Built-in components register themselves with ``@register("id")`` when their package is
imported; third parties add theirs through the ``lumos.components`` entry-point group
(each entry point names a module or class to import). Lookups import both lazily.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

ENTRY_POINT_GROUP = "lumos.components"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

#: built-in packages whose import registers components and model adapters
BUILTIN_MODULES = (
    "lumos.components.salience",
    "lumos.components.metrics",
    "lumos.components.projections",
    "lumos.components.generators",
    "lumos.models",
)

_registry: dict[str, dict[str, type[Any]]] = {}
_loaded = False
_loading = False
_lock = threading.RLock()

T = TypeVar("T", bound=type[Any])


def register(component_id: str, *, display_name: str | None = None,
             kind: str | None = None) -> Callable[[T], T]:
    """Class decorator: register under ``kind`` (default: the class's ``kind``)."""
    if not _ID.match(component_id):
        raise ValueError(f"component id {component_id!r} must be snake_case")

    def deco(cls: T) -> T:
        k = kind or getattr(cls, "kind", None)
        if not k:
            raise ValueError(f"{cls.__name__} has no 'kind'; pass kind=")
        if k != "model" and getattr(cls, "version", None) in (None, ""):
            raise ValueError(f"{k} '{component_id}' ({cls.__qualname__}) declares no "
                             "version: set a class attribute version = \"1\" and raise it "
                             "whenever its results change (cached results are keyed by it)")
        table = _registry.setdefault(k, {})
        if component_id in table and table[component_id] is not cls:
            raise ValueError(f"{k} id '{component_id}' is already registered "
                             f"by {table[component_id].__qualname__}")
        cls.id = component_id
        cls.display_name = display_name or getattr(cls, "display_name", "") or \
            component_id.replace("_", " ").capitalize()
        table[component_id] = cls
        return cls

    return deco


def load_all() -> None:
    """Import built-in component packages and third-party entry points (once).

    Thread-safe: a second thread waits until loading has finished (the server answers
    requests in parallel; one must never see a half-filled registry). A lookup made by
    a module while it is being imported returns at once, with what is registered so far.
    """
    global _loaded, _loading
    if _loaded:
        return
    with _lock:
        if _loaded or _loading:
            return
        _loading = True
        try:
            for mod in BUILTIN_MODULES:
                try:
                    importlib.import_module(mod)
                except ModuleNotFoundError as e:  # an optional extra is missing
                    if not (e.name or "").startswith("lumos"):
                        continue
                    raise
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                ep.load()
            _loaded = True
        finally:
            _loading = False


def available(kind: str) -> dict[str, type[Any]]:
    """Every registered class of ``kind``, by id."""
    load_all()
    return dict(_registry.get(kind, {}))


def get(kind: str, component_id: str) -> type[Any]:
    table = available(kind)
    try:
        return table[component_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(str(component_id), list(table), n=1)
        raise KeyError(f"no {kind} named '{component_id}'"
                       + (f"; did you mean '{close[0]}'?" if close else "")
                       + f" (available: {', '.join(sorted(table))})") from None


def instance(kind: str, ref: Any, base: type[Any], *, flag: str) -> Any:
    """``ref`` as an instance of ``base``: an instance as given, a class built with no
    arguments, or a registered id of ``kind`` (an unknown id is a SpecError naming
    ``flag`` and the ids that exist)."""
    from lumos.api.types import SpecError

    if isinstance(ref, base):
        return ref
    if isinstance(ref, type):
        return ref()
    try:
        cls = get(kind, ref)
    except KeyError as e:
        raise SpecError(f"{flag}: {e.args[0]}") from None
    return cls()
