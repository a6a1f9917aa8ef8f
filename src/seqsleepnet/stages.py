"""Sleep stages and the label maps that bring every scoring convention to AASM.

Stage order is W, N1, N2, N3, REM (indices 0..4) everywhere in the package.
Epochs that carry no stage (unscored ``?``, movement time, artefact) are kept
in label arrays as :data:`UNSCORED` (-1) and masked, never dropped or
relabelled.
"""

from __future__ import annotations

import re
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import UnknownStageError

__all__ = [
    "EPOCH_SECONDS",
    "PROBABILITY_COLUMNS",
    "STAGE_NAMES",
    "UNSCORED",
    "UNSCORED_NAME",
    "SleepStage",
    "parse_stage",
    "parse_stages",
    "stage_names",
]

EPOCH_SECONDS = 30.0
UNSCORED = -1
UNSCORED_NAME = "UNS"


class SleepStage(IntEnum):
    """AASM sleep stages in the package's canonical order."""

    W = 0
    N1 = 1
    N2 = 2
    N3 = 3
    REM = 4


STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in SleepStage)

PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{name}" for name in STAGE_NAMES)
"""Columns of the stage probabilities in the per-epoch tables that staging writes."""


def _key(label: str) -> str:
    """Normalise a label for lookup: case, separators and repeated spaces."""
    return re.sub(r"[\s_\-]+", " ", label.strip().lower())


# Every spelling seen in public datasets, keyed by its normalised form.
# Sources: Sleep-EDF EDF+ ("Sleep stage 4"), NSRR XML ("Stage 4 sleep|4"),
# MASS ("Sleep stage R"), YASA ("WAKE", "ART", "UNS"), AASM short names.
_LABELS: dict[str, int] = {}


def _register(stage: int, *labels: str) -> None:
    for label in labels:
        _LABELS[_key(label)] = stage


# Bare integers alone are YASA's codes: 0..4 = W..REM, -1 artefact, -2 unscored.
_CODES: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, -1: UNSCORED, -2: UNSCORED}
# Digits among stage names (R&K exports such as "W 1 2 3 4 R M") are R&K stage numbers.
_RK_DIGITS: dict[int, int] = {1: 1, 2: 2, 3: 3, 4: 3}


def _is_integer(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text.strip()) is not None


def _lookup(label: object, codes: dict[int, int] = _CODES) -> int | None:
    """Stage index of one label, or None when unknown; bare integers through ``codes``."""
    text = str(label).strip()
    if _is_integer(text):
        return codes.get(int(text))
    return _LABELS.get(_key(text))


_register(SleepStage.W, "W", "Wake", "Awake", "Sleep stage W", "Stage W", "Wake|0")
_register(
    SleepStage.N1,
    "N1",
    "S1",
    "Sleep stage 1",
    "Sleep stage N1",
    "Stage 1 sleep",
    "Stage 1 sleep|1",
    "Stage 1",
    "Stage N1",
)
_register(
    SleepStage.N2,
    "N2",
    "S2",
    "Sleep stage 2",
    "Sleep stage N2",
    "Stage 2 sleep",
    "Stage 2 sleep|2",
    "Stage 2",
    "Stage N2",
)
_register(
    SleepStage.N3,
    "N3",
    "S3",
    "S4",
    "N4",
    "Sleep stage 3",
    "Sleep stage 4",
    "Sleep stage N3",
    "Sleep stage N4",
    "Stage 3 sleep",
    "Stage 4 sleep",
    "Stage 3 sleep|3",
    "Stage 4 sleep|4",
    "Stage 3",
    "Stage 4",
    "Stage N3",
    "SWS",
)
_register(
    SleepStage.REM,
    "REM",
    "R",
    "Sleep stage R",
    "Sleep stage REM",
    "REM sleep",
    "REM sleep|5",
    "Stage R",
    "Stage REM",
    "Paradoxical sleep",
)
_register(
    UNSCORED,
    "UNS",
    "?",
    "Unscored",
    "Unscored|9",
    "Sleep stage ?",
    "Movement time",
    "Movement",
    "Movement|6",
    "Artifact|10",  # NSRR's concept for Profusion's stage code 10 (edf-editor-translator mapping)
    "MT",
    "M",
    "ART",
    "Artefact",
    "Artifact",
    "Unknown",
    "Sleep stage unknown",
    "L",
    "Lights on",
    "Lights off",
)


def parse_stage(label: str | int) -> int:
    """Map one stage label of any known convention to an AASM index.

    Parameters
    ----------
    label : str or int
        A stage label such as ``"Sleep stage 4"``, ``"N2"``, ``"REM sleep|5"``
        or a YASA integer code (0..4 as W..REM; -1/-2 as unscored), as int or
        string.

    Returns
    -------
    int
        0..4 for W, N1, N2, N3, REM, or :data:`UNSCORED` (-1).

    Raises
    ------
    UnknownStageError
        If the label is not a known stage spelling.
    """
    stage = _lookup(label)
    if stage is None:
        raise UnknownStageError([str(label)])
    return stage


def parse_stages(labels: list[str] | list[int] | npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Map a sequence of labels to AASM indices, listing every unknown label at once.

    Bare integers alone are YASA codes (see :func:`parse_stage`). Among stage
    names they are R&K stage numbers, as in R&K exports (``W 1 2 3 4 R M``):
    1, 2, 3 = N1, N2, N3 and 4 = N3; any other integer there is ambiguous.

    Returns
    -------
    numpy.ndarray of int8, shape (E,)
        Stage index per epoch, :data:`UNSCORED` for masked epochs.

    Raises
    ------
    UnknownStageError
        Listing every unknown label, or (names mixed with integers) every
        integer that is not an R&K stage number.
    """
    values = [str(v) for v in np.asarray(labels, dtype=object).ravel()]
    integers = [_is_integer(v) for v in values]
    mixed = any(integers) and not all(integers)
    mapped = [_lookup(v, _RK_DIGITS if mixed else _CODES) for v in values]
    unknown = sorted({v for v, m in zip(values, mapped, strict=True) if m is None})
    if unknown:
        raise UnknownStageError(unknown, mixed=mixed)
    return np.array(mapped, dtype=np.int8)


def stage_names(stages: npt.ArrayLike) -> list[str]:
    """Names (``W``, ``N1``, ``N2``, ``N3``, ``REM``, ``UNS``) for stage indices."""
    return [
        STAGE_NAMES[s] if 0 <= s < len(STAGE_NAMES) else UNSCORED_NAME
        for s in np.asarray(stages, dtype=int).ravel()
    ]
