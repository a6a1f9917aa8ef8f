"""The preprocessing contract: one object from ``prepare`` to the checkpoint to ``stage``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.data.cache import load_manifest, manifest_preprocessing, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.features.config import ConditioningConfig, FeatureConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.models.checkpoint import load_trained
from seqsleepnet.models.registry import build_model
from seqsleepnet.staging import SleepStager
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.loop import train
from test_prepare import write_dataset

runner = CliRunner()

# Not the paper's settings: a 1-s window (59 frames) and a 0.5-35 Hz EEG/EOG band.
CUSTOM = Preprocessing(
    roles=("eeg", "eog"),
    conditioning=ConditioningConfig(band=(0.5, 35.0)),
    features=FeatureConfig(window_seconds=1.0, overlap=0.5),
)
TINY = {"n_filters": 4, "epoch_hidden": 8, "attention_size": 8, "sequence_hidden": 8}


def test_the_paper_numbers_are_derived_from_the_settings() -> None:
    prep = Preprocessing()
    assert prep.input_shape("tf") == (3, 29, 129)
    assert prep.input_shape("raw") == (3, 3000)
    assert CUSTOM.input_shape("tf") == (2, 59, 129)
    model = build_model("seqsleepnet", preprocessing=CUSTOM)
    assert model.epoch_shape == (2, 59, 129)
    raw_model = build_model("deepsleepnet", preprocessing=CUSTOM)
    assert raw_model.epoch_shape == (2, 3000)
    with pytest.raises(
        ConfigError, match=r"contradict the preprocessing, which gives \{'n_frames'"
    ):
        build_model("seqsleepnet", preprocessing=CUSTOM, n_frames=29)


def test_round_trip_through_json_is_exact() -> None:
    text = json.dumps(CUSTOM.to_dict())
    assert Preprocessing.from_dict(json.loads(text)) == CUSTOM


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("conditioning"), r"missing section\(s\) \['conditioning'\]"),
        (lambda d: d["features"].pop("n_fft"), r"preprocessing.features: missing setting\(s\)"),
        (lambda d: d.update(window=2), r"unknown section\(s\) \['window'\]"),
        (lambda d: d["features"].update(hop=3), r"unknown setting\(s\) \['hop'\]"),
        (lambda d: d["features"].update(n_fft=256.5), "n_fft must be a whole number"),
        (lambda d: d["conditioning"].update(enabled="yes"), "enabled must be true or false"),
        (lambda d: d["conditioning"].update(band=[0.3]), "band must have 2 values"),
        (lambda d: d.update(roles=["eeg", "ecg"]), "roles must be distinct values"),
        (lambda d: d["features"].update(overlap=1.0), r"overlap must be in \[0, 1\)"),
        (lambda d: d["conditioning"].update(band=[0.3, 60.0]), "above the Nyquist frequency"),
    ],
)
def test_stored_settings_are_validated_and_never_defaulted(change, message) -> None:  # type: ignore[no-untyped-def]
    values = Preprocessing().to_dict()
    change(values)
    with pytest.raises(ConfigError, match=message):
        Preprocessing.from_dict(values)


def test_a_settings_file_may_leave_settings_out(tmp_path: Path) -> None:
    json_file = tmp_path / "settings.json"
    json_file.write_text(json.dumps({"features": {"window_seconds": 1.0}}))
    assert Preprocessing.from_file(json_file).n_frames == 59
    toml_file = tmp_path / "settings.toml"
    toml_file.write_text('roles = ["eeg"]\n[conditioning]\nband = [0.5, 35.0]\n')
    prep = Preprocessing.from_file(toml_file)
    assert prep.roles == ("eeg",) and prep.conditioning.band == (0.5, 35.0)
    assert prep.features == FeatureConfig()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(FileFormatError, match=r"broken\.json: not a readable settings file"):
        Preprocessing.from_file(broken)
    with pytest.raises(FileFormatError, match="settings file not found"):
        Preprocessing.from_file(tmp_path / "absent.json")


def test_model_input_refuses_a_recording_read_with_other_settings() -> None:
    recording = Recording(np.zeros((1, 6000), np.float32), ["a"], ["eeg"], sfreq=200.0)
    with pytest.raises(ConfigError, match="expects \\['eeg'\\] at 100 Hz"):
        Preprocessing(roles=("eeg",)).model_input(recording, "tf")


@pytest.fixture(scope="module")
def custom_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A cache prepared with CUSTOM settings and a checkpoint trained on it."""
    folder = tmp_path_factory.mktemp("custom")
    data = write_dataset(folder / "data", ["s1-night", "s2-night", "s3-night"])
    settings = folder / "settings.json"
    settings.write_text(json.dumps(CUSTOM.to_dict()))
    cache = folder / "cache"
    result = runner.invoke(
        app,
        [
            *["prepare", "--source", "folder", "--input", str(data), "--out", str(cache)],
            *["--preprocessing", str(settings), "--no-progress"],
        ],
    )
    assert result.exit_code == 0, result.output
    config = TrainConfig(
        data=str(cache),
        model_config=TINY,
        seq_len=4,
        batch_size=4,
        max_steps=2,
        eval_every=2,
        val_subjects=["s3-night"],
        threads=1,
    )
    run = train(config, folder / "run")
    return data, cache, run.run / "best.pt"


