"""ISRUC-Sleep scorer files: one stage code per 30-s epoch and line.

ISRUC-Sleep (Khalighi et al. 2016, https://sleeptight.isr.uc.pt/) ships, per
subject, ``<s>_1.txt`` and ``<s>_2.txt`` with the stages of its two scorers:
0 W, 1 N1, 2 N2, 3 N3, 5 REM (AASM; 4 is not used). The files look like YASA
text, whose 4 is REM, so a bare ``.txt`` is always read as YASA text and this
format is chosen by name (``format="isruc"``), as the ISRUC dataset source does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqsleepnet.errors import FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram_formats import integer_code, per_epoch, read_lines
from seqsleepnet.stages import SleepStage

__all__ = ["ISRUC_CODES", "read_isruc"]

ISRUC_CODES: dict[int, int] = {
    0: SleepStage.W,
    1: SleepStage.N1,
    2: SleepStage.N2,
    3: SleepStage.N3,
    5: SleepStage.REM,
}
"""Stage index of each ISRUC-Sleep code."""


def read_isruc(path: Path, epoch_length: float | None) -> Hypnogram:
    """Read an ISRUC-Sleep scorer file (``<s>_1.txt`` or ``<s>_2.txt``).

    Parameters
    ----------
    path : Path
        Text file with one code per line: 0 W, 1 N1, 2 N2, 3 N3, 5 REM.
    epoch_length : float or None
        Seconds per epoch; the file does not say, ISRUC scores 30-s epochs.

    Returns
    -------
    Hypnogram
        Stages (E,) from onset 0, without start time.

    Raises
    ------
    FileFormatError
        If a line holds no or several values, or a code other than 0, 1, 2, 3, 5
        (all such codes are listed).
    """
    labels = read_lines(path, "one ISRUC stage code per line (0, 1, 2, 3 or 5)")
    codes = [integer_code(label) for label in labels]
    stages = [None if code is None else ISRUC_CODES.get(code) for code in codes]
    unknown = sorted({lab for lab, stage in zip(labels, stages, strict=True) if stage is None})
    if unknown:
        raise FileFormatError(
            path,
            f"ISRUC stage code(s) {unknown[:10]} are not 0 (W), 1 (N1), 2 (N2), 3 (N3) or 5 (REM)",
            "check that this is an ISRUC-Sleep scorer file, or read it as YASA text (format='txt')",
        )
    return per_epoch(np.array(stages, dtype=np.int8), epoch_length, str(path))
