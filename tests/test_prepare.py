"""Tests for seqsleepnet.data.prepare: a folder of PSG + hypnogram pairs -> a cache."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bad_inputs.cases import write_bdf
from conftest import sleep_like, write_test_edf
from seqsleepnet.data.cache import MANIFEST_NAME, load_manifest, read_cached
from seqsleepnet.data.prepare import (
    SHARDS_DIR,
    PrepareSettings,
    merge_shards,
    parse_shard,
    prepare_dataset,
)
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

STAGES_PER_NIGHT = 10  # five minutes per recording


def write_recording(folder: Path, name: str, seed: int, n_epochs: int = STAGES_PER_NIGHT) -> None:
    """A PSG with AASM channel names (EMG at 200 Hz) and a TSV hypnogram of random stages."""
    seconds = 30.0 * n_epochs + 10.0  # a trailing partial epoch is never scored
    write_test_edf(
        folder / f"{name}.edf",
        {
            "C4-M1": (sleep_like(seconds, 100, seed), 100.0),
            "E1-M2": (sleep_like(seconds, 100, seed + 1), 100.0),
            "Chin1-Chin2": (sleep_like(seconds, 200, seed + 2, scale=5.0), 200.0),
        },
        record_duration=10.0,
    )
    stages = np.random.default_rng(seed).integers(-1, 5, size=n_epochs)
    write_hypnogram(Hypnogram(stages), folder / f"{name}.tsv")


def write_dataset(folder: Path, names: list[str], broken: str | None = None) -> Path:
    """Recordings ``names``; ``broken`` gets a hypnogram with an unknown label."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(names):
        write_recording(folder, name, 10 * seed + 1)
    if broken is not None:
        write_recording(folder, broken, 99)
        (folder / f"{broken}.tsv").write_text("onset\tduration\tstage\n0\t30\tW\n30\t30\tDozing\n")
    return folder


