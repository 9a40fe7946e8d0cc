"""A live lumos server (fake models, a temporary store) and headless Debian Chromium."""

import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.server.static import STATIC_DIR
from lumos.testing.sample import sample_datasets, sample_models

CHROMIUM = os.environ.get("LUMOS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (required in CI)")
        pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium():
    """The one headless Chromium of the session. Playwright's sync API runs one instance
    per thread, so every browser test shares it (a module that started its own failed
    whenever another module had started this one first)."""
    _need(os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
          f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser(chromium):
    """Chromium for the workbench's pages: the built web UI is required too (the static
    files, highlighter and embedding map need only ``chromium``)."""
    _need((STATIC_DIR / "index.html").is_file(),
          "the web UI is not built (make ui, or npm ci && npm run build in ui/)")
    return chromium


def slow_model():
    time.sleep(1.5)
    from lumos.testing import FakeClassifier

    return FakeClassifier()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    models = {**sample_models(), "slow": slow_model}
    srv = make_server(models, sample_datasets(), port=free_port(), store=store,
                      quiet=True).start()
    srv.store_path = store
    yield srv
    srv.stop()


expect.set_options(timeout=15_000)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # hang guards, not speed checks: a page's first answer from a real model on a
    # loaded 2-core machine can take longer than Playwright's defaults (30 s for
    # actions is too slow to report a real hang, 5 s for expect too short under load)
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def shot(tmp_path):
    """Screenshot the page or one element. Saved under docs/screenshots/ when
    LUMOS_SCREENSHOTS=1 (to refresh the docs), else into the test's temp dir, so a test
    run leaves the repository as it found it."""
    target_dir = SCREENSHOTS if os.environ.get("LUMOS_SCREENSHOTS") == "1" else tmp_path

    def take(target, name: str) -> None:
        target_dir.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(target_dir / f"{name}.png"))

    return take
