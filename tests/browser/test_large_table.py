"""100,000 rows: the table stays virtual (few DOM rows), sorts, searches and scrolls."""

import re
import time

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.testing import FakeClassifier
from lumos.testing.sample import sentiment_dataset

pytestmark = pytest.mark.browser
N = 100_000


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = make_server({"keywords": FakeClassifier()}, {"big": sentiment_dataset(N)},
                      port=port, store=tmp_path_factory.mktemp("big") / "s.sqlite",
                      quiet=True).start()
    srv.wait_loaded(30)
    yield srv
    srv.stop()


def test_hundred_thousand_rows(browser, big_server):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    t0 = time.perf_counter()
    page.goto(big_server.url)
    count = page.get_by_test_id("row-count")
    expect(count).to_contain_text("100,000 of 100,000 rows", timeout=20000)
    print(f"\n100k rows shown {time.perf_counter() - t0:.2f}s after navigation")
    rows = page.locator(".spacer-rows .row")
    assert rows.count() < 80  # virtualised: only what is in view
    # scroll to the end: the last rows are rendered
    page.locator(".viewport").evaluate("v => v.scrollTop = v.scrollHeight")
    expect(page.locator(".spacer-rows .row", has_text="#99999")).to_be_visible()
    # sort by text descending, then search
    header = page.locator("button[title=\"Sort by text\"]")
    header.click()
    header.click()
    page.locator(".viewport").evaluate("v => v.scrollTop = 0")
    expect(rows.first).to_contain_text("the worst script")
    page.get_by_test_id("table-search").fill("#12345")
    expect(count).to_contain_text("1 of 100,000 rows")
    rows.first.click()
    expect(page.get_by_test_id("edit-text")).to_have_value(re.compile("#12345$"))
    page.close()
