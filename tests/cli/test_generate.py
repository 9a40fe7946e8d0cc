"""`lumos generate` on the bundled tweets with the sentiment demo's TF-IDF model: the rows
file, the statistics sidecar (equal to ``run_statistics`` on the same run from Python),
the printed headline, and the flag errors."""

import contextlib
import csv
import io
import json

import numpy as np
import orjson
import pytest

from lumos.cli.main import main

MODEL = "sentiment:tfidf-logreg"
RULES = "help -> hurt; thanks -> no thanks; great -> terrible; love -> hate; you -> they"
LIMIT = "20"


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def word_replace(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("wr") / "cf.jsonl"
    argv = ["generate", "--model", MODEL, "--dataset", "tweets", "--limit", LIMIT,
            "--generator", "word_replace", "--option", f"rules={RULES}", "--quiet",
            "--out", str(out)]
    buf = io.StringIO()  # a module-scoped fixture cannot use capsys
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    side = json.loads((out.parent / "cf.stats.json").read_text())
    return rows, side, buf.getvalue()


@pytest.mark.timeout(600)
def test_word_replace_rows_carry_provenance_prediction_change_and_validity(word_replace):
    rows, side, _ = word_replace
    assert len(rows) >= 3  # "you", "help", "thanks" occur in the first 20 tweets
    for r in rows:
        assert r["generator"] == "word_replace" and r["version"] == side["version"]
        assert r["config_hash"] == side["config_hash"]
        assert r["parent"] and r["parent"] != r["id"]
        # the spans rebuild the text from the parent's
        text = r["parent:text"]
        for c in sorted(r["changes"], key=lambda c: -c["start"]):
            assert text[c["start"]:c["end"]] == c["old"]
            text = text[:c["start"]] + c["new"] + text[c["end"]:]
            assert c["old"].lower() in {"help", "thanks", "great", "love", "you"}
        assert text == r["text"]
        probas = np.array([r["probas:negative"], r["probas:neutral"], r["probas:positive"]])
        assert probas.sum() == pytest.approx(1.0, abs=1e-5)
        assert r["probas:label"] == ("negative", "neutral", "positive")[probas.argmax()]
        assert r["probas:flipped"] == (r["probas:label"] != r["probas:parent_label"])
        assert r["label"] in ("negative", "neutral", "positive")  # gold kept
        assert r["valid"] in (True, False, None)
        assert set(r["failed_checks"]) == {k for k, v in r["validity"].items()
                                           if v == "failed"}
        if r["failed_checks"]:
            assert r["valid"] is False


@pytest.mark.timeout(600)
def test_sidecar_equals_run_statistics_of_the_same_run_from_python(home, word_replace):
    import lumos
    from lumos.cli.common import resolve_dataset, resolve_model
    from lumos.engine.counterfactual_stats import run_statistics

    rows, side, _ = word_replace
    _, ds = resolve_dataset("tweets", limit=int(LIMIT))
    _, model = resolve_model(MODEL)
    run = lumos.generate(None, model, ds, "word_replace", {"rules": RULES})
    assert [r["id"] for r in run.rows] == [r["id"] for r in rows]
    expected = orjson.loads(orjson.dumps(run_statistics(run, model)))
    assert side["statistics"] == expected
    assert side["summary"] == run.summary()
    # and the numbers agree with the rows file: the parents with a flipped child
    flipped = {r["parent"] for r in rows if r["probas:flipped"]}
    raw = side["statistics"]["raw"]["flip_rate"]
    assert raw["flipped_parents"] == len(flipped)
    assert raw["parents"] == len({r["parent"] for r in rows})


@pytest.mark.timeout(600)
def test_headline_prints_the_flip_rate_and_accuracy_drop_raw_and_filtered(word_replace):
    _, side, out = word_replace
    fr = side["statistics"]["raw"]["flip_rate"]
    wc = fr["worst_case"]
    # the headline names each denominator: n = originals with a counterfactual, of all
    assert (f"all rows: flip rate {100 * wc['estimate']:.1f}% [{100 * wc['low']:.1f}%, "
            f"{100 * wc['high']:.1f}%] ({fr['flipped_parents']} flipped of "
            f"n = {fr['parents']} originals with a counterfactual, of {LIMIT} originals; "
            "Wilson 95%)") in out
    vfr = side["statistics"]["valid"]["flip_rate"]
    assert (f"({vfr['flipped_parents']} flipped of n = {vfr['parents']} originals with a "
            f"counterfactual in this view, of {LIMIT} originals") in out
    assert side["statistics"]["originals"] == int(LIMIT)
    acc = side["statistics"]["raw"]["accuracy"]
    assert f"all rows: accuracy {100 * acc['original']['estimate']:.1f}% -> " in out
    assert f"n = {acc['parents']} originals with a counterfactual)" in out
    assert "drop" in out and "cf.stats.json" in out


def test_headline_names_the_attack_summarys_denominators():
    from lumos.cli.generate import headline
    from lumos.engine import counterfactual_stats as cs

    # 200 attacks, 43 skipped, 29 failed, 128 succeeded (TextAttack's worked example)
    att = cs.attack_summary(["skipped"] * 43 + ["failed"] * 29 + ["succeeded"] * 128)
    stats = {"confidence": 0.95, "attack_summary": att.to_json()}
    summary = {"validity": {"valid": 128, "invalid": 0, "unknown": 0},
               "failed_checks": {}, "parents": 200}
    out = "\n".join(headline(stats, summary, att.table()))
    assert ("attack summary (TextAttack's definitions; n = 200 originals for the "
            "accuracies, n = succeeded + failed = 157 for the success rate and queries, "
            "skipped 43 excluded):") in out
    assert "  Attack success rate:" in out and "81.53%" in out
    assert "(Wilson 95%, n = 157)" in out


@pytest.mark.timeout(600)
def test_ablation_flips_end_to_end_to_csv(home, tmp_path, capsys):
    out = tmp_path / "flips.csv"
    code, stdout, _ = _run(["generate", "--model", MODEL, "--dataset", "tweets", "--limit",
                            LIMIT, "--generator", "ablation_flips", "--option",
                            "max_set_size=2", "--quiet", "--out", str(out)], capsys)
    assert code == 0
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    side = json.loads((tmp_path / "flips.stats.json").read_text())
    assert side["config"]["max_set_size"] == 2
    assert rows and len(rows) == side["summary"]["rows"]
    for r in rows:
        # every row is a flip made by removing at most two words
        assert r["probas:flipped"] == "true"
        changes = json.loads(r["changes"])
        assert 1 <= len(changes) <= 2 and all(c["new"] == "" for c in changes)
        assert len(r["text"]) < len(r["parent:text"])
    fr = side["statistics"]["raw"]["flip_rate"]
    assert fr["flipped_parents"] == fr["parents"] == len({r["parent"] for r in rows})
    assert fr["worst_case"]["estimate"] == 1.0
    assert "all rows: flip rate 100.0%" in stdout


def test_list_shows_every_generator_with_tasks_and_options(capsys):
    from lumos.api import registry

    code, out, _ = _run(["generate", "--list"], capsys)
    assert code == 0
    for gid in registry.available("generator"):
        assert any(line.startswith(f"{gid}  (") for line in out.splitlines()), gid
    block = out.split("ablation_flips  (")[1].split("\n", 1)
    assert "tasks: classification;" in block[0] and "needs a model" in block[0]
    assert "    max_set_size=3  largest number of words removed together" in block[1]


def test_unknown_generator_says_did_you_mean_and_lists_them(capsys, tmp_path):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--generator",
                  "synonym", "--out", str(tmp_path / "cf.jsonl")], capsys)
    assert "--generator: no generator named 'synonym'; did you mean 'synonyms'?" in err
    assert "word_replace" in err and "ablation_flips" in err


