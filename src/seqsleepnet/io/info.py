"""A summary of a PSG file: channels, rates, duration and the roles that would be used.

Roles come from the same survey as ``stage`` (:mod:`seqsleepnet.io.survey`): a
channel that cannot carry its role is not given it, and a note says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.survey import ChannelVerdict, survey_channels

__all__ = ["RecordingInfo", "describe_recording"]


@dataclass(frozen=True)
class RecordingInfo:
    """What :func:`describe_recording` finds in a file."""

    path: Path
    kind: str
    start_time: str | None
    duration: float  # seconds
    n_epochs: int
    channels: list[dict[str, Any]]  # name, sfreq (Hz), unit
    roles: dict[str, str | None]  # role -> channel name, None when none can carry it
    verdicts: tuple[ChannelVerdict, ...] = ()  # every role candidate judged
    notes: tuple[str, ...] = ()  # channels passed over, and why
    signals_checked: bool = False  # samples judged too, not the header only

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "path": str(self.path),
            "format": self.kind,
            "start_time": self.start_time,
            "duration_s": self.duration,
            "epochs": self.n_epochs,
            "channels": self.channels,
            "roles": self.roles,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "notes": list(self.notes),
            "signals_checked": self.signals_checked,
        }


def describe_recording(path: str | Path, *, signals: bool = False) -> RecordingInfo:
    """Report a PSG file's channels and the channel staging would use for each role.

    Parameters
    ----------
    path : str or Path
        EDF, EDF+ or BDF file.
    signals : bool
        Also read the role candidates' samples and judge their content (flat,
        amplitude, spectrum), as ``stage`` does; by default only the header is
        read (rate and unit verdicts).

    Returns
    -------
    RecordingInfo
        Channels with their own sampling rates, the duration, the number of
        whole 30-s epochs, the channel chosen for each role (None when no
        channel can carry it) and the verdicts behind the choice.
    """
    header = read_edf_header(path)
    survey = survey_channels(path, content=signals)
    return RecordingInfo(
        path=Path(path),
        kind=header.kind,
        start_time=header.start_time.isoformat() if header.start_time else None,
        duration=header.duration,
        n_epochs=int(header.duration // 30),
        channels=[
            {"name": s.label, "sfreq": s.sfreq, "unit": s.physical_dimension}
            for s in header.data_signals
        ],
        roles=survey.names(),
        verdicts=survey.verdicts,
        notes=tuple(survey.notes.values()),
        signals_checked=signals,
    )
