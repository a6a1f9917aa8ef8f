"""Prepare a dataset: PSG + hypnogram pairs -> a cache of features, epochs and labels.

For each recording a source lists (:mod:`seqsleepnet.data.sources`),
:func:`prepare_recording` reads the PSG, reads and aligns the hypnogram,
optionally keeps only the in-bed period, computes the STFT features and the
raw 30-s epochs and writes ``<recording>.npz`` (:mod:`seqsleepnet.data.cache`).
:func:`prepare_dataset` runs it over a dataset:

* a recording that fails is reported with its error message; the others go on;
* the manifest is rewritten after every recording, so an interrupted run
  loses at most the recordings in progress; a rerun skips every recording
  already prepared with the same settings (same fingerprint, file present)
  from the same source files (same paths, sizes and modification times:
  a corrected hypnogram or PSG, or a recording of the same id from another
  folder, is prepared again) and re-prepares the others;
* manifest entries of recordings no longer in the input are kept; a
  recording that fails loses any entry an earlier run with other settings
  left (its file is left in place but no longer listed);
* ``jobs > 1`` prepares recordings in worker processes; only the main
  process writes the manifest;
* ``shard=(k, N)`` prepares every N-th recording (sorted by id, starting at
  the k-th), for clusters whose jobs share one cache folder. Each shard
  writes its own manifest, ``CACHE/shards/k-of-N/manifest.json`` (file names
  in it are relative to ``CACHE``); :func:`merge_shards` (``seqsleepnet
  prepare --merge CACHE``) folds them into ``CACHE/manifest.json`` and
  removes them. An unsharded run merges any shard manifests first.

Epoch grid: epochs start at the first hypnogram epoch modulo 30 s, so a
hypnogram that starts a few seconds into the recording (MASS) drops those
seconds rather than failing; ``onsets`` stay relative to the recording start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from seqsleepnet._version import __version__
from seqsleepnet.data.cache import (
    MANIFEST_NAME,
    CachedRecording,
    CacheEntry,
    load_manifest,
    save_manifest,
    stage_counts,
    write_cached,
)
from seqsleepnet.data.sources import DatasetSource, RecordingSpec, get_source
from seqsleepnet.errors import ConfigError, FileFormatError, HypnogramError, SeqSleepNetError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.hypnogram import TOLERANCE, Hypnogram
from seqsleepnet.io.channels import parse_roles
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.io.hypnogram_formats import refuse_model_output
from seqsleepnet.progress import progress_steps
from seqsleepnet.stages import UNSCORED
from seqsleepnet.workers import run_tasks

__all__ = [
    "SHARDS_DIR",
    "PrepareReport",
    "PrepareSettings",
    "merge_shards",
    "parse_shard",
    "prepare_dataset",
    "prepare_recording",
]

log = logging.getLogger(__name__)

SHARDS_DIR = "shards"
"""Sub-folder of a cache holding the shard manifests ``k-of-N/manifest.json``."""


@dataclass(frozen=True)
class PrepareSettings:
    """Everything that changes the content of a prepared recording.

    Attributes
    ----------
    preprocessing : Preprocessing
        Channel roles, filters, target rate, epoch length and STFT settings.
    channels : tuple of (role, name)
        Channel names forced per role (``--eeg/--eog/--emg``).
    in_bed : bool
        Keep only the in-bed period (``in_bed_margin`` minutes of wake
        around the sleep period).
    in_bed_margin : float
        Minutes kept before the first and after the last sleep epoch.
    """

    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    channels: tuple[tuple[str, str], ...] = ()
    in_bed: bool = False
    in_bed_margin: float = 30.0

    def describe(self) -> dict[str, Any]:
        """The settings as JSON-ready values (stored in the manifest)."""
        return {
            "preprocessing": self.preprocessing.to_dict(),
            "channels": dict(self.channels),
            "in_bed": self.in_bed,
            "in_bed_margin": self.in_bed_margin,
            "package_version": __version__,
        }

    def fingerprint(self) -> str:
        """Short hash of :meth:`describe`: equal settings give equal fingerprints."""
        text = json.dumps(self.describe(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class PrepareReport:
    """Outcome of :func:`prepare_dataset`.

    Attributes
    ----------
    done : list of str
        Recordings prepared by this run.
    skipped : list of str
        Recordings already prepared with the same settings.
    failed : dict of str to str
        Recording id -> error message.
    unpaired : list of str
        Files the source could not pair (PSG without hypnogram or vice versa).
    manifest : Path or None
        Manifest written by the run.
    """

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unpaired: list[str] = field(default_factory=list)
    manifest: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no recording failed."""
        return not self.failed


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"k/N"`` (1 <= k <= N) into ``(k, N)``.

    Raises
    ------
    ConfigError
        If the text is not of that form.
    """
    try:
        k, n = (int(part) for part in text.strip().split("/"))
    except ValueError:
        k, n = 0, 0
    if not 1 <= k <= n:
        raise ConfigError(f"shard must be 'k/N' with 1 <= k <= N (e.g. '2/4'), got {text!r}")
    return k, n


def _epoch_grid(
    hypnogram: Hypnogram, recording: Recording, epoch_seconds: float
) -> tuple[float, Hypnogram]:
    """Seconds to drop at the recording start so epochs fall on the hypnogram's grid.

    Returns the shift (0 <= shift < one epoch) and the hypnogram re-expressed
    relative to the shifted start.
    """
    offset = hypnogram.offset_from(recording.start_time)
    if offset < -TOLERANCE:
        return 0.0, hypnogram  # align_to reports the negative offset
    shift = offset % epoch_seconds
    if min(shift, epoch_seconds - shift) <= TOLERANCE:
        shift = 0.0
    onset = max(0.0, round((offset - shift) / epoch_seconds) * epoch_seconds)
    return shift, Hypnogram(hypnogram.stages, hypnogram.epoch_length, onset, None, hypnogram.source)


def prepare_recording(spec: RecordingSpec, settings: PrepareSettings, out_dir: Path) -> CacheEntry:
    """Prepare one recording and write ``out_dir/<recording>.npz`` atomically.

    Parameters
    ----------
    spec : RecordingSpec
    settings : PrepareSettings
    out_dir : Path
        Cache folder (must exist).

    Returns
    -------
    CacheEntry
        The manifest entry; its arrays are ``features`` float32 (E, C, 29, 129),
        ``signals`` float32 (E, C, 3000) in microvolts (both exactly what
        :meth:`Preprocessing.model_input` gives), ``labels`` int8 (E,) and
        ``onsets`` float64 (E,) in seconds from the recording start.

    Raises
    ------
    SeqSleepNetError
        Any problem with the PSG, the hypnogram or their alignment.
    """
    named = dict(settings.channels)
    prep = settings.preprocessing
    recording = prep.read(
        spec.psg, eeg=named.get("eeg"), eog=named.get("eog"), emg=named.get("emg")
    )
    refuse_model_output(  # training on a model's stages would teach it that model
        spec.hypnogram, spec.psg, "give the expert's hypnogram of the PSG to learn from"
    )
    hypnogram = read_hypnogram(spec.hypnogram, format=spec.hypnogram_format)
    shift_s, grid = _epoch_grid(hypnogram, recording, prep.epoch_seconds)
    epoch_len = prep.samples_per_epoch
    shift = round(shift_s * recording.sfreq)
    n_epochs = max(0, (recording.n_samples - shift) // epoch_len)
    aligned = grid.align_to(n_epochs, recording.start_time, epoch_length=prep.epoch_seconds)
    length = prep.epoch_seconds
    in_gap = recording.in_gaps(shift_s + np.arange(n_epochs, dtype=np.float64) * length, length)
    scored_in_gaps = int(np.count_nonzero(aligned.scored & in_gap))
    labels = np.where(in_gap, np.int8(UNSCORED), aligned.stages)  # no signal to learn from there
    if not (labels != UNSCORED).any():
        raise HypnogramError(
            f"{spec.hypnogram}: no scored epoch overlaps the recorded signal of {spec.psg}; "
            "is it the hypnogram of this recording?"
        )
    first, stop = 0, n_epochs
    if settings.in_bed:
        window = aligned.in_bed(settings.in_bed_margin)
        first = round(window.onset / prep.epoch_seconds)
        stop = first + window.n_epochs
    cropped = recording.crop(shift + first * epoch_len, shift + stop * epoch_len)
    features, onsets = prep.model_input(cropped, "tf")  # (C, N) -> (E, C, 29, 129)
    signals, _ = prep.model_input(cropped, "raw")  # (C, N) -> (E, C, 3000)
    labels = labels[first:stop]
    onsets = onsets + shift_s + first * prep.epoch_seconds
    write_cached(out_dir, spec.recording, CachedRecording(features, signals, labels, onsets))
    return CacheEntry(
        recording=spec.recording,
        subject=spec.subject,
        night=spec.night,
        file=f"{spec.recording}.npz",
        n_epochs=int(labels.size),
        counts=stage_counts(labels),
        channels=list(recording.ch_names),
        roles=list(recording.roles),
        native_sfreq=[float(f) for f in recording.native_sfreq],
        settings=settings.fingerprint(),
        psg=str(spec.psg),
        hypnogram=str(spec.hypnogram),
        extra={
            "in_bed": settings.in_bed,
            "first_onset": float(onsets[0]) if onsets.size else 0.0,
            "sources": source_signature(spec),
            "scored_in_gaps": scored_in_gaps,
        },
    )


def source_signature(spec: RecordingSpec) -> dict[str, list[int]]:
    """Size and modification time (ns) of a recording's PSG and hypnogram files, by role."""
    out = {}
    for role, path in (("psg", spec.psg), ("hypnogram", spec.hypnogram)):
        stat = Path(path).stat()
        out[role] = [int(stat.st_size), int(stat.st_mtime_ns)]
    return out


