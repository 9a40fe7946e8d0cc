"""The default demo as a user meets it: the real fine-tuned MiniLM on real tweets.

Trains the classifier on first use (about four minutes on 2 cores, then cached).
"""

import re

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server

from .conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from lumos.demos import get_demo
    from lumos.demos.sentiment import sentiment_model_dir

    # on a fresh machine the demo model is fine-tuned first (minutes on 2 cores); do it
    # here rather than behind the page, where the test's timeouts are for loading
    sentiment_model_dir(progress=False)
    models, datasets = get_demo("sentiment").build(progress=False)
    srv = make_server(models, datasets, port=free_port(),
                      store=tmp_path_factory.mktemp("demo") / "store.sqlite", quiet=True).start()
    yield srv
    srv.stop()


def test_sentiment_demo_live_edit_and_salience_with_faithfulness(browser, demo_server, shot):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(60000)  # the models load behind the page
    page.goto(demo_server.url.rstrip("/") + "/?models=minilm-sentiment,tfidf-logreg"
              "&dataset=tweets")
    page.locator(".spacer-rows .row").nth(3).click()
    label = page.locator("[data-testid=class-head][data-model=minilm-sentiment] "
                         "[data-testid=predicted-label]")
    expect(label).to_have_text(re.compile("negative|neutral|positive"), timeout=120000)
    # salience for the selected tweet, with its faithfulness figures beside the map
    row = page.locator("[data-testid=salience-row][data-method=grad_dot_input]")
    expect(row).to_have_attribute("data-status", "done", timeout=30000)
    expect(row.get_by_test_id("faithfulness")).to_contain_text(
        re.compile(r"comprehensiveness\s*-?\d[.\d]* ↑"))
    # the prediction follows an edit live
    page.get_by_test_id("edit-text").fill("I absolutely love this, what a wonderful day!")
    expect(label).to_have_text("positive", timeout=15000)
    page.get_by_test_id("edit-text").fill("This is the worst service ever, I hate it.")
    expect(label).to_have_text("negative", timeout=15000)
    expect(row).to_have_attribute("data-status", "done", timeout=30000)
    # LIME (words) agrees with gradient x input (sub-word pieces) word by word
    lime = page.locator("[data-testid=salience-row][data-method=lime]")
    lime.get_by_test_id("run-lime").click()
    expect(lime).to_have_attribute("data-status", "done", timeout=60000)
    pair = page.locator("[data-testid=agreement] tr[data-a=grad_dot_input][data-b=lime]")
    cell = pair.get_by_test_id("spearman")
    expect(cell).to_have_text(re.compile(r"^−?-?\d\.\d\d$"), timeout=30000)
    expect(cell).to_have_attribute("title", re.compile("word by word"))
    shot(page, "sentiment-demo")
    page.close()
