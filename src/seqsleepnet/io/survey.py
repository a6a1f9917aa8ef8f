"""Which channel carries each role: the alias table, then the plausibility verdicts.

:func:`survey_channels` walks the alias candidates of each role (best first,
:mod:`seqsleepnet.io.channels`) and takes the first one whose header and
samples can carry the role (:mod:`seqsleepnet.io.plausibility`). A candidate
that cannot is passed over with a note that says why and what was used
instead, or that the role is left out. A channel named by the user is used
whatever its verdict, with a note when it looks implausible. ``info`` shows
the survey; ``stage`` chooses its model and channels from it.

Only the header is read unless ``content=True``, which reads each candidate
channel once (with MNE, imported then).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ChannelError
from seqsleepnet.io.channels import ROLES, alias_candidates, match_roles, parse_roles
from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.plausibility import content_problems, header_problems

if TYPE_CHECKING:
    import mne

__all__ = ["ChannelSurvey", "ChannelVerdict", "survey_channels"]


@dataclass(frozen=True)
class ChannelVerdict:
    """Whether one channel can carry one role, and why not."""

    role: str
    name: str
    sfreq: float
    unit: str
    problems: tuple[str, ...]
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def describe(self) -> str:
        """``EMG channel 'X' is sampled at 1 Hz; ...`` (or ``... looks plausible``)."""
        what = "; ".join(self.problems) if self.problems else "looks plausible"
        return f"{self.role.upper()} channel {self.name!r} {what}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "role": self.role,
            "channel": self.name,
            "usable": self.usable,
            "problems": list(self.problems),
            "measures": self.measures,
        }


@dataclass(frozen=True)
class ChannelSurvey:
    """The channel chosen for each role of one recording, with every verdict behind it.

    Attributes
    ----------
    source : str
        The recording, for messages.
    picks : dict of str to str
        Role -> channel used; roles without a usable channel are absent.
    verdicts : tuple of ChannelVerdict
        Every candidate judged, in the order it was judged.
    notes : dict of str to str
        Role -> why its first candidate was not used, or why a named channel
        looks implausible; only roles with something to say.
    content_checked : bool
        Whether the samples were judged, or the header only.
    available : tuple of str
        Every channel name of the recording.
    """

    source: str
    picks: dict[str, str]
    verdicts: tuple[ChannelVerdict, ...]
    notes: dict[str, str]
    content_checked: bool
    available: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles with a usable channel, in the order EEG, EOG, EMG."""
        return tuple(r for r in ROLES if r in self.picks)

    def names(self) -> dict[str, str | None]:
        """Channel per role as keyword arguments: ``{"eeg": ..., "eog": ..., "emg": ...}``."""
        return {role: self.picks.get(role) for role in ROLES}

    def require(self, roles: Sequence[str], fix: str) -> None:
        """Raise unless every role in ``roles`` has a usable channel.

        Raises
        ------
        ChannelError
            Naming each missing role and why its candidates cannot carry it,
            then ``fix``; a role without any candidate as
            :func:`~seqsleepnet.io.channels.match_roles` says it.
        """
        missing = [r for r in roles if r not in self.picks]
        for role in missing:
            if role not in self.notes:
                match_roles(self.available, (role,), source=self.source)  # raises: no candidate
        if missing:
            reasons = "; ".join(self.notes[r] for r in missing)
            raise ChannelError(f"{self.source}: {reasons}; {fix}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "roles": self.names(),
            "verdicts": [v.to_dict() for v in self.verdicts],
            "notes": list(self.notes.values()),
            "content_checked": self.content_checked,
        }


@dataclass(frozen=True)
class _Channels:
    """What the survey needs to know about the channels of one recording."""

    source: str
    names: list[str]
    sfreq: dict[str, float]
    unit: dict[str, str]
    read: Callable[[str], npt.NDArray[np.float32]]  # microvolts at the native rate
    bad: frozenset[str] = frozenset()  # marked bad by the user (a Raw's info['bads'])
    read_sfreq: dict[str, float] | None = None  # rate of what ``read`` returns, if not sfreq


