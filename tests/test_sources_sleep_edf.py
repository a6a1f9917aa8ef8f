"""Tests for the Sleep-EDF source: SC/ST pairing, in-bed default and the download helper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import EdfWriter, sleep_like
from seqsleepnet.data.cache import load_manifest, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.sources import SleepEdfSource, download_sleep_edf
from seqsleepnet.data.sources import sleep_edf as sleep_edf_module
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram


def _write_psg(edf_writer: EdfWriter, name: str, seconds: float, seed: int = 0) -> Path:
    """Sleep-EDF channel layout: 100-Hz EEG/EOG, 1-Hz EMG envelope, 30-s records."""
    return edf_writer(
        name,
        {
            "EEG Fpz-Cz": (sleep_like(seconds, 100, seed), 100.0),
            "EEG Pz-Oz": (sleep_like(seconds, 100, seed + 1), 100.0),
            "EOG horizontal": (sleep_like(seconds, 100, seed + 2), 100.0),
            "EMG submental": (np.abs(sleep_like(seconds, 1, seed + 3)) + 5, 1.0),
        },
    )


def _write_hypnogram(path: Path, stages: list[int]) -> Path:
    return write_hypnogram(Hypnogram(np.array(stages)), path)


def test_cassette_and_telemetry_pairing(edf_writer: EdfWriter, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for psg, hyp in [
        ("SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf"),
        ("SC4012E0-PSG.edf", "SC4012EC-Hypnogram.edf"),
        ("sub/ST7022J0-PSG.edf", "sub/ST7022JM-Hypnogram.edf"),
    ]:
        _write_psg(edf_writer, psg, 60)
        _write_hypnogram(tmp_path / hyp, [0, 1])
    _write_psg(edf_writer, "SC4021E0-PSG.edf", 60)  # no hypnogram
    _write_hypnogram(tmp_path / "SC4991EC-Hypnogram.edf", [0])  # no PSG
    listing = SleepEdfSource().list_recordings(tmp_path)
    rows = [(s.recording, s.subject, s.night, s.hypnogram.name) for s in listing.recordings]
    assert rows == [
        ("SC4001E0", "00", 1, "SC4001EC-Hypnogram.edf"),
        ("SC4012E0", "01", 2, "SC4012EC-Hypnogram.edf"),
        ("ST7022J0", "ST02", 2, "ST7022JM-Hypnogram.edf"),
    ]
    assert [p.name for p in listing.unpaired] == ["SC4021E0-PSG.edf", "SC4991EC-Hypnogram.edf"]


def test_two_hypnograms_for_one_recording(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _write_psg(edf_writer, "SC4001E0-PSG.edf", 60)
    _write_hypnogram(tmp_path / "SC4001EC-Hypnogram.edf", [0])
    _write_hypnogram(tmp_path / "SC4001EH-Hypnogram.edf", [0])
    with pytest.raises(FileFormatError, match="second hypnogram for recording 'SC4001'"):
        SleepEdfSource().list_recordings(tmp_path)


def test_other_names_are_not_sleep_edf(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _write_psg(edf_writer, "night.edf", 60)
    _write_hypnogram(tmp_path / "night.tsv", [0])
    with pytest.raises(FileFormatError, match=r"no recording found for source 'sleep-edf' \(SC4ss"):
        SleepEdfSource().list_recordings(tmp_path)


def test_prepare_keeps_the_in_bed_period_by_default(edf_writer: EdfWriter, tmp_path: Path) -> None:
    # 70 epochs of wake, 12 of sleep, 70 of wake: in bed = 60 + 12 + 60 epochs.
    stages = [0] * 70 + [1, 2, 2, 3, 3, 2, 4, 4, 0, 2, 2, 1] + [0] * 70
    data = tmp_path / "data"
    data.mkdir()
    _write_psg(edf_writer, "data/SC4001E0-PSG.edf", 30.0 * len(stages))
    _write_hypnogram(data / "SC4001EC-Hypnogram.edf", stages)
    report = prepare_dataset("sleep-edf", data, tmp_path / "cache", progress=False)
    assert report.done == ["SC4001E0"] and report.ok
    cached = read_cached(tmp_path / "cache" / "SC4001E0.npz")
    first_sleep = 70
    start = first_sleep - 60
    n_kept = 60 + 12 + 60
    np.testing.assert_array_equal(cached.labels, np.array(stages[start : start + n_kept]))
    np.testing.assert_array_equal(cached.onsets, 30.0 * np.arange(start, start + n_kept))
    assert cached.features.shape == (n_kept, 3, 29, 129)
    (entry,), info = load_manifest(tmp_path / "cache")
    assert entry.channels == ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"]
    assert entry.native_sfreq == [100.0, 100.0, 1.0]
    assert info["in_bed"] is True and entry.extra["in_bed"] is True

    full = prepare_dataset("sleep-edf", data, tmp_path / "full", in_bed=False, progress=False)
    assert full.done == ["SC4001E0"]
    assert read_cached(tmp_path / "full" / "SC4001E0.npz").labels.size == len(stages)


def test_download_helper_passes_the_request_to_mne(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = []

    def fake_fetch_data(**kwargs: object) -> list[list[str]]:
        calls.append(kwargs)
        return [[f"{kwargs['path']}/SC4001E0-PSG.edf", f"{kwargs['path']}/SC4001EC-Hypnogram.edf"]]

    import mne.datasets.sleep_physionet.age as age

    monkeypatch.setattr(age, "fetch_data", fake_fetch_data)
    pairs = download_sleep_edf([3, 0, 3], nights=[1], path=tmp_path / "physionet")
    assert calls == [
        {
            "subjects": [0, 3],
            "recording": [1],
            "path": str(tmp_path / "physionet"),
            "on_missing": "warn",
            "verbose": "error",
        }
    ]
    assert (tmp_path / "physionet").is_dir()
    folder = tmp_path / "physionet"
    assert pairs == [(folder / "SC4001E0-PSG.edf", folder / "SC4001EC-Hypnogram.edf")]


def test_download_helper_isolates_the_network_call(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def fake_fetch(subjects: list[int], nights: list[int], path: Path | None) -> list[list[str]]:
        seen.append((subjects, nights, path))
        return [["a-PSG.edf", "a-Hypnogram.edf"], ["b-PSG.edf", "b-Hypnogram.edf"]]

    monkeypatch.setattr(sleep_edf_module, "_fetch", fake_fetch)
    pairs = download_sleep_edf(range(2))
    assert seen == [([0, 1], [1, 2], None)]
    assert pairs == [
        (Path("a-PSG.edf"), Path("a-Hypnogram.edf")),
        (Path("b-PSG.edf"), Path("b-Hypnogram.edf")),
    ]


@pytest.mark.parametrize(
    ("subjects", "nights", "message"),
    [
        ([83], [1], r"subjects must be sleep-cassette subject numbers 0..82, got \[83\]"),
        ([], [1], "subjects must be sleep-cassette subject numbers"),
        ([1], [3], r"nights must be 1 and/or 2, got \[3\]"),
        ([1], [], "nights must be 1 and/or 2"),
    ],
)
def test_download_helper_rejects_bad_requests(
    monkeypatch: pytest.MonkeyPatch, subjects: list[int], nights: list[int], message: str
) -> None:
    def no_network(*args: object) -> list[list[str]]:
        raise AssertionError("network call made for an invalid request")

    monkeypatch.setattr(sleep_edf_module, "_fetch", no_network)
    with pytest.raises(ConfigError, match=message):
        download_sleep_edf(subjects, nights)
