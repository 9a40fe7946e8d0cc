"""Attention weights stay whole when several threads ask for them at once."""

import threading

from lumos.testing.tiny import TINY_BUILDERS


def test_concurrent_attention_requests_all_get_every_layer(tmp_path):
    model, _ = TINY_BUILDERS["hf_classifier"](tmp_path)
    assert model.config._attn_implementation == "sdpa"  # so the switch is exercised
    layers = model.config.num_hidden_layers
    errors, shapes = [], []

    def work(i):
        try:
            for _ in range(5):
                out = model.predict([{"text": f"example number {i} is fine"}],
                                    fields=["attention"])
                shapes.append(out[0]["attention"].shape[0])
        except Exception as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert shapes and set(shapes) == {layers}
    assert model.config._attn_implementation == model._base_attn