def cache_arrays(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    entries, _ = load_manifest(folder)
    return {e.recording: vars(read_cached(folder / e.file)) for e in entries}


def assert_same_cache(a: Path, b: Path) -> None:
    entries_a, info_a = load_manifest(a)
    entries_b, info_b = load_manifest(b)
    assert entries_a == entries_b
    assert info_a == info_b
    arrays_a, arrays_b = cache_arrays(a), cache_arrays(b)
    assert arrays_a.keys() == arrays_b.keys()
    for name, arrays in arrays_a.items():
        for key, value in arrays.items():
            np.testing.assert_array_equal(value, arrays_b[name][key], err_msg=f"{name}.{key}")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", ["night-a", "night-c"], broken="night-b")


def test_prepare_folder_with_a_broken_recording(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    report = prepare_dataset("folder", dataset, out, progress=False)
    assert report.done == ["night-a", "night-c"]
    assert report.skipped == []
    assert list(report.failed) == ["night-b"]
    assert "unknown stage label(s) ['Dozing']" in report.failed["night-b"]
    assert not report.ok
    assert report.manifest == out / MANIFEST_NAME

    entries, info = load_manifest(out)
    assert [e.recording for e in entries] == ["night-a", "night-c"]
    assert not (out / "night-b.npz").exists()
    assert info["settings"] == PrepareSettings().fingerprint()
    assert info["source"] == "folder" and info["preprocessing"]["roles"] == ["eeg", "eog", "emg"]
    for entry in entries:
        hypnogram = read_hypnogram(dataset / f"{entry.recording}.tsv")
        assert entry.counts == hypnogram.counts()
        assert entry.n_epochs == hypnogram.n_epochs
        assert entry.channels == ["C4-M1", "E1-M2", "Chin1-Chin2"]
        assert entry.native_sfreq == [100.0, 100.0, 200.0]
        assert entry.settings == info["settings"]
        cached = read_cached(out / entry.file)
        n = hypnogram.n_epochs
        assert cached.features.shape == (n, 3, 29, 129) and cached.features.dtype == np.float32
        assert cached.signals.shape == (n, 3, 3000) and cached.signals.dtype == np.float32
        assert cached.labels.dtype == np.int8 and cached.onsets.dtype == np.float64
        np.testing.assert_array_equal(cached.labels, hypnogram.stages)
        np.testing.assert_array_equal(cached.onsets, hypnogram.onsets)
        assert np.isfinite(cached.features).all()


@pytest.mark.parametrize(("onset", "shift"), [(60.0, 0.0), (75.0, 15.0)])
def test_hypnogram_starting_after_the_recording(tmp_path: Path, onset: float, shift: float) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    stages = np.array([0, 1, 2, 3, 4, 0])
    write_hypnogram(Hypnogram(stages, onset=onset), data / "n1.tsv")
    report = prepare_dataset("folder", data, tmp_path / "cache", progress=False)
    assert report.ok, report.failed
    cached = read_cached(tmp_path / "cache" / "n1.npz")
    before = int((onset - shift) // 30)  # whole epochs before the first scored one
    np.testing.assert_array_equal(cached.labels[:before], -1)
    np.testing.assert_array_equal(cached.labels[before : before + stages.size], stages)
    assert cached.onsets[0] == shift
    np.testing.assert_array_equal(np.diff(cached.onsets), 30.0)
    # the first scored epoch's signal starts at its hypnogram onset
    assert cached.onsets[before] == onset


def test_hypnogram_past_the_recording_fails(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    write_hypnogram(Hypnogram(np.zeros(30, dtype=int)), data / "n1.tsv")
    report = prepare_dataset("folder", data, tmp_path / "cache", progress=False)
    assert "scores 20 epochs past the end of the recording" in report.failed["n1"]


def test_hypnogram_without_scored_epochs_fails(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    write_hypnogram(Hypnogram(np.full(10, -1)), data / "n1.tsv")
    report = prepare_dataset("folder", data, tmp_path / "cache", progress=False)
    assert "no scored epoch overlaps the recorded signal" in report.failed["n1"]


def test_in_bed_without_sleep_fails(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    write_hypnogram(Hypnogram(np.zeros(10, dtype=int)), data / "n1.tsv")
    report = prepare_dataset("folder", data, tmp_path / "cache", in_bed=True, progress=False)
    assert "has no sleep epoch" in report.failed["n1"]


def test_rerun_skips_everything_done(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    prepare_dataset("folder", dataset, out, progress=False)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.npz")}
    before = load_manifest(out)
    again = prepare_dataset("folder", dataset, out, progress=False)
    assert again.done == []
    assert again.skipped == ["night-a", "night-c"]
    assert list(again.failed) == ["night-b"]  # still broken, tried again
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.npz")} == stamps
    assert load_manifest(out) == before


def test_changed_setting_prepares_again(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    first = prepare_dataset("folder", dataset, out, progress=False)
    second = prepare_dataset("folder", dataset, out, roles="eeg", progress=False)
    assert second.done == first.done and second.skipped == []
    entries, info = load_manifest(out)
    assert info["preprocessing"]["roles"] == ["eeg"]
    assert {e.settings for e in entries} == {info["settings"]} != {PrepareSettings().fingerprint()}
    assert read_cached(out / "night-a.npz").features.shape[1] == 1
    third = prepare_dataset("folder", dataset, out, roles="eeg", eeg="C4-M1", progress=False)
    assert third.done == ["night-a", "night-c"]
    assert load_manifest(out)[1]["channels"] == {"eeg": "C4-M1"}


def test_a_corrected_source_file_is_prepared_again(dataset: Path, tmp_path: Path) -> None:
    """Same id and settings but another hypnogram (a corrected scoring): not skipped."""
    out = tmp_path / "cache"
    prepare_dataset("folder", dataset, out, progress=False)
    hypnogram = read_hypnogram(dataset / "night-a.tsv")
    rescored = Hypnogram(np.where(hypnogram.stages == 0, 1, hypnogram.stages), source="x")
    write_hypnogram(rescored, dataset / "night-a.tsv")
    report = prepare_dataset("folder", dataset, out, progress=False)
    assert report.done == ["night-a"] and report.skipped == ["night-c"]
    assert 0 not in read_cached(out / "night-a.npz").labels.tolist()
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    for entry in manifest["recordings"]:  # entries from before source signatures ...
        del entry["extra"]["sources"]
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    (dataset / "night-c.tsv").touch()
    again = prepare_dataset("folder", dataset, out, progress=False)  # ... are judged as before
    assert again.skipped == ["night-a", "night-c"]


def test_missing_file_is_prepared_again(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    prepare_dataset("folder", dataset, out, progress=False)
    (out / "night-c.npz").unlink()
    report = prepare_dataset("folder", dataset, out, progress=False)
    assert report.done == ["night-c"] and report.skipped == ["night-a"]


def test_failure_drops_an_entry_of_older_settings(
    dataset: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "cache"
    prepare_dataset("folder", dataset, out, progress=False)
    (dataset / "night-a.tsv").write_text("onset\tduration\tstage\n0\t30\tZ\n")
    with caplog.at_level(logging.WARNING):
        report = prepare_dataset("folder", dataset, out, roles="eeg,eog", progress=False)
    assert sorted(report.failed) == ["night-a", "night-b"]
    assert [e.recording for e in load_manifest(out)[0]] == ["night-c"]
    assert "night-a: dropped its entry prepared with other settings" in caplog.text


def test_sharding_covers_every_recording_once_and_merges(tmp_path: Path) -> None:
    names = ["r1", "r2", "r3", "r4", "r5"]
    data = write_dataset(tmp_path / "data", names)
    out = tmp_path / "cache"
    one = prepare_dataset("folder", data, out, shard=(1, 2), progress=False)
    two = prepare_dataset("folder", data, out, shard=(2, 2), progress=False)
    assert one.done == ["r1", "r3", "r5"] and two.done == ["r2", "r4"]
    assert not (out / MANIFEST_NAME).exists()
    assert one.manifest == out / SHARDS_DIR / "1-of-2" / MANIFEST_NAME
    shard_entries, shard_info = load_manifest(out / SHARDS_DIR / "2-of-2")
    assert [e.recording for e in shard_entries] == ["r2", "r4"]
    assert shard_info["shard"] == [2, 2]
    rerun = prepare_dataset("folder", data, out, shard=(1, 2), progress=False)
    assert rerun.done == [] and rerun.skipped == ["r1", "r3", "r5"]

    merged = merge_shards(out)
    assert merged == out / MANIFEST_NAME
    assert not list((out / SHARDS_DIR).glob("*/manifest.json"))
    reference = tmp_path / "reference"
    prepare_dataset("folder", data, reference, progress=False)
    assert_same_cache(out, reference)
    assert prepare_dataset("folder", data, out, progress=False).skipped == names


def test_unsharded_run_merges_shards_first(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["r1", "r2"])
    out = tmp_path / "cache"
    prepare_dataset("folder", data, out, shard=(2, 2), progress=False)
    report = prepare_dataset("folder", data, out, progress=False)
    assert report.skipped == ["r2"] and report.done == ["r1"]
    assert [e.recording for e in load_manifest(out)[0]] == ["r1", "r2"]
    assert not list(out.glob(f"{SHARDS_DIR}/*/{MANIFEST_NAME}"))


def test_jobs_give_the_same_cache(dataset: Path, tmp_path: Path) -> None:
    serial = prepare_dataset("folder", dataset, tmp_path / "serial", jobs=1, progress=False)
    parallel = prepare_dataset("folder", dataset, tmp_path / "parallel", jobs=2, progress=False)
    assert sorted(parallel.done) == serial.done
    assert parallel.failed == serial.failed
    assert_same_cache(tmp_path / "serial", tmp_path / "parallel")


def test_leftover_temporary_files_are_removed(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    out.mkdir()
    leftovers = [out / ".night-a.0123456789ab.tmp.npz", out / ".manifest.a1b2c3d4e5f6.tmp.json"]
    for path in leftovers:
        path.write_bytes(b"half")
    other = out / ".unrelated.0123456789ab.tmp.npz"  # another job's file: left alone
    other.write_bytes(b"x")
    prepare_dataset("folder", dataset, out, progress=False)
    assert not any(p.exists() for p in leftovers)
    assert other.exists()


def test_manifest_info_is_json_with_all_settings(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    prepare_dataset("folder", dataset, out, in_bed=True, progress=False)
    payload = json.loads((out / MANIFEST_NAME).read_text())
    assert payload["in_bed"] is True
    assert payload["preprocessing"]["features"]["n_fft"] == 256
    assert payload["preprocessing"]["conditioning"]["band"] == [0.3, 40.0]
    assert payload["settings"] != PrepareSettings().fingerprint()


def test_settings_fingerprint() -> None:
    assert PrepareSettings().fingerprint() == PrepareSettings().fingerprint()
    assert PrepareSettings(in_bed=True).fingerprint() != PrepareSettings().fingerprint()
    assert (
        PrepareSettings(channels=(("eeg", "C3-M2"),)).fingerprint()
        != PrepareSettings().fingerprint()
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("1/1", (1, 1)), ("2/4", (2, 4)), (" 3/3 ", (3, 3))]
)
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/2/3", ""])
def test_parse_shard_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="shard must be 'k/N' with 1 <= k <= N"):
        parse_shard(text)


def test_bad_arguments(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="jobs must be a whole number >= 1, got 0"):
        prepare_dataset("folder", dataset, out, jobs=0)
    with pytest.raises(ConfigError, match="shard must be 'k/N'"):
        prepare_dataset("folder", dataset, out, shard=(3, 2))
    with pytest.raises(ConfigError, match="roles must be distinct values"):
        prepare_dataset("folder", dataset, out, roles="eeg,ecg")
    with pytest.raises(ConfigError, match=r"source=.* is not allowed; choose one of"):
        prepare_dataset("edf-folder", dataset, out)
    with pytest.raises(FileFormatError, match="no recording found for source 'folder'"):
        prepare_dataset("folder", empty, out)


def test_merge_without_anything_to_merge(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"no manifest\.json and no shard manifests"):
        merge_shards(tmp_path)


def test_epochs_in_gaps_of_a_discontinuous_file_are_unscored_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A BDF+D night with 10 min unrecorded after 5 min, scored by clock time through it."""
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(4)
    x = {name: rng.normal(0, 30, 20 * 3000) for name in ("C4-M1", "E1-M2", "Chin1-Chin2")}
    onsets = [30.0 * k + (600.0 if k >= 10 else 0.0) for k in range(20)]
    write_bdf(data / "n1.bdf", x, sfreq=100.0, record_duration=30.0, onsets=onsets)
    stages = rng.integers(0, 5, size=40)  # 20 min, every epoch scored
    write_hypnogram(Hypnogram(stages), data / "n1.tsv")
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="BDF\\+D"):
        report = prepare_dataset("folder", data, tmp_path / "cache", progress=False)
    assert report.ok, report.failed
    cached = read_cached(tmp_path / "cache" / "n1.npz")
    gap = (cached.onsets >= 300.0) & (cached.onsets < 900.0)
    assert gap.sum() == 20
    np.testing.assert_array_equal(cached.labels[gap], -1)  # nothing recorded to learn from
    np.testing.assert_array_equal(cached.labels[~gap], stages[:40][~gap])
    (entry,), _ = load_manifest(tmp_path / "cache")
    assert entry.extra["scored_in_gaps"] == 20
    assert "n1: 20 scored epoch(s) of" in caplog.text and "convert the hypnogram" in caplog.text


def test_a_recording_of_another_psg_under_the_same_id_is_refused(tmp_path: Path) -> None:
    site_a = write_dataset(tmp_path / "site-a", ["night01"])
    site_b = write_dataset(tmp_path / "site-b", ["night01"])
    cache = tmp_path / "cache"
    assert prepare_dataset("folder", site_a, cache, progress=False).ok
    before = read_cached(cache / "night01.npz").labels
    with pytest.raises(FileFormatError, match=r"recording id 'night01' is in the cache .* another"):
        prepare_dataset("folder", site_b, cache, progress=False)
    np.testing.assert_array_equal(read_cached(cache / "night01.npz").labels, before)  # kept
    moved = tmp_path / "moved"
    site_a.rename(moved)  # the same files elsewhere: prepared again, nothing refused
    assert prepare_dataset("folder", moved, cache, progress=False).done == ["night01"]
    shutil.rmtree(moved)  # the earlier PSG is gone, and site B's is another file
    with pytest.raises(FileFormatError, match=r"recording id 'night01' is in the cache"):
        prepare_dataset("folder", site_b, cache, progress=False)


def test_the_collision_check_does_not_depend_on_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dataset(tmp_path / "site-a", ["night01"])
    write_dataset(tmp_path / "elsewhere" / "site-b", ["night01"])
    monkeypatch.chdir(tmp_path)
    assert prepare_dataset("folder", Path("site-a"), Path("cache"), progress=False).ok
    monkeypatch.chdir(tmp_path / "elsewhere")  # "site-a/night01.edf" leads nowhere from here
    with pytest.raises(FileFormatError, match=r"recording id 'night01' is in the cache"):
        prepare_dataset("folder", Path("site-b"), tmp_path / "cache", progress=False)


def test_a_listed_hypnogram_holding_probabilities_is_refused(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    (data / "n1.tsv").write_text("onset\tduration\tstage\tp_W\tp_N1\tp_N2\tp_N3\tp_REM\n")
    manifest = data / "list.csv"
    manifest.write_text("psg,hypnogram,subject\nn1.edf,n1.tsv,s1\n")
    report = prepare_dataset("folder", manifest, tmp_path / "cache", progress=False)
    assert "n1.tsv: holds stage probabilities" in report.failed["n1"]
    assert "expert's hypnogram of the PSG to learn from" in report.failed["n1"]
