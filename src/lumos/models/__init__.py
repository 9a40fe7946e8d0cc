"""Model adapters. Importing this package registers them (kind ``model``).

Each adapter imports its framework lazily, so a missing optional dependency only
matters when that adapter is used. ``load_model`` picks the adapter for a path or URL.
"""

from lumos.models.hf.causal_lm import HFCausalLM
from lumos.models.hf.classifier import HFClassifier
from lumos.models.hf.masked_lm import HFMaskedLM
from lumos.models.hf.multitask import MultiTaskModel
from lumos.models.hf.qa import HFQuestionAnswering
from lumos.models.hf.seq2seq import HFSeq2Seq
from lumos.models.hf.tagger import HFTagger
from lumos.models.keras import KerasClassifier
from lumos.models.load import load_model
from lumos.models.remote import RemoteModel
from lumos.models.sklearn import SklearnTextClassifier
from lumos.models.torch_module import TorchModuleClassifier

__all__ = ["HFCausalLM", "HFClassifier", "HFMaskedLM", "HFQuestionAnswering", "HFSeq2Seq",
           "HFTagger", "KerasClassifier", "MultiTaskModel", "RemoteModel",
           "SklearnTextClassifier", "TorchModuleClassifier", "load_model"]
