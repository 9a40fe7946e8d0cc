import pytest

from lumos.demos.base import get_demo
from lumos.testing.conformance import check_model


def test_prompts_dataset_is_valid_and_varied():
    from lumos.demos.generation import CATEGORIES, prompts_dataset

    ds = prompts_dataset()
    assert len(ds) >= 24
    rows = ds.examples(range(len(ds)))
    assert {r["category"] for r in rows} == set(CATEGORIES)
    assert sum(r["target"] is not None for r in rows) >= 10


def test_generation_demo_names_the_real_model():
    d = get_demo("generation")
    assert "SmolLM2" in d.description and "real" in d.description


def test_seq2seq_demo_says_random_and_runs(lumos_home):
    d = get_demo("seq2seq")
    assert "RANDOM WEIGHTS" in d.description
    models, datasets = d.build(progress=False)
    model = models["tiny-random-t5"]()
    exs = datasets["sources"].examples([0, 4])
    check_model(model, [{k: v for k, v in ex.items() if k != "_id"} for ex in exs])
    assert (lumos_home / "demos" / "seq2seq" / "tiny-random-t5" / "config.json").exists()


@pytest.mark.slow
def test_smollm2_answers_a_simple_question():  # loads 135 M parameters (~10-30 s)
    from lumos.demos.generation import load_smollm2

    model = load_smollm2(max_new_tokens=12)
    (out,) = model.predict([{"prompt": "What is the capital of France?"}])
    assert "Paris" in out["response"]
