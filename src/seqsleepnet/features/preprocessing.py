"""How a recording becomes model input: one serialised object, stated once.

:class:`Preprocessing` holds the channel roles, the signal conditioning
(filters), the target rate, the epoch length and the STFT settings. It is
written by ``prepare`` into the cache manifest, copied into every checkpoint
and used by the stager, so that a model is always staged with the settings it
was trained with. The numbers that shape model input (channels, 29 frames,
129 bins, 3000 samples per epoch at 100 Hz) are derived from it here and
nowhere typed a second time.

It is also the one path from a file to model input, used by ``prepare``,
training, cross-validation and :class:`~seqsleepnet.staging.SleepStager`::

    recording = prep.read("night.edf")            # io reads, features conditions
    x, onsets = prep.model_input(recording, "tf")  # (E, C, 29, 129), (E,)

>>> prep = Preprocessing()
>>> prep.input_shape("tf")
(3, 29, 129)
>>> Preprocessing.from_dict(prep.to_dict()) == prep
True
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, FileFormatError, check_option
from seqsleepnet.features.config import ConditioningConfig, FeatureConfig
from seqsleepnet.io.channels import ROLES, parse_roles

if TYPE_CHECKING:
    import mne

    from seqsleepnet.features.recording import Recording

# The reading and signal-processing code (MNE, SciPy's filters) is imported where it is
# used, so that reading, checking or printing settings stays light.

__all__ = ["INPUT_ARRAYS", "InputKind", "Preprocessing"]

InputKind = Literal["tf", "raw"]
"""What a model reads per epoch: ``"tf"`` images (C, T, F) or ``"raw"`` signals (C, S)."""

INPUT_ARRAYS: dict[str, str] = {"tf": "features", "raw": "signals"}
"""Name of the cached array that holds each kind of model input."""

_SECTIONS = ("roles", "conditioning", "features")

_ADDED_LATER: dict[str, Any] = {"recording_center": False}
"""Settings newer than some stored preprocessing, with the behaviour it had without them."""


def _coerce(value: Any, kind: Any, where: str) -> Any:
    """Check one plain value (from JSON or TOML) against a dataclass field's type."""
    origin = typing.get_origin(kind)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        args = typing.get_args(kind)
        if args[-1] is not Ellipsis and len(args) != len(value):
            raise ConfigError(f"{where} must have {len(args)} values, got {list(value)}")
        item = args[0]
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be finite, got {value!r}")
        return float(value)
    raise ConfigError(f"{where}: unsupported setting type {kind!r}")  # pragma: no cover