def _from_file(path: Path) -> _Channels:
    header = read_edf_header(path)
    signals = header.data_signals

    def read(name: str) -> npt.NDArray[np.float32]:
        from seqsleepnet.io.edf import read_channel

        return read_channel(path, header, name)

    return _Channels(
        str(path),
        [s.label for s in signals],
        {s.label: s.sfreq for s in signals},
        {s.label: s.physical_dimension for s in signals},
        read,
    )


def _from_raw(raw: mne.io.BaseRaw) -> _Channels:
    from seqsleepnet.io.raw import bad_channels, native_rates, raw_label, raw_layout, require_raw

    require_raw(raw)

    sfreq = float(raw.info["sfreq"])
    layout = raw_layout(raw)

    def read(name: str) -> npt.NDArray[np.float32]:
        # what the features will read: at the Raw's rate, without its BAD spans
        return layout.place((raw.get_data(picks=[name])[0] * 1e6).astype(np.float32), sfreq)

    names = list(raw.ch_names)
    rates = native_rates(raw)  # where the channel was recorded: MNE upsamples slower ones
    return _Channels(
        raw_label(raw),
        names,
        rates,
        dict.fromkeys(names, "V"),  # MNE keeps signals in volts
        read,
        bad_channels(raw),
        dict.fromkeys(names, sfreq),
    )


def _judge(channels: _Channels, role: str, name: str, content: bool) -> ChannelVerdict:
    sfreq, unit = channels.sfreq[name], channels.unit[name]
    problems = header_problems(role, sfreq, unit)
    if name in channels.bad:
        problems.insert(0, "is marked bad (raw.info['bads'])")
    measures: dict[str, float] = {}
    if content and not problems:
        read_sfreq = (channels.read_sfreq or channels.sfreq)[name]
        found, measures = content_problems(role, channels.read(name), read_sfreq)
        problems.extend(found)
    return ChannelVerdict(role, name, sfreq, unit, tuple(problems), measures)


def survey_channels(
    raw_or_path: mne.io.BaseRaw | str | Path,
    roles: Sequence[str] = ROLES,
    named: Mapping[str, str | None] | None = None,
    *,
    content: bool = True,
) -> ChannelSurvey:
    """Choose the channel of each role that can carry it.

    Parameters
    ----------
    raw_or_path : mne.io.Raw, str or Path
        An EDF/EDF+/BDF file or a Raw in memory.
    roles : sequence of str
        Roles to fill (default EEG, EOG, EMG).
    named : mapping, optional
        Channel names given by the user per role; used whatever their verdict.
    content : bool
        Judge the samples too (flat, amplitude, spectrum), reading each
        candidate once; False judges the header only (rate, unit).

    Returns
    -------
    ChannelSurvey

    Raises
    ------
    FileFormatError
        An unreadable file or header.
    ChannelError
        A named channel is absent, or a candidate's name occurs twice.
    """
    if isinstance(raw_or_path, str | Path):
        channels = _from_file(Path(raw_or_path))
    else:
        channels = _from_raw(raw_or_path)
    named = named or {}
    picks: dict[str, str] = {}
    verdicts: list[ChannelVerdict] = []
    notes: dict[str, str] = {}
    for role in parse_roles(roles):
        label = role.upper()
        if named.get(role):
            name = match_roles(channels.names, (role,), named, source=channels.source)[0].name
            verdict = _judge(channels, role, name, content)
            verdicts.append(verdict)
            picks[role] = name
            if not verdict.usable:
                notes[role] = f"{verdict.describe()}; used for {label} because it was named"
            continue
        rejected = []
        for name in alias_candidates(channels.names, role):
            if name in picks.values():
                continue
            match_roles(channels.names, (role,), {role: name}, source=channels.source)  # unique
            verdict = _judge(channels, role, name, content)
            verdicts.append(verdict)
            if verdict.usable:
                picks[role] = name
                break
            rejected.append(verdict)
        if rejected:
            why = "; ".join(v.describe() for v in rejected)
            if role in picks:
                notes[role] = f"{why}: not used for {label}; {picks[role]!r} is used instead"
            else:
                notes[role] = f"{why}: not used for {label}, and no other channel can carry {label}"
    return ChannelSurvey(
        channels.source, picks, tuple(verdicts), notes, content, tuple(channels.names)
    )
