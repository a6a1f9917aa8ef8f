"""What a model reads: preprocessing, input kind and training-set normaliser together.

:class:`ModelInput` is the single place that turns a recording, or the
arrays ``prepare`` cached for it, into the normalised input of one model, so
that training, validation, cross-validation and staging compute the same
numbers. It is stored in every checkpoint (:meth:`ModelInput.to_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import INPUT_ARRAYS, InputKind, Preprocessing
from seqsleepnet.features.recording import Recording

__all__ = ["ModelInput"]


@dataclass(frozen=True)
class ModelInput:
    """The input of one model.

    Parameters
    ----------
    preprocessing : Preprocessing
        How a recording becomes per-epoch input.
    kind : {"tf", "raw"}
        Time-frequency images (normalised) or raw signals (as they are).
    normalizer : Normalizer, optional
        Training-set statistics; required for ``"tf"``, unused for ``"raw"``.

    Raises
    ------
    ConfigError
        A ``"tf"`` input without a fitted normaliser, or one whose shape does
        not fit the preprocessing's channels and bins.
    """

    preprocessing: Preprocessing
    kind: InputKind
    normalizer: Normalizer | None = None

    def __post_init__(self) -> None:
        check_option("input kind", self.kind, INPUT_ARRAYS)
        if self.kind != "tf":
            object.__setattr__(self, "normalizer", None)
            return
        norm = self.normalizer
        if norm is None or norm.mean is None:
            raise ConfigError("time-frequency input needs a fitted normaliser")
        expected = (self.preprocessing.n_channels, self.preprocessing.n_bins)
        if norm.mean.shape != expected:
            raise ConfigError(
                f"normaliser statistics have shape {norm.mean.shape} but the preprocessing "
                f"gives {expected[0]} channel(s) x {expected[1]} bins"
            )

    @property
    def array_name(self) -> str:
        """Name of the cached array this input is computed from (``features`` or ``signals``)."""
        return INPUT_ARRAYS[self.kind]

    @property
    def epoch_shape(self) -> tuple[int, ...]:
        """Shape of one epoch's input: (C, T, F) or (C, S)."""
        return self.preprocessing.input_shape(self.kind)

    def normalise(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Normalised input (..., *epoch_shape) from unnormalised input of the same shape."""
        if self.normalizer is None:
            return np.asarray(x, dtype=np.float32)
        return self.normalizer.transform(np.asarray(x, dtype=np.float32))

    def of_recording(
        self, recording: Recording, *, center_on: tuple[float, float] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
        """Normalised input (E, *epoch_shape) and onsets (E,) of a conditioned recording.

        ``center_on``: see :meth:`Preprocessing.model_input`.
        """
        x, onsets = self.preprocessing.model_input(recording, self.kind, center_on=center_on)
        return self.normalise(x), onsets

    def of_cached(self, arrays: Mapping[str, npt.NDArray[Any]]) -> npt.NDArray[np.float32]:
        """Normalised input (E, *epoch_shape) from a cached recording's arrays."""
        x = arrays[self.array_name]
        if tuple(x.shape[1:]) != self.epoch_shape:
            raise ConfigError(
                f"cached {self.array_name} have shape {tuple(x.shape[1:])} per epoch; this "
                f"model reads {self.epoch_shape}; prepare the data with the model's preprocessing"
            )
        return self.normalise(np.asarray(x))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a checkpoint: ``preprocessing``, ``input_kind``, ``normalizer``."""
        return {
            "preprocessing": self.preprocessing.to_dict(),
            "input_kind": self.kind,
            "normalizer": self.normalizer.to_dict() if self.normalizer is not None else None,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ModelInput:
        """Inverse of :meth:`to_dict` (every part required and validated).

        Raises
        ------
        ConfigError
            A missing part or an invalid setting.
        """
        missing = [k for k in ("preprocessing", "input_kind", "normalizer") if k not in values]
        if missing:
            raise ConfigError(f"model input lacks {missing}")
        kind = check_option("input_kind", values["input_kind"], INPUT_ARRAYS)
        stats = values["normalizer"]
        return cls(
            Preprocessing.from_dict(values["preprocessing"]),
            kind,
            Normalizer.from_dict(stats) if stats is not None else None,
        )
