"""Property-based tests: hypnogram conversions, alignment, feature invariants, fuzzed files.

``tests/test_hypnogram_formats.py`` checks single write/read round trips of
30-s hypnograms; here conversions chain two formats, epoch lengths and start
times vary, and damaged files must fail only with package exceptions.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqsleepnet.errors import AlignmentError, CheckpointError, FileFormatError, SeqSleepNetError
from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.features.stft import stft_log_magnitude
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram, write_hypnogram
from seqsleepnet.models.checkpoint import load_checkpoint, save_checkpoint
from seqsleepnet.models.registry import build_model

FAST = settings(max_examples=30, deadline=None)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
EVENT_FORMATS = ("edf", "xml", "tsv", "csv", "txt")  # formats that keep onset and epoch length
FILE_FORMATS = tuple(suffix.lstrip(".") for suffix in HYPNOGRAM_SUFFIXES)  # chosen by extension
FLOOR_DB = 20 * np.log10(FeatureConfig().floor)  # -120 dB

stage_lists = st.lists(st.integers(min_value=-1, max_value=4), min_size=1, max_size=120)
# EDF+ dates and NSRR clock times (two-digit years, EDF's rule) run 1985-2084
start_times = st.datetimes(
    min_value=datetime(1985, 1, 1), max_value=datetime(2084, 12, 31, 23, 59, 59)
).map(lambda moment: moment.replace(microsecond=0))


def _round_trip(
    hyp: Hypnogram, fmt: str, folder: Path, epoch_length: float | None = None
) -> Hypnogram:
    return read_hypnogram(write_hypnogram(hyp, folder / f"h.{fmt}"), epoch_length=epoch_length)


# ---------------------------------------------------------------------- hypnograms


@FAST
@given(
    stages=stage_lists,
    first_epoch=st.integers(min_value=0, max_value=50),
    first=st.sampled_from(FILE_FORMATS),
    second=st.sampled_from(FILE_FORMATS),
)
def test_conversion_between_any_two_formats_keeps_the_stages(
    stages: list[int], first_epoch: int, first: str, second: str
) -> None:
    hyp = Hypnogram(stages, onset=30.0 * first_epoch)
    with tempfile.TemporaryDirectory() as folder:
        back = _round_trip(_round_trip(hyp, first, Path(folder)), second, Path(folder))
    np.testing.assert_array_equal(back.stages, hyp.stages)
    assert back.onset == hyp.onset and back.epoch_length == 30.0


@FAST
@given(stages=stage_lists, start=start_times, fmt=st.sampled_from(EVENT_FORMATS))
def test_start_time_survives_every_written_format(
    stages: list[int], start: datetime, fmt: str
) -> None:
    hyp = Hypnogram(stages, start_time=start)
    with tempfile.TemporaryDirectory() as folder:
        assert _round_trip(hyp, fmt, Path(folder)) == hyp


@FAST
@given(
    stages=stage_lists,
    length=st.integers(min_value=1, max_value=3600),
    first_epoch=st.integers(min_value=0, max_value=20),
    fmt=st.sampled_from(EVENT_FORMATS),
)
def test_any_epoch_length_round_trips_when_given(
    stages: list[int], length: int, first_epoch: int, fmt: str
) -> None:
    hyp = Hypnogram(stages, epoch_length=float(length), onset=float(first_epoch * length))
    with tempfile.TemporaryDirectory() as folder:
        assert _round_trip(hyp, fmt, Path(folder), epoch_length=float(length)) == hyp


@FAST
@given(
    stages=stage_lists,
    length=st.integers(min_value=1, max_value=3600).filter(lambda n: n % 30),
    fmt=st.sampled_from(EVENT_FORMATS),
)
def test_epoch_length_other_than_multiples_of_30_is_inferred(
    stages: list[int], length: int, fmt: str
) -> None:
    hyp = Hypnogram(stages, epoch_length=float(length))
    with tempfile.TemporaryDirectory() as folder:
        back = _round_trip(hyp, fmt, Path(folder))
    assert back.epoch_length == float(length)
    np.testing.assert_array_equal(back.stages, hyp.stages)


@FAST
@given(
    stages=stage_lists,
    first_epoch=st.integers(min_value=0, max_value=60),
    n_epochs=st.integers(min_value=0, max_value=200),
)
def test_alignment_places_every_epoch_or_refuses(
    stages: list[int], first_epoch: int, n_epochs: int
) -> None:
    hyp = Hypnogram(stages, onset=30.0 * first_epoch)
    values = np.asarray(stages, dtype=np.int8)
    inside = max(0, min(len(stages), n_epochs - first_epoch))
    scored_beyond = int(np.count_nonzero(values[inside:] >= 0))
    if scored_beyond > 1:
        with pytest.raises(AlignmentError, match=f"scores {scored_beyond} epochs past the end"):
            hyp.align_to(n_epochs)
        return
    labels = hyp.align_to(n_epochs).stages
    assert labels.shape == (n_epochs,) and labels.dtype == np.int8
    np.testing.assert_array_equal(labels[first_epoch : first_epoch + inside], values[:inside])
    outside = np.ones(n_epochs, dtype=bool)
    outside[first_epoch : first_epoch + inside] = False
    assert (labels[outside] == -1).all()


# ---------------------------------------------------------------------- features


def _epochs(seed: int, n_epochs: int, n_channels: int, amplitude: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amplitude * rng.standard_normal((n_epochs, n_channels, 3000))).astype(np.float32)


@FAST
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_epochs=st.integers(min_value=1, max_value=4),
    n_channels=st.integers(min_value=1, max_value=3),
    amplitude=st.sampled_from([0.0, 1e-9, 1.0, 50.0, 1e6]),
)
def test_images_have_the_papers_shape_and_are_finite(
    seed: int, n_epochs: int, n_channels: int, amplitude: float
) -> None:
    images = stft_log_magnitude(_epochs(seed, n_epochs, n_channels, amplitude))
    assert images.shape == (n_epochs, n_channels, 29, 129) and images.dtype == np.float32
    assert np.isfinite(images).all()
    assert images.min() >= FLOOR_DB - 1e-3


@FAST
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    gain=st.floats(min_value=1e-3, max_value=1e3),
)
def test_gain_shifts_the_image_by_its_decibels_above_the_floor(seed: int, gain: float) -> None:
    x = _epochs(seed, 2, 2, 20.0)
    base = stft_log_magnitude(x)
    scaled = stft_log_magnitude((x.astype(np.float64) * gain).astype(np.float32))
    shift = 20 * np.log10(gain)
    # compare where both images are clear of the magnitude floor and of float32 rounding
    # (the spectra are float32: bins 60 dB under the loudest one carry rounding noise)
    usable = np.maximum(FLOOR_DB + 20, base.max() - 60)
    above = (base > usable) & (scaled > usable + shift)
    assert above.mean() > 0.5
    np.testing.assert_allclose(scaled[above] - base[above], shift, atol=0.01)


@FAST
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), data=st.data())
def test_permuting_epochs_permutes_images(seed: int, data: st.DataObject) -> None:
    x = _epochs(seed, 5, 2, 30.0)
    order = np.array(data.draw(st.permutations(range(5))))
    np.testing.assert_array_equal(stft_log_magnitude(x[order]), stft_log_magnitude(x)[order])


@FAST
@given(
    n_samples=st.integers(min_value=3000, max_value=20000),
    n_channels=st.integers(min_value=1, max_value=3),
)
def test_recording_features_cover_every_whole_epoch(n_samples: int, n_channels: int) -> None:
    rng = np.random.default_rng(n_samples)
    data = rng.standard_normal((n_channels, n_samples)).astype(np.float32)
    roles = ("eeg", "eog", "emg")[:n_channels]
    recording = Recording(data, [f"ch{i}" for i in range(n_channels)], list(roles), 100.0)
    images, onsets = Preprocessing(roles=roles).model_input(recording, "tf")
    n_epochs = n_samples // 3000
    assert images.shape == (n_epochs, n_channels, 29, 129)
    np.testing.assert_array_equal(onsets, 30.0 * np.arange(n_epochs))
    # each image depends on its own epoch only
    last = stft_log_magnitude(data[None, :, (n_epochs - 1) * 3000 : n_epochs * 3000])
    np.testing.assert_array_equal(images[-1], last[0])


# ---------------------------------------------------------------------- damaged files


def _mutate(data: bytes, edits: list[tuple[int, int]], limit: int | None = None) -> bytes:
    """Overwrite bytes at positions (taken modulo ``limit`` or the length) with new values."""
    raw = bytearray(data)
    span = min(limit or len(raw), len(raw))
    for position, value in edits:
        raw[position % span] = value
    return bytes(raw)


edit_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2**20), st.integers(0, 255)),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Bytes of one valid file per format: a PSG, a checkpoint and every hypnogram format."""
    import edfio

    folder = tmp_path_factory.mktemp("valid")
    rng = np.random.default_rng(0)
    signals = [
        edfio.EdfSignal(rng.normal(0, 20, 6000), 100.0, label=name, physical_range=(-500, 500))
        for name in ("C4-M1", "E1-M2")
    ]
    edfio.Edf(signals, data_record_duration=30.0).write(folder / "psg.edf")
    files = {"psg": (folder / "psg.edf").read_bytes()}
    hyp = Hypnogram([0, 0, 1, 2, 2, 3, 4, -1, 2], onset=30.0, start_time=datetime(2020, 1, 2))
    for fmt in FILE_FORMATS:
        files[fmt] = write_hypnogram(hyp, folder / f"h.{fmt}").read_bytes()
    model = build_model("arnn", seed=0, channels=1)
    files["checkpoint"] = save_checkpoint(folder / "m.pt", model, extra={"a": [1, 2]}).read_bytes()
    return files


