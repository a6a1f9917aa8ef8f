"""Sleep-staging networks: SeqSleepNet and the paper's three baselines.

Every model follows :class:`SleepStagingModel` (see :mod:`seqsleepnet.models.base`):
a dataclass config, ``forward(x: (B, L, ...)) -> log-probabilities (B, L, 5)``
and declared capabilities: ``input_kind`` ("tf" or "raw"),
``separable_encoder`` (then ``encode_epochs`` / ``classify_sequences``),
``fixed_length`` and ``window_length``. Build them by name
with :func:`build_model`; save and load them with :func:`save_checkpoint` and
:func:`load_checkpoint`.
"""

from seqsleepnet.models.arnn import ARNN, ARNNConfig
from seqsleepnet.models.base import InputKind, ModelConfig, SleepStagingModel
from seqsleepnet.models.checkpoint import load_checkpoint, save_checkpoint
from seqsleepnet.models.deepsleepnet import DeepSleepNet, DeepSleepNetConfig
from seqsleepnet.models.encoder import EncoderModel, EpochEncoder, TFEncoderConfig
from seqsleepnet.models.loss import l2_parameters, l2_penalty, masked_cross_entropy
from seqsleepnet.models.multitask_arnn import MultitaskARNN, MultitaskARNNConfig
from seqsleepnet.models.registry import MODELS, build_model, count_parameters, list_models
from seqsleepnet.models.seqsleepnet import SeqSleepNet, SeqSleepNetConfig

__all__ = [
    "ARNN",
    "MODELS",
    "ARNNConfig",
    "DeepSleepNet",
    "DeepSleepNetConfig",
    "EncoderModel",
    "EpochEncoder",
    "InputKind",
    "ModelConfig",
    "MultitaskARNN",
    "MultitaskARNNConfig",
    "SeqSleepNet",
    "SeqSleepNetConfig",
    "SleepStagingModel",
    "TFEncoderConfig",
    "build_model",
    "count_parameters",
    "l2_parameters",
    "l2_penalty",
    "list_models",
    "load_checkpoint",
    "masked_cross_entropy",
    "save_checkpoint",
]
