"""Synthetic polysomnography driven by a hypnogram.

The generator stands in for real PSG in tests, demos and accuracy studies:
:func:`generate_night` renders a stage array as EEG, EOG and chin EMG with the
signatures of each AASM stage, between-subject variation
(:class:`SubjectProfile`) and within-night transitions and artefacts;
:func:`write_synthetic_night` writes it as EDF files in the layout of a public
dataset (:data:`LAYOUTS`), and :func:`build_cohort` does so for a folder of
Sleep-EDF hypnograms such as the packaged ones.
"""

from __future__ import annotations

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
