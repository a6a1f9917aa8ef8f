import logging
from pathlib import Path

import mne
import numpy as np
import pytest

import seqsleepnet.staging as staging
from conftest import EdfWriter, sleep_like
from seqsleepnet.errors import ChannelError, CheckpointError, ConfigError
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.survey import survey_channels
from seqsleepnet.models.checkpoint import save_checkpoint, save_trained
from seqsleepnet.models.registry import build_model
from seqsleepnet.staging import SleepStager


def test_predict_on_a_path(tiny_checkpoint: Path, night_edf: Path) -> None:
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(night_edf)
    assert result.stages.shape == (50,)
    assert result.probabilities.shape == (50, 5)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(result.stages, result.probabilities.argmax(axis=1))
    assert result.attention is not None and result.attention.shape == (50, 29)
    np.testing.assert_array_equal(result.onsets, np.arange(50) * 30.0)
    assert result.channels == ["C4-M1", "E1-M2", "Chin1-Chin2"]
    assert result.name == "night"


def test_raw_and_path_give_identical_results(tiny_checkpoint: Path, night_edf: Path) -> None:
    stager = SleepStager.from_checkpoint(tiny_checkpoint)
    from_path = stager.predict(night_edf)
    raw = mne.io.read_raw_edf(night_edf, preload=True, verbose="error")
    from_raw = stager.predict(raw)
    np.testing.assert_array_equal(from_raw.stages, from_path.stages)
    np.testing.assert_allclose(from_raw.probabilities, from_path.probabilities, atol=1e-5)


def test_torch_and_onnxruntime_backends_agree(tiny_checkpoint: Path, night_edf: Path) -> None:
    torch_result = SleepStager.from_checkpoint(tiny_checkpoint).predict(night_edf)
    onnx_result = SleepStager.from_checkpoint(tiny_checkpoint, backend="onnxruntime").predict(
        night_edf
    )
    np.testing.assert_array_equal(onnx_result.stages, torch_result.stages)
    np.testing.assert_allclose(onnx_result.probabilities, torch_result.probabilities, atol=1e-4)


def test_encode_once_and_naive_paths_agree(tiny_checkpoint: Path, night_edf: Path) -> None:
    stager = SleepStager.from_checkpoint(tiny_checkpoint)
    fast, slow = stager.predict(night_edf), stager.predict(night_edf, encode_once=False)
    np.testing.assert_allclose(fast.probabilities, slow.probabilities, atol=1e-5)


def test_a_nap_shorter_than_one_window_is_staged(tiny_checkpoint: Path, aasm_edf: Path) -> None:
    for backend in ("torch", "onnxruntime"):
        result = SleepStager.from_checkpoint(tiny_checkpoint, backend=backend).predict(aasm_edf)
        assert result.stages.shape == (10,)  # 10 epochs < L = 20


def test_checkpoint_without_normaliser_is_refused(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "bare.pt", build_model("seqsleepnet", seed=0))
    with pytest.raises(CheckpointError, match="does not record the model's preprocessing"):
        SleepStager.from_checkpoint(path)


def test_unknown_backend_and_roles(tiny_checkpoint: Path) -> None:
    with pytest.raises(
        ConfigError,
        match="backend='tensorflow' is not allowed; choose one of 'auto', 'torch', 'onnxruntime'",
    ):
        SleepStager.from_checkpoint(tiny_checkpoint, backend="tensorflow")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no bundled model reads roles"):
        SleepStager.default(("eog",))


