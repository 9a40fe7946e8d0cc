"""Hatchling build hook: build the web UI (ui/) into the wheel.

Runs ``npm ci && npm run build`` in ``ui/`` when ``src/lumos/server/static`` (or the
plot script ``src/lumos/visual/static/plot.js``) is missing or older than the UI
sources, and ships the result as wheel artifacts (the built files are git-ignored, never
committed). Editable installs reuse an existing build and only
warn when npm is missing. ``LUMOS_SKIP_UI_BUILD=1`` skips the step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

UI_INPUTS = ("src", "visual", "index.html", "package.json", "package-lock.json",
             "vite.config.ts", "vite.visual.config.ts", "svelte.config.js", "tsconfig.json")


def newest_mtime(ui: Path) -> float:
    newest = 0.0
    for name in UI_INPUTS:
        p = ui / name
        paths = p.rglob("*") if p.is_dir() else [p]
        for f in paths:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


class UIBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        ui = root / "ui"
        static = root / "src" / "lumos" / "server" / "static"
        index = static / "index.html"
        # `npm run build` also writes the static visual tools' script (lumos plot's page)
        visual = root / "src" / "lumos" / "visual" / "static" / "plot.js"
        editable = version == "editable"
        if not os.environ.get("LUMOS_SKIP_UI_BUILD"):
            built = index.is_file() and visual.is_file()
            fresh = built and (not ui.is_dir() or min(index.stat().st_mtime, visual.stat()
                                                       .st_mtime) >= newest_mtime(ui))
            if not (fresh or (editable and built)):
                self._build(ui, editable)
        if index.is_file():
            build_data.setdefault("artifacts", []).append("src/lumos/server/static/**")
        if visual.is_file():
            build_data.setdefault("artifacts", []).append("src/lumos/visual/static/**")

    def _build(self, ui: Path, editable: bool) -> None:
        npm = shutil.which("npm")
        if not (ui / "package.json").is_file() or npm is None:
            why = ("ui/package.json is missing" if npm else
                   "npm (Node 20 or newer) is not installed")
            if editable:
                print(f"lumos: not building the web UI: {why}; the server will say so",
                      file=sys.stderr)
                return
            raise RuntimeError(f"building the lumos wheel needs the web UI: {why} "
                               "(set LUMOS_SKIP_UI_BUILD=1 to build without it)")
        lock = (ui / "package-lock.json").is_file()
        for cmd in ([npm, "ci" if lock else "install", "--no-audit", "--no-fund"],
                    [npm, "run", "build"]):
            print("lumos:", " ".join(cmd[1:]), "in ui/", file=sys.stderr)
            subprocess.run(cmd, cwd=ui, check=True)
