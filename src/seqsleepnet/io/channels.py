"""Channel roles (EEG, EOG, EMG) and the alias table that finds them by name.

SeqSleepNet reads one EEG, one EOG and one chin EMG derivation. Datasets name
them differently; :data:`ALIASES` lists the names of the common montages in
order of preference, and :func:`match_roles` picks one channel per role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from seqsleepnet.errors import ChannelError, ConfigError

__all__ = [
    "ALIASES",
    "ROLES",
    "ChannelPick",
    "alias_candidates",
    "match_roles",
    "normalise_name",
    "parse_roles",
]

ROLES: tuple[str, ...] = ("eeg", "eog", "emg")

# Preferred channel names per role, best first. Sources: Sleep-EDF Expanded
# (sleep-cassette / telemetry), MASS (Montreal Archive of Sleep Studies, CLE and
# LER references), SHHS / NSRR EDFs, ISRUC-Sleep, AASM-recommended derivations.
ALIASES: dict[str, tuple[str, ...]] = {
    "eeg": (
        "EEG Fpz-Cz",  # Sleep-EDF
        "EEG C4-CLE",
        "EEG C4-LER",
        "EEG C3-CLE",
        "EEG C3-LER",  # MASS
        "C4-M1",
        "C3-M2",
        "EEG C4-M1",
        "EEG C3-M2",  # AASM
        "C4-A1",
        "C3-A2",
        "EEG C4-A1",
        "EEG C3-A2",
        "EEG",  # SHHS (C4-A1)
        "Fpz-Cz",
        "F4-M1",
        "F3-M2",
        "EEG F4-M1",
        "EEG F3-M2",
        "EEG(sec)",
        "EEG Pz-Oz",
        "Pz-Oz",
    ),
    "eog": (
        "EOG horizontal",  # Sleep-EDF
        "EOG Right Horiz",
        "EOG Left Horiz",  # MASS
        "E1-M2",
        "E2-M1",
        "EOG E1-M2",
        "EOG E2-M1",
        "LOC-A2",
        "ROC-A1",
        "LOC",
        "ROC",  # AASM
        "EOG(L)",
        "EOG(R)",  # SHHS
        "EOG",
        "EOG left",
        "EOG right",
    ),
    "emg": (
        "EMG submental",  # Sleep-EDF
        "EMG Chin1",
        "EMG Chin2",
        "EMG Chin3",
        "EMG Chin",  # MASS
        "Chin1-Chin2",
        "Chin2-Chin1",
        "Chin1-Chin3",
        "EMG Chin1-Chin2",  # AASM
        "EMG",  # SHHS
        "Chin",
        "Chin EMG",
        "EMG chin",
        "Submental",
        "X1",  # ISRUC-Sleep (chin EMG)
    ),
}


def normalise_name(name: str) -> str:
    """Lower-case a channel name and collapse whitespace, for matching."""
    return re.sub(r"\s+", " ", name.strip()).lower()


def alias_candidates(available: Sequence[str], role: str) -> list[str]:
    """Channels of ``available`` that :data:`ALIASES` names for ``role``, best first.

    Names are given as in ``available``; each appears once.
    """
    lookup: dict[str, str] = {}
    for name in available:
        lookup.setdefault(normalise_name(name), name)
    found = [lookup[normalise_name(a)] for a in ALIASES[role] if normalise_name(a) in lookup]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class ChannelPick:
    """The channel chosen for one role and how it was found."""

    role: str
    name: str
    how: str  # "named" (given by the user) or "alias" (found in the alias table)


def parse_roles(roles: str | Sequence[str]) -> tuple[str, ...]:
    """Validate a role list such as ``"eeg,eog,emg"`` or ``("eeg",)``.

    Raises
    ------
    ConfigError
        If a role is unknown or repeated, or the list is empty.
    """
    items = [r.strip().lower() for r in (roles.split(",") if isinstance(roles, str) else roles)]
    items = [r for r in items if r]
    unknown = [r for r in items if r not in ROLES]
    if unknown or not items or len(set(items)) != len(items):
        raise ConfigError(
            f"roles must be distinct values from {list(ROLES)} (e.g. 'eeg,eog,emg' or 'eeg'); "
            f"got {list(items)}"
        )
    return tuple(items)


def match_roles(
    available: Sequence[str],
    roles: Sequence[str] = ROLES,
    named: Mapping[str, str | None] | None = None,
    *,
    source: str = "recording",
) -> list[ChannelPick]:
    """Pick one channel per role, by explicit name or through :data:`ALIASES`.

    Parameters
    ----------
    available : sequence of str
        Channel names in the file.
    roles : sequence of str
        Roles to fill, in output order (subset of ``("eeg", "eog", "emg")``).
    named : mapping, optional
        Explicit names per role (e.g. ``{"eeg": "EEG C3-A2"}``); matched
        case-insensitively.
    source : str
        File name used in error messages.

    Returns
    -------
    list of ChannelPick
        One pick per role, in the order of ``roles``.

    Raises
    ------
    ChannelError
        If a named channel is absent, or no alias of a role is present, or two
        roles would use the same channel, or the chosen channel's name occurs
        more than once in ``available``.
    """
    named = named or {}
    lookup: dict[str, str] = {}
    for name in available:
        lookup.setdefault(normalise_name(name), name)
    picks: list[ChannelPick] = []
    for role in parse_roles(roles):
        wanted = named.get(role)
        if wanted:
            found = lookup.get(normalise_name(wanted))
            if found is None:
                raise ChannelError(
                    f"{source}: {role.upper()} channel {wanted!r} not found; "
                    f"available: {list(available)}"
                )
            picks.append(ChannelPick(role, found, "named"))
            continue
        taken = {p.name for p in picks}
        alias = next((n for n in alias_candidates(available, role) if n not in taken), None)
        if alias is None:
            raise ChannelError(
                f"{source}: no {role.upper()} channel found among {list(available)}; "
                f"name one with --{role} NAME (Python: {role}=NAME), or leave the role out "
                "(e.g. an EEG-only model)"
            )
        picks.append(ChannelPick(role, alias, "alias"))
    for pick in picks:
        copies = sum(normalise_name(n) == normalise_name(pick.name) for n in available)
        if copies > 1:
            raise ChannelError(
                f"{source}: {copies} channels are named {pick.name!r} (the {pick.role.upper()} "
                "channel), so it is ambiguous which one to read; rename the duplicates in the "
                f"file or name another channel with --{pick.role} NAME"
            )
    names = [p.name for p in picks]
    if len(set(names)) != len(names):
        raise ChannelError(f"{source}: one channel named for two roles: {names}")
    return picks
