"""Write every output of a staged night into a folder, as one set.

``<name>.hypnogram.tsv`` (onset, duration, stage), ``<name>.csv`` (per-epoch
probabilities), ``<name>.annotations.edf`` (EDF+ "Sleep stage X"),
``<name>.stats.json`` (with an expert hypnogram, also the agreement with it, the
figures the report shows), ``<name>.png`` (hypnogram with probability band) and
``<name>.html`` (the self-contained report). :data:`OUTPUTS` is the one list
of them: a new output file is one entry there (a suffix and a function that
writes it).

A night's files are written as one set (:func:`seqsleepnet.io.output_set.output_set`):
they appear together or not at all, a failed run leaves earlier outputs as they
were, and existing outputs are replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.output_set import output_set, refuse_existing
from seqsleepnet.period import SleepPeriod
from seqsleepnet.report.agreement import staged_agreement
from seqsleepnet.report.html import render_report
from seqsleepnet.report.html_parts import figure_png
from seqsleepnet.result import StagingResult
from seqsleepnet.statistics import DEFINITIONS

__all__ = ["OUTPUTS", "OUTPUT_SUFFIXES", "output_names", "refuse_existing_outputs", "write_outputs"]


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
        agreement = staged_agreement(result, night.true, night.period)
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


def output_names(name: str) -> list[str]:
    """File names of the outputs of the recording ``name``."""
    return [f"{name}{suffix}" for suffix in OUTPUTS]


def refuse_existing_outputs(folder: Path, name: str) -> None:
    """Raise :class:`~seqsleepnet.errors.FileFormatError` if an output of ``name`` exists."""
    refuse_existing(folder, name, output_names(name))


def write_outputs(
    result: StagingResult,
    folder: str | Path,
    *,
    true: npt.NDArray[np.int8] | None = None,
    demo_model: bool = False,
    period: SleepPeriod | None = None,
    overwrite: bool = False,
) -> dict[str, Path]:
    """Write the hypnogram, probabilities, annotations, statistics, picture and report.

    The six files appear together or not at all; on a failure earlier outputs
    of the night stay as they were.

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
    overwrite : bool
        Replace the night's existing outputs; otherwise they are refused.

    Returns
    -------
    dict
        Path of each output, keyed by its suffix.

    Raises
    ------
    FileFormatError
        An output exists and ``overwrite`` is False, or writing failed (the
        message names the output, not a temporary file).
    """
    out = Path(folder)
    names = dict(zip(OUTPUTS, output_names(result.name), strict=True))
    night = _Night(result, true, demo_model, period)
    with output_set(out, result.name, list(names.values()), overwrite=overwrite) as staged:
        for suffix, write in OUTPUTS.items():
            write(night, staged[names[suffix]])
    return {suffix: out / name for suffix, name in names.items()}
