"""The demo notebook run offline by nbclient in a real kernel: its outputs hold the live
frame's script and the static snapshot, and the port is free once the kernel is gone."""

import importlib
import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest


def _require(name: str):
    """The package, or a skip on a machine without it (a failure in CI, which has it)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(name)
    return pytest.importorskip(name)


nbclient = _require("nbclient")
nbformat = _require("nbformat")
_require("ipykernel")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "notebook" / "workbench.ipynb"


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A kernel spec for this interpreter (not whatever `python` is on PATH) and this
    checkout's sources, with the store in a temporary LUMOS_HOME."""
    spec = tmp_path / "jupyter" / "kernels" / "lumos-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lumos test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    return tmp_path


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_notebook_runs_and_frees_its_port(kernel_env):
    nb = nbformat.read(DEMO, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="lumos-test",
                                     resources={"metadata": {"path": str(kernel_env)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    full = [o for o in code[1].outputs if o.output_type == "display_data"]
    assert len(full) == 1, code[1].outputs
    html = full[0].data["text/html"]
    assert len(code[1].outputs) == 1  # shown once: show() returns nothing to print
    assert '<script>' in html and '"kind":"notebook-base"' in html  # the live frame's script
    assert 'class="lumos-snapshot"' in html and "a good film with a great cast" in html
    assert "keywords on sentiment" in html and "negation on sentiment" in html
    one = [o for o in code[2].outputs if o.output_type == "display_data"][0].data["text/html"]
    assert "only=metrics" in one and "Metrics of keywords on sentiment" in one
    printed = "".join(o.get("text", "") for o in code[3].outputs)
    port = int(printed.split("lumos port")[1].split()[0])
    # the kernel has been shut down by now (nbclient stops it after the last cell)
    deadline = time.monotonic() + 20
    while listening(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not listening(port), f"port {port} still listening after the kernel shut down"
