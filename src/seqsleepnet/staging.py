"""SleepStager: the public inference API.

>>> from seqsleepnet import SleepStager               # doctest: +SKIP
>>> stager = SleepStager.default()                    # doctest: +SKIP
>>> result = stager.predict("night.edf")              # doctest: +SKIP
>>> result.to_frame().head()                          # doctest: +SKIP

A stager holds a trained model with everything it was trained with: the
channel roles, the feature settings and the training-set normaliser. It reads
a recording (a path or an :class:`mne.io.Raw`), computes features, encodes
each epoch once, runs the sequence model over windows of L epochs with
stride 1 and aggregates the windows per epoch (:mod:`seqsleepnet.inference`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import mne
import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ChannelError, CheckpointError, ConfigError
from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.extract import recording_features
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.inference import NightOutput, predict_encode_once, predict_night
from seqsleepnet.io.channels import ROLES, match_roles
from seqsleepnet.io.edf import read_recording, recording_from_raw
from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.recording import Recording
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.checkpoint import load_checkpoint
from seqsleepnet.onnx_backend import OnnxParts
from seqsleepnet.result import StagingResult

__all__ = ["DEFAULT_MODELS", "DEMO_WARNING", "Backend", "SleepStager", "bundled_model_for"]

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnxruntime"]

# Bundled demonstration models by the roles they read (package data).
DEFAULT_MODELS: dict[tuple[str, ...], str] = {
    ("eeg", "eog", "emg"): "seqsleepnet-eeg-eog-emg.pt",
    ("eeg",): "seqsleepnet-eeg.pt",
}
DEMO_WARNING = (
    "using a bundled demonstration model trained on synthetic PSG only; it is NOT validated "
    "on real recordings. Pass --model (Python: SleepStager.from_checkpoint) with a model "
    "trained on real data for real use."
)
_warned = False


def _bundled(name: str) -> Path:
    return Path(str(resources.files("seqsleepnet").joinpath("resources", "models", name)))


def bundled_model_for(
    path: str | Path, *, eeg: str | None = None, eog: str | None = None, emg: str | None = None
) -> Path:
    """Checkpoint of the bundled model whose roles a PSG file has (all roles, else EEG only).

    Only the file's header is read.

    Raises
    ------
    ChannelError
        If not even an EEG channel is found (the message lists the channels).
    """
    names = [s.label for s in read_edf_header(path).data_signals]
    named = {"eeg": eeg, "eog": eog, "emg": emg}
    error: ChannelError | None = None
    for roles, file_name in DEFAULT_MODELS.items():  # the richest model first
        try:
            match_roles(names, roles, named, source=str(path))
        except ChannelError as mismatch:
            error = mismatch
            continue
        return _bundled(file_name)
    raise error or ChannelError(f"{path}: no bundled model fits its channels")


class SleepStager:
    """Stage PSG recordings with a trained model.

    Parameters
    ----------
    model : SleepStagingModel
        A trained model (eval mode is set here).
    normalizer : Normalizer
        Training-set feature statistics.
    roles : sequence of str
        Channel roles the model reads, in order (e.g. ``("eeg", "eog", "emg")``).
    seq_len : int
        Window length L used at inference.
    feature_config : FeatureConfig, optional
        Feature settings the model was trained with.
    backend : {"torch", "onnxruntime"}
        Runtime of the encode-once path (onnxruntime: models with a separable
        epoch encoder only).
    batch_size : int
        Windows per forward call (64 is fastest on 2 CPU cores).
    description : str
        What the model is, for reports.
    demo : bool
        True for the bundled demonstration models: a warning is logged once.
    """

    def __init__(
        self,
        model: SleepStagingModel,
        normalizer: Normalizer,
        *,
        roles: Sequence[str] = ROLES,
        seq_len: int = 20,
        feature_config: FeatureConfig | None = None,
        backend: Backend = "torch",
        batch_size: int = 64,
        description: str = "",
        demo: bool = False,
    ) -> None:
        if backend not in ("torch", "onnxruntime"):
            raise ConfigError(f"backend must be 'torch' or 'onnxruntime'; got {backend!r}")
        self.model = model.eval()
        self.normalizer = normalizer
        self.roles = tuple(roles)
        self.seq_len = seq_len
        self.feature_config = feature_config or FeatureConfig()
        self.batch_size = batch_size
        self.description = description or model.name
        self.demo = demo
        self.backend = backend
        self._onnx: OnnxParts | None = None
        if backend == "onnxruntime":
            if not model.separable_encoder:
                raise ConfigError(
                    "the onnxruntime backend runs models with a separable epoch encoder; "
                    f"{model.name} has none, use backend='torch'"
                )
            with tempfile.TemporaryDirectory() as folder:
                self._onnx = OnnxParts.export(model, Path(folder), seq_len=seq_len)

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, *, backend: Backend = "torch", demo: bool = False
    ) -> SleepStager:
        """Load a stager from a checkpoint written by ``seqsleepnet train``.

        Raises
        ------
        CheckpointError
            If the file is not a usable checkpoint or lacks the normaliser.
        """
        model, extra = load_checkpoint(path)
        try:
            normalizer = Normalizer.from_dict(extra["normalizer"])
            roles = tuple(extra["roles"])
            feature_config = FeatureConfig.from_dict(extra.get("feature_config", {}))
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(
                f"{path}: checkpoint lacks what staging needs ({error}); it must hold "
                "'normalizer' and 'roles' (as written by 'seqsleepnet train')"
            ) from None
        channels = getattr(model.config, "channels", len(roles))
        if not channels == len(roles) == normalizer.n_channels:
            raise CheckpointError(
                f"{path}: inconsistent checkpoint: the model reads {channels} channel(s), the "
                f"roles are {list(roles)} and the normaliser has {normalizer.n_channels}; "
                "re-create it with 'seqsleepnet train'"
            )
        seq_len = int(extra.get("seq_len", getattr(model.config, "seq_len", 20)))
        return cls(
            model,
            normalizer,
            roles=roles,
            seq_len=seq_len,
            feature_config=feature_config,
            backend=backend,
            description=str(extra.get("description", model.name)),
            demo=demo,
        )

    @classmethod
    def default(cls, roles: Sequence[str] = ROLES, *, backend: Backend = "torch") -> SleepStager:
        """The bundled demonstration model for these roles (EEG+EOG+EMG or EEG only)."""
        key = tuple(roles)
        if key not in DEFAULT_MODELS:
            raise ConfigError(
                f"no bundled model reads roles {list(key)}; bundled: "
                f"{[list(k) for k in DEFAULT_MODELS]}; pass your own with --model"
            )
        return cls.from_checkpoint(_bundled(DEFAULT_MODELS[key]), backend=backend, demo=True)

    @classmethod
    def for_recording(
        cls,
        path: str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
        backend: Backend = "torch",
    ) -> SleepStager:
        """The bundled model that fits the channels of a PSG file (all roles, else EEG only)."""
        checkpoint = bundled_model_for(path, eeg=eeg, eog=eog, emg=emg)
        return cls.from_checkpoint(checkpoint, backend=backend, demo=True)

    def read(
        self,
        raw_or_path: mne.io.BaseRaw | str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
    ) -> Recording:
        """Read a recording with the channels this model needs."""
        kwargs: dict[str, Any] = {"roles": self.roles, "eeg": eeg, "eog": eog, "emg": emg}
        if isinstance(raw_or_path, mne.io.BaseRaw):
            return recording_from_raw(raw_or_path, **kwargs)
        return read_recording(raw_or_path, **kwargs)

    def predict(
        self,
        raw_or_path: mne.io.BaseRaw | str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
        encode_once: bool = True,
    ) -> StagingResult:
        """Stage a night.

        Parameters
        ----------
        raw_or_path : mne.io.Raw, str or Path
            The recording, in memory (volts, as MNE keeps it) or as an EDF/BDF path.
        eeg, eog, emg : str, optional
            Channel names; by default the alias table picks them.
        encode_once : bool
            Encode each epoch once (fast); False runs every window through the
            whole model (the naive reference).

        Returns
        -------
        StagingResult
        """
        self._warn_if_demo()
        recording = self.read(raw_or_path, eeg=eeg, eog=eog, emg=emg)
        images, onsets = recording_features(recording, self.feature_config)
        output = self.predict_features(images, encode_once=encode_once)
        return self.result_of(recording, onsets, output)

    def result_of(
        self, recording: Recording, onsets: npt.NDArray[np.float64], output: NightOutput
    ) -> StagingResult:
        """Package the model output of a recording (the last step of :meth:`predict`)."""
        probabilities = np.exp(output.log_probs).astype(np.float32)
        return StagingResult(
            stages=probabilities.argmax(axis=1).astype(np.int8),
            probabilities=probabilities,
            onsets=onsets,
            attention=output.attention,
            name=recording.name,
            channels=recording.ch_names,
            roles=recording.roles,
            model=self.description,
            start_time=recording.start_time,
            epoch_length=self.feature_config.epoch_seconds,
        )

    def predict_features(
        self, images: npt.NDArray[np.float32], *, encode_once: bool = True
    ) -> NightOutput:
        """Model output for the (E, C, T, F) features of one night (not yet normalised)."""
        x = self.normalizer.transform(images)
        if self._onnx is not None and encode_once:  # ONNX graphs fix L: pad short nights
            return predict_encode_once(
                x,
                self._onnx.encode,
                self._onnx.classify,
                seq_len=self.seq_len,
                batch_size=self.batch_size,
                fixed_length=True,
            )
        if self.model.input_kind != "tf":
            raise ConfigError(f"{self.model.name} reads raw signals; stage it with train's tools")
        return predict_night(
            self.model, x, self.seq_len, batch_size=self.batch_size, encode_once=encode_once
        )

    def _warn_if_demo(self) -> None:
        global _warned
        if self.demo and not _warned:
            log.warning(DEMO_WARNING)
            _warned = True
