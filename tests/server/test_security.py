import pytest
from fastapi.testclient import TestClient

from lumos.server.app import create_app
from lumos.server.security import bind_token, is_loopback


@pytest.fixture
def make_client(workspace):
    apps = []

    def make(**kwargs):
        app = create_app(workspace, **kwargs)
        apps.append(app)
        return TestClient(app)

    yield make
    for app in apps:
        app.state.jobs.shutdown()


def test_loopback_needs_no_token_but_other_addresses_do():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert bind_token("127.0.0.1", None) is None
    token = bind_token("0.0.0.0", None)
    assert token and len(token) >= 32 and token != bind_token("0.0.0.0", None)
    assert bind_token("0.0.0.0", "s3cret") == "s3cret"
    with pytest.raises(ValueError, match="requires an access token"):
        bind_token("0.0.0.0", "")


def test_token_is_required_by_header_query_or_cookie(make_client):
    c = make_client(token="abc123")
    r = c.get("/api/models")
    assert r.status_code == 401 and "token" in r.json()["detail"]
    assert c.get("/api/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/models", headers={"Authorization": "Bearer abc123"}).status_code == 200
    assert c.get("/api/health").status_code == 200  # liveness only
    r = c.get("/", params={"token": "abc123"})
    assert r.status_code == 200 and "lumos_token=abc123" in r.headers["set-cookie"]
    assert c.get("/api/models").status_code == 200  # the cookie now carries it


def test_body_size_is_limited(make_client):
    c = make_client(max_body=1000)
    r = c.post("/api/predictions", json={"model": "keywords",
                                         "examples": [{"text": "word " * 500}]})
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_cross_origin_writes_are_refused_and_no_cors_headers(client):
    r = client.post("/api/predictions", json={"model": "keywords", "examples": [{"text": "a"}]},
                    headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "evil.example" in r.json()["detail"]
    r = client.get("/api/models", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = client.post("/api/predictions", json={"model": "keywords", "examples": [{"text": "a"}]},
                    headers={"Origin": "http://testserver"})
    assert r.status_code == 200


def test_host_header_guard(make_client):
    c = make_client(allowed_hosts=["127.0.0.1", "localhost"])
    assert c.get("/api/health").status_code == 400  # Host: testserver
    ok = c.get("/api/health", headers={"Host": "localhost:5432"})
    assert ok.status_code == 200


def test_the_page_token_header_is_accepted(make_client):
    c = make_client(token="abc123")
    assert c.get("/api/models", headers={"X-Lumos-Token": "abc123"}).status_code == 200
    assert c.get("/api/models", headers={"X-Lumos-Token": "nope"}).status_code == 401


def test_forwarded_host_counts_only_when_configured(make_client):
    loopback = ["127.0.0.1", "localhost"]
    plain = make_client(allowed_hosts=loopback)
    # not configured: the header is ignored, the Host still decides
    assert plain.get("/api/health", headers={"Host": "127.0.0.1:5432",
                                             "X-Forwarded-Host": "hub.example"}).status_code == 200
    r = plain.get("/api/health", headers={"Host": "evil.example",
                                          "X-Forwarded-Host": "localhost"})
    assert r.status_code == 400 and "evil.example" in r.json()["detail"]
    proxied = make_client(allowed_hosts=loopback, forwarded_hosts=["hub.example"])
    h = {"Host": "127.0.0.1:5432", "X-Forwarded-Host": "hub.example"}
    assert proxied.get("/api/health", headers=h).status_code == 200
    r = proxied.get("/api/health", headers={**h, "X-Forwarded-Host": "other.example"})
    assert r.status_code == 400 and "other.example" in r.json()["detail"]
    # the forwarded host stands for the Host in the Origin check too
    body = {"model": "keywords", "examples": [{"text": "a"}]}
    ok = proxied.post("/api/predictions", json=body, headers={**h, "Origin": "https://hub.example"})
    assert ok.status_code == 200
    bad = proxied.post("/api/predictions", json=body,
                       headers={**h, "Origin": "http://127.0.0.1:5432"})
    assert bad.status_code == 403


def test_token_cookie_is_scoped_to_the_apps_path(make_client):
    c = make_client(token="abc123")
    r = c.get("/", params={"token": "abc123"},
              headers={"X-Forwarded-Prefix": "/user/ada/proxy/5432"})
    cookie = r.headers["set-cookie"]
    assert "Path=/user/ada/proxy/5432/;" in cookie and "Path=/;" not in cookie
    r = c.get("/", params={"token": "abc123"},
              headers={"X-ProxyContextPath": "/prefix/proxy/7000/"})
    assert "Path=/prefix/proxy/7000/;" in r.headers["set-cookie"]
    # served at the root, the root is the app's path; a malformed prefix is not used
    assert "Path=/;" in c.get("/", params={"token": "abc123"}).headers["set-cookie"]
    r = c.get("/", params={"token": "abc123"}, headers={"X-Forwarded-Prefix": "x; Domain=a"})
    assert "Path=/;" in r.headers["set-cookie"] and "Domain" not in r.headers["set-cookie"]


def test_frame_policy_is_self_unless_more_are_configured(make_client):
    served = make_client()
    for path in ("/", "/api/models"):
        assert served.get(path).headers["content-security-policy"] == "frame-ancestors 'self'"
    framed = make_client(frame_ancestors=["'self'", "https://*.googleusercontent.com"])
    assert framed.get("/").headers["content-security-policy"] == \
        "frame-ancestors 'self' https://*.googleusercontent.com"
    # refused requests carry it too
    assert make_client(token="t").get("/").headers["content-security-policy"] == \
        "frame-ancestors 'self'"
    with pytest.raises(ValueError, match="frame ancestor 'a b'"):
        make_client(frame_ancestors=["a b"])


def test_a_write_proving_the_token_in_a_header_passes_the_origin_check(make_client):
    c = make_client(token="abc123")
    body = {"model": "keywords", "examples": [{"text": "a"}]}
    elsewhere = {"Origin": "https://abc-colab.example"}
    r = c.post("/api/predictions", json=body, headers={**elsewhere, "X-Lumos-Token": "abc123"})
    assert r.status_code == 200
    # the cookie or the query string prove nothing about who wrote the request
    c.get("/", params={"token": "abc123"})  # sets the cookie
    assert c.post("/api/predictions", json=body, headers=elsewhere).status_code == 403
    r = c.post("/api/predictions", json=body, params={"token": "abc123"}, headers=elsewhere)
    assert r.status_code == 403
    r = c.post("/api/predictions", json=body, headers={**elsewhere, "X-Lumos-Token": "bad"})
    assert r.status_code == 403
