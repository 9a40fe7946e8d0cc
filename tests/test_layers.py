"""The import-layer contract (pyproject's [tool.importlinter]) is complete and kept."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lumos"


def contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"], {c["id"]: c for c in
                                            config["tool"]["importlinter"]["contracts"]}


def top_level_modules():
    """Every subpackage and module directly under src/lumos (private ones included)."""
    out = set()
    for p in PACKAGE.iterdir():
        if p.is_dir() and (p / "__init__.py").exists():
            out.add(p.name)
        elif p.suffix == ".py" and p.name != "__init__.py":
            out.add(p.stem)
    return out


def layer_names(layers):
    names = set()
    for layer in layers:
        for part in re.split(r"[|:]", layer):
            names.add(part.strip().strip("()"))
    return names


def test_the_layers_contract_names_every_top_level_module():
    _, by_id = contracts()
    layers = by_id["layers"]
    assert layers["type"] == "layers" and layers["containers"] == ["lumos"]
    assert layers.get("exhaustive") is True
    named = layer_names(layers["layers"])
    missing = sorted(top_level_modules() - named)
    assert not missing, f"add these to the layers contract in pyproject.toml: {missing}"
    # optional layers (in parentheses) are the ones later issues add; nothing else
    optional = {n for layer in layers["layers"] for n in re.findall(r"\((\w+)\)", layer)}
    assert optional <= {"notebook", "audit", "visual"}


def test_no_contract_ignores_imports_and_type_checking_imports_count():
    root, by_id = contracts()
    assert not root.get("exclude_type_checking_imports", False)
    for contract in by_id.values():
        assert not contract.get("ignore_imports"), contract["id"]
    assert set(by_id["api-is-light"]["forbidden_modules"]) >= {"torch", "transformers",
                                                               "fastapi"}


def test_lint_imports_keeps_every_contract():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True, no_logo=True))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout
