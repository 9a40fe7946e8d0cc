"""Encoder-decoder models (``AutoModelForSeq2SeqLM``: T5, BART, Marian...).

``output_text`` holds the candidates of a beam search (``num_beams`` wide,
``num_return_sequences`` kept), each scored by its summed token log-probability,
recomputed by a teacher-forced pass so the score means the same for every decoding
setting. Attention (encoder self, decoder self, cross) and gradients refer to the top
candidate.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.model import EmbeddedBatch
from lumos.api.registry import register
from lumos.models.hf.base import HFModel, _torch, mean_pool, stack_attentions, trim, want
from lumos.models.hf.causal_lm import sequence_log_probs


@register("hf_seq2seq", kind="model")
class HFSeq2Seq(HFModel):
    """Sequence-to-sequence generation (translation, summarisation) with beam search."""

    auto_class = "AutoModelForSeq2SeqLM"
    task_name = "sequence-to-sequence"

    def __init__(self, path_or_name: Any = None, *, source_field: str = "source",
                 target_field: str = "target", num_beams: int = 4,
                 num_return_sequences: int = 2, max_new_tokens: int = 32,
                 batch_size: int = 8, **kwargs: Any) -> None:
        super().__init__(path_or_name, batch_size=batch_size, **kwargs)
        if num_return_sequences > num_beams:
            raise T.SpecError(f"num_return_sequences ({num_return_sequences}) must not "
                              f"exceed num_beams ({num_beams})")
        self.source_field = source_field
        self.target_field = target_field
        self.num_beams = num_beams
        self.num_return_sequences = num_return_sequences
        self.max_new_tokens = max_new_tokens
        self.pad_id = int(self.config.pad_token_id if self.config.pad_token_id is not None
                          else self.tokenizer.pad_token_id)
        self.start_id = int(self.config.decoder_start_token_id
                            if self.config.decoder_start_token_id is not None else self.pad_id)
        eos = self.config.eos_token_id
        self.eos_ids = {int(e) for e in (eos if isinstance(eos, list) else [eos])
                        if e is not None}

    def output_spec_key(self) -> str:
        return repr((sorted(self.output_spec()), self.num_beams, self.num_return_sequences,
                     self.max_new_tokens))

    def _layers_heads(self) -> tuple[int, int, int]:
        cfg = self.config
        enc = getattr(cfg, "num_layers", None) or getattr(cfg, "encoder_layers", None)
        dec = getattr(cfg, "num_decoder_layers", None) or getattr(cfg, "decoder_layers", None)
        heads = getattr(cfg, "num_heads", None) or getattr(cfg, "encoder_attention_heads", None)
        return int(enc), int(dec or enc), int(heads)

    # --- specs
    def input_spec(self) -> T.Spec:
        return {self.source_field: T.TextSegment(),
                self.target_field: T.TextSegment(required=False, description="reference")}

    def output_spec(self) -> T.Spec:
        n_enc, n_dec, heads = self._layers_heads()
        return {
            "output_text": T.GeneratedTextCandidates(parent=self.target_field),
            "source_tokens": T.Tokens(parent=self.source_field),
            "target_tokens": T.Tokens(parent="output_text",
                                      description="tokens of the top candidate"),
            "encoder_embedding": T.Embeddings(description="mean-pooled encoder output"),
            "encoder_attention": T.AttentionHeads(align_in="source_tokens",
                                                  align_out="source_tokens",
                                                  num_layers=n_enc, num_heads=heads,
                                                  kind="encoder"),
            "decoder_attention": T.AttentionHeads(align_in="target_tokens",
                                                  align_out="target_tokens",
                                                  num_layers=n_dec, num_heads=heads,
                                                  kind="decoder"),
            "cross_attention": T.AttentionHeads(align_in="source_tokens",
                                                align_out="target_tokens",
                                                num_layers=n_dec, num_heads=heads,
                                                kind="cross"),
        }

    # --- pieces
    def _encode(self, inputs: Sequence[Mapping[str, Any]]) -> Any:
        return self.tokenize([ex[self.source_field] for ex in inputs], padding=True,
                             truncation=True, max_length=self.max_length, return_tensors="pt",
                             return_token_type_ids=False)

    def _clean(self, row: Sequence[int]) -> list[int]:
        """Generated ids without the start token, cut after the first end token."""
        out: list[int] = []
        for t in list(row)[1:]:
            out.append(int(t))
            if t in self.eos_ids:
                break
        while out and out[-1] == self.pad_id and self.pad_id not in self.eos_ids:
            out.pop()
        return out

    def _generate(self, enc: Any) -> list[list[list[int]]]:
        """Per example, ``num_return_sequences`` candidate target id lists."""
        torch = _torch()
        with torch.inference_mode():
            seqs = self.model.generate(**enc, num_beams=self.num_beams,
                                       num_return_sequences=self.num_return_sequences,
                                       max_new_tokens=self.max_new_tokens, do_sample=False,
                                       early_stopping=True)
        rows = [self._clean(r) for r in seqs.tolist()]
        k = self.num_return_sequences
        return [rows[i * k:(i + 1) * k] for i in range(len(rows) // k)]

    def _decoder_batch(self, targets: list[list[int]]) -> tuple[Any, Any, Any]:
        """decoder_input_ids (start + shifted), labels and label mask, right-padded."""
        torch = _torch()
        width = max(1, max(len(t) for t in targets))
        dec = torch.full((len(targets), width), self.pad_id, dtype=torch.long)
        labels = torch.full_like(dec, self.pad_id)
        lmask = torch.zeros_like(dec)
        for i, t in enumerate(targets):
            dec[i, 0] = self.start_id
            if t:
                dec[i, 1:len(t)] = torch.tensor(t[:-1], dtype=torch.long)
                labels[i, :len(t)] = torch.tensor(t, dtype=torch.long)
                lmask[i, :len(t)] = 1
        return dec, labels, lmask

    def _score(self, enc: Any, candidates: list[list[list[int]]]) -> list[list[float]]:
        torch = _torch()
        k = self.num_return_sequences
        flat = [c for cands in candidates for c in cands]
        dec, labels, lmask = self._decoder_batch(flat)
        rep = {key: v.repeat_interleave(k, 0) for key, v in enc.items()}
        with torch.inference_mode():
            logits = self.model(**rep, decoder_input_ids=dec).logits
        lp = sequence_log_probs(logits, labels, lmask).tolist()
        return [lp[i * k:(i + 1) * k] for i in range(len(candidates))]

    def _top(self, enc: Any) -> list[list[int]]:
        """The best-scoring candidate of each example."""
        cands = self._generate(enc)
        scores = self._score(enc, cands)
        return [cs[max(range(len(ss)), key=lambda j: ss[j])]
                for cs, ss in zip(cands, scores, strict=True)]

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return ["output_text"]

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        """Source embeddings; ``forward_kwargs`` carries the top candidate as
        ``decoder_input_ids``; ``extra`` has its ``target_ids`` and ``target_tokens``."""
        torch = _torch()
        enc = self._encode(inputs)
        top = self._top(enc)
        dec, labels, lmask = self._decoder_batch(top)
        ids = enc["input_ids"]
        lengths = enc["attention_mask"].sum(1).tolist()
        special_ids = set(self.tokenizer.all_special_ids)
        special = torch.tensor([[t in special_ids for t in row] for row in ids.tolist()])
        special |= enc["attention_mask"] == 0
        with torch.no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(
            inputs_embeds=emb, input_ids=ids,
            forward_kwargs={"attention_mask": enc["attention_mask"], "decoder_input_ids": dec},
            tokens=self.tokens_of(ids, lengths), special=special,
            extra={"target_ids": labels, "target_mask": lmask,
                   "target_tokens": [self.tokenizer.convert_ids_to_tokens(t) for t in top]})

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        """Logits ``[B, T_target, V]`` of each target token given the source embeddings."""
        return self.model(inputs_embeds=inputs_embeds, **forward_kwargs).logits

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        enc = self._encode(inputs)
        cands = self._generate(enc)
        scores = self._score(enc, cands)
        results: list[dict[str, Any]] = []
        for cs, ss in zip(cands, scores, strict=True):
            texts = [self.tokenizer.decode(c, skip_special_tokens=True).strip() for c in cs]
            ranked = sorted(zip(texts, ss, strict=True), key=lambda x: -x[1])
            results.append({"output_text": [[t, float(s)] for t, s in ranked]})
        src_len = enc["attention_mask"].sum(1).tolist()
        src_tokens = self.tokens_of(enc["input_ids"], src_len)
        need_attn = bool(wanted & {"encoder_attention", "decoder_attention", "cross_attention"})
        need_pass = need_attn or bool(wanted & {"target_tokens", "encoder_embedding"})
        top: list[list[int]] = []
        for cs, ss in zip(cands, scores, strict=True):
            top.append(cs[max(range(len(ss)), key=lambda j: ss[j])])
        for i, r in enumerate(results):
            r["source_tokens"] = src_tokens[i]
            r["target_tokens"] = self.tokenizer.convert_ids_to_tokens(top[i])
        if not need_pass:
            return results
        dec, _, lmask = self._decoder_batch(top)
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, decoder_input_ids=dec, output_attentions=need_attn)
        pooled = mean_pool(out.encoder_last_hidden_state, enc["attention_mask"]).float().numpy()
        if need_attn:
            e_att = stack_attentions(out.encoder_attentions)
            d_att = stack_attentions(out.decoder_attentions)
            c_att = stack_attentions(out.cross_attentions)
        tgt_len = lmask.sum(1).tolist()
        for i, r in enumerate(results):
            ns, nt = src_len[i], max(1, tgt_len[i])
            r["encoder_embedding"] = pooled[i]
            if need_attn:
                r["encoder_attention"] = trim(e_att[i], ns, [2, 3])
                r["decoder_attention"] = trim(d_att[i], nt, [2, 3])
                r["cross_attention"] = trim(trim(c_att[i], nt, [2]), ns, [3])
        return results