def test_unknown_config_key_lists_the_known_ones(capsys, tmp_path):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--generator",
                  "ablation_flips", "--option", "max_set=2", "--out",
                  str(tmp_path / "cf.jsonl")], capsys)
    assert "--option: ablation_flips has no option 'max_set'" in err
    assert "did you mean 'max_set_size'?" in err and "budget" in err


@pytest.mark.parametrize(("item", "message"), [
    ("max_set_size=abc", "option 'max_set_size' must be an integer, got 'abc'"),
    ("max_set_size=0", "--option: ablation_flips: bad config"),
    ("max_set_size", "--option: expected KEY=VALUE (an option of ablation_flips)"),
])
def test_bad_config_values_name_the_flag(capsys, tmp_path, item, message):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--generator",
                  "ablation_flips", "--option", item, "--out", str(tmp_path / "cf.jsonl")],
                 capsys)
    assert message in err and "--option" in err


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("generator", "message"), [
    ("masked_lm", "--option: masked_lm: config option 'mlm' is empty"),
    ("word_replace", "--option: word_replace: config option 'rules' is empty"),
])
def test_options_a_generator_checks_when_it_runs_name_the_flag(home, capsys, tmp_path,
                                                               generator, message):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--limit", "2",
                  "--generator", generator, "--out", str(tmp_path / "cf.jsonl")], capsys)
    assert message in err and "set it with --option KEY=VALUE" in err


