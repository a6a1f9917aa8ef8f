"""The demonstration: a synthetic night from a real hypnogram, staged end to end.

Subject 0 of the packaged Sleep-EDF hypnograms is held out of the bundled
models' training set, so the demo stages a night the model has never seen:
its signals are synthetic (our generator, another seed) and its hypnogram is
a real expert scoring. The agreement printed is therefore a figure on
synthetic data, not a clinical accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqsleepnet.batch import FileOutcome, StageOptions, stage_file
from seqsleepnet.data.synthetic.cohort import packaged_hypnograms
from seqsleepnet.data.synthetic.files import SyntheticFiles, write_synthetic_night
from seqsleepnet.errors import FileFormatError, SeqSleepNetError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.io.info import RecordingInfo, describe_recording

__all__ = ["DEMO_HYPNOGRAM", "DEMO_LAYOUT", "DemoOutcome", "run_demo"]

DEMO_HYPNOGRAM = "SC4001EC-Hypnogram.edf"  # subject 0, night 1: never used in training
DEMO_LAYOUT = "aasm"
DEMO_SEED = 2026
DEMO_FOLDERS = ("psg", "features", "report")  # what a demo writes into its output folder


@dataclass
class DemoOutcome:
    """Files the demo wrote and what staging found."""

    synthetic: SyntheticFiles
    info: RecordingInfo
    features: Path
    staging: FileOutcome


def run_demo(
    out: Path, *, overwrite: bool = False, say: Callable[[str], None] = lambda _: None
) -> DemoOutcome:
    """Synthesise, inspect, featurise and stage one night into ``out``.

    Parameters
    ----------
    out : Path
        Output folder (created): ``psg/`` (EDF + expert hypnogram),
        ``features/`` (.npz) and ``report/`` (staging outputs).
    overwrite : bool
        Replace an earlier demo in ``out``; without it such a folder is
        refused before anything is written.
    say : callable
        Receives one line per step, for a terminal.

    Raises
    ------
    FileFormatError
        If ``out`` holds an earlier demo and ``overwrite`` is False.
    """
    earlier = [
        part for part in DEMO_FOLDERS if (out / part).is_dir() and any((out / part).iterdir())
    ]
    if earlier and not overwrite:
        raise FileFormatError(
            out,
            f"holds an earlier demo ({', '.join(f'{part}/' for part in earlier)})",
            "pass --overwrite to replace it, or choose another --out",
        )
    source = packaged_hypnograms() / DEMO_HYPNOGRAM
    hypnogram = read_hypnogram(source).in_bed()
    say(
        f"1/4 synthesising a {hypnogram.duration / 3600:.1f}-h night driven by the real expert "
        f"hypnogram {DEMO_HYPNOGRAM} (Sleep-EDF, in-bed part)"
    )
    synthetic = write_synthetic_night(
        hypnogram, out / "psg", layout=DEMO_LAYOUT, seed=DEMO_SEED, subject=0, night=1
    )
    info = describe_recording(synthetic.psg)
    channels = ", ".join(f"{c['name']} ({c['sfreq']:g} Hz)" for c in info.channels)
    say(
        f"2/4 {synthetic.psg.name}: {info.duration / 3600:.2f} h, {info.n_epochs} epochs; "
        f"channels {channels}"
    )
    prep = Preprocessing()
    recording = prep.read(synthetic.psg)
    images, onsets = prep.model_input(recording, "tf")
    features = out / "features" / f"{synthetic.psg.stem}.npz"
    features.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(features) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, features=images, onsets=onsets, channels=np.array(recording.ch_names))
    say(f"3/4 features {tuple(images.shape)} (epochs, channels, frames, bins) -> {features}")
    say("4/4 staging with the bundled demonstration model")
    options = StageOptions(out / "report", true=synthetic.hypnogram, overwrite=overwrite)
    outcome = stage_file(synthetic.psg, options)
    if outcome.error:
        raise SeqSleepNetError(outcome.error)
    return DemoOutcome(synthetic, info, features, outcome)
