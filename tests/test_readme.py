"""The README as a tested contract: every ```bash and ```python block runs, as written,
on the bundled data.

How each line is run:

- ``make demo`` and ``make test`` are exempt: they bootstrap the environment this test
  already runs in (``make test`` is what runs this file).
- ``lumos demo NAME`` and ``lumos serve ...`` (and a Python block calling
  ``lumos.serve``) start a server: they run on a free port (their ``--port``/``port=``
  is replaced) and are stopped once the page answers.
- ``./my-model-dir`` stands for "a directory saved with save_pretrained": the sentiment
  demo's trained model directory is substituted.
- Every other command must exit 0, and the files it names with ``--out``/``--json``
  must exist afterwards.

Commands run in a scratch directory (with ``examples/`` linked in) and a scratch store
(``LUMOS_HOME``), so ``lumos cache clear`` here does not touch the user's cache; trained
demo models are shared with the user cache dir (the first run trains them).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXEMPT = ("make demo", "make test")
PLACEHOLDER_MODEL = "./my-model-dir"


def blocks() -> list[tuple[str, str]]:
    """(language, code) of every ```bash and ```python block, in order."""
    return re.findall(r"^```(bash|python)\n(.*?)^```", README.read_text(), re.M | re.S)


def steps() -> list[tuple[str, str]]:
    """("bash", one command line) or ("python", one block), exempt lines dropped."""
    out: list[tuple[str, str]] = []
    for lang, code in blocks():
        if lang == "python":
            out.append(("python", code))
            continue
        for line in code.splitlines():
            cmd = line.split(" #")[0].strip()
            if cmd and not cmd.startswith(EXEMPT):
                out.append(("bash", cmd))
    return out


STEPS = steps()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lumos() -> list[str]:
    exe = Path(sys.executable).with_name("lumos")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "lumos.cli.main"]


def _serves(lang: str, code: str) -> bool:
    if lang == "python":
        return "lumos.serve(" in code
    argv = shlex.split(code)
    return argv[:2] == ["lumos", "serve"] or (
        argv[:2] == ["lumos", "demo"] and len(argv) > 2 and not argv[2].startswith("-"))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """(cwd, env): a scratch directory and store; the user's trained demo models."""
    from lumos.demos.base import cache_dir

    home = tmp_path_factory.mktemp("lumos-home")
    (home / "demos").symlink_to(cache_dir().resolve(), target_is_directory=True)
    cwd = tmp_path_factory.mktemp("readme")
    (cwd / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    env = {**os.environ, "LUMOS_HOME": str(home), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return cwd, env


def _model_dir() -> str:
    from lumos.demos.sentiment import sentiment_model_dir

    return str(sentiment_model_dir(progress=False))


def _wait_until_it_answers(proc: subprocess.Popen[bytes], port: int, what: str, log: Path,
                           limit: float = 900) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what}: exited with {proc.returncode} before answering:\n"
                        f"{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                assert r.status == 200, f"{what}: / answered {r.status}"
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    pytest.fail(f"{what}: did not answer on port {port}:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize(("lang", "code"), STEPS,
                         ids=[c.splitlines()[0][:60] if lang == "bash" else
                              f"python block {i}" for i, (lang, c) in enumerate(STEPS)])
def test_readme_step_runs(sandbox, lang, code):
    cwd, env = sandbox
    code = code.replace(PLACEHOLDER_MODEL, _model_dir())
    serving = _serves(lang, code)
    port = _free_port()
    if lang == "python":
        if serving:
            code, n = re.subn(r"port=\d+", f"port={port}", code)
            assert n == 1, "the serving block names its port"
        script = cwd / "readme_block.py"
        script.write_text(code)
        argv = [sys.executable, str(script)]
    else:
        argv = shlex.split(code)
        assert argv[0] == "lumos", f"README command does not start with lumos: {code}"
        if serving:
            if "--port" in argv:
                argv[argv.index("--port") + 1] = str(port)
            else:
                argv += ["--port", str(port)]
        argv = _lumos() + argv[1:]
    if serving:
        log = cwd / "server.log"
        with open(log, "w") as out, subprocess.Popen(argv, cwd=cwd, env=env, stdout=out,
                                                     stderr=subprocess.STDOUT) as proc:
            try:
                _wait_until_it_answers(proc, port, code.splitlines()[0], log)
            finally:
                _stop(proc)
        return
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=3000)
    assert res.returncode == 0, f"{code}\nexit {res.returncode}\n{res.stdout}\n{res.stderr}"
    if lang == "bash":
        for flag in ("--out", "--json"):
            if flag in argv:
                out = cwd / argv[argv.index(flag) + 1]
                assert out.exists() and out.stat().st_size > 0, f"{code}: no {out}"


def test_every_block_is_found_and_only_make_lines_are_exempt():
    langs = [lang for lang, _ in blocks()]
    assert langs.count("python") >= 1 and langs.count("bash") >= 3
    commands = [c for lang, c in STEPS if lang == "bash"]
    assert any(c.startswith("lumos predict") for c in commands)
    assert any(c.startswith("lumos serve examples/config.py") for c in commands)
    for lang, code in blocks():
        for line in code.splitlines():
            cmd = line.split(" #")[0].strip()
            if lang == "bash" and cmd:
                assert cmd.startswith(("lumos ", *EXEMPT)), f"unrunnable line: {cmd}"
                assert "[" not in cmd, f"placeholder brackets in a command: {cmd}"


def test_no_block_is_skipped():
    """Every fenced block is one the test runs: a ```yaml, ```sh or bare block would be
    skipped silently by :func:`blocks`."""
    fences = re.findall(r"^```(\S*)\n", README.read_text(), re.M)
    openings = fences[::2]  # fences alternate: opening (with its language), closing
    assert all(f == "" for f in fences[1::2]), fences
    assert openings and set(openings) <= {"bash", "python"}, openings
    assert len(openings) == len(blocks())


def test_in_page_links_reach_a_heading():
    text = README.read_text()
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
             for h in re.findall(r"^#+ (.+)$", text, re.M)}
    anchors = re.findall(r"\]\(#([^)]+)\)", text)
    assert anchors, "the README links to its own sections"
    for a in anchors:
        assert a in slugs, f"README links to a missing section: #{a}"


def test_links_point_inside_the_repository():
    text = README.read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert links, "the README links to the architecture notes"
    for link in links:
        assert not link.startswith(("http:", "https:", "/", "..")), link
        assert (ROOT / link).exists(), f"README links to a missing file: {link}"
    generated = {"benchmarks/results.json"}  # `make bench` writes it
    for path in re.findall(r"`((?:docs|examples|benchmarks)/[\w./-]+)`", text):
        assert path in generated or (ROOT / path).exists(), f"README names a missing file: {path}"
