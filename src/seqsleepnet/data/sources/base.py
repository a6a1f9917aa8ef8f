"""The interface every dataset source implements, and the pairing helpers they share.

A source turns an input folder into a sorted list of :class:`RecordingSpec`,
one per PSG file paired with its hypnogram. Rules common to all sources:

* an input folder that does not exist, or holds no file of the source's
  naming, raises :class:`~seqsleepnet.errors.FileFormatError`;
* a PSG without a hypnogram (or a hypnogram without a PSG) is *not* an
  error as long as at least one pair exists: it is logged as a warning and
  listed in :attr:`SourceListing.unpaired`, so a half-downloaded dataset can
  still be prepared; if no pair exists at all, the error lists the files;
* two recordings with the same id raise
  :class:`~seqsleepnet.errors.FileFormatError` naming both files (ids are
  the cache's file names).
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from seqsleepnet.errors import FileFormatError

__all__ = ["DatasetSource", "RecordingSpec", "SourceListing", "pair_by_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingSpec:
    """One recording of a dataset: a PSG file and its hypnogram.

    Attributes
    ----------
    recording : str
        Unique id within the dataset; also the cache file stem.
    subject : str
        Subject id (cross-validation folds group recordings by it).
    night : int
        Night number of the subject, from 1.
    psg : Path
        PSG file (EDF, EDF+ or BDF).
    hypnogram : Path
        Hypnogram file in any format :func:`~seqsleepnet.io.hypnogram.read_hypnogram` reads.
    hypnogram_format : str or None
        Name of its format in :data:`~seqsleepnet.io.hypnogram.HYPNOGRAM_FORMATS`,
        for files whose extension does not tell (ISRUC-Sleep's ``.txt``);
        None: from the extension.
    """

    recording: str
    subject: str
    night: int
    psg: Path
    hypnogram: Path
    hypnogram_format: str | None = None


@dataclass
class SourceListing:
    """What a source found in a folder: recordings sorted by id, and unpaired files."""

    recordings: list[RecordingSpec]
    unpaired: list[Path] = field(default_factory=list)


class DatasetSource(ABC):
    """A dataset's file naming: finds PSG/hypnogram pairs in a folder.

    Subclasses set :attr:`name`, :attr:`in_bed_default` and implement
    :meth:`pair`; callers use :meth:`list_recordings`.
    """

    name: ClassVar[str] = ""
    in_bed_default: ClassVar[bool] = False
    """Whether prepare keeps only the in-bed period by default for this dataset."""
    hypnogram_name: ClassVar[re.Pattern[str] | None] = None
    """Full-name pattern of the dataset's hypnogram files (so that ``stage`` skips them)."""

    @abstractmethod
    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair the PSG and hypnogram files among ``files``, which lie below ``root``.

        The pairing rules of the dataset, on any list of files: :meth:`scan`
        gives it every file below a folder, and
        :func:`~seqsleepnet.data.sources.find_hypnograms` the PSG files of a
        staging batch together with the files of an expert folder.
        """

    def scan(self, input_dir: Path) -> SourceListing:
        """Pair the files below ``input_dir`` (unchecked; see :meth:`list_recordings`)."""
        return self.pair(files_under(input_dir, recursive=True), input_dir)

    def list_recordings(self, input_dir: str | Path) -> SourceListing:
        """Find every recording of the dataset under ``input_dir``.

        Parameters
        ----------
        input_dir : str or Path
            Dataset folder (or, for the ``folder`` source, a CSV manifest).

        Returns
        -------
        SourceListing
            Recordings sorted by id, and files left unpaired (also logged).

        Raises
        ------
        FileFormatError
            If ``input_dir`` does not exist, holds no recording of this
            source's naming, holds only unpaired files, or two recordings
            share an id.
        """
        folder = Path(input_dir)
        if not folder.exists():
            raise FileFormatError(folder, "input folder not found", "check the --input path")
        listing = self.scan(folder)
        check_unique(listing.recordings)
        for path in listing.unpaired:
            log.warning("%s: no matching PSG/hypnogram file, skipped", path)
        if not listing.recordings:
            if listing.unpaired:
                names = ", ".join(str(p.name) for p in listing.unpaired[:10])
                raise FileFormatError(
                    folder,
                    f"no PSG file has a matching hypnogram ({self.describe()}); unpaired: {names}",
                    "add the missing files or choose the right --source",
                )
            raise FileFormatError(
                folder,
                f"no recording found for source '{self.name}' ({self.describe()})",
                "check the folder or choose another --source",
            )
        listing.recordings.sort(key=lambda spec: spec.recording)
        listing.unpaired.sort()
        return listing

    def describe(self) -> str:
        """The file naming the source expects, for messages."""
        return self.name


def check_unique(specs: Iterable[RecordingSpec]) -> None:
    """Raise :class:`FileFormatError` if two recordings share an id."""
    seen: dict[str, RecordingSpec] = {}
    for spec in specs:
        other = seen.setdefault(spec.recording, spec)
        if other is not spec:
            raise FileFormatError(
                spec.psg,
                f"recording id '{spec.recording}' is also used by {other.psg}",
                "give each recording a unique name (ids are the cache file names)",
            )


def files_under(folder: Path, recursive: bool) -> list[Path]:
    """Regular files in ``folder`` (or below it), hidden files excluded, sorted."""
    candidates = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(p for p in candidates if p.is_file() and not p.name.startswith("."))


def pair_by_key(
    files: Iterable[Path], psg: re.Pattern[str], hypnogram: re.Pattern[str]
) -> tuple[list[tuple[re.Match[str], Path, Path]], list[Path]]:
    """Pair PSG and hypnogram files whose names share the regex group ``key``.

    Parameters
    ----------
    files : iterable of Path
        Candidate files; names matching neither pattern are ignored.
    psg, hypnogram : re.Pattern
        Full-name patterns, each with a named group ``key``.

    Returns
    -------
    pairs : list of (match of the PSG name, PSG path, hypnogram path)
    unpaired : list of Path
        PSG files without hypnogram and hypnograms without PSG.

    Raises
    ------
    FileFormatError
        If two hypnograms have the same key.
    """
    psgs: list[tuple[re.Match[str], Path]] = []
    hypnograms: dict[str, Path] = {}
    for path in files:
        if (match := psg.fullmatch(path.name)) is not None:
            psgs.append((match, path))
        elif (match := hypnogram.fullmatch(path.name)) is not None:
            key = match.group("key").upper()
            if key in hypnograms:
                raise FileFormatError(
                    path,
                    f"second hypnogram for recording '{match.group('key')}' "
                    f"(the first is {hypnograms[key]})",
                    "keep one hypnogram per recording",
                )
            hypnograms[key] = path
    pairs, unpaired, used = [], [], set()
    for match, path in psgs:
        key = match.group("key").upper()
        if key in hypnograms:
            pairs.append((match, path, hypnograms[key]))
            used.add(key)
        else:
            unpaired.append(path)
    unpaired += [path for key, path in hypnograms.items() if key not in used]
    return pairs, unpaired
