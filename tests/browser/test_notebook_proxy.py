"""A real jupyter-server under a base URL with jupyter-server-proxy, and Chromium: the
output's script (on a page of that server, as a notebook's output would be) finds the
kernel's lumos server through `/prefix/proxy/PORT/`, and the workbench works in the frame;
with nothing listening it says what to fix instead of showing a blank frame."""

import importlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest
from playwright.sync_api import expect

from lumos import notebook as nb
from lumos.testing import FakeClassifier
from lumos.testing.sample import NegationClassifier, sentiment_dataset


def _require(name: str):
    """The package, or a skip on a machine without it (a failure in CI, which has it)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(name)
    return pytest.importorskip(name)


_require("jupyter_server")
_require("jupyter_server_proxy")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(90)]

PREFIX = "/prefix/"
TOKEN = "jupyter-secret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_jupyter(app: str, home, extra=()):
    """``python -m <app>`` (jupyter_server, jupyterlab) under PREFIX on a free port, with
    a token and its config, data and runtime dirs in ``home``; yields its base URL."""
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", app, f"--ServerApp.base_url={PREFIX}",
         f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.open_browser=False",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}",
         "--ServerApp.port_retries=0", "--allow-root", *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}{PREFIX}"
    deadline = time.monotonic() + 40
    while True:
        try:
            with urllib.request.urlopen(f"{base}api/status?token={TOKEN}", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"{app} did not start on {port}: {err[-2000:]}")
            time.sleep(0.25)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    yield from start_jupyter("jupyter_server", tmp_path_factory.mktemp("jupyter"))


@pytest.fixture(scope="module")
def kernel_server(tmp_path_factory):
    nb.stop()
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    nb.start({"keywords": FakeClassifier(), "negation": NegationClassifier()},
             {"sentiment": sentiment_dataset()}, store=store)
    yield nb.running()
    nb.stop()


def notebook_page(page, jupyter, html):
    """Open a page of the Jupyter server's origin (as JupyterLab's is) holding the output."""
    url = f"{jupyter}lab/tree/demo.ipynb"
    body = ('<!doctype html><html><head><meta charset="utf-8">'
            '<script id="jupyter-config-data" type="application/json">'
            f'{{"baseUrl": "{PREFIX}"}}</script></head><body>{html}</body></html>')
    page.route(url, lambda route: route.fulfill(status=200, body=body,
                                                content_type="text/html; charset=utf-8"))
    page.goto(f"{jupyter}api/status?token={TOKEN}")  # logs in (Jupyter's cookie)
    page.goto(url)


def test_the_workbench_works_through_jupyter_server_proxy(page, jupyter, kernel_server):
    html = nb.render(kernel_server, models=["keywords"], dataset="sentiment", height=600)
    notebook_page(page, jupyter, html)
    root = page.locator(".lumos-output")
    expect(root).to_have_attribute("data-lumos-url",
                                   f"{jupyter}proxy/{kernel_server.port}/", timeout=15000)
    frame = page.frame_locator("iframe[data-lumos=frame]")
    row = frame.locator(".spacer-rows .row", has_text="a good film with a great cast").first
    expect(row).to_be_visible(timeout=15000)
    row.click()
    label = frame.locator("[data-testid=class-head][data-model=keywords] "
                          "[data-testid=predicted-label]")
    expect(label).to_have_text("positive")
    expect(page.locator(".lumos-snapshot")).to_be_hidden()  # the live frame replaces it


def test_nothing_listening_says_what_to_fix(page, jupyter, kernel_server):
    dead = nb.Running(server=kernel_server.server, workspace=kernel_server.workspace,
                      token="x", port=free_port())
    notebook_page(page, jupyter, nb.render(dead, models=["keywords"], dataset="sentiment"))
    box = page.locator("[data-lumos=unreachable]")
    expect(box).to_be_visible(timeout=20000)
    expect(box).to_contain_text("pip install jupyter-server-proxy")
    expect(box).to_contain_text(f"{jupyter}proxy/{dead.port}/ did not answer")
    expect(box).to_contain_text(f"http://127.0.0.1:{dead.port}/ did not answer")
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.locator(".lumos-snapshot")).to_contain_text("keywords on sentiment")


# ------------------------------------------------- JupyterLab and Notebook 7 themselves
@pytest.fixture(scope="module")
def lab(tmp_path_factory, kernel_server):
    """JupyterLab (with Notebook 7 beside it) serving two notebooks whose output is
    lumos.notebook's for the running server: one signed (trusted), one not."""
    _require("jupyterlab")
    home = tmp_path_factory.mktemp("lab")
    (home / "data").mkdir()
    html = nb.render(kernel_server, models=["keywords"], dataset="sentiment", height=500)
    projector = nb.render(kernel_server, models=["keywords"], dataset="sentiment",
                          module="projector")
    for name, trusted in (("trusted", True), ("untrusted", False)):
        book = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("lumos.notebook.show(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
        proj = nbformat.v4.new_code_cell('lumos.notebook.show_module("projector")')
        proj.outputs = [nbformat.v4.new_output("display_data", data={"text/html": projector})]
        book.cells = [cell, proj]
        if trusted:
            nbformat.sign.NotebookNotary(data_dir=str(home / "data")).sign(book)
        nbformat.write(book, home / f"{name}.ipynb")
    yield from start_jupyter("jupyterlab", home)


@pytest.fixture
def lab_page(browser):
    """A page for JupyterLab's own front-end, whose console errors (its extensions',
    e.g. a settings schema missing offline) are not this test's to assert on."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


def open_in(page, url):
    page.goto(url)
    return page.locator(".lumos-output").first


def test_jupyterlab_runs_the_trusted_output_through_its_proxy(lab_page, lab, kernel_server):
    page = lab_page
    root = open_in(page, f"{lab}lab/tree/trusted.ipynb?token={TOKEN}")
    expect(root).to_have_attribute("data-lumos-url", f"{lab}proxy/{kernel_server.port}/")
    frame = root.frame_locator("iframe[data-lumos=frame]")
    expect(frame.locator(".spacer-rows .row").first).to_be_visible()
    # the second output (one module) found its own frame
    module = page.locator(".lumos-output").nth(1).frame_locator("iframe[data-lumos=frame]")
    expect(module.locator("[data-module=projector]")).to_be_visible()
    expect(module.locator("[data-module=classification]")).to_have_count(0)


def test_notebook7_shows_an_untrusted_output_as_its_snapshot(lab_page, lab):
    page = lab_page
    root = open_in(page, f"{lab}notebooks/untrusted.ipynb?token={TOKEN}")
    snap = root.locator(".lumos-snapshot")
    # Jupyter's sanitizer strips the script and renames the id, and keeps the snapshot
    expect(snap).to_contain_text("keywords on sentiment")
    expect(snap.locator("table").first.locator("tbody tr")).to_have_count(nb.SNAPSHOT_ROWS)
    expect(root).to_contain_text("script did not run")
    # the projector's PNG survives it too
    img = page.locator(".lumos-output").nth(1).locator(".lumos-snapshot img")
    expect(img).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    assert img.evaluate("i => i.complete && i.naturalWidth") > 100
    expect(page.locator("iframe[data-lumos=frame]")).to_have_count(0)