def test_demo_warning_is_logged_once(
    tiny_checkpoint: Path,
    night_edf: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(staging, "_warned", False)
    stager = SleepStager.from_checkpoint(tiny_checkpoint, demo=True)
    with caplog.at_level(logging.WARNING, logger="seqsleepnet.staging"):
        stager.predict(night_edf)
        stager.predict(night_edf)
    assert [r.message for r in caplog.records].count(staging.DEMO_WARNING) == 1


def test_bundled_model_is_chosen_by_the_channels_found(
    night_edf: Path, edf_writer: EdfWriter
) -> None:
    assert SleepStager.for_recording(night_edf).roles == ("eeg", "eog", "emg")
    eeg_only = edf_writer("eeg.edf", {"EEG Fpz-Cz": (sleep_like(600, 100), 100.0)})
    stager = SleepStager.for_recording(eeg_only)
    assert stager.roles == ("eeg",) and stager.demo
    assert stager.predict(eeg_only).stages.shape == (20,)
    no_eeg = edf_writer("ecg.edf", {"ECG": (sleep_like(600, 100), 100.0)})
    with pytest.raises(ChannelError, match="no EEG channel found"):
        SleepStager.for_recording(no_eeg)


def test_a_channel_that_cannot_carry_its_role_changes_the_bundled_model(
    sleep_edf_psg: Path, edf_writer: EdfWriter
) -> None:
    """Sleep-EDF's 1-Hz EMG envelope is no chin EMG: a model without EMG stages the file."""
    stager = SleepStager.for_recording(sleep_edf_psg)
    assert "emg" not in stager.roles and stager.roles[0] == "eeg"
    own = stager.predict(sleep_edf_psg).quality  # surveys the roles the model reads
    assert own is not None and "channels" not in {f.kind for f in own.flags}
    result = stager.predict(sleep_edf_psg, survey=survey_channels(sleep_edf_psg))  # all roles
    assert result.quality is not None
    assert [f.kind for f in result.quality.flags if f.kind == "channels"] == ["channels"]
    assert "'EMG submental' is sampled at 1 Hz" in result.quality.flags[0].message


def test_a_model_whose_role_has_no_usable_channel_refuses_the_file(
    tiny_checkpoint: Path, sleep_edf_psg: Path
) -> None:
    stager = SleepStager.from_checkpoint(tiny_checkpoint)  # reads EEG, EOG and EMG
    with pytest.raises(ChannelError, match=r"'EMG submental' is sampled at 1 Hz.*--emg NAME"):
        stager.predict(sleep_edf_psg)
    named = stager.predict(sleep_edf_psg, emg="EMG submental")  # named: used, and flagged
    assert named.quality is not None and named.quality.flags[0].kind == "channels"
    assert named.channels[-1] == "EMG submental"


EEG_ONLY = Preprocessing(roles=("eeg",))


@pytest.mark.parametrize("name", ["arnn", "multitask-arnn"])
def test_onnxruntime_backend_runs_every_model_with_a_separable_encoder(name: str) -> None:
    images = np.random.default_rng(0).normal(size=(30, 1, 29, 129)).astype(np.float32)
    model = build_model(name, preprocessing=EEG_ONLY, seed=0)
    model_input = ModelInput(EEG_ONLY, "tf", Normalizer().fit(images))
    stagers = [
        SleepStager(model, model_input, seq_len=6, backend=backend)
        for backend in ("torch", "onnxruntime")
    ]
    x = model_input.normalise(images)
    torch_out, onnx_out = (stager.predict_inputs(x) for stager in stagers)
    np.testing.assert_allclose(onnx_out.log_probs, torch_out.log_probs, atol=1e-4)
    assert onnx_out.attention is not None and onnx_out.attention.shape == (30, 29)


def test_onnxruntime_backend_refuses_models_without_a_separable_encoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = build_model("deepsleepnet", preprocessing=EEG_ONLY, seed=0)
    monkeypatch.setattr(type(model), "separable_encoder", False)  # as a model without one
    with pytest.raises(ConfigError, match="separable epoch encoder; deepsleepnet has none"):
        SleepStager(model, ModelInput(EEG_ONLY, "raw"), backend="onnxruntime")


def test_the_auto_backend_takes_onnxruntime_where_the_model_allows_it(
    tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = build_model("deepsleepnet", preprocessing=EEG_ONLY, seed=0)
    monkeypatch.setattr(type(raw), "separable_encoder", False)  # as a model without one
    assert SleepStager(raw, ModelInput(EEG_ONLY, "raw"), backend="auto").backend == "torch"
    assert SleepStager.from_checkpoint(tiny_checkpoint).backend == "onnxruntime"  # the default
    assert SleepStager.from_checkpoint(tiny_checkpoint, backend="torch").backend == "torch"


def test_the_auto_backend_stages_with_pytorch_when_the_export_fails(
    tiny_checkpoint: Path,
    night_edf: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from seqsleepnet.onnx_backend import OnnxParts

    def broken(*args: object, **kwargs: object) -> OnnxParts:
        raise RuntimeError("an operator the exporter does not know")

    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tiny_checkpoint.parent / "empty-cache"))
    monkeypatch.setattr(OnnxParts, "cached", broken)
    with caplog.at_level("WARNING", logger="seqsleepnet.staging"):
        stager = SleepStager.from_checkpoint(tiny_checkpoint)
    assert stager.backend == "torch" and "staging with PyTorch instead" in caplog.text
    torch_stages = SleepStager.from_checkpoint(tiny_checkpoint, backend="torch").predict(night_edf)
    np.testing.assert_array_equal(stager.predict(night_edf).stages, torch_stages.stages)
    with pytest.raises(RuntimeError, match="an operator the exporter does not know"):
        SleepStager.from_checkpoint(tiny_checkpoint, backend="onnxruntime")  # asked for: raised


def test_a_checkpoint_of_a_raw_signal_model_stages_through_onnxruntime_by_default(
    night_edf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tmp_path / "cache"))
    small = {"first_filters": 4, "filters": 4, "lstm_hidden": 4, "lstm_layers": 1}
    model = build_model("deepsleepnet", preprocessing=Preprocessing(), seed=0, **small)
    checkpoint = save_trained(
        tmp_path / "dsn.pt", model, ModelInput(Preprocessing(), "raw"), seq_len=5
    )
    default = SleepStager.from_checkpoint(checkpoint)
    assert default.backend == "onnxruntime"
    fast = default.predict(night_edf)
    slow = SleepStager.from_checkpoint(checkpoint, backend="torch").predict(night_edf)
    assert fast.attention is None and slow.attention is None  # the model has no attention
    np.testing.assert_allclose(fast.probabilities, slow.probabilities, atol=1e-4)
    again = SleepStager.from_checkpoint(checkpoint)  # the cached graphs, no model loaded
    assert again._model is None
    np.testing.assert_array_equal(again.predict(night_edf).stages, fast.stages)