def test_the_checkpoint_stores_the_preprocessing_the_cache_was_made_with(
    custom_run: tuple[Path, Path, Path],
) -> None:
    _, cache, checkpoint = custom_run
    _, info = load_manifest(cache)
    assert manifest_preprocessing(cache, info) == CUSTOM
    model, model_input, _ = load_trained(checkpoint)
    assert model_input.preprocessing == CUSTOM
    assert model.epoch_shape == (2, 59, 129)
    assert SleepStager.from_checkpoint(checkpoint).preprocessing.to_dict() == CUSTOM.to_dict()


def test_the_stager_computes_exactly_the_cached_features(
    custom_run: tuple[Path, Path, Path],
) -> None:
    data, cache, checkpoint = custom_run
    stager = SleepStager.from_checkpoint(checkpoint)
    psg = data / "s1-night.edf"
    features, _ = stager.preprocessing.model_input(stager.read(psg), "tf")
    cached = read_cached(cache / "s1-night.npz")
    np.testing.assert_array_equal(features, cached.features)  # bit for bit
    x, onsets = stager.model_input.of_recording(stager.read(psg))
    np.testing.assert_array_equal(x, stager.model_input.of_cached(vars(cached)))
    np.testing.assert_array_equal(onsets, cached.onsets)
    assert stager.predict(psg).n_epochs == cached.labels.size


