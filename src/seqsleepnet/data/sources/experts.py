"""The expert hypnogram of each PSG file, found by the dataset sources' naming.

``seqsleepnet stage --true FOLDER`` and ``seqsleepnet evaluate`` with folders
pair files the way ``prepare`` does: :func:`find_hypnograms` runs the
:meth:`~seqsleepnet.data.sources.base.DatasetSource.pair` rules of every
source on the PSG files together with the files of the expert folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seqsleepnet.data.sources.base import DatasetSource, RecordingSpec, files_under
from seqsleepnet.data.sources.folder import FolderSource
from seqsleepnet.data.sources.isruc import IsrucSource
from seqsleepnet.data.sources.mass import MassSource
from seqsleepnet.data.sources.shhs import ShhsSource
from seqsleepnet.data.sources.sleep_edf import SleepEdfSource
from seqsleepnet.errors import FileFormatError

__all__ = ["PAIRING_ORDER", "describe_naming", "find_hypnograms", "is_hypnogram_name"]

PAIRING_ORDER: tuple[type[DatasetSource], ...] = (
    SleepEdfSource,
    MassSource,
    ShhsSource,
    IsrucSource,
    FolderSource,
)
"""Sources whose naming is tried, most specific first; the first that pairs a PSG wins."""


def is_hypnogram_name(path: Path) -> bool:
    """Whether a file is named like a hypnogram of one of the datasets (``* Base.edf``, ...)."""
    return any(
        source.hypnogram_name is not None and source.hypnogram_name.fullmatch(path.name)
        for source in PAIRING_ORDER
    )


def describe_naming() -> str:
    """The namings :func:`find_hypnograms` knows, for messages and help."""
    return "; ".join(source().describe() for source in PAIRING_ORDER)


def find_hypnograms(psgs: Sequence[Path], folder: Path) -> dict[Path, RecordingSpec]:
    """The hypnogram below ``folder`` of each PSG file, by the dataset sources' naming.

    Sleep-EDF (``SC4ssN..-PSG.edf`` with ``SC4ssN..-Hypnogram.edf``), MASS
    (``<id> PSG.edf`` with ``<id> Base.edf``), SHHS (``<id>.edf`` with
    ``<id>-nsrr.xml``), ISRUC-Sleep (``<s>.rec`` with ``<s>_1.txt`` beside it)
    and ``<stem>.<ext>`` / ``<stem>-hypnogram.<ext>`` (the ``folder`` source)
    are tried in that order. A PSG that lies below ``folder`` is paired where
    it lies; one elsewhere as if it lay in ``folder`` itself.

    Parameters
    ----------
    psgs : sequence of Path
        PSG files (they need not lie below ``folder``).
    folder : Path
        Folder of expert hypnograms, searched recursively.

    Returns
    -------
    dict
        For each PSG that has a hypnogram, its :class:`RecordingSpec` (with
        the hypnogram's format when the extension does not tell). PSG files
        without a hypnogram are left out.

    Raises
    ------
    FileFormatError
        If ``folder`` is not a folder, or it holds two hypnograms of one
        recording.
    """
    if not folder.is_dir():
        raise FileFormatError(folder, "is not a folder", "give a folder of expert hypnograms")
    root = folder.resolve()
    stand_ins: dict[Path, Path] = {}  # where each PSG is paired -> the PSG as given
    for psg in psgs:
        where = psg.resolve()
        stand_ins.setdefault(where if where.is_relative_to(root) else root / psg.name, psg)
    files = sorted({p.resolve() for p in files_under(root, recursive=True)} | set(stand_ins))
    found: dict[Path, RecordingSpec] = {}
    for source in PAIRING_ORDER:
        pairing = FolderSource(psgs=stand_ins) if source is FolderSource else source()
        for spec in pairing.pair(files, root).recordings:  # the folder source: these PSGs only
            given = stand_ins.get(spec.psg)
            if given is not None and given not in found:
                found[given] = replace(spec, psg=given)
    return found
