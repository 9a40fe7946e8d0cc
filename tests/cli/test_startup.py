"""`lumos --help`, `lumos <cmd> --help` and `import lumos` import no heavy stack."""

import subprocess
import sys

import pytest

from lumos.cli.main import COMMANDS

HEAVY = ("torch", "transformers", "pandas", "sklearn", "scipy", "fastapi", "uvicorn",
         "captum", "keras", "pyarrow", "umap", "datasets")
COMMAND_NAMES = ["predict", "demo", "serve", "explain", "metrics", "project", "cache",
                 "agreement", "randomisation", "generate", "audit", "highlight", "embed-map",
                 "plot"]

PROBE = """
import sys
{code}
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


def _loaded(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
                         capture_output=True, text=True, timeout=120, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line[len("HEAVY:"):].split(",") if m]


HELP = """
from lumos.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
"""


@pytest.mark.timeout(600)
@pytest.mark.parametrize("argv", [["--help"], *[[c, "--help"] for c in COMMAND_NAMES]],
                         ids=lambda a: " ".join(a))
def test_help_imports_no_heavy_stack(argv):
    assert _loaded(HELP.format(argv=argv)) == []


@pytest.mark.timeout(120)
def test_import_lumos_is_light_and_reaches_subpackages_on_use():
    assert _loaded("import lumos") == []
    assert "pyarrow" in _loaded("import lumos; lumos.datasets.load")


def test_the_probe_can_fail():
    assert _loaded("import pyarrow") == ["pyarrow"]


def test_every_command_module_is_probed():
    assert len(COMMANDS) == len(COMMAND_NAMES) - 1  # sanity.py holds two commands