def _up_to_date(entry: CacheEntry, spec: RecordingSpec, fingerprint: str, out: Path) -> bool:
    """Whether ``entry`` is ``spec`` prepared with these settings from these very files.

    An entry from before source signatures were recorded is judged by its
    settings and file alone, as it was then.
    """
    if entry.settings != fingerprint or not (out / entry.file).is_file():
        return False
    saved = entry.extra.get("sources")
    if saved is None:
        return True
    same_paths = (entry.psg, entry.hypnogram) == (str(spec.psg), str(spec.hypnogram))
    try:
        return same_paths and saved == source_signature(spec)
    except OSError:
        return False


def _refuse_id_collisions(
    entries: dict[str, CacheEntry], specs: Sequence[RecordingSpec], out: Path
) -> None:
    """Raise :class:`FileFormatError` if a recording would replace the cache entry of another
    PSG file under the same id (two inputs prepared into one cache).

    The entry's PSG is the same file when its path leads to it, or, when that path leads
    nowhere from here (moved, or relative to another folder), when it has the size and
    modification time recorded with the entry.
    """
    for spec in specs:
        entry = entries.get(spec.recording)
        if entry is None or entry.psg == str(spec.psg):
            continue
        try:
            same = Path(entry.psg).samefile(spec.psg)
        except OSError:  # not there from here
            saved = entry.extra.get("sources", {}).get("psg")
            same = saved is not None and saved == source_signature(spec)["psg"]
        if not same:
            raise FileFormatError(
                spec.psg,
                f"its recording id {spec.recording!r} is in the cache {out} already, prepared "
                f"from another PSG ({entry.psg}); preparing it would replace that recording",
                "prepare the two into different caches (--out), or rename one of the files",
            )


