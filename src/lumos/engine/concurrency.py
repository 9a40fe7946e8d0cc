"""Who may call a model at the same time: the engine's per-model locks.

A model declares in :meth:`~lumos.api.model.Model.concurrent_fields` which output fields
it can compute on several threads at once. Every call the engine makes into a model (a
batch of ``predict``, an interpreter's chunk that calls ``embed`` and
``forward_from_embeds``) runs inside :func:`model_access` for the fields it touches:

- every field concurrent: *shared* access; any number of such calls run at once;
- any other field: *exclusive* access; nothing else runs on that model meanwhile, not
  even calls for concurrent fields (an exclusive call may switch state they would see).

:func:`pool_for` gives the model's batch pool only when every field is concurrent, so
no model runs parallel batches unless it opted in. The locks live here, one per model
object for the whole process (not per engine: components make throwaway engines, and
the server, the CLI and a notebook may each hold their own), and go when the model goes.

Re-entry: a thread that holds a model (shared or exclusive) may ask again for the same or
weaker access (an interpreter's chunk that calls the engine's ``predict``); its nested
batches then run on that thread, since pool workers could wait for it. Asking for
exclusive access while holding shared access is refused with an error rather than left to
deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from lumos.api.model import BatchPool, Model

__all__ = ["ModelLock", "is_concurrent", "model_access", "model_lock", "pool_for"]


class ModelLock:
    """A re-entrant shared/exclusive lock; waiting exclusive calls go before new shared
    ones (a stream of cheap calls never starves an attention request)."""

    def __init__(self) -> None:
        mutex = threading.Lock()
        self._cond = threading.Condition(mutex)  # the lock changed hands
        self._seen = threading.Condition(mutex)  # a thread started waiting
        self._shared = 0
        self._owner: int | None = None
        self._depth = 0
        self._waiting = 0
        self._blocked = 0  # threads waiting to get in, either way
        self._mine = threading.local()  # .shared: this thread's shared holds

    def _my_shared(self) -> int:
        return int(getattr(self._mine, "shared", 0))

    @property
    def blocked(self) -> int:
        """How many threads are waiting for this lock (for tests and diagnostics)."""
        return self._blocked

    def wait_for_blocked(self, n: int, timeout: float) -> bool:
        """Wait until at least ``n`` threads wait for this lock; False on timeout."""
        with self._seen:
            return self._seen.wait_for(lambda: self._blocked >= n, timeout)

    def _wait(self) -> None:  # with self._cond held
        self._blocked += 1
        self._seen.notify_all()
        try:
            self._cond.wait()
        finally:
            self._blocked -= 1

    def held_by_me(self) -> bool:
        """Whether the calling thread holds this lock, shared or exclusive."""
        return self.my_hold() is not None

    def my_hold(self) -> str | None:
        """``"exclusive"``, ``"shared"`` or None: how the calling thread holds it."""
        if self._owner == threading.get_ident():
            return "exclusive"
        return "shared" if self._my_shared() > 0 else None

    @contextmanager
    def shared(self) -> Iterator[None]:
        me = threading.get_ident()
        if self._owner == me:  # inside this thread's exclusive section
            yield
            return
        with self._cond:
            if self._my_shared() == 0:
                while self._owner is not None or self._waiting:
                    self._wait()
            self._shared += 1
            self._mine.shared = self._my_shared() + 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._mine.shared = self._my_shared() - 1
                if self._shared == 0:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
            else:
                if self._my_shared():
                    raise RuntimeError(
                        "a call needs the model to itself (a field outside its "
                        "concurrent_fields()) while this thread is in a concurrent call "
                        "on it; ask for every field up front")
                self._waiting += 1
                try:
                    while self._owner is not None or self._shared:
                        self._wait()
                finally:
                    self._waiting -= 1
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()


_guard = threading.Lock()
_LOCK_ATTR = "_lumos_model_lock"


def model_lock(model: Model) -> ModelLock:
    """The process-wide lock of ``model``, made on first use and kept on the model
    object itself, so it lives and dies with the model (never looked up by address)."""
    lock = model.__dict__.get(_LOCK_ATTR)
    if lock is None:
        with _guard:
            lock = model.__dict__.get(_LOCK_ATTR)
            if lock is None:
                lock = ModelLock()
                model.__dict__[_LOCK_ATTR] = lock
    assert isinstance(lock, ModelLock)
    return lock


def is_concurrent(model: Model, fields: Collection[str] | None) -> bool:
    """Whether the model declared every one of ``fields`` concurrent (``None``: the
    caller cannot say which fields it touches, so no)."""
    if fields is None:
        return False
    return set(fields) <= set(model.concurrent_fields())


def model_access(model: Model, fields: Collection[str] | None
                 ) -> AbstractContextManager[None]:
    """Hold ``model`` for a call that computes ``fields``: shared when all of them are
    concurrent, else exclusive; no fields (a call that reaches the model only through
    the engine, which holds it for each batch) holds nothing."""
    if fields is not None and not fields:
        return nullcontext()
    lock = model_lock(model)
    return lock.shared() if is_concurrent(model, fields) else lock.exclusive()


def pool_for(model: Model, fields: Collection[str] | None) -> BatchPool | None:
    """The pool to run a call's batches on: the model's, when the model opted in, every
    field is concurrent and the calling thread does not already hold the model; else
    None (one batch after another on the calling thread)."""
    if not model.concurrent_fields() or not is_concurrent(model, fields) or \
            model_lock(model).held_by_me():
        return None
    return model.batch_pool()
