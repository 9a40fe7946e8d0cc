"""Every registered generator, on inputs that break naive loops: empty, one word, one word
repeated, 10,000 words. Parametrised over the registry, so a new generator is included."""

import numpy as np
import pytest

from lumos.api import registry
from lumos.api.component import GENERATED_STATUSES
from lumos.engine import Engine
from lumos.engine.context import run_context
from lumos.store import Store

from .conftest import check_rows, generator_ids, model_for

VOCAB = ("the good movie was great and she said her brother John loved it , 42 times "
         "but I don't think he is right . Emily went home with Mark ; not bad !").split()


def long_text(n=10_000):
    rng = np.random.default_rng(0)
    return " ".join(rng.choice(VOCAB, size=n).tolist())


INPUTS = {
    "empty": "",
    "one_word": "great",
    "identical": " ".join(["good"] * 200),
    "ten_thousand": None,  # built lazily
}


@pytest.mark.parametrize("case", [
    "empty", "one_word", "identical",
    pytest.param("ten_thousand", marks=pytest.mark.slow),
])
@pytest.mark.parametrize("gen_id", generator_ids())
@pytest.mark.timeout(300)
def test_no_hang_no_crash(gen_id, case):
    gen = registry.get("generator", gen_id)()
    cfg = gen.make_config(dict(gen.example_config))
    model = model_for(gen)
    text = INPUTS[case] if INPUTS[case] is not None else long_text()
    rows = [{"id": "r", "text": text, "label": "positive"}]
    ctx = run_context(Engine(Store(":memory:")), model=model,
                      dataset_spec=model.input_spec() if model is not None else None)
    results = gen.run(rows, ctx, config=cfg)
    check_rows(gen, cfg, rows, results)
    [res] = results
    assert res.status in GENERATED_STATUSES
    if case == "empty":
        assert res.counterfactuals == [] and res.status in ("no_change", "skipped")
    budget = getattr(cfg, "budget", None)
    if budget is not None:
        assert res.notes.get("candidates", 0) <= budget
    if case == "ten_thousand" and gen_id in ("word_replace", "synonyms", "char_noise"):
        assert res.counterfactuals  # long texts still get outputs