@pytest.mark.timeout(600)
def test_an_unknown_reference_class_lists_the_models_classes(home, capsys, tmp_path):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--limit", "2",
                  "--generator", "ablation_flips", "--reference", "positve", "--out",
                  str(tmp_path / "cf.jsonl")], capsys)
    assert ("--reference: 'positve' is not a class of model 'tfidf-logreg' (classes: "
            "negative, neutral, positive)") in err


def test_lumos_generate_is_the_engines_and_documented():
    import lumos
    from lumos.engine.generate import generate

    assert lumos.generate is generate
    assert "lumos.generate" in generate.__doc__ and "run_statistics" in generate.__doc__


def test_missing_out_and_bad_suffix_name_the_flag(capsys, tmp_path):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--generator",
                  "ablation_flips"], capsys)
    assert "--out: required (or use --list" in err
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--generator",
                  "ablation_flips", "--out", str(tmp_path / "cf.txt")], capsys)
    assert "--out:" in err and ".jsonl, .csv, .parquet" in err


@pytest.mark.timeout(600)
def test_incompatible_generator_says_why_and_lists_compatible_ones(home, capsys, tmp_path):
    err = _error(["generate", "--model", MODEL, "--dataset", "tweets", "--limit", "2",
                  "--generator", "hotflip", "--out", str(tmp_path / "cf.jsonl")], capsys)
    assert "--generator: hotflip cannot run on model 'tfidf-logreg':" in err
    compatible = err.split("generators that can: ")[1].strip().split(", ")
    assert "ablation_flips" in compatible and "word_replace" in compatible
    assert "hotflip" not in compatible


def test_config_file_and_generator_options(config, tmp_path, capsys):
    """--config is the models/datasets file, as in every command; --option sets the
    generator's options."""
    out = tmp_path / "cf.parquet"
    code, stdout, _ = _run(["generate", "--config", str(config), "--model", "clf",
                            "--dataset", "reviews", "--generator", "word_replace",
                            "--option", "rules=good -> bad", "--quiet", "--out", str(out)],
                           capsys)
    assert code == 0
    import pyarrow.parquet as pq

    t = pq.read_table(out).to_pylist()
    assert [r["text"] for r in t] == ["bad movie", "bad bad fun"]
    assert all(r["parent_status"] == "ok" for r in t)
    assert "generated 2 counterfactuals from 6 rows of reviews" in stdout


def test_a_generator_option_given_to_config_says_to_use_option(config, tmp_path, capsys):
    err = _error(["generate", "--model", "clf", "--dataset", "reviews",
                  "--config", "rules=good -> bad", "--generator", "word_replace",
                  "--out", str(tmp_path / "cf.jsonl")], capsys)
    assert "--config: takes the Python file" in err and "--option KEY=VALUE" in err


@pytest.mark.timeout(600)
def test_greedy_attack_prints_textattacks_summary(home, tmp_path, capsys):
    out = tmp_path / "attack.parquet"
    code, stdout, _ = _run(["generate", "--model", MODEL, "--dataset", "tweets", "--limit",
                            LIMIT, "--generator", "greedy_attack", "--quiet", "--out",
                            str(out)], capsys)
    assert code == 0
    import pyarrow.parquet as pq

    rows = pq.read_table(out).to_pylist()
    att = json.loads((tmp_path / "attack.stats.json").read_text())["statistics"][
        "attack_summary"]
    n = int(LIMIT)
    assert att["total"] == n == att["succeeded"] + att["failed"] + att["skipped"]
    # a successful attack is a parent with a flipped counterfactual in the rows file
    assert att["succeeded"] == len({r["parent"] for r in rows if r["probas:flipped"]})
    assert att["original_accuracy"] == pytest.approx(100 * (n - att["skipped"]) / n)
    assert att["accuracy_under_attack"] == pytest.approx(100 * att["failed"] / n)
    assert f"  {'Number of successful attacks:':<32}{att['succeeded']}" in stdout
    assert f"  {'Original accuracy:':<32}{att['original_accuracy']:.2f}%" in stdout
    assert f"  {'Attack success rate:':<32}{att['success_rate']:.2f}%" in stdout


