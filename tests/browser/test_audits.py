"""Audit results in real Chromium: upload a report made by running a tiny suite on the
served fake model and dataset, read its checks, click a failing check to select its
examples in the table (a counterfactual check: its parents, with the generated rows shown
in the counterfactual module until the user goes back to its generators), and see the
page say so when the report is of another dataset."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_panel(page, server, models="keywords", dataset="sentiment"):
    page.goto(server.url.rstrip("/") + f"/?models={models}&dataset={dataset}")
    page.locator("[data-jump=audits]").click()
    panel = page.locator("[data-module=audits]")
    expect(panel.get_by_test_id("audit-upload")).to_be_attached()
    return panel


@pytest.mark.timeout(120)
def test_upload_and_click_a_failing_check_selects_its_rows(page, server, shot, fake_audit,
                                                           tmp_path):
    path = tmp_path / "fake-audit.json"
    report = fake_audit(path)
    failing = next(c for c in report["checks"] if c["id"] == "accuracy-high")
    wrong = [e["text"] for e in failing["examples"]]
    assert "not good at all" in wrong
    page.set_viewport_size({"width": 1400, "height": 1000})
    panel = open_panel(page, server)
    panel.get_by_test_id("audit-upload").set_input_files(str(path))
    checks = panel.get_by_test_id("audit-check")
    expect(checks).to_have_count(len(report["checks"]))
    expect(panel.get_by_test_id("audit-mismatch")).to_have_count(0)
    high = panel.locator("[data-testid=audit-check][data-check=accuracy-high]")
    expect(high).to_have_attribute("data-verdict", "fail")
    shown = Decimal(repr(failing["value"])).quantize(Decimal("0.001"), ROUND_HALF_UP)
    expect(high).to_contain_text(str(shown))  # value, as JavaScript's toFixed(3) rounds
    expect(high).to_contain_text(re.compile(r"\[0\.\d{3}, 0\.\d{3}\]"))  # interval
    expect(high).to_contain_text("≥ 0.950")  # threshold
    expect(high).to_contain_text("overall")  # slice
    low = panel.locator("[data-testid=audit-check][data-check=accuracy-low]")
    expect(low).to_have_attribute("data-verdict", "pass")
    expect(low.get_by_test_id("audit-select")).to_have_count(0)  # nothing to select

    high.get_by_test_id("audit-select").click()
    selected = page.locator(".spacer-rows .row[aria-selected=true]")
    expect(selected).to_have_count(len(wrong))
    for text in wrong:
        expect(selected.filter(has_text=text)).to_have_count(1)
    expect(panel.get_by_test_id("audit-picked")).to_contain_text(f"{len(wrong)} rows selected")
    shot(page, "audit-results")  # the panel and the selected rows in the table

    # a counterfactual check selects the parents; its generated rows are shown in the
    # counterfactual module, which comes into view, labelled as the report's
    noise = next(c for c in report["checks"] if c["id"] == "noise")
    parents = {e["original"]["text"] for e in noise["examples"]}
    panel.locator("[data-testid=audit-check][data-check=noise]") \
        .get_by_test_id("audit-select").click()
    expect(selected).to_have_count(len(parents))
    for text in parents:
        expect(selected.filter(has_text=text)).to_have_count(1)
    expect(panel.get_by_test_id("audit-handed")).to_contain_text(
        f"{len(noise['examples'])} generated row")
    cf = page.locator("[data-module=counterfactuals]")
    from_audit = cf.get_by_test_id("cf-audit")
    expect(from_audit).to_be_in_viewport()
    source = from_audit.get_by_test_id("cf-audit-source")
    for said in ("fake-audit.json", "noise", "char_noise"):
        expect(source).to_contain_text(said)
    rows = from_audit.get_by_test_id("cf-row")
    expect(rows).to_have_count(len(noise["examples"]))
    first, change = noise["examples"][0], noise["examples"][0]["changes"][0]
    row = rows.first
    expect(row).to_have_attribute("data-text", first["counterfactual"]["text"])
    expect(row).to_have_attribute("data-parent", first["parent"])
    span = row.get_by_test_id("cf-span").first
    expect(span.locator("del")).to_contain_text(change["old"])
    expect(span.locator("ins")).to_contain_text(change["new"])
    pred = row.get_by_test_id("cf-pred")
    expect(pred).to_contain_text(f"{first['parent_label']} → {first['label']}")
    expect(row.get_by_test_id("cf-flip")).to_have_count(1 if first["flipped"] else 0)
    expect(cf.get_by_test_id("cf-setup")).to_have_count(0)  # not the generator form
    shot(cf, "audit-counterfactuals")

    # back to running generators
    from_audit.get_by_test_id("cf-audit-clear").click()
    expect(cf.get_by_test_id("cf-audit")).to_have_count(0)
    expect(cf.get_by_test_id("cf-form")).to_be_visible()
    expect(cf.get_by_test_id("cf-run")).to_contain_text(f"{len(parents)} selected row")
    # the audit panel then lists them itself
    children = panel.get_by_test_id("audit-child")
    expect(children).to_have_count(len(noise["examples"]))
    expect(children.first.locator("ins")).to_have_text(first["counterfactual"]["text"])


@pytest.mark.timeout(60)
def test_a_report_of_other_data_says_which(page, server, fake_audit, tmp_path):
    path = tmp_path / "fake-audit.json"
    fake_audit(path)
    panel = open_panel(page, server, models="tagger", dataset="ner")
    panel.get_by_test_id("audit-upload").set_input_files(str(path))
    warning = panel.get_by_test_id("audit-mismatch")
    expect(warning).to_contain_text("'sentiment'")
    expect(warning).to_contain_text("does not match the served dataset 'ner'")
    expect(panel.get_by_test_id("audit-select")).to_have_count(0)


@pytest.fixture
def dir_server(tmp_path, fake_audit):
    from lumos.server.serve import make_server
    from lumos.testing.sample import sample_datasets, sample_models

    from .conftest import free_port

    audits = tmp_path / "audits"
    audits.mkdir()
    report = fake_audit(audits / "nightly.json")
    srv = make_server(sample_models(), sample_datasets(), port=free_port(),
                      store=tmp_path / "store.sqlite", quiet=True, audit_dir=audits).start()
    srv.report = report
    yield srv
    srv.stop()


@pytest.mark.timeout(60)
def test_open_by_name_from_the_audit_dir(page, dir_server):
    panel = open_panel(page, dir_server)
    expect(panel.get_by_test_id("audit-name")).to_have_value("nightly.json")
    panel.get_by_test_id("audit-open").click()
    high = panel.locator("[data-testid=audit-check][data-check=accuracy-high]")
    high.get_by_test_id("audit-select").click()
    wrong = next(c for c in dir_server.report["checks"] if c["id"] == "accuracy-high")
    expect(page.locator(".spacer-rows .row[aria-selected=true]")).to_have_count(
        len(wrong["examples"]))
