"""``lumos.serve(models, datasets)``: build a workspace and run the workbench server.

The server answers within a second: models (and datasets) given as zero-argument
callables are built in a background thread while the page shows their progress. It
binds 127.0.0.1 unless told otherwise; any other address needs an access token, which
is generated and printed when not given.
"""

from __future__ import annotations

import os
import sys
import threading
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.engine import Engine, Workspace
from lumos.server.security import LOOPBACK_NAMES, SELF_ONLY, bind_token, is_loopback
from lumos.store import Store

ModelLike = Model | Callable[[], Model]
DatasetLike = Dataset | Callable[[], Dataset]


class Server:
    """A running (or ready to run) workbench: the app, its uvicorn server and URL."""

    def __init__(self, app: Any, config: Any, url: str, workspace: Workspace,
                 loader: threading.Thread | None) -> None:
        import uvicorn

        self.app = app
        self.url = url
        self.workspace = workspace
        self.loader = loader
        self.uvicorn = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        self.uvicorn.run()

    def start(self) -> Server:
        """Run in a background thread; returns once the server accepts connections."""
        self.thread = threading.Thread(target=self.run, name="lumos-server", daemon=True)
        self.thread.start()
        while not self.uvicorn.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"the server at {self.url} failed to start")
            threading.Event().wait(0.02)
        return self

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose when asked for port 0)."""
        for srv in getattr(self.uvicorn, "servers", None) or []:
            for sock in srv.sockets:
                return int(sock.getsockname()[1])
        return int(self.uvicorn.config.port)

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.app.state.jobs.shutdown()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        if self.loader is not None:
            self.loader.join(timeout)
            return not self.loader.is_alive()
        return True


class PortInUse(OSError):
    """The port asked for is taken; the message says so and suggests another."""


def check_port(host: str, port: int) -> None:
    """Raise :class:`PortInUse` when ``host:port`` cannot be listened on, before anything
    says it is serving there (uvicorn would fail only after the URL was printed)."""
    import socket

    if port == 0:
        return  # any free port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError as e:
            raise PortInUse(e.errno, f"port {port} on {host} is in use ({e.strerror}); "
                            f"is another lumos running? Pick another with --port "
                            f"{port + 1} (port= in Python)") from None


def _make_store(store: Store | str | os.PathLike[str] | None) -> Store:
    if isinstance(store, Store):
        return store
    return Store(store)


def _ready(model: Model) -> Callable[[], Model]:
    """A factory for a model that is already built."""
    return lambda: model


def build(models: Mapping[str, ModelLike] | None = None,
          datasets: Mapping[str, DatasetLike] | None = None, *,
          store: Store | str | os.PathLike[str] | None = None,
          precompute: bool = False) -> tuple[Workspace, dict[str, str], threading.Thread | None]:
    """A workspace with the ready models and datasets; callables load in a thread.

    Returns ``(workspace, dataset_loading, loader_thread)``.
    """
    ws = Workspace(engine=Engine(_make_store(store)))
    pending_ds: dict[str, Callable[[], Dataset]] = {}
    pending_models: dict[str, Callable[[], Model]] = {}
    dataset_loading: dict[str, str] = {}
    for name, ds in (datasets or {}).items():
        if isinstance(ds, Dataset):
            ws.add_dataset(name, ds)
        elif callable(ds):
            pending_ds[name] = ds
            dataset_loading[name] = "loading"
        else:
            raise TypeError(f"datasets['{name}']: expected a Dataset or a function that "
                            f"returns one, got {type(ds).__name__}")
    for name, m in (models or {}).items():
        if isinstance(m, Model):
            pending_models[name] = _ready(m)
        elif callable(m):
            pending_models[name] = m
        else:
            raise TypeError(f"models['{name}']: expected a Model or a function that "
                            f"returns one, got {type(m).__name__}")
        ws.loading[name] = "loading"
    if not pending_ds and not pending_models:
        return ws, dataset_loading, None

    def load() -> None:
        for name, factory in pending_ds.items():
            try:
                ws.add_dataset(name, factory())
                dataset_loading.pop(name, None)
            except Exception as e:  # shown in the page
                dataset_loading[name] = f"error: {e}"
        for name, make_model in pending_models.items():
            try:
                ws.add_model(name, make_model())
            except Exception as e:  # shown in the page
                ws.loading[name] = f"error: {e}"
                print(f"lumos: model '{name}' failed to load: {e}", file=sys.stderr)
        if precompute:
            for mname in list(ws.models):
                for dname in ws.compatible_datasets(mname):
                    ws.predict_dataset(mname, dname)

    thread = threading.Thread(target=load, name="lumos-loader", daemon=True)
    thread.start()
    return ws, dataset_loading, thread


def make_server(models: Mapping[str, ModelLike] | None = None,
                datasets: Mapping[str, DatasetLike] | None = None, *, port: int = 5432,
                host: str = "127.0.0.1", token: str | None = None,
                store: Store | str | os.PathLike[str] | None = None,
                precompute: bool = False, static_dir: Path | None = None,
                log_level: str = "warning", quiet: bool = False,
                audit_dir: str | os.PathLike[str] | None = None,
                allowed_hosts: Sequence[str] | None = None, check_host: bool = True,
                forwarded_hosts: Sequence[str] | None = None,
                frame_ancestors: Sequence[str] = SELF_ONLY,
                workspace: tuple[Workspace, dict[str, str], threading.Thread | None] | None = None,
                ) -> Server:
    """The server, not yet running. ``allowed_hosts``: Host names accepted beside the
    loopback names (bound to loopback; elsewhere any Host is accepted, the token guards
    it). ``check_host=False`` (only with a token) accepts any Host: the notebook's
    server is reached under hosts it cannot know (a hub's, a proxy's), and its token,
    required on every request, already refuses a DNS-rebinding page.
    ``forwarded_hosts``: public names a reverse proxy may send in ``X-Forwarded-Host``.
    ``frame_ancestors``: CSP sources that may frame the page.
    ``workspace``: an already built ``build(...)`` result to serve instead."""
    import uvicorn

    from lumos.server.app import create_app

    token = bind_token(host, token)
    if not check_host and not token:
        raise ValueError("check_host=False needs an access token (token=...)")
    check_port(host, port)
    ws, dataset_loading, loader = workspace or build(models, datasets, store=store,
                                                     precompute=precompute)
    allowed = [*LOOPBACK_NAMES, *(allowed_hosts or ())] if is_loopback(host) and check_host \
        else None
    app = create_app(ws, token=token, allowed_hosts=allowed, static_dir=static_dir,
                     dataset_loading=dataset_loading,
                     audit_dir=Path(audit_dir) if audit_dir is not None else None,
                     forwarded_hosts=forwarded_hosts, frame_ancestors=frame_ancestors)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                            access_log=False, timeout_graceful_shutdown=2)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    server = Server(app, config, url, ws, loader)
    if not quiet:
        print(f"lumos is serving on {url}", flush=True)
        if token and not is_loopback(host):
            print(f"  access token: {token} (anyone with it can use this server)", flush=True)
    return server


def serve(models: Mapping[str, ModelLike] | None = None,
          datasets: Mapping[str, DatasetLike] | None = None, *, port: int = 5432,
          host: str = "127.0.0.1", token: str | None = None, open_browser: bool = False,
          store: Store | str | os.PathLike[str] | None = None, block: bool = True,
          precompute: bool = False, log_level: str = "warning",
          audit_dir: str | os.PathLike[str] | None = None,
          forwarded_hosts: Sequence[str] | None = None,
          frame_ancestors: Sequence[str] = SELF_ONLY) -> Server:
    """Serve the workbench for ``models`` and ``datasets`` (instances or factories).

    Prints the URL; opens a browser only with ``open_browser=True``. With
    ``block=False`` the server runs in a background thread and the ``Server`` is
    returned (call ``.stop()``). ``precompute`` predicts every compatible dataset with
    every model in the background after loading, so the table's columns are cached.
    ``audit_dir``: audit reports in it can be opened by name in the page.
    Behind a reverse proxy: ``forwarded_hosts`` are the public names it may send in
    ``X-Forwarded-Host``; ``frame_ancestors`` the CSP sources that may frame the page
    (default ``'self'``).
    """
    server = make_server(models, datasets, port=port, host=host, token=token, store=store,
                         precompute=precompute, log_level=log_level, audit_dir=audit_dir,
                         forwarded_hosts=forwarded_hosts, frame_ancestors=frame_ancestors)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=[server.url]).start()
    if not block:
        return server.start()
    try:
        server.run()
    finally:
        server.app.state.jobs.shutdown()
    return server
