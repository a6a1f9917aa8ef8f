"""What reading a recording found about its signal: notes that become quality flags.

Reading (:mod:`seqsleepnet.io.edf`) and conditioning
(:mod:`seqsleepnet.features.recording`) find things about a recording that
do not stop it from being staged but make its stages less trustworthy: a
channel partly clipped at the rails of its file, an implausible amplitude, a
gap in a discontinuous (EDF+D) recording. Each is a :class:`SignalNote`; the
notes travel with the recording (``Recording.notes``) into the night's
quality assessment (:func:`seqsleepnet.quality.assess_night`), which turns
each into a quality flag: the console, ``stats.json`` (``quality``) and the
report show it. A Python warning is a courtesy to callers of
:meth:`~seqsleepnet.features.preprocessing.Preprocessing.read`, never the
only place a note is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["SignalNote", "SignalWarning", "warn_notes"]


class SignalWarning(UserWarning):
    """A signal looks implausible (e.g. wrong units) but can still be processed."""


@dataclass(frozen=True)
class SignalNote:
    """One thing found while reading or conditioning a recording.

    Attributes
    ----------
    kind : str
        The quality flag it becomes: ``"signal"`` (a channel's samples) or
        ``"recording"`` (the recording as a whole, e.g. an EDF+D gap).
    check : str
        What found it: ``"clipping"``, ``"amplitude"``, ``"gap"`` or ``"records"`` (a
        header counting fewer data records than its file holds).
    message : str
        A sentence for the user, naming the channel, what was measured and
        the limit.
    role : str or None
        Role of the channel concerned (None for the whole recording).
    channel : str or None
        Name of the channel concerned, as in the file.
    value : float or None
        What was measured (a share of samples, microvolts, seconds).
    threshold : float or None
        The limit it was compared with, in the same unit.
    """

    kind: str
    check: str
    message: str
    role: str | None = None
    channel: str | None = None
    value: float | None = None
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (the ``signal`` measures of ``stats.json``)."""
        return {
            "check": self.check,
            "role": self.role,
            "channel": self.channel,
            "value": self.value,
            "threshold": self.threshold,
        }


def warn_notes(notes: Iterable[SignalNote], source: str, *, stacklevel: int = 2) -> None:
    """Issue one :class:`SignalWarning` per note, prefixed with the recording's name.

    For API users who read recordings directly; the notes themselves are the contract.
    """
    for note in notes:
        warnings.warn(f"{source}: {note.message}", SignalWarning, stacklevel=stacklevel + 1)