Outcome = tuple[CacheEntry | None, str]
"""A recording's cache entry, or None and the one-line reason it failed."""


def _run_one(
    spec: RecordingSpec, settings: PrepareSettings, out_dir: Path
) -> tuple[CacheEntry | None, str]:
    """:func:`prepare_recording` that returns the error message instead of raising."""
    try:
        return prepare_recording(spec, settings, out_dir), ""
    except SeqSleepNetError as error:
        return None, str(error)
    except Exception as error:  # a damaged file can make any reader fail
        log.debug("%s failed", spec.recording, exc_info=True)
        return _failed(spec, error, in_worker=False)


def _failed(spec: RecordingSpec, error: Exception, in_worker: bool) -> Outcome:
    """The outcome of a recording whose reading raised, or whose worker died."""
    if in_worker:  # out of memory, killed
        return None, f"worker process failed: {type(error).__name__}: {error}"
    return None, f"{type(error).__name__}: {error} (file {spec.psg})"


def _read_manifest(folder: Path) -> tuple[list[CacheEntry], dict[str, Any]]:
    if not (folder / MANIFEST_NAME).is_file():
        return [], {}
    return load_manifest(folder)


def _shard_folders(out_dir: Path) -> list[Path]:
    """Shard manifest folders, oldest manifest first."""
    base = out_dir / SHARDS_DIR
    found = [p.parent for p in base.glob(f"*-of-*/{MANIFEST_NAME}")] if base.is_dir() else []
    return sorted(found, key=lambda p: (p / MANIFEST_NAME).stat().st_mtime_ns)


