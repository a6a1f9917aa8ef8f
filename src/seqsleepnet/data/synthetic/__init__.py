"""Synthetic polysomnography driven by a hypnogram.

The generator stands in for real PSG in tests, demos and accuracy studies:
:func:`generate_night` renders a stage array as EEG, EOG and chin EMG with the
signatures of each AASM stage, between-subject variation
(:class:`SubjectProfile`) and within-night transitions and artefacts;
:func:`write_synthetic_night` writes it as EDF files in the layout of a public
dataset (:data:`LAYOUTS`), and :func:`build_cohort` does so for a folder of
Sleep-EDF hypnograms such as the packaged ones.

The names are imported on first use, so that importing the light table of
:mod:`.layouts` does not load SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seqsleepnet.data.synthetic.cohort import build_cohort, packaged_hypnograms
    from seqsleepnet.data.synthetic.files import SyntheticFiles, write_synthetic_night
    from seqsleepnet.data.synthetic.layouts import LAYOUTS
    from seqsleepnet.data.synthetic.night import CHANNELS, SyntheticNight, generate_night
    from seqsleepnet.data.synthetic.profile import SubjectProfile

__all__ = [
    "CHANNELS",
    "LAYOUTS",
    "SubjectProfile",
    "SyntheticFiles",
    "SyntheticNight",
    "build_cohort",
    "generate_night",
    "packaged_hypnograms",
    "write_synthetic_night",
]

_MODULE_OF = {
    "CHANNELS": "night",
    "LAYOUTS": "layouts",
    "SubjectProfile": "profile",
    "SyntheticFiles": "files",
    "SyntheticNight": "night",
    "build_cohort": "cohort",
    "generate_night": "night",
    "packaged_hypnograms": "cohort",
    "write_synthetic_night": "files",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