def test_models_command_describes_a_checkpoint(custom_run: tuple[Path, Path, Path]) -> None:
    _, cache, checkpoint = custom_run
    result = runner.invoke(app, ["models", "--checkpoint", str(checkpoint), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["preprocessing"] == CUSTOM.to_dict()
    assert summary["model_config"]["n_frames"] == 59
    assert summary["training"]["data"] == str(cache) and summary["training"]["recordings"] == 2
    table = runner.invoke(app, ["models", "--checkpoint", str(checkpoint)])
    assert "0.5-35 Hz" in table.stdout and "59 x 129" in table.stdout


def test_preprocessing_command_prints_settings_prepare_reads_back(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preprocessing"])
    assert result.exit_code == 0
    assert Preprocessing.from_dict(json.loads(result.stdout)) == Preprocessing()
    edited = tmp_path / "mine.json"
    edited.write_text(json.dumps({"features": {"n_fft": 100}}))
    bad = runner.invoke(app, ["preprocessing", str(edited)])
    assert bad.exit_code == 1 and "must fit in the epoch" in bad.output


def test_a_checkpoints_preprocessing_prepares_data_it_can_be_fine_tuned_on(
    custom_run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, _, checkpoint = custom_run
    printed = runner.invoke(app, ["preprocessing", "--checkpoint", str(checkpoint)])
    assert printed.exit_code == 0, printed.output
    settings = tmp_path / "settings.json"
    settings.write_text(printed.stdout)
    assert Preprocessing.from_file(settings) == CUSTOM
    cache = tmp_path / "cache"
    prepare_dataset(
        "folder", data, cache, preprocessing=Preprocessing.from_file(settings), progress=False
    )
    _, info = load_manifest(cache)
    assert manifest_preprocessing(cache, info) == CUSTOM  # what --init-from requires
    both = runner.invoke(app, ["preprocessing", str(settings), "--checkpoint", str(checkpoint)])
    assert both.exit_code == 1 and "not both" in both.output


def test_a_version_1_cache_is_migrated_faithfully(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["s1-night"])
    cache = tmp_path / "cache"
    prepare_dataset("folder", data, cache, preprocessing=CUSTOM, progress=False)
    manifest = cache / "manifest.json"
    payload = json.loads(manifest.read_text())
    stored = payload.pop("preprocessing")
    payload.update(format_version=1, **stored)  # the layout of version 1
    manifest.write_text(json.dumps(payload))
    _, info = load_manifest(cache)
    assert manifest_preprocessing(cache, info) == CUSTOM
    for key in ("roles", "features", "conditioning"):
        del payload[key]
    manifest.write_text(json.dumps(payload))
    with pytest.raises(FileFormatError, match="does not record the preprocessing"):
        manifest_preprocessing(cache, load_manifest(cache)[1])


def test_training_refuses_recordings_prepared_with_other_settings(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["s1-night", "s2-night"])
    cache = tmp_path / "cache"
    prepare_dataset("folder", data, cache, preprocessing=CUSTOM, progress=False)
    other = dataclasses.replace(CUSTOM, conditioning=ConditioningConfig())
    (data / "s2-night.edf").unlink()  # s1 is prepared again, s2's old entry stays listed
    prepare_dataset("folder", data, cache, preprocessing=other, progress=False)
    config = TrainConfig(data=str(cache), model_config=TINY, seq_len=4, max_steps=1, threads=1)
    with pytest.raises(ConfigError, match=r"1 recording\(s\) were prepared with other settings"):
        train(config, tmp_path / "run")


def _recording(data: np.ndarray, gaps: tuple[tuple[float, float], ...] = ()) -> Recording:
    names = ["EEG", "EOG"][: data.shape[0]]
    return Recording(
        data.astype(np.float32), names, ["eeg", "eog"][: data.shape[0]], 100.0, gaps=gaps
    )


def test_recording_centering_removes_any_fixed_linear_response_of_the_recording_chain() -> None:
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(3)
    data = rng.normal(0, 20, (2, 100 * 30 * 12)) * np.linspace(0.5, 2, 100 * 30 * 12)
    prep = Preprocessing(roles=("eeg", "eog"), features=FeatureConfig(recording_center=True))
    plain = Preprocessing(roles=("eeg", "eog"))
    centred, _ = prep.model_input(_recording(data), "tf")
    # gain (x10 on one channel, millivolts on the other: every bin shifts by a constant)
    scaled = data * np.array([[10.0], [1e-3]])
    assert np.allclose(prep.model_input(_recording(scaled), "tf")[0], centred, atol=1e-3)
    assert not np.allclose(plain.model_input(_recording(scaled), "tf")[0], centred, atol=1)
    # each bin's median over the recording is zero, so that what is left is its change in time
    assert np.allclose(np.median(centred, axis=(0, 2)), 0, atol=1e-4)
    # a recording filter that changes the spectrum's shape changes the images less once centred
    sos = butter(2, 15, "lowpass", fs=100, output="sos")
    filtered = sosfilt(sos, data, axis=-1)
    bins = slice(1, 40)  # 0.4-15 Hz, where the filter's response is gentle
    centred_filtered, _ = prep.model_input(_recording(filtered), "tf")
    raw_shift = (
        plain.model_input(_recording(filtered), "tf")[0]
        - plain.model_input(_recording(data), "tf")[0]
    )
    centred_shift = centred_filtered - centred
    assert np.abs(np.median(centred_shift[..., bins])) < 0.1 * np.abs(
        np.median(raw_shift[..., bins])
    )


def test_recording_centering_leaves_out_the_gaps_of_a_discontinuous_file() -> None:
    rng = np.random.default_rng(4)
    data = rng.normal(0, 20, (1, 100 * 30 * 10))
    data[:, : 100 * 30 * 6] = 0.0  # six epochs of a gap, read as zeros
    prep = Preprocessing(roles=("eeg",), features=FeatureConfig(recording_center=True))
    images, _ = prep.model_input(_recording(data, gaps=((0.0, 180.0),)), "tf")
    assert np.allclose(np.median(images[6:], axis=(0, 2)), 0, atol=1e-4)


def test_stored_preprocessing_from_before_recording_centering_reads_as_without_it() -> None:
    stored = Preprocessing().to_dict()
    del stored["features"]["recording_center"]
    assert Preprocessing.from_dict(stored).features.recording_center is False
    assert "centred" in Preprocessing(features=FeatureConfig(recording_center=True)).describe()
    assert "centred" not in Preprocessing().describe()


def test_a_cropped_recording_keeps_its_gaps_and_clock_at_their_true_times() -> None:
    from datetime import datetime

    recording = Recording(
        data=np.arange(1000, dtype=np.float32)[None],
        ch_names=["C4-M1"],
        roles=["eeg"],
        sfreq=10.0,
        start_time=datetime(2020, 1, 1, 23, 59, 50),
        gaps=((10.0, 20.0), (50.0, 70.0), (95.0, 100.0)),
    )
    cropped = recording.crop(300, 600)  # 30 s to 60 s
    assert cropped.gaps == ((20.0, 30.0),)  # the gap from 50 s, clipped at the end
    assert cropped.start_time == datetime(2020, 1, 2, 0, 0, 20)
    np.testing.assert_array_equal(cropped.data[0], np.arange(300, 600))
    with pytest.raises(ValueError, match="outside the 1000 samples"):
        recording.crop(900, 1100)


def test_a_model_that_centres_its_bins_keeps_the_spectral_reference_of_its_training_nights(
    tmp_path: Path, custom_run: tuple[Path, Path, Path]
) -> None:
    """Without it, staging could not flag a night from other equipment (the centring hides
    gain and filters from the input check)."""
    from seqsleepnet.features.spectral_shape import SpectralReference, night_spectral_shape

    data = write_dataset(tmp_path / "data", ["s1-night", "s2-night", "s3-night"])
    prep = Preprocessing(features=FeatureConfig(recording_center=True))
    cache = tmp_path / "cache"
    assert prepare_dataset("folder", data, cache, preprocessing=prep, progress=False).ok
    config = TrainConfig(
        data=str(cache), model_config=TINY, seq_len=4, batch_size=4, max_steps=1,
        val_subjects=["s3-night"], threads=1,
    )  # fmt: skip
    checkpoint = train(config, tmp_path / "run").run / "best.pt"
    stager = SleepStager.from_checkpoint(checkpoint)
    assert stager.spectral_reference is not None and stager.spectral_reference.nights == 2
    shapes = [
        night_spectral_shape(stager.read(data / f"{n}-night.edf"), prep) for n in ("s1", "s2")
    ]
    expected = SpectralReference.fit(shapes)  # of the two training nights
    np.testing.assert_allclose(stager.spectral_reference.mean, expected.mean, atol=1e-3)
    np.testing.assert_allclose(stager.spectral_reference.std, expected.std, atol=1e-3)
    assert SleepStager.from_checkpoint(custom_run[2]).spectral_reference is None  # not centred
