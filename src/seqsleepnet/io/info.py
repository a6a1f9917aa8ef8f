"""A summary of a PSG file: channels, rates, duration and the roles that would be used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqsleepnet.errors import ChannelError
from seqsleepnet.io.channels import ROLES, match_roles
from seqsleepnet.io.edf_header import read_edf_header

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
    roles: dict[str, str | None]  # role -> channel name, None when not found

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
        }


def describe_recording(path: str | Path) -> RecordingInfo:
    """Read only the header of a PSG file and report what staging would use.

    Parameters
    ----------
    path : str or Path
        EDF, EDF+ or BDF file.

    Returns
    -------
    RecordingInfo
        Channels with their own sampling rates, the duration, the number of
        whole 30-s epochs and the channel chosen for each role (None when the
        alias table finds none).
    """
    header = read_edf_header(path)
    names = [s.label for s in header.data_signals]
    roles: dict[str, str | None] = {}
    for role in ROLES:
        try:
            roles[role] = match_roles(names, (role,), source=str(path))[0].name
        except ChannelError:
            roles[role] = None
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
        roles=roles,
    )
