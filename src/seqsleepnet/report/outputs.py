"""Write every output of a staged night into a folder, each file atomically.

``<name>.hypnogram.tsv`` (onset, duration, stage), ``<name>.csv`` (per-epoch
probabilities), ``<name>.annotations.edf`` (EDF+ "Sleep stage X"),
``<name>.stats.json``, ``<name>.png`` (hypnogram with probability band) and
``<name>.html`` (the self-contained report).

A run killed while writing (power cut, SIGKILL) leaves only complete files
under these names, plus hidden temporary files; the next run of the same
recording into the same folder removes those temporary files.
"""

from __future__ import annotations

import glob
import json
import logging
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.report.html import figure_png, render_report
from seqsleepnet.result import StagingResult

__all__ = ["OUTPUT_SUFFIXES", "write_outputs"]

OUTPUT_SUFFIXES = (".hypnogram.tsv", ".csv", ".annotations.edf", ".stats.json", ".png", ".html")

log = logging.getLogger(__name__)


def _remove_stale_temporaries(targets: list[Path]) -> None:
    """Delete the temporary files an interrupted run left for these outputs.

    :func:`seqsleepnet.io.atomic.atomic_write` names them
    ``.<stem>.<12 hex digits>.tmp<suffix>`` beside the target.
    """
    for target in targets:
        exact = re.compile(
            rf"\.{re.escape(target.stem)}\.[0-9a-f]{{12}}\.tmp{re.escape(target.suffix)}"
        )
        pattern = f".{glob.escape(target.stem)}.*.tmp{glob.escape(target.suffix)}"
        for leftover in target.parent.glob(pattern):
            if exact.fullmatch(leftover.name):
                log.info("removing %s, left by an interrupted run", leftover)
                leftover.unlink(missing_ok=True)


def write_outputs(
    result: StagingResult,
    folder: str | Path,
    *,
    true: npt.NDArray[np.int8] | None = None,
    demo_model: bool = False,
) -> dict[str, Path]:
    """Write the hypnogram, probabilities, annotations, statistics, picture and report.

    Parameters
    ----------
    result : StagingResult
    folder : str or Path
        Created if absent.
    true : ndarray of int8, shape (E,), optional
        Expert stages aligned with the result, for the agreement section.
    demo_model : bool
        Mark the report as coming from a demonstration model.

    Returns
    -------
    dict
        Path of each output, keyed by its suffix.
    """
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileFormatError(out, f"cannot create the output folder ({error.strerror})") from None
    paths = {suffix: out / f"{result.name}{suffix}" for suffix in OUTPUT_SUFFIXES}
    _remove_stale_temporaries(list(paths.values()))
    result.to_tsv(paths[".hypnogram.tsv"])
    result.to_csv(paths[".csv"])
    result.to_edf_annotations(paths[".annotations.edf"])
    statistics = {"recording": result.name, "model": result.model, **result.statistics().to_dict()}
    with atomic_write(paths[".stats.json"]) as handle:
        json.dump(statistics, handle, indent=1)
    night_png = figure_png(result.plot(true=true), dpi=100)  # rendered once, used twice
    with atomic_write(paths[".png"], "wb") as binary:
        binary.write(night_png)
    with atomic_write(paths[".html"]) as handle:
        handle.write(render_report(result, true=true, demo_model=demo_model, night_png=night_png))
    return paths
