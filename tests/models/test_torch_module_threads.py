"""The torch-module adapter's gradient path shares nothing between threads.

Until d69ab88 ``forward_from_embeds`` put the given embeddings in place through a forward
hook on the module's embedding layer, which every thread's forward runs through: with
two calls in flight, both forwards ran both hooks and one thread got the other's
embeddings ("differentiated tensor not used in the graph", or a silently wrong map when
the shapes matched). The net below makes both calls be inside ``forward`` at once, past
the embedding layer, so that race happens on every run of the old code.
"""

import threading

import numpy as np
import pytest
import torch

from lumos.models.hf.base import gradient_wrt_embeddings
from lumos.models.torch_module import TorchModuleClassifier
from lumos.models.torch_nets import MeanEmbeddingClassifier

VOCAB = ["[PAD]", "[UNK]", "good", "bad", "movie", "day", "very", "not", "fun", "plot"]
LABELS = ("negative", "positive")
#: different lengths, so one thread's embeddings cannot fit the other's graph by shape
TEXTS = [["good movie"], ["very bad day not fun at all"]]


class BothInForward(MeanEmbeddingClassifier):
    """Waits, before and after its embedding layer, until two forwards are there."""

    def __init__(self) -> None:
        super().__init__(len(VOCAB), len(LABELS), dim=8, hidden=8)
        self.gate: threading.Barrier | None = None

    def forward(self, input_ids, attention_mask, inputs_embeds=None):
        if self.gate is not None:
            self.gate.wait()
        e = self.embedding(input_ids) if inputs_embeds is None else inputs_embeds
        if self.gate is not None:
            self.gate.wait()  # both embedding lookups (and any hooks on them) have run
        m = attention_mask.unsqueeze(-1).to(e.dtype)
        pooled = (e * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.out(torch.tanh(self.hidden(pooled)))


def gradients(model, texts):
    batch = [{"text": t} for t in texts]
    return gradient_wrt_embeddings(
        model.embed(batch), lambda e, **kw: model.forward_from_embeds(None, e, **kw), [1])


@pytest.mark.timeout(60)
def test_two_threads_in_forward_at_once_each_get_their_own_gradients():
    torch.manual_seed(0)
    net = BothInForward()
    model = TorchModuleClassifier(module=net, vocab=VOCAB, labels=LABELS)
    alone = [gradients(model, texts) for texts in TEXTS]
    net.gate = threading.Barrier(2, timeout=20)
    got: list = [None, None]
    errors: list = []

    def run(k):
        try:
            got[k] = gradients(model, TEXTS[k])
        except Exception as e:  # reported below, with the thread it came from
            errors.append((k, e))
            net.gate.abort()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for g, a in zip(got, alone, strict=True):
        np.testing.assert_allclose(g, a, rtol=1e-5, atol=1e-7)


def test_a_module_that_takes_inputs_embeds_is_concurrent_and_one_without_is_not():
    class NoEmbedsArg(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = MeanEmbeddingClassifier(len(VOCAB), len(LABELS), dim=8, hidden=8)

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids, attention_mask)

    explicit = TorchModuleClassifier(module=BothInForward(), vocab=VOCAB, labels=LABELS)
    hooked = TorchModuleClassifier(module=NoEmbedsArg(), vocab=VOCAB, labels=LABELS)
    assert explicit.concurrent_fields() == set(explicit.output_spec())
    assert "probas" not in hooked.concurrent_fields()  # its gradient path needs the hook
    # both paths give the same gradients as the module's own embedding lookup
    hooked.module.inner.load_state_dict(explicit.module.state_dict())
    np.testing.assert_allclose(gradients(hooked, TEXTS[1]), gradients(explicit, TEXTS[1]),
                               rtol=1e-6)
