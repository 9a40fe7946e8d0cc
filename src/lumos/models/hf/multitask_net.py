"""The multi-task ``nn.Module``: a Hugging Face encoder plus one ``Linear`` per head."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lumos.models.hf.base import ModelLoadError, load_pretrained, mean_pool, resolve_source
from lumos.models.hf.multitask_head import ARCHITECTURE, Head


class MultiTaskNet(nn.Module):
    """Encoder + heads. ``forward`` returns ``{head name: logits}``, plus the encoder output
    under ``"_encoder"``. Classification heads read the mean-pooled last layer."""

    def __init__(self, encoder: Any, heads: Sequence[Head]) -> None:
        super().__init__()
        self.encoder = encoder
        self.head_specs = list(heads)
        hidden = encoder.config.hidden_size
        self.heads = nn.ModuleDict({h.name: nn.Linear(hidden, len(h.labels)) for h in heads})

    @property
    def config(self) -> Any:
        return self.encoder.config

    def get_input_embeddings(self) -> Any:
        return self.encoder.get_input_embeddings()

    def set_attn_implementation(self, impl: str) -> None:
        self.encoder.set_attn_implementation(impl)

    def forward(self, input_ids: Any = None, attention_mask: Any = None,
                inputs_embeds: Any = None, **kwargs: Any) -> dict[str, Any]:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           inputs_embeds=inputs_embeds, **kwargs)
        hidden = out.last_hidden_state
        mask = attention_mask if attention_mask is not None else \
            torch.ones(hidden.shape[:2], dtype=torch.long)
        pooled = mean_pool(hidden, mask)
        res: dict[str, Any] = {"_encoder": out}
        for h in self.head_specs:
            res[h.name] = self.heads[h.name](pooled if h.kind == "classification" else hidden)
        return res

    # --- persistence
    def save_pretrained(self, directory: str | os.PathLike[str], tokenizer: Any = None) -> None:
        from safetensors.torch import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(d / "encoder"))
        save_file({k: v.contiguous() for k, v in self.heads.state_dict().items()},
                  str(d / "heads.safetensors"))
        cfg = {"architectures": [ARCHITECTURE], "encoder": "encoder", "tokenizer": "tokenizer",
               "heads": [asdict(h) for h in self.head_specs]}
        (d / "config.json").write_text(json.dumps(cfg, indent=2))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(d / "tokenizer"))

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> MultiTaskNet:
        import transformers
        from safetensors.torch import load_file

        src = Path(resolve_source(directory))
        try:
            cfg = json.loads((src / "config.json").read_text())
            heads = [Head(name=h["name"], kind=h["kind"], labels=tuple(h["labels"]),
                          gold_field=h.get("gold_field", "")) for h in cfg["heads"]]
        except (KeyError, TypeError, json.JSONDecodeError) as e:
            raise ModelLoadError(f"{src / 'config.json'}: not a multi-task model config "
                                 f"({type(e).__name__}: {e})") from None
        enc_dir = src / cfg.get("encoder", "encoder")
        encoder = load_pretrained(transformers.AutoModel, resolve_source(enc_dir), "encoder")
        net = cls(encoder, heads)
        weights = src / "heads.safetensors"
        if not weights.exists():
            raise ModelLoadError(f"{weights}: head weights missing")
        net.heads.load_state_dict(load_file(str(weights)))
        return net.eval()
