"""The workbench served under a path prefix by a reverse proxy (as jupyter-server-proxy
and hubs do): the page finds its files and its API beside itself, never at `/api/...`."""

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.testing.sample import sample_datasets, sample_models

from .conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

PREFIX = "/user/ada/proxy/lumos"
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def prefix_proxy(upstream: int):
    """A reverse proxy at 127.0.0.1:<port><PREFIX>/ → the upstream's `/`, passing the
    Host on as jupyter-server-proxy does; anything else answers 404 and is recorded (an
    absolute path in the page would land there)."""
    outside: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def forward(self):
            if not self.path.startswith(PREFIX + "/"):
                outside.append(self.path)
                self.send_error(404, "outside the prefix")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            headers["X-Forwarded-Prefix"] = PREFIX
            conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
            try:
                conn.request(self.command, self.path[len(PREFIX):], body=body or None,
                             headers=headers)
                r = conn.getresponse()
                data = r.read()
            finally:
                conn.close()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = forward

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, outside


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    srv = make_server(sample_models(), sample_datasets(), port=free_port(), token="s3cret",
                      store=tmp_path_factory.mktemp("store") / "s.sqlite", quiet=True).start()
    httpd, outside = prefix_proxy(srv.uvicorn.config.port)
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}/", outside
    httpd.shutdown()
    httpd.server_close()
    srv.stop()


def test_workbench_loads_data_and_predicts_under_a_prefix(page, proxied):
    base, outside = proxied
    page.goto(base + "?token=s3cret&models=keywords&dataset=sentiment")
    row = page.locator(".spacer-rows .row", has_text="a good film with a great cast").first
    expect(row).to_be_visible()
    row.click()
    label = page.locator("[data-testid=class-head][data-model=keywords] "
                         "[data-testid=predicted-label]")
    expect(label).to_have_text("positive")
    assert outside == [], f"the page asked for paths outside its prefix: {outside}"
    # the token cookie is set for the prefix only, not the whole site
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["lumos_token"]["path"] == PREFIX + "/", cookies


def test_no_ui_source_names_an_absolute_api_path():
    """Every call goes through lib/api.ts's apiUrl with a relative `api/...` path, also
    the ones the prefix test above does not reach."""
    from pathlib import Path

    ui = Path(__file__).resolve().parents[2] / "ui" / "src"
    absolute = re.compile(r"""["'`]/api/""")
    found = [f"{p.relative_to(ui)}:{n}" for p in sorted(ui.rglob("*"))
             if p.suffix in (".ts", ".svelte")
             for n, line in enumerate(p.read_text().splitlines(), 1) if absolute.search(line)]
    assert found == []