def merge_shards(out_dir: str | Path) -> Path:
    """Fold the shard manifests of a cache into its ``manifest.json`` and remove them.

    Entries are combined by recording id; where two manifests list the same
    recording, the most recently written one wins.

    Parameters
    ----------
    out_dir : str or Path
        Cache folder.

    Returns
    -------
    Path
        The merged ``manifest.json``.

    Raises
    ------
    FileFormatError
        If the folder holds neither a manifest nor shard manifests.
    """
    folder = Path(out_dir)
    shards = _shard_folders(folder)
    entries, info = _read_manifest(folder)
    if not shards and not info:
        raise FileFormatError(
            folder, "no manifest.json and no shard manifests", "run 'seqsleepnet prepare' first"
        )
    merged = {e.recording: e for e in entries}
    for shard in shards:
        shard_entries, shard_info = load_manifest(shard)
        merged.update({e.recording: e for e in shard_entries})
        info = {k: v for k, v in shard_info.items() if k not in ("format_version", "shard")}
    settings = {e.settings for e in merged.values()}
    if len(settings) > 1:
        log.warning("%s: recordings prepared with %d different settings", folder, len(settings))
    path = save_manifest(folder, list(merged.values()), info)
    for shard in shards:
        shutil.rmtree(shard, ignore_errors=True)
    log.info("merged %d shard manifest(s) into %s", len(shards), path)
    return path


def _remove_stale_temporaries(folder: Path, stems: Sequence[str]) -> None:
    """Delete temporary files a killed run left behind for these file stems."""
    for stem in stems:
        for leftover in folder.glob(f".{stem}.*.tmp.*"):
            log.info("removing %s left by an interrupted run", leftover)
            leftover.unlink(missing_ok=True)


def _execute(
    todo: list[RecordingSpec],
    settings: PrepareSettings,
    out: Path,
    jobs: int,
    progress: bool,
    record: Callable[[RecordingSpec, CacheEntry | None, str], None],
) -> None:
    """Prepare ``todo`` here or in ``jobs`` processes, calling ``record`` as each ends."""
    with progress_steps("prepare", len(todo), enabled=progress) as steps:

        def done(spec: RecordingSpec, outcome: Outcome) -> None:
            record(spec, *outcome)
            steps.done(spec.recording)

        task = partial(_run_one, settings=settings, out_dir=out)
        run_tasks(task, todo, jobs=jobs, failure=_failed, on_done=done, spawn=True)


