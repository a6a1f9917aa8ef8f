"""Write the outputs of ``evaluate --out DIR``: every file rendered first, then each atomically.

- ``summary.json``: :meth:`CohortAgreement.to_dict` (the ``--json`` object);
- ``nights.csv``: one row per night (metrics, transition agreement, both
  scorings' sleep statistics);
- ``nights/<night>.csv``: the epoch-by-epoch pairs of each night;
- ``confusion.csv``: the pooled confusion matrix, counts and row fractions;
- ``bland_altman.csv``: the Bland-Altman table of the sleep statistics;
- ``agreement.html``: one self-contained page with the tables and the
  confusion-matrix and Bland-Altman plots.

Everything is rendered before the first file is written, so an error leaves
the folder as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.agreement_tables import (
    bland_altman_frame,
    confusion_frame,
    epochs_frame,
    nights_frame,
)
from seqsleepnet.evaluation.cohort_agreement import CohortAgreement
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.report.evaluation_page import render_evaluation_page

__all__ = ["EVALUATION_FILES", "write_evaluation"]

EVALUATION_FILES = (
    "summary.json",
    "nights.csv",
    "confusion.csv",
    "bland_altman.csv",
    "agreement.html",
)
"""The files of ``evaluate --out`` besides the per-night CSVs in ``nights/``."""


def write_evaluation(cohort: CohortAgreement, out: str | Path) -> list[Path]:
    """Write the agreement study's files into ``out`` (created).

    Parameters
    ----------
    cohort : CohortAgreement
    out : str or Path
        Output folder; ``nights/`` inside it holds one CSV per night.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileFormatError
        If the folder cannot be created.
    """
    folder = Path(out)
    texts = {
        folder / "summary.json": json.dumps(cohort.to_dict(), indent=1),
        folder / "nights.csv": nights_frame(cohort).to_csv(index=False, float_format="%.6f"),
        folder / "confusion.csv": confusion_frame(cohort.pooled.confusion).to_csv(
            index=False, float_format="%.6f"
        ),
        folder / "bland_altman.csv": bland_altman_frame(cohort.bland_altman).to_csv(
            index=False, float_format="%.6f"
        ),
        folder / "agreement.html": render_evaluation_page(cohort),
    }
    for night in cohort.nights:
        texts[folder / "nights" / f"{night.name}.csv"] = epochs_frame(night).to_csv(index=False)
    try:
        (folder / "nights").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        problem = f"cannot create the output folder ({error.strerror})"
        raise FileFormatError(folder, problem) from None
    for path, text in texts.items():
        with atomic_write(path) as handle:
            handle.write(text)
    return list(texts)
