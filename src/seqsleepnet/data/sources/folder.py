"""Any folder of PSG files and hypnograms, paired by name or listed in a CSV manifest.

Pairing by name (the default): every PSG file ``<stem>.edf`` / ``.bdf`` /
``.rec`` (:data:`~seqsleepnet.io.edf_header.PSG_SUFFIXES`) below the folder
is paired with the one existing file, in the PSG's folder, of

    <stem>.tsv  <stem>.csv  <stem>.txt  <stem>.xml
    <stem>-hypnogram.{tsv,csv,txt,xml,edf}

(case-insensitive; the endings are those of
:data:`~seqsleepnet.io.hypnogram.HYPNOGRAM_SUFFIXES`). A table of stage
probabilities (``seqsleepnet stage``'s ``<stem>.csv``) is a model's output
and never paired (a PSG with nothing else beside it is unpaired); two or more
other files are an error naming them. A
custom ``pattern`` replaces that list: a glob relative to the PSG's folder
in which ``{stem}`` stands for the PSG's stem, e.g. ``"{stem}.scores.csv"``
or ``"../hypnograms/{stem}*.xml"``; it must match exactly one file.
Recording id and subject are the PSG stem, night 1.

CSV manifest: when the input is a ``.csv`` file, it lists the recordings in
columns ``psg,hypnogram,subject`` and optionally ``night`` (default 1) and
``recording`` (default: the PSG stem). Relative paths are relative to the
manifest's folder.
"""

from __future__ import annotations

import csv
import glob
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import ClassVar

from seqsleepnet.data.sources.base import DatasetSource, RecordingSpec, SourceListing
from seqsleepnet.errors import FileFormatError, check_template
from seqsleepnet.io.edf_header import PSG_SUFFIXES
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES
from seqsleepnet.io.hypnogram_formats import has_probability_columns

__all__ = ["DEFAULT_PATTERNS", "FolderSource"]

DEFAULT_PATTERNS: tuple[str, ...] = (
    *(f"{{stem}}{suffix}" for suffix in HYPNOGRAM_SUFFIXES if suffix not in PSG_SUFFIXES),
    *(f"{{stem}}-hypnogram{suffix}" for suffix in HYPNOGRAM_SUFFIXES),
)
"""Hypnogram names tried for a PSG ``<stem>.edf``, in the order of the hypnogram formats."""

_HYPNOGRAM_SUFFIX = "-hypnogram"
_REQUIRED_COLUMNS = ("psg", "hypnogram", "subject")