def test_a_model_on_raw_signals_stages_a_file_through_the_same_path(night_edf: Path) -> None:
    small = {"first_filters": 4, "filters": 4, "lstm_hidden": 4, "lstm_layers": 1}
    model = build_model("deepsleepnet", preprocessing=Preprocessing(), seed=0, **small)
    stager = SleepStager(model, ModelInput(Preprocessing(), "raw"), seq_len=5)
    result = stager.predict(night_edf)
    assert result.stages.shape == (50,) and result.attention is None
    x, _ = stager.model_input.of_recording(stager.read(night_edf))
    assert x.shape == (50, 3, 3000)


def test_onnxruntime_backend_exports_a_model_once_and_reuses_the_cached_graphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tmp_path))
    model = build_model("arnn", preprocessing=EEG_ONLY, seed=0)
    images = np.random.default_rng(0).normal(size=(8, 1, 29, 129)).astype(np.float32)
    model_input = ModelInput(EEG_ONLY, "tf", Normalizer().fit(images))
    SleepStager(model, model_input, seq_len=6, backend="onnxruntime")
    (entry,) = (tmp_path / "onnx").iterdir()
    assert sorted(p.name for p in entry.iterdir()) == ["classifier.onnx", "encoder.onnx"]
    stamps = [p.stat().st_mtime_ns for p in sorted(entry.iterdir())]

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached graphs should have been used")

    monkeypatch.setattr("seqsleepnet.models.onnx_export.export_onnx", no_export)
    SleepStager(
        build_model("arnn", preprocessing=EEG_ONLY, seed=0),
        model_input,
        seq_len=6,
        backend="onnxruntime",
    )
    assert [p.stat().st_mtime_ns for p in sorted(entry.iterdir())] == stamps
    with pytest.raises(AssertionError, match="cached graphs"):  # other weights: a new entry
        SleepStager(
            build_model("arnn", preprocessing=EEG_ONLY, seed=1),
            model_input,
            seq_len=6,
            backend="onnxruntime",
        )
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == [entry.name]  # nothing half-made


def test_onnxruntime_backend_exports_anew_when_the_cache_folder_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(blocker))
    model = build_model("arnn", preprocessing=EEG_ONLY, seed=0)
    images = np.random.default_rng(0).normal(size=(8, 1, 29, 129)).astype(np.float32)
    model_input = ModelInput(EEG_ONLY, "tf", Normalizer().fit(images))
    stager = SleepStager(model, model_input, seq_len=6, backend="onnxruntime")
    assert stager.predict_inputs(model_input.normalise(images)).log_probs.shape == (8, 5)


def test_a_checkpoint_staged_with_onnxruntime_again_is_read_from_the_cache(
    tiny_checkpoint: Path, night_edf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from seqsleepnet.models.checkpoint import load_trained, save_trained
    from seqsleepnet.onnx_backend import _file_digest, _index

    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tmp_path / "cache"))
    checkpoint = shutil.copy(tiny_checkpoint, tmp_path / "model.pt")
    first = SleepStager.from_checkpoint(checkpoint, backend="onnxruntime")
    assert first._model is not None  # read and validated, graphs exported and recorded
    again = SleepStager.from_checkpoint(checkpoint, backend="onnxruntime")
    assert again._model is None  # the cached graphs and model input: no checkpoint read
    assert again.model_input.to_dict().keys() == first.model_input.to_dict().keys()
    np.testing.assert_array_equal(
        again.model_input.normalizer.mean, first.model_input.normalizer.mean
    )
    assert (again.seq_len, again.description) == (first.seq_len, first.description)
    a, b = first.predict(night_edf), again.predict(night_edf)
    np.testing.assert_array_equal(a.stages, b.stages)
    np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
    assert again.model.name == "seqsleepnet" and again._model is not None  # loaded when asked
    # a changed file is another checkpoint: read again
    model, model_input, _ = load_trained(checkpoint)
    save_trained(checkpoint, model, model_input, seq_len=10)
    changed = SleepStager.from_checkpoint(checkpoint, backend="onnxruntime")
    assert changed._model is not None and changed.seq_len == 10
    # a damaged cache record is ignored: the checkpoint is read instead
    digest = _file_digest(Path(checkpoint))
    assert digest is not None
    _index(digest).write_text("{not json")
    assert SleepStager.from_checkpoint(checkpoint, backend="onnxruntime")._model is not None