def prepare_dataset(
    source: str | DatasetSource,
    input_dir: str | Path,
    out_dir: str | Path,
    *,
    roles: str | Sequence[str] | None = None,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
    in_bed: bool | None = None,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    progress: bool = True,
    preprocessing: Preprocessing | None = None,
) -> PrepareReport:
    """Prepare every recording of a dataset into a cache folder.

    Parameters
    ----------
    source : str or DatasetSource
        ``"folder"``, ``"sleep-edf"``, ``"mass"``, ``"shhs"`` or a source object.
    input_dir : str or Path
        Dataset folder (or a CSV manifest for the ``folder`` source).
    out_dir : str or Path
        Cache folder; created if needed.
    roles : str or sequence of str, optional
        Channel roles in order, e.g. ``"eeg,eog,emg"``; overrides the roles
        of ``preprocessing``.
    eeg, eog, emg : str, optional
        Channel name to use for a role in every recording.
    in_bed : bool, optional
        Keep only the in-bed period; by default what the source recommends
        (on for Sleep-EDF, off otherwise).
    jobs : int
        Worker processes (1 prepares in this process).
    shard : (k, N), optional
        Prepare only every N-th recording, starting with the k-th (1-based).
    progress : bool
        Show one step per recording with :func:`~seqsleepnet.progress.progress_steps`
        (a bar on a terminal, a line on stderr elsewhere).
    preprocessing : Preprocessing, optional
        Roles, filters, target rate, epoch length and STFT settings; the
        paper's by default.

    Returns
    -------
    PrepareReport

    Raises
    ------
    ConfigError
        Bad roles, jobs or shard.
    FileFormatError
        No recording found, duplicate ids, or a damaged manifest.
    """
    src = get_source(source) if isinstance(source, str) else source
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"jobs must be a whole number >= 1, got {jobs!r}")
    if shard is not None:
        shard = parse_shard(f"{shard[0]}/{shard[1]}")
    named = tuple((r, n) for r, n in (("eeg", eeg), ("eog", eog), ("emg", emg)) if n)
    prep = preprocessing or Preprocessing()
    if roles is not None:
        prep = dataclasses.replace(prep, roles=parse_roles(roles))
    settings = PrepareSettings(
        preprocessing=prep,
        channels=named,
        in_bed=src.in_bed_default if in_bed is None else bool(in_bed),
    )
    listing = src.list_recordings(input_dir)
    specs = listing.recordings
    if shard is not None:
        specs = specs[shard[0] - 1 :: shard[1]]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if shard is None:
        manifest_dir = out
        if _shard_folders(out):
            merge_shards(out)
        entries = {e.recording: e for e in _read_manifest(out)[0]}
    else:
        manifest_dir = out / SHARDS_DIR / f"{shard[0]}-of-{shard[1]}"
        manifest_dir.mkdir(parents=True, exist_ok=True)
        entries = {e.recording: e for e in _read_manifest(out)[0]}
        entries.update({e.recording: e for e in _read_manifest(manifest_dir)[0]})
        entries = {s.recording: entries[s.recording] for s in specs if s.recording in entries}
    _refuse_id_collisions(entries, specs, out)
    _remove_stale_temporaries(out, [s.recording for s in specs])
    _remove_stale_temporaries(manifest_dir, [Path(MANIFEST_NAME).stem])

    fingerprint = settings.fingerprint()
    info: dict[str, Any] = {"settings": fingerprint, "source": src.name, **settings.describe()}
    if shard is not None:
        info["shard"] = list(shard)
    report = PrepareReport(unpaired=[str(p) for p in listing.unpaired])
    todo = []
    for spec in specs:
        entry = entries.get(spec.recording)
        if entry is not None and _up_to_date(entry, spec, fingerprint, out):
            report.skipped.append(spec.recording)
        else:
            todo.append(spec)
    report.manifest = save_manifest(manifest_dir, list(entries.values()), info)

    def record(spec: RecordingSpec, entry: CacheEntry | None, message: str) -> None:
        if entry is None:
            report.failed[spec.recording] = message
            if entries.pop(spec.recording, None) is not None:
                log.warning("%s: dropped its entry prepared with other settings", spec.recording)
            log.warning("%s failed: %s", spec.recording, message)
        else:
            entries[spec.recording] = entry
            report.done.append(spec.recording)
            if entry.extra.get("scored_in_gaps"):
                log.warning(
                    "%s: %d scored epoch(s) of %s lie in gaps of the EDF+D recording, where "
                    "nothing was recorded: left unscored (UNS). If the scorer skipped the gaps "
                    "(stages in recorded time, not clock time), every stage after a gap is "
                    "misplaced: convert the hypnogram to clock time",
                    spec.recording,
                    entry.extra["scored_in_gaps"],
                    spec.hypnogram,
                )
        save_manifest(manifest_dir, list(entries.values()), info)

    _execute(todo, settings, out, jobs, progress, record)
    log.info(
        "prepared %d, skipped %d, failed %d recording(s) into %s",
        len(report.done),
        len(report.skipped),
        len(report.failed),
        out,
    )
    return report