class FolderSource(DatasetSource):
    """PSG/hypnogram pairs by file name, or from a CSV manifest.

    Parameters
    ----------
    pattern : str, optional
        Hypnogram name template with ``{stem}`` (glob syntax), relative to
        the PSG's folder; :data:`DEFAULT_PATTERNS` when omitted.
    psgs : collection of Path, optional
        Pair only these PSG files (resolved paths) and pass over the others,
        e.g. the nights being staged among a folder of expert hypnograms; all
        by default.

    Raises
    ------
    ConfigError
        If ``pattern`` lacks ``{stem}``.
    """

    name: ClassVar[str] = "folder"
    in_bed_default: ClassVar[bool] = False
    hypnogram_name: ClassVar[re.Pattern[str] | None] = re.compile(
        rf".*{_HYPNOGRAM_SUFFIX}\.[^.]+", re.IGNORECASE
    )

    def __init__(self, pattern: str | None = None, psgs: Collection[Path] | None = None) -> None:
        if pattern is not None:
            check_template("hypnogram pattern", pattern, ["stem"])
        self.pattern = pattern
        self.psgs = None if psgs is None else frozenset(psgs)

    def describe(self) -> str:
        """Expected naming."""
        if self.pattern:
            return f"<stem>.edf + {self.pattern.replace('{stem}', '<stem>')}"
        return "<stem>.edf + <stem>.tsv|csv|txt|xml or <stem>-hypnogram.*"

    def scan(self, input_dir: Path) -> SourceListing:
        """Pair the files below ``input_dir``, or read it as a CSV manifest."""
        if input_dir.is_file():
            if input_dir.suffix.lower() != ".csv":
                raise FileFormatError(
                    input_dir,
                    "the folder source takes a folder or a .csv manifest",
                    "give a folder, or a CSV with columns psg,hypnogram,subject[,night]",
                )
            return SourceListing(read_manifest_csv(input_dir))
        return super().scan(input_dir)

    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair each PSG file among ``files`` with a hypnogram named after it, beside it."""
        lookup = {str(p).lower(): p for p in files}
        psgs = [
            p
            for p in files
            if p.suffix.lower() in PSG_SUFFIXES
            and not p.stem.lower().endswith(_HYPNOGRAM_SUFFIX)
            and (self.psgs is None or p in self.psgs)
        ]
        specs, unpaired, used = [], [], set()
        for psg in psgs:
            hypnogram = self._find_hypnogram(psg, lookup)
            if hypnogram is None:
                unpaired.append(psg)
                continue
            used.add(hypnogram)
            specs.append(RecordingSpec(psg.stem, psg.stem, 1, psg, hypnogram))
        unpaired += [
            p for p in files if p.stem.lower().endswith(_HYPNOGRAM_SUFFIX) and p not in used
        ]
        return SourceListing(specs, unpaired)

    def _find_hypnogram(self, psg: Path, lookup: dict[str, Path]) -> Path | None:
        if self.pattern is not None:
            found = sorted(
                p.resolve()
                for p in psg.parent.glob(self.pattern.format(stem=glob.escape(psg.stem)))
                if p.is_file() and p != psg
            )
            if len(found) > 1:
                names = ", ".join(p.name for p in found)
                raise FileFormatError(
                    psg,
                    f"hypnogram pattern {self.pattern!r} matches {len(found)} files ({names})",
                    "make the pattern specific to one file per PSG",
                )
            return found[0] if found else None
        found = [
            match
            for template in DEFAULT_PATTERNS
            if (match := lookup.get(str(psg.parent / template.format(stem=psg.stem)).lower()))
            is not None
            and match != psg
        ]
        experts = [p for p in found if not has_probability_columns(p)]  # never a model's output
        if len(experts) > 1:
            names = ", ".join(p.name for p in experts)
            raise FileFormatError(
                psg,
                f"{len(experts)} files could be its hypnogram ({names})",
                "keep one hypnogram per PSG in the folder, or name it with --pattern",
            )
        return experts[0] if experts else None


def read_manifest_csv(path: Path) -> list[RecordingSpec]:
    """Recordings listed in a CSV manifest (see the module docstring).

    Raises
    ------
    FileFormatError
        Missing columns, a bad night number, or a listed file that does not exist.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = [c.strip().lower() for c in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeError, csv.Error) as error:
        raise FileFormatError(path, f"cannot read the CSV manifest ({error})") from error
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if not rows or missing:
        raise FileFormatError(
            path,
            f"CSV manifest lacks column(s) {missing or list(_REQUIRED_COLUMNS)} or rows",
            "write a header 'psg,hypnogram,subject[,night][,recording]' and one row per recording",
        )
    specs = []
    for line, raw in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        files = {}
        for column in ("psg", "hypnogram"):
            file = path.parent / row[column]
            if not row[column] or not file.is_file():
                raise FileFormatError(
                    path,
                    f"line {line}: {column} file '{row[column]}' not found",
                    "fix the path (relative paths start at the manifest's folder)",
                )
            files[column] = file
        try:
            night = int(row.get("night") or 1)
        except ValueError:
            night = 0
        if night < 1:
            raise FileFormatError(
                path, f"line {line}: night must be a whole number >= 1, got {row.get('night')!r}"
            )
        if not row["subject"]:
            raise FileFormatError(path, f"line {line}: empty subject", "give every row a subject")
        recording = row.get("recording") or files["psg"].stem
        specs.append(
            RecordingSpec(recording, row["subject"], night, files["psg"], files["hypnogram"])
        )
    return specs
