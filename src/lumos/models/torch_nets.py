"""Small PyTorch text classifiers (an example for the ``torch_module`` adapter and tests)."""

from __future__ import annotations

import torch
from torch import nn


class MeanEmbeddingClassifier(nn.Module):
    """Token ids -> embeddings -> masked mean -> tanh layer -> class logits."""

    def __init__(self, vocab_size: int, num_classes: int, dim: int = 32,
                 hidden: int = 32) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.hidden = nn.Linear(dim, hidden)
        self.out = nn.Linear(hidden, num_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                inputs_embeds: torch.Tensor | None = None) -> torch.Tensor:
        """``inputs_embeds`` (``[B, T, dim]``), when given, stands in for the embedding
        of ``input_ids``: the ``torch_module`` adapter's gradient path passes them so
        that no hook is needed and several threads can run it at once."""
        e = self.embedding(input_ids) if inputs_embeds is None else inputs_embeds
        m = attention_mask.unsqueeze(-1).to(e.dtype)
        pooled = (e * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.out(torch.tanh(self.hidden(pooled)))
