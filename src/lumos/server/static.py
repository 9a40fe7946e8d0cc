"""Serve the built web UI from inside the package, with a single-page-app fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>lumos</title>
<body style="font-family:system-ui;max-width:40em;margin:4em auto">
<h1>lumos: the web UI is not built</h1>
<p>The API is running (see <a href="docs">docs</a>). To build the page, run
<code>make ui</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>),
then reload.</p></body>"""


class SPAStaticFiles(StaticFiles):
    """Files from the build; any other path that is not an API path gets ``index.html``."""

    async def get_response(self, path: str, scope: Any) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as e:
            if e.status_code != 404 or path.startswith("api/") or path == "api":
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def static_app(directory: Path | None = None) -> Any:
    d = directory or STATIC_DIR
    if not (d / "index.html").is_file():
        async def not_built(scope: Any, receive: Any, send: Any) -> None:
            if scope.get("path", "").startswith("/api/"):
                response: Response = JSONResponse(
                    {"detail": f"no API route {scope['path']}"}, status_code=404)
            else:
                response = HTMLResponse(NOT_BUILT, status_code=200)
            await response(scope, receive, send)

        return not_built
    return SPAStaticFiles(directory=d, html=True)
