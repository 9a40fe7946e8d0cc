"""The notebook fragment survives JupyterLab's HTML sanitizer unchanged.

Runs the ``Sanitizer`` class of ``@jupyterlab/apputils`` (what JupyterLab applies to
untrusted ``text/html`` output) under Node, from ``tests/visual/sanitizer/`` (installed
by ``make sanitizer``, part of ``make test``), and compares the DOM before and after
node by node (``check.mjs``). Without Node or the package the test skips locally and
fails in CI.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lumos.testing.fakes import FakeClassifier
from lumos.visual import highlight

HARNESS = Path(__file__).parent / "sanitizer"


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (required in CI)")
        pytest.skip(why)


def sanitize(markup: str) -> dict:
    node = shutil.which("node")
    _need(node is not None, "node not found")
    _need((HARNESS / "node_modules" / "@jupyterlab" / "apputils").is_dir(),
          "tests/visual/sanitizer is not installed (make sanitizer)")
    done = subprocess.run([node, str(HARNESS / "check.mjs")], input=markup, text=True,
                          capture_output=True, timeout=60, check=False, cwd=HARNESS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


NASTY = ["<script>alert(1)</script>", "&amp;", 'say "hi"', "it's", "😀👍🏽", "مرحبا",
         "שלום", "##ing", "Ġword", "▁piece", "<img src=x onerror=alert(1)>"]


@pytest.mark.timeout(120)
def test_fragment_survives_jupyterlabs_sanitizer_unchanged():
    m = FakeClassifier()
    texts = ["a good film", "مرحبا بالعالم 😀", "שלום <b>עולם</b> & \"quotes\"",
             "bad <script>x</script>"]
    fragments = [
        highlight(texts, model=m, source="activation:layer=1,dim=2", title="t <i>").fragment(),
        highlight(texts, model=m, source="attention:token=0").fragment(),
        highlight(NASTY, list(range(len(NASTY))), align="token").fragment(),
    ]
    for n, frag in enumerate(fragments):
        result = sanitize(frag)
        assert result["same"], result["differences"]
        assert result["nodes"] > 20
        # what must be there after sanitising: buttons with titles, inline hex colours,
        # dir and bdi, the legend
        clean = result["sanitized"]
        assert '<button type="button"' in clean and 'title="' in clean
        assert "background-color:#" in clean and "<bdi>" in clean
        assert ('dir="rtl"' if n < 2 else 'dir="ltr"') in clean  # the texts' rows
        assert "lumos-hl-legend" in clean


@pytest.mark.timeout(60)
def test_the_comparison_sees_what_the_sanitizer_drops():
    result = sanitize('<div onclick="x()" style="font:inherit;color:#000000">a</div>'
                      "<script>1</script>")
    assert not result["same"]
    assert "onclick" not in result["sanitized"] and "<script" not in result["sanitized"]


def test_the_saved_pages_script_is_what_the_fragment_leaves_out():
    h = highlight(["a", "b"], [1.0, 2.0])
    assert "<script" not in h.fragment() and "<script" in h.html()
