"""Offline, proven: every registered generator runs with network sockets blocked
(pytest-socket), its resources (WordNet, the spaCy pipeline, Faker's lists) loaded
afresh inside the block. Parametrised over the registry, so no generator is left out."""

import socket

import pytest
from pytest_socket import SocketBlockedError

from lumos.api import registry
from lumos.components.generators import tagger, wordnet
from lumos.components.generators.group_swap import name_lists
from lumos.engine import Engine
from lumos.engine.context import run_context
from lumos.store import Store

from .conftest import check_rows, generator_ids, model_for

# pytest-socket warns as it raises; the raise is what fails a generator that reaches out
pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")

TEXT = ("She said her brother John didn't like the great movie, but Emily gave it 42 "
        "stars and I think he is good.")


@pytest.mark.parametrize("gen_id", generator_ids())
@pytest.mark.timeout(300)
def test_runs_with_sockets_blocked(gen_id, socket_disabled):
    with pytest.raises(SocketBlockedError):  # the block is real
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    for cached in (wordnet.load, tagger.load, name_lists):
        cached.cache_clear()
    gen = registry.get("generator", gen_id)()
    cfg = gen.make_config(dict(gen.example_config))
    model = model_for(gen)
    rows = [{"id": "r", "text": TEXT, "label": "positive"}]
    ctx = run_context(Engine(Store(":memory:")), model=model,
                      dataset_spec=model.input_spec() if model is not None else None)
    results = gen.run(rows, ctx, config=cfg)
    check_rows(gen, cfg, rows, results)
    made = results[0].counterfactuals + gen.standalone(ctx, config=cfg)
    assert made, f"{gen_id} made nothing from an ordinary sentence"