@FUZZ
@given(edits=edit_lists)
def test_damaged_edf_header_fails_only_with_file_format_error(
    valid_files: dict[str, bytes], edits: list[tuple[int, int]]
) -> None:
    data = _mutate(valid_files["psg"], edits, limit=768)  # the header of 2 signals
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "psg.edf"
        path.write_bytes(data)
        try:
            header = read_edf_header(path)
        except FileFormatError as error:
            assert str(path) in str(error)
            return
    assert header.n_records >= 1 and all(s.sfreq > 0 for s in header.data_signals)


@FUZZ
@given(edits=edit_lists, fmt=st.sampled_from(FILE_FORMATS))
def test_damaged_hypnogram_fails_only_with_package_errors(
    valid_files: dict[str, bytes], edits: list[tuple[int, int]], fmt: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"h.{fmt}"
        path.write_bytes(_mutate(valid_files[fmt], edits))
        try:
            hyp = read_hypnogram(path)
        except SeqSleepNetError:
            return
    assert hyp.n_epochs >= 1 and hyp.stages.min() >= -1 and hyp.stages.max() <= 4


@FUZZ
@given(edits=edit_lists, cut=st.integers(min_value=0, max_value=2**20))
def test_damaged_checkpoint_fails_only_with_checkpoint_error(
    valid_files: dict[str, bytes], edits: list[tuple[int, int]], cut: int
) -> None:
    data = _mutate(valid_files["checkpoint"], edits)
    data = data[: max(1, len(data) - cut % 64)]  # sometimes truncated too
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.pt"
        path.write_bytes(data)
        try:
            model, extra = load_checkpoint(path)
        except CheckpointError:
            return
    # a change that leaves the payload intact (zip padding, comments) loads the same model
    assert extra == {"a": [1, 2]}
    assert isinstance(model, torch.nn.Module)