def _section(cls: type[Any], values: Any, where: str, *, partial: bool) -> Any:
    """A settings dataclass from a dict; unknown and (unless partial) missing keys are refused."""
    if not isinstance(values, dict):
        raise ConfigError(f"{where} must be a table of settings, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {unknown}; allowed: {names}")
    missing = [n for n in names if n not in values and n not in _ADDED_LATER]
    if missing and not partial:
        raise ConfigError(f"{where}: missing setting(s) {missing}")
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in values.items()}
    return cls(**kwargs)


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """Channel roles, conditioning and feature settings of one model.

    Parameters
    ----------
    roles : tuple of str
        Channel roles in channel order (``("eeg", "eog", "emg")`` by default).
    conditioning : ConditioningConfig
        Filters applied to each channel before resampling or after it.
    features : FeatureConfig
        Target rate, epoch length and STFT settings (the paper's by default).

    Raises
    ------
    ConfigError
        If a role is unknown or repeated, or a setting is out of range.
    """

    roles: tuple[str, ...] = ROLES
    conditioning: ConditioningConfig = dataclasses.field(default_factory=ConditioningConfig)
    features: FeatureConfig = dataclasses.field(default_factory=FeatureConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", parse_roles(self.roles))
        high = self.conditioning.band[1]
        if high > self.sfreq / 2:
            raise ConfigError(
                f"conditioning.band upper edge {high:g} Hz is above the Nyquist frequency "
                f"{self.sfreq / 2:g} Hz of the {self.sfreq:g}-Hz target rate; lower it or "
                "raise features.sfreq"
            )

    # -- the numbers that shape model input -------------------------------------------
    @property
    def n_channels(self) -> int:
        """Channels C (one per role)."""
        return len(self.roles)

    @property
    def sfreq(self) -> float:
        """Target sampling rate in Hz (100)."""
        return self.features.sfreq

    @property
    def epoch_seconds(self) -> float:
        """Seconds per epoch (30)."""
        return self.features.epoch_seconds

    @property
    def samples_per_epoch(self) -> int:
        """Samples S per epoch at the target rate (3000)."""
        return self.features.epoch_length

    @property
    def n_frames(self) -> int:
        """STFT frames T per epoch (29)."""
        return self.features.n_frames

    @property
    def n_bins(self) -> int:
        """Frequency bins F per frame (129)."""
        return self.features.n_bins

    def input_shape(self, kind: InputKind) -> tuple[int, ...]:
        """Shape of one epoch's model input: (C, T, F) for ``"tf"``, (C, S) for ``"raw"``."""
        check_option("input kind", kind, INPUT_ARRAYS)
        if kind == "tf":
            return (self.n_channels, self.n_frames, self.n_bins)
        return (self.n_channels, self.samples_per_epoch)

    # -- the one path from a file to model input ----------------------------------------
    def read(
        self,
        raw_or_path: mne.io.BaseRaw | str | Path,
        *,
        eeg: str | None = None,
        eog: str | None = None,
        emg: str | None = None,
        warn: bool = True,
    ) -> Recording:
        """Read a PSG file (or an :class:`mne.io.Raw`) into a conditioned :class:`Recording`.

        Parameters
        ----------
        raw_or_path : mne.io.Raw, str or Path
            EDF, EDF+ or BDF file, or a Raw in memory (volts, as MNE keeps it).
        eeg, eog, emg : str, optional
            Channel names to use for a role; otherwise the alias table decides.
        warn : bool
            Issue each of the recording's notes as a :class:`SignalWarning`
            too; the notes themselves are always in ``recording.notes``.

        Returns
        -------
        Recording
            Data of shape (C, N) in microvolts at :attr:`sfreq`, channels in
            the order of :attr:`roles`; ``notes`` holds what reading found
            (partly clipped channels, implausible amplitudes, EDF+D gaps).

        Raises
        ------
        FileFormatError
            Missing file, not EDF/BDF, truncated or inconsistent header.
        ChannelError
            A role's channel is absent (the message lists those present).
        SignalError
            NaN/flat channels, channels with most samples at the rails
            (clipped), too low a sampling rate, shorter than one epoch.

        Warns
        -----
        SignalWarning
            With ``warn``, one per note: a channel partly clipped (at least 1%
            of samples at the rails), one with an implausible amplitude, the
            gaps of an EDF+D recording.
        """
        from seqsleepnet.features.recording import condition_signals
        from seqsleepnet.io.edf import open_psg
        from seqsleepnet.io.raw import signals_from_raw

        named: dict[str, Any] = {"roles": self.roles, "eeg": eeg, "eog": eog, "emg": emg}
        if isinstance(raw_or_path, str | Path):  # a file: MNE is not needed to read it
            signals = open_psg(raw_or_path, **named)
        else:
            signals = signals_from_raw(raw_or_path, **named)
        return condition_signals(
            signals, self.conditioning, self.sfreq, self.samples_per_epoch, warn=warn
        )

    def model_input(
        self,
        recording: Recording,
        kind: InputKind,
        *,
        center_on: tuple[float, float] | None = None,
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
        """Model input of every whole epoch of a recording (not yet normalised).

        Parameters
        ----------
        recording : Recording
            Conditioned signals at :attr:`sfreq` (from :meth:`read`).
        kind : {"tf", "raw"}
            Time-frequency images or raw epoch signals.
        center_on : (float, float), optional
            With ``features.recording_center``: the span (s from the recording
            start) whose epochs give each bin's median, e.g. the in-bed part of
            a day-long recording; the whole recording by default.

        Returns
        -------
        x : ndarray of float32, shape (E, C, T, F) or (E, C, S)
            Log-magnitude images (E, C, 29, 129) or signals (E, C, 3000) in
            microvolts; a trailing partial epoch is dropped.
        onsets : ndarray of float64, shape (E,)
            Epoch onsets in seconds from the recording start.

        Raises
        ------
        ConfigError
            If the recording is at another rate or has other roles.
        """
        from seqsleepnet.features.epochs import epoch_onsets, epoch_signals
        from seqsleepnet.features.stft import stft_log_magnitude

        check_option("input kind", kind, INPUT_ARRAYS)
        if recording.sfreq != self.sfreq or tuple(recording.roles) != self.roles:
            raise ConfigError(
                f"recording {recording.name} has roles {recording.roles} at "
                f"{recording.sfreq:g} Hz but this preprocessing expects {list(self.roles)} at "
                f"{self.sfreq:g} Hz; read it with the same preprocessing"
            )
        epochs = epoch_signals(recording.data, self.samples_per_epoch)  # (E, C, S)
        onsets = epoch_onsets(epochs.shape[0], self.epoch_seconds)
        if kind == "raw":
            return np.ascontiguousarray(epochs, dtype=np.float32), onsets
        images = stft_log_magnitude(epochs, self.features)  # (E, C, T, F)
        if self.features.recording_center:
            reference = recording.recorded_within(onsets, self.epoch_seconds, center_on)
            _center_on_recording(images, reference)
        return images, onsets

    # -- serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON/TOML-ready), the form stored in manifests and checkpoints."""
        return {
            "roles": list(self.roles),
            "conditioning": _plain(dataclasses.asdict(self.conditioning)),
            "features": dataclasses.asdict(self.features),
        }

    @classmethod
    def from_dict(
        cls, values: Any, *, partial: bool = False, where: str = "preprocessing"
    ) -> Preprocessing:
        """Inverse of :meth:`to_dict`, with validation.

        Parameters
        ----------
        values : dict
            ``roles``, ``conditioning`` and ``features``.
        partial : bool
            Accept missing sections and settings, taking the defaults (for a
            user's settings file). Stored preprocessing (manifest,
            checkpoint) is read with ``partial=False``: nothing may be
            missing, since a silent default could stage with other settings.
        where : str
            Prefix of error messages (e.g. the file the values came from).

        Raises
        ------
        ConfigError
            Unknown or (unless ``partial``) missing settings, wrong types or
            values out of range.
        """
        if not isinstance(values, dict):
            raise ConfigError(f"{where} must be a table of settings, got {type(values).__name__}")
        unknown = sorted(set(values) - set(_SECTIONS))
        if unknown:
            raise ConfigError(f"{where}: unknown section(s) {unknown}; allowed: {list(_SECTIONS)}")
        missing = [s for s in _SECTIONS if s not in values]
        if missing and not partial:
            raise ConfigError(f"{where}: missing section(s) {missing}")
        kwargs: dict[str, Any] = {}
        if "roles" in values:
            roles = values["roles"]
            if not isinstance(roles, list | tuple) or not all(isinstance(r, str) for r in roles):
                raise ConfigError(
                    f"{where}.roles must be a list such as ['eeg', 'eog'], got {roles!r}"
                )
            kwargs["roles"] = parse_roles(roles)
        if "conditioning" in values:
            kwargs["conditioning"] = _section(
                ConditioningConfig, values["conditioning"], f"{where}.conditioning", partial=partial
            )
        if "features" in values:
            kwargs["features"] = _section(
                FeatureConfig, values["features"], f"{where}.features", partial=partial
            )
        return cls(**kwargs)

    @classmethod
    def from_file(cls, path: str | Path) -> Preprocessing:
        """Read a user's settings file (JSON, or TOML by its ``.toml`` suffix).

        Sections and settings left out keep their defaults; ``seqsleepnet
        preprocessing`` prints the full defaults in this format.

        Raises
        ------
        FileFormatError
            Missing or unparsable file.
        ConfigError
            Unknown settings, wrong types or values out of range.
        """
        file = Path(path)
        if not file.is_file():
            raise FileFormatError(file, "settings file not found", "check the path")
        try:
            text = file.read_text(encoding="utf-8")
            values = tomllib.loads(text) if file.suffix.lower() == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            fix = "print valid settings with 'seqsleepnet preprocessing'"
            raise FileFormatError(file, f"not a readable settings file ({error})", fix) from None
        return cls.from_dict(values, partial=True, where=str(file))

    def describe(self) -> str:
        """A short human-readable summary."""
        f, c = self.features, self.conditioning
        band = f"{c.band[0]:g}-{c.band[1]:g} Hz" if c.enabled else "no filters"
        return (
            f"{'+'.join(r.upper() for r in self.roles)}, {band}, {f.sfreq:g} Hz, "
            f"{f.epoch_seconds:g}-s epochs, STFT {f.window_seconds:g}-s window "
            f"{f.overlap:.0%} overlap {f.n_fft}-point -> {self.n_frames} x {self.n_bins}"
            + (", each bin centred on its median over the recording" if f.recording_center else "")
        )


def _center_on_recording(images: npt.NDArray[np.float32], recorded: npt.NDArray[np.bool_]) -> None:
    """Subtract, in place, each (channel, bin) median over the recorded epochs' frames."""
    reference = images[recorded] if recorded.any() else images  # (E', C, T, F)
    for channel in range(images.shape[1]):  # (E', T, F) -> (F,), one channel at a time
        median = np.median(reference[:, channel], axis=(0, 1))
        images[:, channel] -= median.astype(np.float32)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Tuples as lists, so that a round trip through JSON compares equal."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
