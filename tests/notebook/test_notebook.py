"""lumos.notebook in this process: the URL each front-end gets, one shared server that
serves the caller's own objects, the token on loopback, the frame policy, the snapshot."""

import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lumos import notebook as nb
from lumos.testing import FakeClassifier
from lumos.testing.sample import NegationClassifier, sample_datasets

pytestmark = pytest.mark.timeout(60)

UI_MODULES = Path(__file__).resolve().parents[2] / "ui" / "src" / "modules"


def kinds(cands):
    return [(c["kind"], c.get("url") or c.get("path")) for c in cands]


def test_plain_jupyter_tries_the_proxy_then_this_machine():
    assert kinds(nb.candidate_urls(5000, env={}, modules={})) == [
        ("notebook-base", "proxy/5000/"), ("url", "http://127.0.0.1:5000/")]


def test_jupyterhub_adds_its_service_prefix():
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}
    assert kinds(nb.candidate_urls(5000, env=env, modules={})) == [
        ("notebook-base", "proxy/5000/"), ("url", "/user/ada/proxy/5000/"),
        ("url", "http://127.0.0.1:5000/")]
    # written without its slashes, it is the same prefix
    no_slash = nb.candidate_urls(5000, env={"JUPYTERHUB_SERVICE_PREFIX": "user/ada"}, modules={})
    assert no_slash[1]["url"] == "/user/ada/proxy/5000/"


def test_colab_asks_its_kernel_port_proxy():
    for env, modules in (({"COLAB_RELEASE_TAG": "release-colab_2026"}, {}),
                         ({}, {"google.colab": object()})):
        assert kinds(nb.candidate_urls(5000, env=env, modules=modules)) == [
            ("notebook-base", "proxy/5000/"), ("colab", None),
            ("url", "http://127.0.0.1:5000/")]


def test_vscode_goes_through_its_forwarded_localhost():
    env = {"VSCODE_PID": "1234", "VSCODE_CWD": "/home/ada"}
    assert kinds(nb.candidate_urls(5000, env=env, modules={})) == [
        ("notebook-base", "proxy/5000/"), ("url", "http://localhost:5000/"),
        ("url", "http://127.0.0.1:5000/")]


def test_frame_query_carries_token_and_view():
    q = nb.frame_query("t0k", models=["a", "b"], dataset="sentiment", module="metrics")
    assert q == "token=t0k&models=a,b&dataset=sentiment&only=metrics"


def test_frame_policy_admits_notebook_front_ends_and_configured_ones():
    got = nb.frame_ancestors(["https://hub.example"],
                             env={"LUMOS_FRAME_ANCESTORS": "https://a.example https://b.example"})
    assert got[0] == "'self'"
    for src in ("http://localhost:*", "vscode-webview:", "https://*.googleusercontent.com",
                "https://a.example", "https://b.example", "https://hub.example"):
        assert src in got


def test_python_knows_every_ui_module():
    ids = {re.search(r'id:\s*"([^"]+)"', p.read_text()).group(1)
           for p in UI_MODULES.glob("*/module.ts")}
    assert ids == set(nb.MODULES)
    with pytest.raises(ValueError, match="module 'nope'"):
        nb.show_module("nope", display=False)


@pytest.fixture
def kernel_server(tmp_path):
    nb.stop()
    yield tmp_path / "store.sqlite"
    nb.stop()


