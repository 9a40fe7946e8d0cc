"""`lumos serve --audit-dir`: a path that is not a directory is refused naming the flag
(before the config runs or a port is taken)."""

import pytest

from lumos.cli.main import main


def test_audit_dir_must_be_a_directory(tmp_path, capsys):
    config = tmp_path / "config.py"
    config.write_text("raise SystemExit('the config must not run')\n")
    with pytest.raises(SystemExit) as e:
        main(["serve", str(config), "--audit-dir", str(tmp_path / "missing")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--audit-dir" in err and "is not a directory" in err


def test_frame_ancestor_must_be_one_csp_source(tmp_path, capsys):
    config = tmp_path / "config.py"
    config.write_text("raise SystemExit('the config must not run')\n")
    with pytest.raises(SystemExit) as e:
        main(["serve", str(config), "--frame-ancestor", "https://a.example; script-src *"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--frame-ancestor" in err and "one CSP source" in err


def test_proxy_flags_reach_the_server(tmp_path, monkeypatch):
    import lumos.server.serve as serve_mod

    seen = {}
    monkeypatch.setattr(serve_mod, "serve", lambda *a, **kw: seen.update(kw))
    config = tmp_path / "config.py"
    config.write_text("models = {}\ndatasets = {}\n")
    assert main(["serve", str(config), "--forwarded-host", "lumos.example.org",
                 "--frame-ancestor", "https://dash.example.org"]) == 0
    assert seen["forwarded_hosts"] == ["lumos.example.org"]
    assert seen["frame_ancestors"] == ("'self'", "https://dash.example.org")