@pytest.mark.timeout(600)
def test_group_swap_prints_the_gap_per_direction_with_its_verdict(home, tmp_path, capsys):
    out = tmp_path / "swap.jsonl"
    code, stdout, _ = _run(["generate", "--model", MODEL, "--dataset", "tweets", "--limit",
                            LIMIT, "--generator", "group_swap", "--option", "group=custom",
                            "--option", "groups=second: you, your\\nthird: they, their",
                            "--min-pairs", "3", "--quiet", "--out", str(out)], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    gaps = json.loads((tmp_path / "swap.stats.json").read_text())["statistics"]["raw"][
        "group_gap"]
    assert set(gaps) == {json.loads(r["meta"])["direction"] for r in rows}
    assert {"second->third", "third->second"} <= set(gaps)
    for d, g in gaps.items():
        assert g["min_pairs"] == 3
        pairs = len({r["parent"] for r in rows if json.loads(r["meta"])["direction"] == d})
        assert g["pairs"] == pairs
        line = next(x for x in stdout.splitlines()
                    if x.startswith(f"all rows: group gap {d} (positive score): "))
        assert f"(n = {pairs} originals with a swap {d}) -> {g['verdict']}" in line
        if pairs < 3:
            assert g["verdict"] == "not enough evidence"


def test_a_regressor_gets_its_rows_and_changes_but_no_classifier_statistics(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "reg_config.py"
    cfg.write_text("from lumos.testing.fakes import FakeRegressor\n"
                   "import pyarrow as pa\n"
                   "from lumos.api import types as T\n"
                   "from lumos.datasets import from_table\n"
                   "models = {'reg': FakeRegressor}\n"
                   "datasets = {'notes': from_table(pa.table({'text': ['a good day', 'no']}),"
                   " spec={'text': T.TextSegment()})}\n")
    out = tmp_path / "cf.jsonl"
    code, stdout, err = _run(["generate", "--config", str(cfg), "--model", "reg",
                              "--dataset", "notes", "--generator", "word_replace",
                              "--option", "rules=good -> very good", "--quiet", "--out",
                              str(out)], capsys)
    assert code == 0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["text"] == "a very good day"
    # FakeRegressor predicts words / 10: one more word, +0.1
    assert row["prediction"] == pytest.approx(0.4)
    assert row["prediction:parent"] == pytest.approx(0.3)
    assert row["prediction:delta"] == pytest.approx(0.1)
    side = json.loads((tmp_path / "cf.stats.json").read_text())
    assert side["statistics"] is None and side["summary"]["rows"] == 1
    assert "statistics are computed for classifiers" in side["statistics_note"]
    assert "regression model" in err and "wrote 1 rows" in stdout


@pytest.mark.timeout(600)
def test_sample_draws_the_parents_with_the_seed(home, tmp_path, capsys):
    def parents(seed):
        out = tmp_path / f"s{seed}.jsonl"
        code, _, _ = _run(["generate", "--model", MODEL, "--dataset", "tweets", "--sample",
                           "12", "--seed", str(seed), "--generator", "char_noise",
                           "--option", "outputs=1", "--quiet", "--out", str(out)], capsys)
        assert code == 0
        side = json.loads((tmp_path / f"s{seed}.stats.json").read_text())
        assert side["summary"]["parents"] == 12 and side["statistics"]["seed"] == seed
        return {json.loads(line)["parent"] for line in out.read_text().splitlines()}

    first = parents(1)
    assert first and first == parents(1) and first != parents(2)


def test_a_dataset_column_named_like_a_provenance_column_keeps_both(tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "meta_config.py"
    cfg.write_text("import pyarrow as pa\n"
                   "from lumos.api import types as T\n"
                   "from lumos.datasets import from_table\n"
                   "from lumos.testing.fakes import FakeClassifier\n"
                   "models = {'clf': FakeClassifier}\n"
                   "datasets = {'d': from_table(pa.table({'text': ['good film'], "
                   "'meta': ['from a blog']}), spec={'text': T.TextSegment(), "
                   "'meta': T.CategoryLabel(required=False)})}\n")
    out = tmp_path / "cf.jsonl"
    code, _, _ = _run(["generate", "--config", str(cfg), "--model", "clf", "--dataset", "d",
                       "--generator", "word_replace", "--option", "rules=good -> bad",
                       "--quiet", "--out", str(out)], capsys)
    assert code == 0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["input:meta"] == "from a blog"
    assert json.loads(row["meta"])["rule"] == "good"
