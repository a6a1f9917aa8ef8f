"""Write every output of a staged night into a folder, each file atomically.

``<name>.hypnogram.tsv`` (onset, duration, stage), ``<name>.csv`` (per-epoch
probabilities), ``<name>.annotations.edf`` (EDF+ "Sleep stage X"),
``<name>.stats.json`` (with an expert hypnogram, also the agreement with it, the
figures the report shows), ``<name>.png`` (hypnogram with probability band) and
``<name>.html`` (the self-contained report). :data:`OUTPUTS` is the one list
of them: a new output file is one entry there (a suffix and a function that
writes it).

A run killed while writing (power cut, SIGKILL) leaves only complete files
under these names, plus hidden temporary files; the next run of the same
recording into the same folder removes those temporary files.
"""

from __future__ import annotations

import glob
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.agreement import night_agreement
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.period import SleepPeriod
from seqsleepnet.report.html import render_report
from seqsleepnet.report.html_parts import figure_png
from seqsleepnet.result import StagingResult
from seqsleepnet.statistics import DEFINITIONS

__all__ = ["OUTPUTS", "OUTPUT_SUFFIXES", "write_outputs"]


@dataclass
class _Night:
    """What the writers of one night share; the picture is rendered once, for PNG and HTML."""

    result: StagingResult
    true: npt.NDArray[np.int8] | None
    demo_model: bool
    period: SleepPeriod | None = None

    @cached_property
    def png(self) -> bytes:
        return figure_png(self.result.plot(true=self.true, period=self.period), dpi=100)


def _write_stats(night: _Night, path: Path) -> None:
    result = night.result
    start = result.start_time
    period = night.period or SleepPeriod(
        float(result.onsets[0]) if result.n_epochs else 0.0,
        result.to_hypnogram().end,
    )
    statistics = {
        "recording": result.name,
        "model": result.model,
        "start_time": None if start is None else start.isoformat(),
        "period": period.to_dict(start),
        **result.statistics(night.period).to_dict(),
        "definitions": {key: f"{label}: {text}" for key, (label, text) in DEFINITIONS.items()},
    }
    if night.true is not None:
        within = None if night.period is None else night.period.epochs(result.to_hypnogram())
        agreement = night_agreement(night.true, result.stages, result.epoch_length, period=within)
        statistics["agreement"] = agreement.to_dict()
    if result.quality is not None:
        statistics["quality"] = result.quality.to_dict()
    with atomic_write(path) as handle:
        json.dump(statistics, handle, indent=1)


def _write_png(night: _Night, path: Path) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(night.png)


def _write_html(night: _Night, path: Path) -> None:
    page = render_report(
        night.result,
        true=night.true,
        demo_model=night.demo_model,
        night_png=night.png,
        period=night.period,
    )
    with atomic_write(path) as handle:
        handle.write(page)


OUTPUTS: dict[str, Callable[[_Night, Path], object]] = {
    ".hypnogram.tsv": lambda night, path: night.result.to_tsv(path),
    ".csv": lambda night, path: night.result.to_csv(path),
    ".annotations.edf": lambda night, path: night.result.to_edf_annotations(path),
    ".stats.json": _write_stats,
    ".png": _write_png,
    ".html": _write_html,
}
"""Every output of a staged night: file suffix -> the function that writes it."""

OUTPUT_SUFFIXES = tuple(OUTPUTS)

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
    period: SleepPeriod | None = None,
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
    period : SleepPeriod, optional
        Lights off to lights on: the statistics describe it, ``stats.json``
        records it and the pictures mark it; by default the whole recording.

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
    paths = {suffix: out / f"{result.name}{suffix}" for suffix in OUTPUTS}
    _remove_stale_temporaries(list(paths.values()))
    night = _Night(result, true, demo_model, period)
    for suffix, write in OUTPUTS.items():
        write(night, paths[suffix])
    return paths
