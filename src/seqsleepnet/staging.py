"""SleepStager: the public inference API.

>>> from seqsleepnet import SleepStager               # doctest: +SKIP
>>> stager = SleepStager.default()                    # doctest: +SKIP
>>> result = stager.predict("night.edf")              # doctest: +SKIP
>>> result.to_frame().head()                          # doctest: +SKIP

A stager holds a trained model with everything it was trained with, its
:class:`~seqsleepnet.features.model_input.ModelInput`: the preprocessing
(channel roles, filters, rate, epoch length, STFT settings) and the
training-set normaliser, both read from the checkpoint. It reads a recording
(a path or an :class:`mne.io.Raw`) with that preprocessing, computes the
model input exactly as ``prepare`` did for training, encodes each epoch once,
runs the sequence model over windows of L epochs with stride 1 and
aggregates the windows per epoch (:mod:`seqsleepnet.inference`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import numpy.typing as npt

from seqsleepnet.encode_once import NightOutput, predict_encode_once
from seqsleepnet.errors import ChannelError, CheckpointError, ConfigError, check_option
from seqsleepnet.features.epoch_signal import epoch_signal
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.features.spectral_shape import SpectralReference, night_spectral_shape
from seqsleepnet.io.channels import ROLES
from seqsleepnet.io.survey import ChannelSurvey, survey_channels
from seqsleepnet.onnx_backend import OnnxParts, cached_checkpoint, remember_checkpoint
from seqsleepnet.period import main_sleep_period
from seqsleepnet.quality import assess_night
from seqsleepnet.result import StagingResult
from seqsleepnet.stages import UNSCORED

if TYPE_CHECKING:
    import mne

    from seqsleepnet.models.base import SleepStagingModel

# PyTorch is imported where a model is loaded or run: a stager whose onnxruntime graphs
# are cached (see seqsleepnet.onnx_backend) stages without it.

__all__ = [
    "BACKENDS",
    "DEFAULT_MODELS",
    "DEMO_WARNING",
    "Backend",
    "SleepStager",
    "bundled_model_for",
]

log = logging.getLogger(__name__)

Backend = Literal["auto", "torch", "onnxruntime"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)

# Bundled demonstration models by the roles they read (package data).
DEFAULT_MODELS: dict[tuple[str, ...], str] = {
    ("eeg", "eog", "emg"): "seqsleepnet-eeg-eog-emg.pt",
    ("eeg", "eog"): "seqsleepnet-eeg-eog.pt",
    ("eeg",): "seqsleepnet-eeg.pt",
}
DEMO_WARNING = (
    "using a bundled demonstration model trained on synthetic PSG only; it is NOT validated "
    "on real recordings. Pass --model (Python: SleepStager.from_checkpoint) with a model "
    "trained on real data for real use."
)
_warned = False

IN_BED_MARGIN_MINUTES = 30.0
"""Wake kept on each side of the sleep period, as ``prepare --in-bed`` keeps it."""
RECENTER_MIN_LEFT_OUT = 0.2
"""Share of a recording outside its in-bed span from which its bins are centred on the span."""


def _bundled(name: str) -> Path:
    return Path(str(resources.files("seqsleepnet").joinpath("resources", "models", name)))


def bundled_model_for(survey: ChannelSurvey) -> Path:
    """Checkpoint of the richest bundled model whose roles all have a usable channel.

    Parameters
    ----------
    survey : ChannelSurvey
        The recording's channels (:func:`seqsleepnet.io.survey.survey_channels`).

    Raises
    ------
    ChannelError
        If no bundled model fits (not even a usable EEG channel); the message
        says why each missing role's channels cannot carry it.
    """
    for roles, file_name in DEFAULT_MODELS.items():  # the richest model first
        if set(roles) <= set(survey.roles):
            return _bundled(file_name)
    survey.require(min(DEFAULT_MODELS, key=len), fix=_ROLE_FIX)
    raise ChannelError(f"{survey.source}: no bundled model fits its channels {survey.roles}")


_ROLE_FIX = (
    "name a channel with --eeg/--eog/--emg NAME (Python: eeg=NAME, ...) to use it anyway, or "
    "stage with a model that does not read that role (without --model, stage picks a bundled "
    "model that fits the usable channels)"
)


class SleepStager:
    """Stage PSG recordings with a trained model.

    Parameters
    ----------
    model : SleepStagingModel or None
        A trained model (eval mode is set here). None with cached onnxruntime
        graphs (``onnx``): the model is then loaded from ``checkpoint`` only
        if something needs it (the naive path).
    model_input : ModelInput
        The preprocessing and training-set normaliser the model was trained with.
    seq_len : int
        Window length L used at inference.
    backend : {"torch", "onnxruntime", "auto"}
        Runtime of the encode-once path (onnxruntime: models with a separable
        epoch encoder only). "auto" takes onnxruntime where the model allows
        it (faster per night, and a process that finds the graphs cached never
        imports PyTorch) and PyTorch otherwise; ``stager.backend`` tells
        which was taken.
    batch_size : int
        Windows per forward call (64 is fastest on 2 CPU cores).
    description : str
        What the model is, for reports.
    demo : bool
        True for the bundled demonstration models: a warning is logged once.
    onnx : OnnxParts, optional
        Opened onnxruntime graphs of the model (with ``model=None``).
    checkpoint : Path, optional
        The checkpoint the stager was loaded from.
    spectral_reference : SpectralReference, optional
        The spectral shapes of the model's training nights (bundled models):
        each staged night's distance from them is a quality measure.
    """

    def __init__(
        self,
        model: SleepStagingModel | None,
        model_input: ModelInput,
        *,
        seq_len: int = 20,
        backend: Backend = "torch",
        batch_size: int = 64,
        description: str = "",
        demo: bool = False,
        onnx: OnnxParts | None = None,
        checkpoint: Path | None = None,
        spectral_reference: SpectralReference | None = None,
    ) -> None:
        check_option("backend", backend, BACKENDS)
        automatic = backend == "auto"
        if automatic:
            separable = onnx is not None or (model is not None and model.separable_encoder)
            backend = "onnxruntime" if separable else "torch"
        self.spectral_reference = spectral_reference
        self._model = model
        self._checkpoint = checkpoint
        self.model_input = model_input
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.demo = demo
        self.backend = backend
        self._onnx = onnx
        if model is None:
            if onnx is None or checkpoint is None or backend != "onnxruntime":
                raise ConfigError(
                    "a stager without a model needs its onnxruntime graphs and its checkpoint"
                )
            self.description = description
            return
        if model_input.kind != model.input_kind or model_input.epoch_shape != model.epoch_shape:
            raise ConfigError(
                f"{model.name} reads {model.input_kind!r} input of shape {model.epoch_shape} per "
                f"epoch; the model input gives {model_input.kind!r} of {model_input.epoch_shape}"
            )
        model.eval()
        self.description = description or model.name
        if backend == "onnxruntime" and onnx is None:
            if not model.separable_encoder:
                raise ConfigError(
                    "the onnxruntime backend runs models with a separable epoch encoder; "
                    f"{model.name} has none, use backend='torch'"
                )
            try:
                self._onnx = OnnxParts.cached(model, seq_len=seq_len)
            except Exception as error:  # the exporter's or onnxruntime's own errors
                if not automatic:
                    raise
                log.warning(
                    "%s: exporting to onnxruntime failed (%s); staging with PyTorch instead",
                    self.description,
                    error,
                )
                self.backend = "torch"

    @property
    def model(self) -> SleepStagingModel:
        """The PyTorch model (loaded from the checkpoint on first use if staging needed none)."""
        if self._model is None:
            from seqsleepnet.models.checkpoint import load_trained

            assert self._checkpoint is not None  # __init__ checks it
            self._model = load_trained(self._checkpoint)[0]
        return self._model

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, *, backend: Backend = "auto", demo: bool = False
    ) -> SleepStager:
        """Load a stager from a checkpoint written by ``seqsleepnet train``.

        The stager reads recordings with the checkpoint's preprocessing and
        normaliser (``stager.preprocessing``), never with defaults. With the
        onnxruntime backend (``"auto"`` takes it for models with a separable
        epoch encoder) the first load of a checkpoint exports its graphs into
        the user cache (seconds, once); later loads of the same file open them
        without PyTorch (see :mod:`seqsleepnet.onnx_backend`).

        Raises
        ------
        CheckpointError
            If the file is not a usable checkpoint, lacks its preprocessing or
            normaliser, or they do not fit the model.
        """
        check_option("backend", backend, BACKENDS)
        source = Path(path)
        if backend != "torch" and (cached := cached_checkpoint(source)) is not None:
            return cls(  # the same file staged before: its graphs are cached, no PyTorch needed
                None,
                cached.model_input,
                seq_len=cached.seq_len,
                backend="onnxruntime",
                description=cached.description,
                demo=demo,
                onnx=cached.parts,
                checkpoint=source,
                spectral_reference=cached.spectral_reference,
            )
        from seqsleepnet.models.checkpoint import load_trained

        model, model_input, extra = load_trained(source)
        reference = None
        if "spectral_reference" in extra:
            try:
                reference = SpectralReference.from_dict(extra["spectral_reference"])
            except ConfigError as error:
                raise CheckpointError(f"{source}: stored {error}") from None
        stager = cls(
            model,
            model_input,
            seq_len=int(extra["seq_len"]),
            backend=backend,
            description=str(extra.get("description", model.name)),
            demo=demo,
            checkpoint=source,
            spectral_reference=reference,
        )
        if stager.backend == "onnxruntime":
            remember_checkpoint(
                source,
                model,
                model_input,
                seq_len=stager.seq_len,
                description=stager.description,
                spectral_reference=reference,
            )
        return stager

    @classmethod
    def default(cls, roles: Sequence[str] = ROLES, *, backend: Backend = "auto") -> SleepStager:
        """The bundled demonstration model for these roles (EEG+EOG+EMG, EEG+EOG or EEG)."""
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
        backend: Backend = "auto",
    ) -> SleepStager:
        """The bundled model that fits the channels of a PSG file (the richest that does)."""
        survey = survey_channels(path, named={"eeg": eeg, "eog": eog, "emg": emg})
        return cls.from_checkpoint(bundled_model_for(survey), backend=backend, demo=True)

    @property
    def preprocessing(self) -> Preprocessing:
        """How recordings are read and turned into model input (from the checkpoint)."""
        return self.model_input.preprocessing

    @property
    def roles(self) -> tuple[str, ...]:
        """Channel roles the model reads, in order."""
        return self.preprocessing.roles

    def read(
        self,
        raw_or_path: mne.io.BaseRaw | str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
    ) -> Recording:
        """Read and condition a recording with the model's preprocessing."""
        return self.preprocessing.read(raw_or_path, eeg=eeg, eog=eog, emg=emg)

    def predict(
        self,
        raw_or_path: mne.io.BaseRaw | str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
        encode_once: bool = True,
        on_phase: Callable[[str], None] | None = None,
        survey: ChannelSurvey | None = None,
    ) -> StagingResult:
        """Stage a night.

        Each role is read from the first channel that can carry it
        (:func:`~seqsleepnet.io.survey.survey_channels`); channels passed over
        and implausible named channels become quality flags of the result.

        Parameters
        ----------
        raw_or_path : mne.io.Raw, str or Path
            The recording, in memory (volts, as MNE keeps it) or as an EDF/BDF path.
        eeg, eog, emg : str, optional
            Channel names; by default the alias table picks them.
        encode_once : bool
            Encode each epoch once (fast); False runs every window through the
            whole model (the naive reference).
        on_phase : callable (str) -> None, optional
            Called as each phase ends, with its name: ``"read"``, ``"features"``
            and ``"model"`` (a progress display).
        survey : ChannelSurvey, optional
            The recording's channel survey, if already made (``stage`` makes
            it to choose the model); by default made here for the model's roles.

        Returns
        -------
        StagingResult

        Raises
        ------
        ChannelError
            A role of the model without a channel that can carry it.
        """
        phase_done = on_phase or (lambda name: None)
        self._warn_if_demo()
        if survey is None:
            survey = survey_channels(raw_or_path, self.roles, {"eeg": eeg, "eog": eog, "emg": emg})
        survey.require(self.roles, fix=_ROLE_FIX)
        names = {role: survey.picks[role] for role in self.roles}
        # what reading finds becomes quality flags of the result (recording.notes), not warnings
        recording = self.preprocessing.read(raw_or_path, **names, warn=False)
        phase_done("read")
        x, onsets = self.model_input.of_recording(recording)
        phase_done("features")
        output = self.predict_inputs(x, encode_once=encode_once)
        if (span := self._in_bed_span(output, onsets, recording)) is not None:
            log.info(
                "%s: bins centred again on the in-bed part, %.0f-%.0f s, and staged again",
                recording.name,
                *span,
            )
            x, onsets = self.model_input.of_recording(recording, center_on=span)
            output = self.predict_inputs(x, encode_once=encode_once)
        phase_done("model")
        inputs = x if self.model_input.kind == "tf" else None
        return self.result_of(
            recording, onsets, output, inputs=inputs, survey=survey, center_on=span
        )

    def _in_bed_span(
        self, output: NightOutput, onsets: npt.NDArray[np.float64], recording: Recording
    ) -> tuple[float, float] | None:
        """The in-bed span to centre a recording's bins on, if it is much shorter than it.

        A model whose preprocessing centres each bin on its median over the
        recording (``features.recording_center``) learnt from in-bed nights;
        in a day-long recording the median is the daytime's. The first staging
        then finds the main sleep period (:func:`main_sleep_period`), and the
        span from 30 minutes before to 30 minutes after it (as ``prepare
        --in-bed`` cuts a night) is the reference, when it leaves out at least
        :data:`RECENTER_MIN_LEFT_OUT` of the recording.
        """
        if not self.preprocessing.features.recording_center or onsets.size == 0:
            return None
        length = self.preprocessing.epoch_seconds
        asleep = output.log_probs.argmax(axis=1) > 0
        recorded = ~recording.in_gaps(onsets, length)
        period = main_sleep_period(asleep & recorded, length, scored=recorded)
        if period is None:
            return None
        margin = IN_BED_MARGIN_MINUTES * 60.0
        start = max(float(onsets[period[0]]) - margin, float(onsets[0]))
        end = min(float(onsets[period[1] - 1]) + length + margin, float(onsets[-1]) + length)
        inside = np.count_nonzero((onsets >= start) & (onsets + length <= end))
        if inside > (1 - RECENTER_MIN_LEFT_OUT) * onsets.size:
            return None
        return start, end

    def _spectral_distance(
        self, recording: Recording, center_on: tuple[float, float] | None
    ) -> dict[str, float] | None:
        """Per role, how far the night's spectral shape (of the in-bed span, when the bins
        were centred on one) lies from the training nights'."""
        if self.spectral_reference is None or self.model_input.kind != "tf":
            return None
        shape = night_spectral_shape(recording, self.preprocessing, center_on)
        distance = self.spectral_reference.distance(shape)
        return {role: float(d) for role, d in zip(recording.roles, distance, strict=True)}

    def result_of(
        self,
        recording: Recording,
        onsets: npt.NDArray[np.float64],
        output: NightOutput,
        *,
        inputs: npt.NDArray[np.float32] | None = None,
        survey: ChannelSurvey | None = None,
        center_on: tuple[float, float] | None = None,
    ) -> StagingResult:
        """Package the model output of a recording (the last step of :meth:`predict`).

        ``inputs`` (the normalised time-frequency input) and ``survey`` feed
        the quality flags; without them the distribution and channel checks
        are left out. What reading found (``recording.notes``: clipping,
        amplitude, EDF+D gaps) and spans of a channel that are not its role's
        signal (:mod:`seqsleepnet.features.epoch_signal`) are always
        flagged. ``center_on``: the in-bed span the bins were centred on.
        """
        probabilities = np.exp(output.log_probs).astype(np.float32)
        stages = probabilities.argmax(axis=1).astype(np.int8)
        gap = recording.in_gaps(onsets, self.preprocessing.epoch_seconds)  # EDF+D
        recorded = ~gap
        quality = assess_night(  # of the epochs that hold recorded signal
            stages[recorded],
            probabilities[recorded],
            epoch_length=self.preprocessing.epoch_seconds,
            roles=recording.roles,
            inputs=None if inputs is None else inputs if recorded.all() else inputs[recorded],
            channel_notes=survey.notes if survey is not None else None,
            spectral_distance=self._spectral_distance(recording, center_on),
            signal_notes=recording.notes,
            epoch_signal=epoch_signal(recording, self.preprocessing),
            start_time=recording.start_time,
            seq_len=self.seq_len,
            centred_hours=self._centred_hours(recording, onsets, center_on),
        )
        stages[gap] = UNSCORED  # no signal was recorded there
        probabilities[gap] = np.nan
        return StagingResult(
            stages=stages,
            probabilities=probabilities,
            onsets=onsets,
            attention=output.attention,
            name=recording.name,
            channels=recording.ch_names,
            roles=recording.roles,
            model=self.description,
            start_time=recording.start_time,
            epoch_length=self.preprocessing.epoch_seconds,
            quality=quality,
        )

    def _centred_hours(
        self,
        recording: Recording,
        onsets: npt.NDArray[np.float64],
        center_on: tuple[float, float] | None,
    ) -> float | None:
        """Hours of recorded signal each bin was centred on (None: no recording centering).

        The epochs of :meth:`Recording.recorded_within`, as
        :meth:`Preprocessing.model_input` takes the medians over.
        """
        if not self.preprocessing.features.recording_center:
            return None
        length = self.preprocessing.epoch_seconds
        inside = recording.recorded_within(onsets, length, center_on)  # (E,)
        return float(np.count_nonzero(inside)) * length / 3600.0

    def predict_inputs(
        self, x: npt.NDArray[np.float32], *, encode_once: bool = True
    ) -> NightOutput:
        """Model output for the normalised input (E, *epoch_shape) of one night.

        ``x`` is what ``stager.model_input.of_recording(recording)`` returns.
        """
        short = x.shape[0] < self.seq_len  # the graphs fix L: the model may take fewer
        if self._onnx is not None and encode_once and not (short and not self.model.fixed_length):
            return predict_encode_once(
                x,
                self._onnx.encode,
                self._onnx.classify,
                seq_len=self.seq_len,
                batch_size=self.batch_size,
                fixed_length=True,
            )
        from seqsleepnet.inference import predict_night

        return predict_night(
            self.model, x, self.seq_len, batch_size=self.batch_size, encode_once=encode_once
        )

    def _warn_if_demo(self) -> None:
        global _warned
        if self.demo and not _warned:
            log.warning(DEMO_WARNING)
            _warned = True
