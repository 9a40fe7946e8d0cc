"""`lumos cache info | prune | clear`."""

import json
import shutil
from pathlib import Path

import pytest

from lumos.cli.main import main
from lumos.engine import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier, FakeRegressor

FIXTURE = Path(__file__).parents[1] / "store" / "fixtures" / "store_v1.sqlite"


@pytest.fixture
def store_file(tmp_path):
    path = tmp_path / "store.sqlite"
    store = Store(path)
    engine = Engine(store)
    engine.predict(FakeClassifier(), [{"text": "good"}, {"text": "bad"}], model_name="clf",
                   fields=["probas"])
    engine.predict(FakeRegressor(), [{"text": "good"}], model_name="reg",
                   fields=["prediction"])
    store.put_state("slices", "tweets/mine", {"dataset": "tweets", "ids": ["r1"]})
    store.close()
    return path


def test_info_names_each_model_and_its_size(store_file, capsys):
    assert main(["cache", "--store", str(store_file), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    by_name = {m["name"]: m for m in info["models"]}
    assert set(by_name) == {"clf", "reg"} and by_name["clf"]["rows"] == 2
    assert by_name["clf"]["bytes"] > 0
    assert main(["cache", "--store", str(store_file), "info"]) == 0
    assert "clf" in capsys.readouterr().out


def test_clear_one_model_keeps_the_others_and_what_the_user_saved(store_file, capsys):
    assert main(["cache", "--store", str(store_file), "clear", "--model", "clf"]) == 0
    assert "cleared 2 cached values of model 'clf'" in capsys.readouterr().out
    store = Store(store_file)
    assert [m["name"] for m in store.cache_info()["models"]] == ["reg"]
    assert store.get_state("slices", "tweets/mine") == {"dataset": "tweets", "ids": ["r1"]}
    store.close()


def test_clear_an_unknown_model_lists_the_cached_ones(store_file, capsys):
    with pytest.raises(SystemExit) as e:
        main(["cache", "--store", str(store_file), "clear", "--model", "nope"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--model: nothing cached for 'nope'" in err and "clf, reg" in err


def test_prune_drops_an_old_schemas_cache_and_models_unused_for_days(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, path)
    store = Store(path)
    Engine(store).predict(FakeClassifier(), [{"text": "good"}], model_name="clf",
                          fields=["probas"])
    store.close()
    capsys.readouterr()
    assert main(["cache", "--store", str(path), "prune", "--unused-days", "1"]) == 0
    assert "10 values from older schemas, 0 values of 0 models" in capsys.readouterr().out
    assert main(["cache", "--store", str(path), "prune", "--unused-days", "0"]) == 0
    assert "1 values of 1 models" in capsys.readouterr().out
    store = Store(path)
    assert store.count_outputs() == 0 and len(store.datapoints("films")) == 1
    store.close()


def test_maps_are_listed_under_the_name_their_model_was_used_by(tmp_path, capsys):
    from lumos.engine import Workspace
    from lumos.engine.interpret import explain
    from lumos.testing.linear import LinearTextModel

    path = tmp_path / "s.sqlite"
    store = Store(path)
    ws = Workspace({"linear": LinearTextModel()}, {}, engine=Engine(store))
    explain(ws, "linear", [{"text": "great film"}], "lime", {"n_samples": 16})
    explain(ws, "linear", [{"text": "great film"}], "gradient_norm")
    store.close()
    assert main(["cache", "--store", str(path), "info", "--json"]) == 0
    [m] = json.loads(capsys.readouterr().out)["models"]
    assert m["name"] == "linear"  # not the engine's default 'model' from LIME's predictions
    assert set(m["derived"]) == {"lime@1", "gradient_norm@1"}


def test_clear_takes_a_demo_name_for_the_demos_models(tmp_path, capsys):
    path = tmp_path / "store.sqlite"
    store = Store(path)
    engine = Engine(store)
    # the sentiment demo's models are cached under their own names
    engine.predict(FakeClassifier(), [{"text": "good"}], model_name="minilm-sentiment",
                   fields=["probas"])
    engine.predict(FakeRegressor(), [{"text": "good"}], model_name="reg",
                   fields=["prediction"])
    store.close()
    assert main(["cache", "--store", str(path), "clear", "--model", "sentiment"]) == 0
    assert "cleared 1 cached values of model 'sentiment'" in capsys.readouterr().out
    assert main(["cache", "--store", str(path), "info", "--json"]) == 0
    rows = {m["name"]: m["rows"] for m in json.loads(capsys.readouterr().out)["models"]}
    assert rows.get("minilm-sentiment", 0) == 0 and rows["reg"] == 1


def test_clearing_a_demo_with_nothing_cached_is_not_an_error(tmp_path, capsys):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    assert main(["cache", "--store", str(path), "clear", "--model", "sentiment"]) == 0
    assert "nothing cached for demo 'sentiment'" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:  # a name that is no demo and has no cache
        main(["cache", "--store", str(path), "clear", "--model", "sentimnt"])
    assert e.value.code == 2 and "nothing cached for 'sentimnt'" in capsys.readouterr().err
