"""Dataset sources: find the PSG/hypnogram pairs of a dataset folder.

Each source knows one dataset's file naming and lists
:class:`RecordingSpec` objects; :func:`get_source` picks one by name
(``folder``, ``sleep-edf``, ``mass``, ``shhs``, ``isruc``);
:func:`find_hypnograms` finds the expert hypnogram of PSG files by the same
naming (``stage --true``, ``evaluate``).
"""

from __future__ import annotations

from typing import Any

from seqsleepnet.data.sources.base import DatasetSource, RecordingSpec, SourceListing
from seqsleepnet.data.sources.experts import find_hypnograms
from seqsleepnet.data.sources.folder import FolderSource
from seqsleepnet.data.sources.isruc import IsrucSource
from seqsleepnet.data.sources.mass import MassSource
from seqsleepnet.data.sources.shhs import ShhsSource
from seqsleepnet.data.sources.sleep_edf import SleepEdfSource, download_sleep_edf
from seqsleepnet.errors import ConfigError, check_option

__all__ = [
    "SOURCES",
    "DatasetSource",
    "FolderSource",
    "IsrucSource",
    "MassSource",
    "RecordingSpec",
    "ShhsSource",
    "SleepEdfSource",
    "SourceListing",
    "download_sleep_edf",
    "find_hypnograms",
    "get_source",
]

SOURCES: dict[str, type[DatasetSource]] = {
    cls.name: cls for cls in (FolderSource, SleepEdfSource, MassSource, ShhsSource, IsrucSource)
}
"""Source classes by name."""


def get_source(name: str, **options: Any) -> DatasetSource:
    """Create the source called ``name``.

    Parameters
    ----------
    name : {"folder", "sleep-edf", "mass", "shhs", "isruc"}
        Dataset naming (case-insensitive; ``sleep_edf`` is accepted).
    **options
        Source options, e.g. ``pattern=`` for ``folder``, ``scorer=`` for ``isruc``.

    Raises
    ------
    ConfigError
        If the name is unknown or the source takes no such option.
    """
    key = name.strip().lower().replace("_", "-")
    check_option("source", key, sorted(SOURCES))
    try:
        return SOURCES[key](**options)
    except TypeError as error:
        raise ConfigError(f"source '{key}' does not take options {sorted(options)}") from error
