"""The :class:`Recording` type: C conditioned channels at 100 Hz, with their roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.stages import EPOCH_SECONDS

__all__ = ["TARGET_SFREQ", "Recording"]

TARGET_SFREQ = 100.0


@dataclass
class Recording:
    """A PSG recording ready for feature extraction.

    Attributes
    ----------
    data : ndarray of float32, shape (C, N)
        Signals in microvolts at :attr:`sfreq`.
    ch_names : list of str
        Channel names as in the source file, one per row of ``data``.
    roles : list of str
        Role of each channel: ``"eeg"``, ``"eog"`` or ``"emg"``.
    sfreq : float
        Sampling rate in Hz (100 after reading).
    start_time : datetime or None
        Wall-clock time of the first sample, when the file says.
    source : Path or None
        File the recording was read from.
    native_sfreq : list of float
        Sampling rate of each channel in the source file.
    """

    data: npt.NDArray[np.float32]
    ch_names: list[str]
    roles: list[str]
    sfreq: float = TARGET_SFREQ
    start_time: datetime | None = None
    source: Path | None = None
    native_sfreq: list[float] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        """Number of samples per channel."""
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.sfreq

    @property
    def n_epochs(self) -> int:
        """Number of whole 30-s epochs (a trailing partial epoch is not counted)."""
        return int(self.n_samples // round(EPOCH_SECONDS * self.sfreq))

    @property
    def name(self) -> str:
        """Short name for messages and output files."""
        return self.source.stem if self.source is not None else "recording"
