"""Suite files: the shipped schema is closed at every level, and every malformed suite
is a SuiteError naming file, line, column and key (with "did you mean")."""

import textwrap

import pytest

from lumos.audit.suite import SuiteError, load_suite, schema

GOOD = textwrap.dedent("""\
    version: 1
    models:
      tfidf: {demo: "sentiment:tfidf-logreg"}
    datasets:
      tweets: {name: tweets, limit: 50}
    checks:
      - id: accuracy
        kind: quality
        metric: accuracy
        at_least: 0.5
        by: label
      - id: synonyms
        kind: robustness
        generator: synonyms
        options: {max_synonyms: 2}
        statistic: flip_rate
        at_most: 0.3
      - id: gender
        kind: fairness
        options: {group: gender}
        at_most: 0.05
    """)


def _objects(node, path="schema"):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for k, v in node.items():
            yield from _objects(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _objects(v, f"{path}[{i}]")


def test_schema_is_closed_at_every_level():
    objs = list(_objects(schema()))
    assert len(objs) > 10
    for path, obj in objs:
        assert "additionalProperties" in obj, path
        # closed, or a map whose values have a schema of their own (models, options)
        assert obj["additionalProperties"] is False or isinstance(
            obj["additionalProperties"], dict), path
        if obj["additionalProperties"] is not False:
            assert "properties" not in obj, path


def _write(tmp_path, text):
    p = tmp_path / "suite.yaml"
    p.write_text(text)
    return p


def test_good_suite_loads_with_defaults(tmp_path):
    suite = load_suite(_write(tmp_path, GOOD))
    checks = dict((c["id"], c) for _, c in suite.checks())
    assert checks["accuracy"]["pass_on"] == "interval"
    assert checks["accuracy"]["on_insufficient"] == "fail"
    assert checks["gender"]["generator"] == "group_swap"
    assert suite.where(("checks", 1, "statistic")).endswith("suite.yaml:16:5")
    assert len(suite.sha256) == 64


def _problem(tmp_path, text):
    with pytest.raises(SuiteError) as e:
        load_suite(_write(tmp_path, text))
    return str(e.value)


@pytest.mark.parametrize("old,new,expected", [
    ("    at_least: 0.5", "    at_lest: 0.5",
     "suite.yaml:10:5: checks[0].at_lest: unknown key; did you mean 'at_least'?"),
    ("    statistic: flip_rate", "    statistic: flip_rat",
     "suite.yaml:16:16: checks[1].statistic: 'flip_rat' is not one of"),
    ("    kind: quality", "    kind: qualty",
     "suite.yaml:8:11: checks[0].kind: 'qualty' is not one of"),
    ("    generator: synonyms", "    generator: synonym",
     "suite.yaml:14:16: checks[1].generator: no generator named 'synonym'; did you mean "
     "'synonyms'?"),
    ("{max_synonyms: 2}", "{max_synonym: 2}",
     "suite.yaml:15:15: checks[1].options.max_synonym: synonyms has no option "
     "'max_synonym'; did you mean 'max_synonyms'?"),
    ("    by: label", "    by: label\n    model: tfdf",
     "suite.yaml:12:12: checks[0].model: no model named 'tfdf' in models; did you mean "
     "'tfidf'?"),
    ("    by: label", "    by: label\n    generator: synonyms",
     "suite.yaml:12:5: checks[0].generator: not a key of a quality check"),
    ("version: 1", "version: 2", "suite.yaml:1:10: version: 2 is not one of 1"),
    ("  tfidf: {demo: \"sentiment:tfidf-logreg\"}",
     "  tfidf: {demo: x, path: y}",
     "suite.yaml:3:3: models.tfidf: give exactly one of demo, path, url"),
    ("    at_most: 0.05", "    at_mots: 0.05",
     "suite.yaml:21:5: checks[2].at_mots: unknown key; did you mean 'at_most'?"),
    ("  - id: synonyms", "  - id: accuracy",
     "suite.yaml:12:9: checks[1].id: id 'accuracy' is also check 0's"),
    ("    metric: accuracy\n", "",
     "suite.yaml:7:5: checks[0].metric: required key missing"),
    ("  tweets: {name: tweets, limit: 50}", "  tweets: {name: tweets, limit: 0}",
     "suite.yaml:5:33: datasets.tweets.limit: 0 is less than the minimum of 1"),
    ("    at_least: 0.5\n", "",
     "suite.yaml:7:5: checks[0]: give a threshold: at_least, at_most or both"),
    ("  tfidf: {demo: \"sentiment:tfidf-logreg\"}",
     "  tfidf: {path: model.pkl}",
     "suite.yaml:3:11: models.tfidf.path: a pickled model runs its own code"),
    ("    metric: accuracy", "    metric: accuracy\n    metric: f1",
     "suite.yaml:10:5: checks[0].metric: key given twice"),
    ("    by: label", "    by: [label",
     "suite.yaml:12:7: not valid YAML"),
])
def test_malformed_suite_names_line_and_key(tmp_path, old, new, expected):
    assert old in GOOD
    msg = _problem(tmp_path, GOOD.replace(old, new, 1))
    assert expected in msg, msg


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(SuiteError, match="nope.yaml: no such suite file"):
        load_suite(tmp_path / "nope.yaml")
    assert "must be a mapping" in _problem(tmp_path, "- 1\n- 2\n")


def test_trusted_pickle_is_accepted(tmp_path):
    text = GOOD.replace('{demo: "sentiment:tfidf-logreg"}', "{path: m.pkl, trust: true}")
    assert load_suite(_write(tmp_path, text)).data["models"]["tfidf"]["trust"] is True
