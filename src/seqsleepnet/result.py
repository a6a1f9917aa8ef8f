"""The result of staging one night, and its conversions to files and other tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.hypnogram import Hypnogram, clock_after
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.hypnogram import write_hypnogram
from seqsleepnet.quality import QualityReport
from seqsleepnet.stages import PROBABILITY_COLUMNS, stage_names
from seqsleepnet.statistics import SleepStatistics

if TYPE_CHECKING:
    import mne
    import pandas as pd
    from matplotlib.figure import Figure

    from seqsleepnet.period import SleepPeriod

__all__ = ["LowConfidencePeriod", "StagingResult"]

_YASA_NAMES = {"W": "WAKE", "N1": "N1", "N2": "N2", "N3": "N3", "REM": "REM", "UNS": "UNS"}


@dataclass(frozen=True)
class LowConfidencePeriod:
    """A run of epochs whose top probability stays under a threshold."""

    start: float  # seconds from the recording start
    end: float
    mean_confidence: float


@dataclass
class StagingResult:
    """Stages, probabilities and attention of one staged night.

    Attributes
    ----------
    stages : ndarray of int8, shape (E,)
        Predicted stage per epoch (0..4 = W, N1, N2, N3, REM).
    probabilities : ndarray of float32, shape (E, 5)
        Per-epoch stage probabilities (rows sum to 1).
    onsets : ndarray of float64, shape (E,)
        Epoch onsets in seconds from the recording start.
    attention : ndarray of float32, shape (E, T), or None
        Frame attention weights of each epoch (models with a separable epoch
        encoder, staged encode-once).
    name : str
        Recording name, used for output files.
    channels, roles : list of str
        Channels used and their roles.
    model : str
        Description of the model that staged the night.
    start_time : datetime or None
        Wall clock of the recording start.
    epoch_length : float
        Seconds per epoch.
    quality : QualityReport or None
        Quality flags of the night (:mod:`seqsleepnet.quality`).
    """

    stages: npt.NDArray[np.int8]
    probabilities: npt.NDArray[np.float32]
    onsets: npt.NDArray[np.float64]
    attention: npt.NDArray[np.float32] | None = None
    name: str = "recording"
    channels: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    model: str = ""
    start_time: datetime | None = None
    epoch_length: float = 30.0
    quality: QualityReport | None = None

    @property
    def n_epochs(self) -> int:
        """Number of staged epochs."""
        return int(self.stages.size)

    @property
    def confidence(self) -> npt.NDArray[np.float32]:
        """Probability of the predicted stage per epoch, shape (E,)."""
        return np.asarray(self.probabilities.max(axis=1), dtype=np.float32)

    def to_hypnogram(self) -> Hypnogram:
        """The predicted stages as a :class:`~seqsleepnet.hypnogram.Hypnogram`."""
        onset = float(self.onsets[0]) if self.n_epochs else 0.0
        return Hypnogram(self.stages, self.epoch_length, onset, self.start_time, self.name)

    def to_frame(self) -> pd.DataFrame:
        """One row per epoch: onset, duration, stage, clock_time, p_W..p_REM, confidence.

        ``clock_time`` (ISO 8601 date and time of the epoch start) only when the
        recording's start time is known.
        """
        frame = self.to_hypnogram().to_frame()
        for name, values in self._probability_columns().items():
            frame[name] = values
        return frame

    def _probability_columns(self) -> dict[str, list[float]]:
        """``p_W`` .. ``p_REM`` and ``confidence`` per epoch, rounded to 5 decimals."""
        columns = {
            name: np.round(self.probabilities[:, index].astype(np.float64), 5).tolist()
            for index, name in enumerate(PROBABILITY_COLUMNS)
        }
        columns["confidence"] = np.round(self.confidence.astype(np.float64), 5).tolist()
        return columns

    def to_tsv(self, path: str | Path) -> Path:
        """Write the hypnogram TSV (onset, duration, stage), atomically."""
        return write_hypnogram(self.to_hypnogram(), path, format="tsv")

    def to_csv(self, path: str | Path) -> Path:
        """Write the per-epoch table with probabilities (:meth:`to_frame`), atomically."""
        from seqsleepnet.io.hypnogram_formats import encode_table

        table = encode_table(self.to_hypnogram(), sep=",", extra=self._probability_columns())
        with atomic_write(path, "wb") as handle:
            handle.write(table)
        return Path(path)

    def to_edf_annotations(self, path: str | Path) -> Path:
        """Write an EDF+ annotation file ("Sleep stage W/1/2/3/R"), atomically."""
        return write_hypnogram(self.to_hypnogram(), path, format="edf")

    def statistics(
        self,
        period: SleepPeriod | None = None,
        rem_latency_from: Literal["sleep-onset", "record-start"] = "sleep-onset",
    ) -> SleepStatistics:
        """Sleep statistics of the predicted hypnogram (see :mod:`seqsleepnet.statistics`).

        Parameters
        ----------
        period : SleepPeriod, optional
            Lights off to lights on; by default the whole recording.
        rem_latency_from : {"sleep-onset", "record-start"}
            REM latency from sleep onset (AASM) or from lights off (YASA).
        """
        hypnogram = self.to_hypnogram()
        if period is not None:
            hypnogram = period.crop(hypnogram)
        return hypnogram.statistics(rem_latency_from)

    def low_confidence_periods(
        self, threshold: float = 0.6, min_epochs: int = 4
    ) -> list[LowConfidencePeriod]:
        """Runs of at least ``min_epochs`` epochs with confidence below ``threshold``."""
        low = np.concatenate([[False], self.confidence < threshold, [False]])
        edges = np.flatnonzero(np.diff(low.astype(np.int8)))
        periods = []
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - start >= min_epochs:
                periods.append(
                    LowConfidencePeriod(
                        float(self.onsets[start]),
                        float(self.onsets[stop - 1] + self.epoch_length),
                        float(self.confidence[start:stop].mean()),
                    )
                )
        return periods

    def plot(self, true: npt.ArrayLike | None = None, period: SleepPeriod | None = None) -> Figure:
        """Hypnogram above the probability band, on clock time when the start time is known.

        ``true`` adds the expert hypnogram; the bounds of a ``period`` chosen by
        lights or the in-bed rule are marked with their names
        (:attr:`~seqsleepnet.period.SleepPeriod.labels`: "lights off" and
        "lights on", or "in bed from" and "in bed to"). Spans of flagged signal
        (:meth:`~seqsleepnet.quality.QualityReport.flagged_spans`) are hatched;
        epochs without recorded signal are grey.
        """
        onset = float(self.onsets[0]) if self.n_epochs else 0.0
        marks = (
            list(zip((period.lights_off, period.lights_on), period.labels, strict=True))
            if period is not None and period.rule != "recording"
            else []
        )
        from seqsleepnet.report.plots import plot_night  # matplotlib, only for a figure

        return plot_night(
            self.stages,
            self.probabilities,
            epoch_length=self.epoch_length,
            onset=onset,
            true=true,
            title=self.name,
            start_time=self.start_time,
            marks=marks,
            flagged=self.quality.flagged_spans() if self.quality is not None else (),
        )

    def to_annotations(self) -> mne.Annotations:
        """Stages as :class:`mne.Annotations` ("Sleep stage W" ...), one per epoch."""
        import mne

        labels = [f"Sleep stage {n}" for n in stage_names(self.stages)]
        return mne.Annotations(self.onsets, self.epoch_length, labels, orig_time=None)

    def to_yasa(self) -> Any:
        """Stages as a ``yasa.Hypnogram`` (needs the optional ``yasa`` package)."""
        try:
            import yasa
        except ImportError:
            raise ConfigError("to_yasa() needs YASA: pip install yasa") from None
        values = [_YASA_NAMES[n] for n in stage_names(self.stages)]
        start = (
            clock_after(self.start_time, float(self.onsets[0]))
            if self.start_time is not None and self.n_epochs
            else None
        )
        return yasa.Hypnogram(values, n_stages=5, freq=f"{self.epoch_length:g}s", start=start)