def get(r, path, **headers):
    req = urllib.request.Request(f"http://127.0.0.1:{r.port}{path}", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, dict(resp.headers), resp.read()


def post_predict(r, text):
    import json

    req = urllib.request.Request(
        f"http://127.0.0.1:{r.port}/api/predictions", method="POST",
        data=json.dumps({"model": "keywords", "examples": [{"text": text}]}).encode(),
        headers={"Content-Type": "application/json", "X-Lumos-Token": r.token})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["outputs"][0]["probas"]


def test_one_server_shares_the_callers_objects_and_is_reused(kernel_server):
    ds = sample_datasets()
    model = FakeClassifier()
    html = nb.show({"keywords": model}, {"sentiment": ds["sentiment"]}, store=kernel_server,
                   display=False)
    r = nb.running()
    assert r is not None and r.workspace.models["keywords"] is model
    assert f"proxy/{r.port}/" in html
    # a token even on loopback, and the page's Host is not what guards it
    with pytest.raises(urllib.error.HTTPError) as e:
        get(r, "/api/models")
    assert e.value.code == 401
    status, headers, _ = get(r, "/api/models", **{"X-Lumos-Token": r.token,
                                                  "Host": "hub.example.org"})
    assert status == 200
    policy = headers["content-security-policy"]
    assert policy.startswith("frame-ancestors 'self' ") and "http://localhost:*" in policy
    # a second show reuses the server and adds what is new
    other = NegationClassifier()
    nb.show_module("metrics", {"negation": other}, display=False)
    assert nb.running() is r and r.workspace.models == {"keywords": model, "negation": other}


class Biased(FakeClassifier):
    """The keyword model with a bias the caller may change in place (its state token)."""

    def __init__(self):
        super().__init__()
        self.bias = 0.0

    def logit(self, text):
        return super().logit(text) + self.bias

    def state_token(self):
        return self.bias

    def fingerprint(self):  # as an adapter's: its settings are part of it
        return f"{super().fingerprint()}|bias={self.bias}"


def test_the_server_follows_a_model_changed_in_place(kernel_server):
    model = Biased()
    nb.show({"keywords": model}, {"sentiment": sample_datasets()["sentiment"]},
            store=kernel_server, display=False)
    r = nb.running()
    assert post_predict(r, "a good film")[1] > 0.5  # positive, and now cached
    model.bias = -5.0  # the caller changes its own object, in the notebook
    assert post_predict(r, "a good film")[1] < 0.5  # not the cached answer
    model.bias = 0.0
    assert post_predict(r, "a good film")[1] > 0.5


def test_stop_frees_the_port(kernel_server):
    nb.show({"keywords": FakeClassifier()}, {"sentiment": sample_datasets()["sentiment"]},
            store=kernel_server, display=False)
    port = nb.running().port
    nb.stop()
    assert nb.running() is None
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # free again


def test_snapshot_holds_rows_predictions_and_metrics_and_survives_sanitizing(kernel_server):
    from lxml import html as lxml_html

    ds = sample_datasets()["sentiment"]
    out: str = nb.show({"keywords": FakeClassifier()}, {"sentiment": ds}, store=kernel_server,
                  display=False, rows=3)
    doc = lxml_html.fromstring(f"<body>{out}</body>")
    snap = doc.xpath("//div[@class='lumos-snapshot']")[0]
    first = snap.xpath(".//table")[0]
    heads = [th.text_content() for th in first.xpath(".//th")]
    assert "text" in heads and "probas:label" in heads
    cells = [[td.text_content() for td in tr.xpath("td")] for tr in first.xpath(".//tbody/tr")]
    assert len(cells) == 3
    assert cells[0][heads.index("text")] == ds.examples([0])[0]["text"]
    assert cells[0][heads.index("probas:label")] == "positive"  # "a good film…" reads positive
    metrics = snap.xpath(".//table")[1]
    assert "Metrics of keywords" in metrics.xpath("caption")[0].text_content()
    assert "probas.accuracy" in [th.text_content() for th in metrics.xpath(".//th")]
    # nothing a sanitizer removes: no script, style, frame or event handler in the snapshot
    assert not snap.xpath(".//script|.//style|.//iframe|.//*[@style]")
    assert not [a for el in snap.iter() for a in el.attrib if a.startswith("on")]
    # the live part says why it is missing when the script does not run
    assert "script did not run" in doc.xpath("//div[@class='lumos-live']")[0].text_content()


def test_a_dataset_is_needed_and_named(kernel_server):
    with pytest.raises(ValueError, match="dataset='missing'"):
        nb.show({"keywords": FakeClassifier()}, {"sentiment": sample_datasets()["sentiment"]},
                dataset="missing", store=kernel_server, display=False)


def test_snapshot_metrics_of_a_big_dataset_cover_its_first_rows_and_say_so(kernel_server):
    from lumos.engine.aggregate import compute_metrics

    ds = sample_datasets()["sentiment"]
    nb.start({"keywords": FakeClassifier()}, {"sentiment": ds}, store=kernel_server)
    ws = nb.running().workspace
    out = nb.metrics_snapshot(ws, "keywords", "sentiment", limit=4)
    assert f"on the first 4 of {len(ds)} rows" in out
    want = compute_metrics(ws, "keywords", "sentiment", [0, 1, 2, 3])["rows"][0]
    assert f"<td>{want['count']}</td><td>{want['probas.accuracy']:.3f}</td>" in out
    assert "first" not in nb.metrics_snapshot(ws, "keywords", "sentiment")


def test_projector_snapshot_is_a_png_of_the_engines_layout(kernel_server):
    import base64
    import io

    from lxml import html as lxml_html

    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    ds = sample_datasets()["sentiment"]
    out = nb.show_module("projector", {"keywords": FakeClassifier()}, {"sentiment": ds},
                         store=kernel_server, display=False)
    doc = lxml_html.fromstring(f"<body>{out}</body>")
    img = doc.xpath("//div[@class='lumos-snapshot']//img")[0]
    assert f"{len(ds)} rows of sentiment" in img.get("alt")
    png = imread(io.BytesIO(base64.b64decode(img.get("src").split(",", 1)[1])), format="png")
    assert png.shape[0] > 100 and png.shape[1] > 100
    # two label colours among the plotted points (C0 and C1), not one
    rgb = (png[..., :3] * 255).round().reshape(-1, 3)
    colours = {tuple(c) for c in rgb}
    assert (31, 119, 180) in colours and (255, 127, 14) in colours
