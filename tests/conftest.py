import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def store(tmp_path):
    from lumos.store import Store

    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


@pytest.fixture
def engine(store):
    from lumos.engine import Engine

    return Engine(store)


#: a tiny audit suite on the fake keyword classifier and the sample sentiment sentences
#: (see ``fake_audit``): accuracy at least 0.95 fails (the keyword model misreads the
#: negations), at least 0.5 passes, and character noise flips some predictions
FAKE_SUITE = """\
version: 1
name: fake
seed: 1
models:
  keywords: {demo: "sentiment:tfidf-logreg"}
datasets:
  sentiment: {name: tweets}
checks:
  - id: accuracy-high
    kind: quality
    metric: accuracy
    at_least: 0.95
    pass_on: point
    min_count: 1
  - id: accuracy-low
    kind: quality
    metric: accuracy
    at_least: 0.5
    pass_on: point
    min_count: 1
  - id: noise
    kind: robustness
    generator: char_noise
    statistic: flip_rate
    at_most: 0.0
    pass_on: point
    min_count: 1
"""


@pytest.fixture
def fake_audit(tmp_path, monkeypatch):
    """``make(path)``: run ``FAKE_SUITE`` with its model and dataset replaced by
    ``lumos.testing.sample``'s (the ones the test servers serve, so fingerprints match)
    and write its JSON report to ``path``; returns the report."""
    import json
    from pathlib import Path

    import lumos.audit.run as audit_run
    from lumos.audit.report_json import write_json
    from lumos.audit.suite import load_suite
    from lumos.testing.sample import sample_datasets, sample_models

    monkeypatch.setattr(audit_run, "load_model", lambda suite, name: sample_models()[name])
    monkeypatch.setattr(audit_run, "load_dataset",
                        lambda suite, name: sample_datasets()[name])
    suite_path = tmp_path / "fake-suite.yaml"
    suite_path.write_text(FAKE_SUITE)

    def make(path):
        run = audit_run.run_suite(load_suite(suite_path), quiet=True)
        write_json(run, path)
        return json.loads(Path(path).read_text("utf-8"))

    return make


@pytest.fixture
def held():
    """``lumos.testing.held``'s generator (id ``test_held``) registered for this test;
    the fixture is its release event. A cancelled run ends as cancelled whatever the
    order in which the cancel and the release arrive."""
    from lumos.testing.held import held_generator

    with held_generator() as release:
        yield release
