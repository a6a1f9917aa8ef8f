"""Shared fixtures: small EDF files written with edfio, in the layouts of real datasets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import edfio
import numpy as np
import numpy.typing as npt
import pytest
import torch
from scipy.signal import lfilter

if TYPE_CHECKING:
    from seqsleepnet.models.base import SleepStagingModel

torch.set_num_threads(1)

SHARED_HYPNOGRAMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleep-edf-hypnograms"
PACKAGED_HYPNOGRAMS = (
    Path(__file__).resolve().parents[1] / "src" / "seqsleepnet" / "resources" / "hypnograms"
)

Channels = Mapping[str, tuple[npt.NDArray[np.float64], float]]
EdfWriter = Callable[..., Path]


@pytest.fixture(autouse=True)
def _private_cache_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exported ONNX graphs go to a folder of the test run, never the user's cache."""
    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def write_test_edf(
    path: Path,
    channels: Channels,
    *,
    record_duration: float = 30.0,
    physical_range: tuple[float, float] = (-1000.0, 1000.0),
) -> Path:
    """Write signals (microvolts, with their own rates) to an EDF file."""
    signals = [
        edfio.EdfSignal(
            data,
            sampling_frequency=sfreq,
            label=name,
            physical_dimension="uV",
            physical_range=physical_range,
        )
        for name, (data, sfreq) in channels.items()
    ]
    edfio.Edf(signals, data_record_duration=record_duration).write(path)
    return path


def sleep_like(
    seconds: float, sfreq: float, seed: int = 0, scale: float = 20.0
) -> npt.NDArray[np.float64]:
    """Band-limited noise with a 10-Hz rhythm, in microvolts."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * sfreq)) / sfreq
    noise = lfilter([1.0], [1.0, -0.9], rng.normal(size=t.size))  # AR(1): more low frequencies
    return scale * (noise / noise.std() + np.sin(2 * np.pi * 10 * t))


@pytest.fixture
def edf_writer(tmp_path: Path) -> EdfWriter:
    """Write an EDF into the test's folder: ``edf_writer("name.edf", {label: (data, sfreq)})``."""

    def write(name: str, channels: Channels, **kwargs: object) -> Path:
        return write_test_edf(tmp_path / name, channels, **kwargs)  # type: ignore[arg-type]

    return write


@pytest.fixture
def aasm_edf(edf_writer: EdfWriter) -> Path:
    """Five minutes and ten seconds of AASM-named channels at 256 Hz."""
    seconds = 310.0
    return edf_writer(
        "aasm.edf",
        {
            "C4-M1": (sleep_like(seconds, 256, 1), 256.0),
            "E1-M2": (sleep_like(seconds, 256, 2), 256.0),
            "Chin1-Chin2": (sleep_like(seconds, 256, 3, scale=5.0), 256.0),
        },
        record_duration=10.0,
    )


@pytest.fixture
def sleep_edf_psg(edf_writer: EdfWriter) -> Path:
    """Sleep-EDF layout: 100-Hz EEG/EOG, 1-Hz EMG envelope, 30-s records."""
    seconds = 300.0
    return edf_writer(
        "SC4001E0-PSG.edf",
        {
            "EEG Fpz-Cz": (sleep_like(seconds, 100, 1), 100.0),
            "EEG Pz-Oz": (sleep_like(seconds, 100, 2), 100.0),
            "EOG horizontal": (sleep_like(seconds, 100, 3), 100.0),
            "EMG submental": (np.abs(sleep_like(seconds, 1, 4)) + 5, 1.0),
        },
    )


def hypnogram_dir() -> Path:
    """The real Sleep-EDF hypnograms: the shared copy when present, else the packaged one."""
    return SHARED_HYPNOGRAMS if SHARED_HYPNOGRAMS.is_dir() else PACKAGED_HYPNOGRAMS


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained SeqSleepNet (3 channels, L=20) with a normaliser: fast, deterministic."""
    from seqsleepnet.features.model_input import ModelInput
    from seqsleepnet.features.normalize import Normalizer
    from seqsleepnet.features.preprocessing import Preprocessing
    from seqsleepnet.models.checkpoint import save_trained
    from seqsleepnet.models.registry import build_model

    rng = np.random.default_rng(0)
    features = rng.normal(loc=0.0, scale=10.0, size=(50, 3, 29, 129)).astype(np.float32)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    prep = Preprocessing()
    model_input = ModelInput(prep, "tf", Normalizer().fit(features))
    model = build_model("seqsleepnet", preprocessing=prep, seed=0)
    return save_trained(path, model, model_input, seq_len=20)


@pytest.fixture
def night_edf(edf_writer: EdfWriter) -> Path:
    """Twenty-five minutes (50 epochs) of AASM-named channels at 256 Hz."""
    seconds = 1500.0
    return edf_writer(
        "night.edf",
        {
            "C4-M1": (sleep_like(seconds, 256, 11), 256.0),
            "E1-M2": (sleep_like(seconds, 256, 12), 256.0),
            "Chin1-Chin2": (sleep_like(seconds, 256, 13, scale=5.0), 256.0),
        },
    )


def data_loss(model: SleepStagingModel, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The training loop's data term: masked cross-entropy of the model's training pairs."""
    from seqsleepnet.models.loss import masked_cross_entropy

    return masked_cross_entropy(*model.training_pairs(x, y))


def fit_one_batch(
    model: SleepStagingModel, x: torch.Tensor, y: torch.Tensor, *, steps: int, lr: float = 1e-2
) -> None:
    """Train a model on one batch with Adam and no L2 (for the overfit tests)."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        optimiser.zero_grad()
        data_loss(model, x, y).backward()
        optimiser.step()
