import threading

import httpx
import pytest

from lumos.server.serve import make_server
from lumos.testing import FakeClassifier
from lumos.testing.sample import sample_datasets, sentiment_dataset


def _port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_answers_at_once_while_models_load_behind_it(tmp_path):
    gate = threading.Event()

    def big_model():
        gate.wait(10)
        return FakeClassifier()

    srv = make_server({"big": big_model}, {"sentiment": sentiment_dataset()},
                      port=_port(), store=tmp_path / "s.sqlite", quiet=True).start()
    try:
        base = srv.url.rstrip("/")
        status = httpx.get(base + "/api/status").json()
        assert status["models"]["big"]["status"] == "loading" and not status["ready"]
        assert httpx.get(base + "/api/models/big").json()["status"] == "loading"
        gate.set()
        assert srv.wait_loaded(10)
        assert httpx.get(base + "/api/status").json()["ready"]
        r = httpx.post(base + "/api/predictions", json={"model": "big",
                                                         "examples": [{"text": "good"}]})
        assert r.status_code == 200
    finally:
        gate.set()
        srv.stop()


def test_failed_model_shows_its_error(tmp_path):
    def broken():
        raise OSError("weights.bin not found")

    srv = make_server({"bad": broken}, {"sentiment": sentiment_dataset()}, port=_port(),
                      store=tmp_path / "s.sqlite", quiet=True).start()
    try:
        srv.wait_loaded(5)
        status = httpx.get(srv.url + "api/status").json()
        assert status["models"]["bad"] == {"status": "error", "error": "weights.bin not found"}
    finally:
        srv.stop()


def test_user_data_survives_a_restart(tmp_path):
    store = tmp_path / "s.sqlite"

    def start():
        return make_server({"keywords": FakeClassifier()}, sample_datasets(), port=_port(),
                           store=store, quiet=True).start()

    srv = start()
    try:
        srv.wait_loaded(5)
        base = srv.url.rstrip("/")
        r = httpx.post(base + "/api/datasets/sentiment/datapoints",
                       json={"example": {"text": "mine", "label": "positive"}})
        assert r.status_code == 201
        httpx.put(base + "/api/state/slices/sentiment.mine", json={"ids": [r.json()["id"]]})
    finally:
        srv.stop()
        srv.workspace.store.close()
    srv = start()
    try:
        srv.wait_loaded(5)
        base = srv.url.rstrip("/")
        rows = httpx.get(base + "/api/datasets/sentiment/rows", params={"offset": 16}).json()
        assert [r["text"] for r in rows["rows"]] == ["mine"]
        assert "sentiment.mine" in httpx.get(base + "/api/state/slices").json()
    finally:
        srv.stop()


def test_non_loopback_binding_prints_a_token(capsys, tmp_path):
    srv = make_server({}, {}, host="0.0.0.0", port=_port(), store=tmp_path / "s.sqlite")
    out = capsys.readouterr().out
    assert "?token=" in srv.url and "access token" in out
    with pytest.raises(ValueError, match="requires an access token"):
        make_server({}, {}, host="0.0.0.0", token="", port=_port(), quiet=True)


def test_cli_serve_names_a_bad_config(tmp_path, capsys):
    from lumos.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(["serve", str(tmp_path / "missing.py")])
    assert e.value.code == 2 and "missing.py" in capsys.readouterr().err
    cfg = tmp_path / "cfg.py"
    cfg.write_text("models = {}\n")
    with pytest.raises(SystemExit):
        main(["serve", str(cfg)])
    assert "`datasets`" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["demo", "sentiment"], ["serve", "CONFIG"]])
def test_a_port_in_use_is_said_before_serving_on_and_suggests_another(tmp_path, capsys,
                                                                        command):
    import socket

    from lumos.cli.main import main

    cfg = tmp_path / "cfg.py"
    cfg.write_text("models = {}\ndatasets = {}\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [str(cfg) if a == "CONFIG" else a for a in command]
        with pytest.raises(SystemExit) as e:
            main([*argv, "--port", str(port), "--store", str(tmp_path / "s.sqlite")]
                 if command[0] == "serve" else [*argv, "--port", str(port)])
    out, err = capsys.readouterr()
    assert e.value.code == 2 and "serving on" not in out
    assert f"--port: port {port} on 127.0.0.1 is in use" in err
    assert f"--port {port + 1}" in err