def test_the_main_sleep_period_ignores_stray_sleep_and_bridges_an_awakening() -> None:
    from seqsleepnet.staging import main_sleep_period

    asleep = np.zeros(2880, dtype=bool)  # 24 h of 30-s epochs
    asleep[1000:1500] = True  # the night ...
    asleep[1540:1900] = True  # ... with a 20-min awakening
    asleep[::37] = True  # stray daytime sleep epochs
    asleep[2400:2440] = True  # a 20-min nap, hours away
    first, end = main_sleep_period(asleep)  # type: ignore[misc]
    assert abs(first - 1000) <= 30 and abs(end - 1900) <= 30
    assert main_sleep_period(np.zeros(100, dtype=bool)) is None
    assert main_sleep_period(np.ones(20, dtype=bool)) == (0, 20)  # shorter than the window
    # a recording gap (not scored) between two stretches of sleep does not split the night
    asleep = np.zeros(900, dtype=bool)
    asleep[100:400] = asleep[580:800] = True
    scored = np.ones(900, dtype=bool)
    scored[400:580] = False  # 90 min not recorded
    assert main_sleep_period(asleep, scored=scored) == (100, 800)
    first, end = main_sleep_period(asleep)  # type: ignore[misc]
    assert (first, end) == (100, 400)  # the same 90 min scored as wake do split it


def test_a_day_long_recording_is_centred_again_on_its_in_bed_part(
    tmp_path: Path, edf_writer: EdfWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seqsleepnet.encode_once import NightOutput
    from seqsleepnet.features.config import FeatureConfig
    from seqsleepnet.models.checkpoint import save_trained

    prep = Preprocessing(roles=("eeg",), features=FeatureConfig(recording_center=True))
    rng = np.random.default_rng(0)
    model_input = ModelInput(prep, "tf", Normalizer().fit(rng.normal(size=(20, 1, 29, 129))))
    model = build_model("seqsleepnet", preprocessing=prep, seed=0)
    checkpoint = save_trained(tmp_path / "m.pt", model, model_input, seq_len=20)
    hours = 10.0
    psg = edf_writer("day.edf", {"C4-M1": (sleep_like(hours * 3600, 100, 1), 100.0)})
    stager = SleepStager.from_checkpoint(checkpoint)
    n = round(hours * 120)
    log_probs = np.log(np.full((n, 5), 0.01))
    log_probs[:, 0] = 0.0  # awake, but for two hours from hour 4
    log_probs[480:720, 0], log_probs[480:720, 2] = np.log(0.01), 0.0
    monkeypatch.setattr(stager, "predict_inputs", lambda x, **_: NightOutput(log_probs.copy()))
    spans = []
    real = ModelInput.of_recording

    def of_recording(self, recording, *, center_on=None):  # type: ignore[no-untyped-def]
        spans.append(center_on)
        return real(self, recording, center_on=center_on)

    monkeypatch.setattr(ModelInput, "of_recording", of_recording)
    stager.predict(psg)
    assert spans == [None, (480 * 30.0 - 1800.0, 720 * 30.0 + 1800.0)]


def test_a_night_shorter_than_one_sequence_stages_alike_in_both_backends(
    tiny_checkpoint: Path,
) -> None:
    """The onnxruntime graphs take exactly L epochs; the model takes a shorter night whole."""
    fast = SleepStager.from_checkpoint(tiny_checkpoint, backend="onnxruntime")
    slow = SleepStager.from_checkpoint(tiny_checkpoint, backend="torch")
    shape = fast.model_input.epoch_shape
    for n in (1, fast.seq_len - 1, fast.seq_len + 3):
        x = np.random.default_rng(n).normal(size=(n, *shape)).astype(np.float32)
        a, b = fast.predict_inputs(x), slow.predict_inputs(x)
        np.testing.assert_allclose(np.exp(a.log_probs), np.exp(b.log_probs), atol=1e-4)
