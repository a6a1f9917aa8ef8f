"""Two scorings of one night on a common epoch grid, matched by absolute time.

:func:`align_hypnograms` is the one place where two hypnograms are matched:
``seqsleepnet stage --true``, ``seqsleepnet evaluate`` and every agreement
statistic call it. Its rules:

* both hypnograms must have the same epoch length;
* when both know their recording's start date-time, each is placed by clock
  time (its start time plus its onset); the two first epochs must then be a
  whole number of epochs apart, and the result is the epochs both cover
  (the overlap), with a note saying how many epochs each side lost;
* when either start time is unknown, the two cannot be placed by clock; each
  is then placed by its onset (seconds from the recording start), with the
  same rules and note. Two files that start at the same onset must have the
  same number of epochs (a file without onsets cannot say where its epochs
  start, so they are matched epoch by epoch); otherwise
  :class:`~seqsleepnet.errors.AlignmentError` says how to fix the files;
* no overlap, a different epoch length or grids that do not line up raise
  :class:`~seqsleepnet.errors.AlignmentError`. Nothing is ever shifted silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from seqsleepnet.errors import AlignmentError
from seqsleepnet.hypnogram import TOLERANCE, Hypnogram, clock_after

__all__ = ["AlignedPair", "align_hypnograms"]


@dataclass(frozen=True)
class AlignedPair:
    """Two hypnograms cut to the epochs they share.

    Attributes
    ----------
    true, pred : Hypnogram
        The shared epochs of each (same number of epochs, same epoch length);
        each keeps its own onset and start time.
    true_span, pred_span : tuple of int
        ``(first, stop)`` epoch indices of the shared epochs in the original
        ``true`` and ``pred`` hypnograms.
    true_epochs, pred_epochs : int
        Epochs of the original hypnograms.
    by_clock : bool
        True when placed by absolute time; False when placed by onset only
        because a start time is unknown.
    note : str
        One line: how the two were aligned and how many epochs each side lost.
    """

    true: Hypnogram
    pred: Hypnogram
    true_span: tuple[int, int]
    pred_span: tuple[int, int]
    true_epochs: int
    pred_epochs: int
    by_clock: bool
    note: str

    @property
    def n_epochs(self) -> int:
        """Number of shared epochs."""
        return self.true.n_epochs

    @property
    def cropped(self) -> bool:
        """Whether either hypnogram lost epochs outside the shared ones."""
        return (self.true_span, self.pred_span) != ((0, self.true_epochs), (0, self.pred_epochs))


def _name(hypnogram: Hypnogram, fallback: str) -> str:
    return Path(hypnogram.source).name if hypnogram.source else fallback


def _clock(start: datetime, seconds: float) -> str:
    """Date and clock time, with the fraction of a second when there is one (as 22:00:00.5)."""
    when = clock_after(start, seconds)
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    return text + f"{when.microsecond / 1e6:.6f}".rstrip("0")[1:] if when.microsecond else text


def _lost(name: str, total: int, span: tuple[int, int]) -> str:
    before, after = span[0], total - span[1]
    if not before and not after:
        return f"none of the {total} epochs of {name}"
    return f"{before + after} of the {total} epochs of {name} ({before} before, {after} after)"


def align_hypnograms(true: Hypnogram, pred: Hypnogram) -> AlignedPair:
    """The epochs two scorings of a night share, matched by absolute time.

    Parameters
    ----------
    true, pred : Hypnogram
        Two scorings of the same night (for example the expert's and the
        model's), from files of any format.

    Returns
    -------
    AlignedPair
        Both hypnograms cut to the shared epochs, where they lie in the
        originals, and a one-line note on the alignment and the crop.

    Raises
    ------
    AlignmentError
        Different epoch lengths; first epochs not a whole number of epochs
        apart; no shared epoch; or a start time unknown and different
        numbers of epochs.
    """
    t_name, p_name = _name(true, "the true hypnogram"), _name(pred, "the predicted hypnogram")
    length = true.epoch_length
    if abs(pred.epoch_length - length) > TOLERANCE:
        raise AlignmentError(
            f"{p_name} has {pred.epoch_length:g}-s epochs and {t_name} {length:g}-s epochs; "
            "they cannot be compared epoch by epoch: score both with the same epoch length"
        )
    start = true.start_time  # for the clock times in messages, when known
    by_clock = start is not None and pred.start_time is not None
    if by_clock:
        p_first = pred.offset_from(start)
        how = "by clock time"
    else:
        if abs(pred.onset - true.onset) <= TOLERANCE:
            return _epoch_by_epoch(true, pred, t_name, p_name)
        p_first = pred.onset  # both in seconds from the recording start
        how = f"by onset ({_missing_start(true, pred, t_name, p_name)})"
    t_first = true.onset  # seconds from the true recording's start

    def when(seconds: float) -> str:
        return _clock(start, seconds) if start is not None else f"onset {seconds:g} s"

    shift = (p_first - t_first) / length
    steps = round(shift)
    if abs(shift - steps) * length > TOLERANCE:
        raise AlignmentError(
            f"{p_name} starts at {when(p_first)} and {t_name} at {when(t_first)}: "
            f"{p_first - t_first:g} s apart, not a multiple of the {length:g}-s epoch, so their "
            "epochs do not line up; check both start times and onsets, or re-score one on the "
            "other's epoch grid"
        )
    t_start, p_start = max(steps, 0), max(-steps, 0)  # first shared epoch in each
    n = min(true.n_epochs - t_start, pred.n_epochs - p_start)
    if n <= 0:
        raise AlignmentError(
            f"{p_name} ({when(p_first)} to {when(p_first + pred.duration)}) and {t_name} "
            f"({when(t_first)} to {when(true.end)}) share no epoch; are they scorings of the "
            "same night?"
        )
    t_span, p_span = (t_start, t_start + n), (p_start, p_start + n)
    shared_from = when(t_first + t_start * length)
    note = (
        f"aligned {p_name} with {t_name} {how}: {n} shared epochs from {shared_from}; "
        f"cropped {_lost(t_name, true.n_epochs, t_span)} and "
        f"{_lost(p_name, pred.n_epochs, p_span)}"
    )
    return _pair(true, pred, t_span, p_span, by_clock=by_clock, note=note)


def _missing_start(true: Hypnogram, pred: Hypnogram, t_name: str, p_name: str) -> str:
    if true.start_time is None and pred.start_time is None:
        return f"neither {t_name} nor {p_name} gives a recording start time"
    return f"{t_name if true.start_time is None else p_name} gives no recording start time"


def _epoch_by_epoch(true: Hypnogram, pred: Hypnogram, t_name: str, p_name: str) -> AlignedPair:
    """A start time unknown and both starting at the same onset: matched in order if as long."""
    missing = _missing_start(true, pred, t_name, p_name)
    if true.n_epochs != pred.n_epochs:
        raise AlignmentError(
            f"{missing}, so {p_name} ({pred.n_epochs} epochs) "
            f"and {t_name} ({true.n_epochs} epochs) cannot be placed by clock time, and their "
            "lengths differ; give a file with the start time (EDF+, NSRR XML, or a "
            "TSV/CSV/TXT written by seqsleepnet), or crop both to the same epochs"
        )
    n = true.n_epochs
    if n == 0:
        raise AlignmentError(f"{t_name} and {p_name} have no epoch to compare")
    note = (
        f"{missing}: {p_name} and {t_name} are matched epoch by "
        f"epoch from their first epochs ({n} epochs each)"
    )
    return _pair(true, pred, (0, n), (0, n), by_clock=False, note=note)


def _pair(
    true: Hypnogram,
    pred: Hypnogram,
    t_span: tuple[int, int],
    p_span: tuple[int, int],
    *,
    by_clock: bool,
    note: str,
) -> AlignedPair:
    def part(h: Hypnogram, span: tuple[int, int]) -> Hypnogram:
        first, stop = span
        return h.crop(h.onset + first * h.epoch_length, h.onset + stop * h.epoch_length)

    return AlignedPair(
        part(true, t_span),
        part(pred, p_span),
        t_span,
        p_span,
        true.n_epochs,
        pred.n_epochs,
        by_clock,
        note,
    )
