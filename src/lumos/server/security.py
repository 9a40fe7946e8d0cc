"""Safe defaults: loopback binding, an access token elsewhere, size limits, no CORS.

* ``bind_token(host, token)``: loopback needs no token; any other address gets one
  (generated and printed, like Jupyter's) and refuses to run without it.
* ``Guard``: one ASGI middleware that checks, in order, the Host header (against DNS
  rebinding), the request body size, the Origin of state-changing requests (no
  cross-site writes; no CORS headers are ever sent) and the access token (header
  ``Authorization: Bearer …`` or ``X-Lumos-Token``, cookie, or ``?token=…`` which also
  sets the cookie).

Behind a proxy: ``X-Forwarded-Host`` is read only when ``forwarded_hosts`` names the
hosts it may carry (then it stands for the Host in both checks); the token cookie is
scoped to the app's own path (the proxy's prefix, from ``X-Forwarded-Prefix``, which
jupyter-server-proxy sends), never the whole site; every response carries
``Content-Security-Policy: frame-ancestors …`` (``'self'`` for ``lumos serve``; the
notebook adds the notebook front-ends' origins).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from fastapi import HTTPException

COOKIE = "lumos_token"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: the frame policy of ``lumos serve``: only its own pages may frame it
SELF_ONLY: tuple[str, ...] = ("'self'",)
#: paths that answer without a token (liveness only: no data)
OPEN_PATHS = ("/api/health",)

Scope = dict[str, Any]


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_hex(24)


def bind_token(host: str, token: str | None) -> str | None:
    """The token the server must require when bound to ``host``.

    Loopback: the given token (None means no token). Any other address: the given
    token, or a new one; an empty token is refused.
    """
    if is_loopback(host):
        return token or None
    if token == "":
        raise ValueError(f"host '{host}': binding to a non-loopback address requires an "
                         "access token (leave --token out to generate one)")
    return token or new_token()


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def check_frame_sources(sources: Iterable[str]) -> tuple[str, ...]:
    """The ``frame-ancestors`` sources, each checked to be one CSP source expression."""
    out = []
    for src in sources:
        if not src or any(c in src for c in " ;,\t\r\n"):
            raise ValueError(f"frame ancestor {src!r}: expected one CSP source such as "
                             "'self', https://hub.example.org or https://*.example.org")
        out.append(src)
    return tuple(out)


class Guard:
    def __init__(self, app: Any, *, token: str | None = None,
                 max_body: int = DEFAULT_MAX_BODY,
                 allowed_hosts: Iterable[str] | None = None,
                 forwarded_hosts: Iterable[str] | None = None,
                 frame_ancestors: Iterable[str] = SELF_ONLY) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None
        self.forwarded_hosts = {h.lower() for h in forwarded_hosts} if forwarded_hosts else None
        policy = "frame-ancestors " + " ".join(check_frame_sources(frame_ancestors) or SELF_ONLY)
        self.csp = policy.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        send = self._framed(send)
        host = headers.get("host", "")
        forwarded = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded and self.forwarded_hosts is not None:
            if _host_name(forwarded).lower() not in self.forwarded_hosts:
                await _error(send, 400, f"forwarded host '{forwarded}' (X-Forwarded-Host) is "
                             f"not served here; configured: {sorted(self.forwarded_hosts)}")
                return
            host = forwarded  # the proxy's public name stands for the Host from here on
        elif self.allowed_hosts is not None and _host_name(host).lower() not in self.allowed_hosts:
            await _error(send, 400, f"host '{host}' is not served here (DNS rebinding guard); "
                         f"use {sorted(self.allowed_hosts)}, or configure the proxy's host")
            return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _error(send, 413, f"request body of {int(length)} bytes is over the "
                         f"limit of {self.max_body} bytes")
            return
        method = scope.get("method", "GET")
        origin = headers.get("origin")
        if method not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null":
            # a request proving the token in a header is no forgery: another site's page
            # cannot add that header without a CORS preflight, which is never answered
            # (a notebook's proxy, e.g. Colab's, may show the page under another host)
            if urlsplit(origin).netloc.lower() != host.lower() \
                    and not self._token_in_header(scope, headers):
                await _error(send, 403, f"cross-origin request from '{origin}' refused")
                return
        set_cookie = False
        if self.token is not None and scope.get("path", "") not in OPEN_PATHS:
            given = _token_from(scope, headers)
            if given is None or not secrets.compare_digest(given[0], self.token):
                await _error(send, 401, "missing or wrong access token: open the URL that "
                             "the server printed (it ends in ?token=...)")
                return
            set_cookie = given[1] == "query"
        if set_cookie:
            send = self._cookie(send, app_path(scope, headers))
        await self.app(scope, self._limited(receive), send)

    def _token_in_header(self, scope: Scope, headers: dict[str, str]) -> bool:
        if self.token is None:
            return False
        given = _token_from(scope, headers)
        return given is not None and given[1] == "header" \
            and secrets.compare_digest(given[0], self.token)

    def _framed(self, send: Any) -> Any:
        csp = self.csp

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"content-security-policy", csp))
            await send(message)

        return wrapped

    def _limited(self, receive: Any) -> Any:
        seen = 0
        limit = self.max_body

        async def wrapped() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return wrapped

    def _cookie(self, send: Any, path: str) -> Any:
        token = self.token or ""

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={token}; Path={path}; HttpOnly; SameSite=Strict"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        return wrapped


def app_path(scope: Scope, headers: dict[str, str]) -> str:
    """The path the app is served under as the browser sees it, ending in ``/``: the
    proxy's prefix (``X-Forwarded-Prefix``, or jupyter-server-proxy's
    ``X-ProxyContextPath``), else the ASGI ``root_path``, else ``/``. Only used to narrow
    the cookie, so a header cannot widen what it reaches beyond this server's paths."""
    prefix = (headers.get("x-forwarded-prefix") or headers.get("x-proxycontextpath")
              or scope.get("root_path") or "")
    prefix = prefix.split(",")[0].strip()
    if any(c in prefix for c in ";\r\n") or not prefix.startswith("/"):
        prefix = ""
    return prefix.rstrip("/") + "/"


class BodyTooLarge(HTTPException):
    """Raised while reading a streamed body that grows past the limit (answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the limit of {limit} bytes")


def _token_from(scope: Scope, headers: dict[str, str]) -> tuple[str, str] | None:
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("bearer", "token") and value:
        return value.strip(), "header"
    if headers.get("x-lumos-token"):  # the page's own header: a proxy in front (Jupyter)
        return headers["x-lumos-token"].strip(), "header"  # may claim Authorization
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], "query"
    if "cookie" in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers["cookie"])
        except Exception:
            return None
        if COOKIE in cookie:
            return cookie[COOKIE].value, "cookie"
    return None


async def _error(send: Any, status: int, message: str) -> None:
    body = orjson.dumps({"detail": message})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
