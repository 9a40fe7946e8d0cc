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
