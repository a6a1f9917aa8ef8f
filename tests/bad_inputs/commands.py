"""The second round of the bad-input catalogue: whole commands, their outputs and their disks.

Where the first round (:mod:`bad_inputs.cases`) damages one file and runs it
through each entry point, a case here is one command line in a prepared folder
(:class:`Scenario`): earlier outputs that must survive, a fault injected into
the disk (a full or read-only file system), a batch with one bad file. Each
case says the exit status, the error line it must print (file, problem, fix),
a wall-time bound, and what must be left as it was. ``group`` is the class of
issue 15 the case belongs to.

Numbering continues that of :data:`bad_inputs.cases.CASES`.
"""

from __future__ import annotations

import copy
import errno
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import edfio
import numpy as np
import pandas as pd
import pytest
import torch

from bad_inputs.cases import (
    CASES,
    GOOD_START,
    ROLE_NAMES,
    signal_like,
    write_bdf,
    write_good_psg,
    write_psg,
)
from seqsleepnet.models.checkpoint import CHECKPOINT_FORMAT, MAX_CHECKPOINT_BYTES, _checksum
from seqsleepnet.report.outputs import OUTPUT_SUFFIXES

__all__ = [
    "COMMAND_CASES",
    "CommandCase",
    "Good",
    "Scenario",
    "write_edf_d",
    "write_huge_edf_hypnogram",
    "write_sparse_long_edf",
    "write_zip_bomb",
]

GROUPS = ("overwrite", "sets", "numbers", "checkpoint", "batch", "edf-d", "values", "messages")
"""The classes of issue 15, in its order."""


@dataclass(frozen=True)
class Good:
    """Undamaged inputs shared by the cases: a 20-epoch night named ``good`` and its model."""

    psg: Path
    checkpoint: Path


Fault = Callable[[pytest.MonkeyPatch], None]


@dataclass
class Scenario:
    """A prepared command line and what it must leave behind."""

    args: list[str]
    keep: list[Path] = field(default_factory=list)  # files whose bytes must not change
    absent: list[Path] = field(default_factory=list)  # paths that must not exist afterwards
    clean: list[Path] = field(default_factory=list)  # folders left without hidden entries
    fault: Fault | None = None  # injected into the process before the command runs
    check: Callable[[], None] | None = None  # further checks after the command


@dataclass(frozen=True)
class CommandCase:
    """One command on a prepared folder: what it must print and leave."""

    id: str
    group: str
    build: Callable[[Path, Good], Scenario]
    match: str  # regular expression searched in the error line (exit 1) or the output (exit 0)
    names: str | None = None  # a file name the error line must contain
    exit_code: int = 1
    seconds: float = 20.0  # wall-time bound
    slow: bool = False
    error_lines: int = 1  # "error: ..." lines on stderr (one per failed file in a batch)


# ---------------------------------------------------------------------- writers


def _stage(good: Good, *inputs: Path | str, out: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        "stage",
        *map(str, inputs),
        "--out",
        str(out),
        "--model",
        str(good.checkpoint),
        "--quiet",
        *extra,
    ]


def _earlier_outputs(out: Path, name: str = "good") -> list[Path]:
    """A night's outputs of an earlier run (their bytes only need to survive)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}{suffix}" for suffix in OUTPUT_SUFFIXES]
    for path in paths:
        path.write_text(f"earlier {path.name}\n")
    return paths


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target


def _patch(path: Path, offset: int, text: str) -> Path:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(text)] = text.encode("latin-1")
    path.write_bytes(bytes(raw))
    return path


def _extend_sparse(path: Path, size: int) -> Path:
    with open(path, "r+b") as handle:
        handle.truncate(size)  # a hole: no disk space, no memory
    return path


def write_sparse_long_edf(path: Path, records: int = 360_000) -> Path:
    """A 3-channel EDF whose header claims ``records`` 30-s records (3,000 h), sparse on disk."""
    write_good_psg(path)
    _patch(path, 236, f"{records:<8d}")
    return _extend_sparse(path, 1024 + records * 3 * 3000 * 2)


def write_huge_edf_hypnogram(path: Path, size: int = 2**31) -> Path:
    """An EDF+ hypnogram whose annotation section is ``size`` bytes (sparse on disk)."""
    edfio.Edf([], annotations=[edfio.EdfAnnotation(0, 30, "Sleep stage W")]).write(path)
    raw = path.read_bytes()
    header = int(raw[184:192])
    record = len(raw) - header
    records = size // record
    _patch(path, 236, f"{records:<8d}")
    return _extend_sparse(path, header + records * record)


def write_zip_bomb(path: Path, unpacked: int = MAX_CHECKPOINT_BYTES + 2**26) -> Path:
    """A checkpoint whose one tensor of zeros, ``unpacked`` bytes, is deflated to a few MiB.

    ``torch.load`` would inflate the tensor; the file itself stays small.
    """
    plain = path.with_name(f"{path.name}.plain")
    # torch.empty touches no page: the tensor costs no memory until it is written
    torch.save(
        {"format": CHECKPOINT_FORMAT, "big": torch.empty(unpacked, dtype=torch.uint8)}, plain
    )
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            with (
                source.open(info) as read,
                target.open(info.filename, "w", force_zip64=True) as write,
            ):
                while chunk := read.read(2**24):
                    write.write(chunk)
    plain.unlink()
    return path


def write_edf_d(
    path: Path, onsets: list[float] | None = None, *, seconds: float = 600.0, damage: bool = False
) -> Path:
    """A discontinuous EDF+ (EDF+D) night of 30-s records starting at ``onsets`` (s).

    By default the last 10 of 20 records start one hour late (a 1-h gap at 300 s).
    ``damage`` removes the onset of record 3.
    """
    signals = [
        edfio.EdfSignal(
            signal_like(seconds, 100.0, i),
            sampling_frequency=100.0,
            label=name,
            physical_dimension="uV",
            physical_range=(-1000.0, 1000.0),
        )
        for i, name in enumerate(ROLE_NAMES)
    ]
    edfio.Edf(
        signals,
        data_record_duration=30.0,
        starttime=GOOD_START.time(),
        recording=edfio.Recording(startdate=GOOD_START.date()),
        annotations=[edfio.EdfAnnotation(0.0, None, "start" + " " * 40)],  # room for the onsets
    ).write(path)
    n = round(seconds / 30.0)
    wanted = (
        onsets if onsets is not None else [30.0 * k + (3600.0 if k >= 10 else 0) for k in range(n)]
    )
    data = bytearray(path.read_bytes())
    data[192:197] = b"EDF+D"
    header = int(data[184:192])
    size = 2 * int(data[256 + 216 * 4 + 24 : 256 + 216 * 4 + 32])  # the annotation signal's bytes
    record = 3 * 3000 * 2 + size
    for k, onset in enumerate(wanted):
        text = f"{onset:.3f}".rstrip("0").rstrip(".")
        tal = b"XX" if damage and k == 3 else f"+{text}\x14\x14\x00".encode()
        if k == 0:
            tal += f"+{text}\x14start\x14\x00".encode()
        assert len(tal) <= size
        start = header + k * record + 3 * 3000 * 2  # the annotation signal follows the 3 signals
        data[start : start + size] = tal.ljust(size, b"\x00")
    path.write_bytes(bytes(data))
    return path


def _payload(good: Good) -> dict[str, Any]:
    return copy.deepcopy(torch.load(good.checkpoint, weights_only=True))


def _checkpoint(folder: Path, good: Good, change: Callable[[dict[str, Any]], None]) -> Path:
    payload = _payload(good)
    change(payload)
    payload["checksum"] = _checksum(payload)
    path = folder / "model.pt"
    torch.save(payload, path)
    return path


def _model_input(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["extra"]["model_input"]


def _array(shape: tuple[int, ...], value: float) -> dict[str, torch.Tensor]:
    return {"__numpy_array__": torch.full(shape, value)}


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<PSGAnnotation>{epoch}<ScoredEvents>'
    "<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept>"
    "<Start>{start}</Start><Duration>{duration}</Duration></ScoredEvent>"
    "</ScoredEvents></PSGAnnotation>"
)


def _xml(path: Path, start: str = "0", duration: str = "30", epoch: str | None = None) -> Path:
    element = f"<EpochLength>{epoch}</EpochLength>" if epoch is not None else ""
    return _text(path, _XML.format(start=start, duration=duration, epoch=element))


def _per_epoch_tsv(path: Path, stages: list[str]) -> Path:
    rows = "".join(f"{30 * i}\t30\t{s}\n" for i, s in enumerate(stages))
    return _text(path, "onset\tduration\tstage\n" + rows)


# ---------------------------------------------------------------------- faults


def _disk_full(at: str) -> Fault:
    """The disk fills: flushing the file ``at`` (or its temporary file) fails with ENOSPC.

    The file of a descriptor is found through ``/proc/self/fd`` (Linux).
    """
    target = Path(at)

    def hit(name: str) -> bool:  # atomic_write's temporary: .<stem>.<token>.tmp<suffix>
        return name == at or (name.startswith(f".{target.stem}.") and name.endswith(target.suffix))

    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        real = os.fsync

        def fsync(fd: int) -> None:
            if hit(Path(os.readlink(f"/proc/self/fd/{fd}")).name):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    return inject


def _read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file system is read-only: creating a folder or a file fails with EROFS."""
    real_mkdir, real_open = os.mkdir, os.open

    def mkdir(path: Any, mode: int = 0o777, *args: Any, **kwargs: Any) -> None:
        if os.path.exists(path):
            real_mkdir(path, mode, *args, **kwargs)  # raises FileExistsError, as the OS does
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)


class _InProcessPool:
    """A stand-in for ProcessPoolExecutor that records its size and runs jobs here.

    ``broken`` names files whose worker "dies" (their future raises BrokenProcessPool).
    """

    sizes: ClassVar[list[int]] = []

    def __init__(self, max_workers: int, broken: tuple[str, ...] = ()) -> None:
        self.sizes.append(max_workers)
        self.broken = broken

    def __enter__(self) -> _InProcessPool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, function: Callable[..., Any], psg: Path, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if psg.name in self.broken:
            future.set_exception(BrokenProcessPool("a process in the pool was terminated"))
        else:
            future.set_result(function(psg, *args))
        return future


def _pool(broken: tuple[str, ...] = ()) -> Fault:
    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        _InProcessPool.sizes = []
        monkeypatch.setattr(
            "seqsleepnet.workers.ProcessPoolExecutor",
            lambda max_workers, mp_context=None: _InProcessPool(max_workers, broken),
        )

    return inject


def _failing_prediction(name: str) -> Fault:
    """An unexpected error (not a package exception) while ``name`` is staged."""

    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        from seqsleepnet.staging import SleepStager

        real = SleepStager.predict

        def predict(self: SleepStager, psg: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(psg).name == name:
                raise IndexError("index 3000 is out of bounds for axis 0 with size 3000")
            return real(self, psg, *args, **kwargs)

        monkeypatch.setattr(SleepStager, "predict", predict)

    return inject


# ---------------------------------------------------------------------- checks


def _outputs_of(out: Path, name: str) -> list[Path]:
    return [out / f"{name}{suffix}" for suffix in OUTPUT_SUFFIXES]


def _all_present(paths: list[Path]) -> Callable[[], None]:
    def check() -> None:
        missing = [p.name for p in paths if not p.is_file()]
        assert not missing, missing

    return check


def _pool_sizes(expected: list[int]) -> Callable[[], None]:
    def check() -> None:
        assert _InProcessPool.sizes == expected

    return check


def _gap_unscored(out: Path, first: int, count: int, total: int) -> Callable[[], None]:
    def check() -> None:
        table = pd.read_csv(out / "night.hypnogram.tsv", sep="\t", comment="#")
        assert len(table) == total
        np.testing.assert_allclose(table["onset"], 30.0 * np.arange(total))
        gap = table["stage"].iloc[first : first + count]
        assert (gap == "UNS").all() and (table["stage"].drop(gap.index) != "UNS").all()

    return check


# ---------------------------------------------------------------------- builders by group


def _overwrite_cases() -> list[tuple[Any, ...]]:
    def same_stem(tmp: Path, good: Good) -> Scenario:
        a, b = _copy(good.psg, tmp / "a" / "night.edf"), _copy(good.psg, tmp / "b" / "night.edf")
        return Scenario(_stage(good, a, b, out=tmp / "out"), absent=[tmp / "out"])

    def same_stem_folders(tmp: Path, good: Good) -> Scenario:
        _copy(good.psg, tmp / "a" / "night.edf")
        _copy(good.psg, tmp / "b" / "night.edf")
        return Scenario(_stage(good, tmp / "a", tmp / "b", out=tmp / "out"), absent=[tmp / "out"])

    def rerun(tmp: Path, good: Good) -> Scenario:
        earlier = _earlier_outputs(tmp / "out")
        return Scenario(_stage(good, good.psg, out=tmp / "out"), keep=earlier, clean=[tmp / "out"])

    def rerun_one_left(tmp: Path, good: Good) -> Scenario:
        (tmp / "out").mkdir()
        earlier = _text(tmp / "out" / "good.png", "an earlier picture")
        return Scenario(
            _stage(good, good.psg, out=tmp / "out"), keep=[earlier], clean=[tmp / "out"]
        )

    def rerun_overwrite(tmp: Path, good: Good) -> Scenario:
        earlier = _earlier_outputs(tmp / "out")

        def replaced() -> None:
            assert all(not p.read_bytes().startswith(b"earlier") for p in earlier)

        return Scenario(
            _stage(good, good.psg, out=tmp / "out", extra=("--overwrite",)),
            clean=[tmp / "out"],
            check=replaced,
        )

    def out_is_file(tmp: Path, good: Good) -> Scenario:
        out = _text(tmp / "results", "a file, not a folder")
        return Scenario(_stage(good, good.psg, out=out), keep=[out])

    def train_finished_run(tmp: Path, good: Good) -> Scenario:
        run = tmp / "run"
        kept = [_copy(good.checkpoint, run / "best.pt"), _copy(good.checkpoint, run / "last.pt")]
        kept += [_text(run / n, n) for n in ("config.json", "log.jsonl")]
        return Scenario(["train", "--data", str(tmp / "cache"), "--out", str(run)], keep=kept)

    def train_log_only(tmp: Path, good: Good) -> Scenario:
        (tmp / "run").mkdir()
        log = _text(tmp / "run" / "log.jsonl", '{"step": 1}\n')
        return Scenario(["train", "--data", str(tmp / "cache"), "--out", str(tmp / "run")], [log])

    def onnx_onto_file(tmp: Path, good: Good) -> Scenario:
        out = _text(tmp / "model.onnx", "an earlier export")
        return Scenario(
            ["export-onnx", "--model", str(good.checkpoint), "--out", str(out)], keep=[out]
        )

    def onnx_onto_export(tmp: Path, good: Good) -> Scenario:
        (tmp / "onnx").mkdir()
        kept = [_text(tmp / "onnx" / n, n) for n in ("encoder.onnx", "classifier.onnx")]
        return Scenario(
            ["export-onnx", "--model", str(good.checkpoint), "--out", str(tmp / "onnx")],
            keep=kept,
            clean=[tmp / "onnx"],
        )

    def features_onto_file(tmp: Path, good: Good) -> Scenario:
        out = _text(tmp / "features.npz", "earlier features")
        return Scenario(["features", str(good.psg), "--out", str(out)], keep=[out])

    def hypnogram_onto_file(tmp: Path, good: Good) -> Scenario:
        source = _per_epoch_tsv(tmp / "h.tsv", ["W", "N2"])
        out = _text(tmp / "h.csv", "earlier conversion")
        return Scenario(["hypnogram", str(source), "--out", str(out)], keep=[out])

    return [
        ("stage-same-name-two-folders", same_stem, "would both write their outputs as night", None),
        (
            "stage-same-name-two-input-folders",
            same_stem_folders,
            r"a/night\.edf and .*b/night",
            None,
        ),
        (
            "stage-rerun-keeps-earlier-outputs",
            rerun,
            "already exists .*--overwrite",
            "good.hypnogram.tsv",
        ),
        (
            "stage-rerun-one-earlier-output",
            rerun_one_left,
            "already exists .*1 of the 6",
            "good.png",
        ),
        ("stage-overwrite-replaces", rerun_overwrite, "staged 1 of 1", None, 0),
        ("stage-out-is-a-file", out_is_file, "is a file, not a folder", "results"),
        (
            "train-out-finished-run",
            train_finished_run,
            "already holds a training run .*--resume",
            "run",
        ),
        (
            "train-out-log-only",
            train_log_only,
            r"already holds a training run \(log\.jsonl\)",
            "run",
        ),
        ("export-onnx-onto-a-file", onnx_onto_file, "is a file, not a folder", "model.onnx"),
        (
            "export-onnx-onto-an-export",
            onnx_onto_export,
            "already exists .*--overwrite",
            "encoder.onnx",
        ),
        (
            "features-onto-a-file",
            features_onto_file,
            "already exists; pass --overwrite",
            "features.npz",
        ),
        ("hypnogram-onto-a-file", hypnogram_onto_file, "already exists; pass --overwrite", "h.csv"),
    ]


def _set_cases() -> list[tuple[Any, ...]]:
    def stage_full(tmp: Path, good: Good) -> Scenario:
        return Scenario(
            _stage(good, good.psg, out=tmp / "out"),
            absent=_outputs_of(tmp / "out", "good"),
            clean=[tmp / "out"],
            fault=_disk_full(at="good.png"),
        )

    def stage_full_rerun(tmp: Path, good: Good) -> Scenario:
        earlier = _earlier_outputs(tmp / "out")
        return Scenario(
            _stage(good, good.psg, out=tmp / "out", extra=("--overwrite",)),
            keep=earlier,
            clean=[tmp / "out"],
            fault=_disk_full(at="good.stats.json"),
        )

    def stage_read_only(tmp: Path, good: Good) -> Scenario:
        (tmp / "out").mkdir()
        return Scenario(
            _stage(good, good.psg, out=tmp / "out"), clean=[tmp / "out"], fault=_read_only
        )

    def stage_read_only_rerun(tmp: Path, good: Good) -> Scenario:
        earlier = _earlier_outputs(tmp / "out")
        return Scenario(
            _stage(good, good.psg, out=tmp / "out", extra=("--overwrite",)),
            keep=earlier,
            clean=[tmp / "out"],
            fault=_read_only,
        )

    def stage_read_only_new_folder(tmp: Path, good: Good) -> Scenario:
        return Scenario(
            _stage(good, good.psg, out=tmp / "new" / "out"), absent=[tmp / "new"], fault=_read_only
        )

    def batch_full_second(tmp: Path, good: Good) -> Scenario:
        first = _copy(good.psg, tmp / "psg" / "a.edf")
        second = _copy(good.psg, tmp / "psg" / "b.edf")
        return Scenario(
            _stage(good, first, second, out=tmp / "out"),
            absent=_outputs_of(tmp / "out", "b"),
            clean=[tmp / "out"],
            fault=_disk_full(at="b.html"),
            check=_all_present(_outputs_of(tmp / "out", "a")),
        )

    def features_full(tmp: Path, good: Good) -> Scenario:
        out = tmp / "features.npz"
        return Scenario(
            ["features", str(good.psg), "--out", str(out)],
            absent=[out],
            clean=[tmp],
            fault=_disk_full(at="features.npz"),
        )

    def features_read_only(tmp: Path, good: Good) -> Scenario:
        out = tmp / "features.npz"
        return Scenario(
            ["features", str(good.psg), "--out", str(out)],
            absent=[out],
            clean=[tmp],
            fault=_read_only,
        )

    def features_read_only_overwrite(tmp: Path, good: Good) -> Scenario:
        out = _text(tmp / "features.npz", "earlier features")
        return Scenario(
            ["features", str(good.psg), "--out", str(out), "--overwrite"],
            keep=[out],
            clean=[tmp],
            fault=_read_only,
        )

    def hypnogram_full(tmp: Path, good: Good) -> Scenario:
        source = _per_epoch_tsv(tmp / "in.tsv", ["W", "N1", "N2"])
        out = tmp / "converted.edf"
        return Scenario(
            ["hypnogram", str(source), "--out", str(out)],
            absent=[out],
            clean=[tmp],
            fault=_disk_full(at="converted.edf"),
        )

    def hypnogram_read_only(tmp: Path, good: Good) -> Scenario:
        source = _per_epoch_tsv(tmp / "in.tsv", ["W", "N1", "N2"])
        out = tmp / "converted.tsv"
        return Scenario(
            ["hypnogram", str(source), "--out", str(out)],
            absent=[out],
            clean=[tmp],
            fault=_read_only,
        )

    def hypnogram_read_only_overwrite(tmp: Path, good: Good) -> Scenario:
        source = _per_epoch_tsv(tmp / "in.tsv", ["W", "N1", "N2"])
        out = _text(tmp / "converted.tsv", "earlier conversion")
        return Scenario(
            ["hypnogram", str(source), "--out", str(out), "--overwrite"],
            keep=[out],
            clean=[tmp],
            fault=_read_only,
        )

    def onnx_full(tmp: Path, good: Good) -> Scenario:
        out = tmp / "onnx"
        return Scenario(
            ["export-onnx", "--model", str(good.checkpoint), "--out", str(out)],
            absent=[out / "encoder.onnx", out / "classifier.onnx"],
            clean=[out],
            fault=_disk_full(at="classifier.onnx"),
        )

    return [
        (
            "stage-disk-full",
            stage_full,
            r"out/good\.\S+: cannot be written \(No space left",
            "good.",
        ),
        (
            "stage-disk-full-keeps-earlier",
            stage_full_rerun,
            "No space left on device.*free space",
            "good.",
        ),
        ("stage-read-only", stage_read_only, "cannot be written .Read-only file system", "good."),
        (
            "stage-read-only-keeps-earlier",
            stage_read_only_rerun,
            "the file system is read-only",
            "out",
        ),
        ("stage-read-only-new-folder", stage_read_only_new_folder, "Read-only file system", "new"),
        ("stage-disk-full-second-night", batch_full_second, r"b\.edf: .*No space left", "b."),
        (
            "features-disk-full",
            features_full,
            "features.npz: cannot be written .No space left",
            "features.npz",
        ),
        (
            "features-read-only",
            features_read_only,
            "features.npz: cannot be written .Read-only",
            "features.npz",
        ),
        (
            "features-read-only-keeps-earlier",
            features_read_only_overwrite,
            "read-only; write elsewhere",
            "features.npz",
        ),
        (
            "hypnogram-disk-full",
            hypnogram_full,
            "converted.edf: cannot be written .No space",
            "converted.edf",
        ),
        (
            "hypnogram-read-only",
            hypnogram_read_only,
            "converted.tsv: cannot be written .Read-only",
            "converted.tsv",
        ),
        (
            "hypnogram-read-only-keeps-earlier",
            hypnogram_read_only_overwrite,
            "read-only; write elsewhere",
            "converted.tsv",
        ),
        (
            "export-onnx-disk-full",
            onnx_full,
            r"onnx/\w+\.onnx: cannot be written \(No space",
            "onnx",
        ),
    ]


def _number_cases() -> list[tuple[Any, ...]]:
    def tiny_record(command: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            psg = _patch(_copy(good.psg, tmp / "night.edf"), 244, "1e-9    ")
            args = ["info", str(psg)] if command == "info" else _stage(good, psg, out=tmp / "out")
            return Scenario(args, absent=[tmp / "out"])

        return build

    def long_header(command: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            psg = write_sparse_long_edf(tmp / "night.edf")
            args = ["info", str(psg)] if command == "info" else _stage(good, psg, out=tmp / "out")
            return Scenario(args, absent=[tmp / "out"])

        return build

    def many_samples(tmp: Path, good: Good) -> Scenario:
        psg = _copy(good.psg, tmp / "night.edf")
        _patch(psg, 244, "100     ")  # 100-s records: 3000 samples are 30 Hz
        _patch(psg, 256 + 216 * 3, f"{9_999_999:<8d}")  # C4-M1: 1e5 Hz
        _patch(psg, 236, f"{215:<8d}")  # 215 records: 2.15e9 samples of C4-M1
        return Scenario(["info", str(psg)])

    def huge_edf_hypnogram(tmp: Path, good: Good) -> Scenario:
        return Scenario(["hypnogram", str(write_huge_edf_hypnogram(tmp / "night.edf"))])

    def huge_text(name: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            path = _text(tmp / name, "stage\nW\n")
            _extend_sparse(path, 40 * 2**20)
            return Scenario(
                ["hypnogram", str(path), "--out", str(tmp / "h.tsv")], absent=[tmp / "h.tsv"]
            )

        return build

    def xml(start: str, duration: str) -> Callable[[Path, Good], Scenario]:
        return lambda tmp, good: Scenario(
            ["hypnogram", str(_xml(tmp / "night.xml", start, duration))]
        )

    def overflowing_tsv(tmp: Path, good: Good) -> Scenario:
        path = _text(tmp / "night.tsv", "onset\tduration\tstage\n1e308\t1e308\tW\n")
        return Scenario(["hypnogram", str(path)])

    def stage_true_huge(tmp: Path, good: Good) -> Scenario:
        true = write_huge_edf_hypnogram(tmp / "expert.edf")
        args = [*_stage(good, good.psg, out=tmp / "out"), "--true", str(true)]
        return Scenario(args, absent=[tmp / "out" / "good.hypnogram.tsv"], clean=[tmp / "out"])

    return [
        (
            "info-record-of-a-nanosecond",
            tiny_record("info"),
            r"3e\+12 Hz .* above the limit of 100000 Hz",
            "night.edf",
        ),
        (
            "stage-record-of-a-nanosecond",
            tiny_record("stage"),
            "above the limit of 100000 Hz",
            "night.edf",
        ),
        (
            "info-header-claims-3000-hours",
            long_header("info"),
            r"360000 records of 30 s \(3000 h\), longer than the limit of 168 h",
            "night.edf",
        ),
        (
            "stage-header-claims-3000-hours",
            long_header("stage"),
            "longer than the limit of 168 h",
            "night.edf",
        ),
        (
            "info-signal-of-2-billion-samples",
            many_samples,
            r"would hold 2149999785 samples, more than the limit",
            "night.edf",
        ),
        (
            "hypnogram-edf-of-2-gib",
            huge_edf_hypnogram,
            r"annotation section is \d+ bytes, more than the limit of 33554432",
            "night.edf",
        ),
        (
            "hypnogram-tsv-of-40-mib",
            huge_text("night.tsv"),
            "file is 41943040 bytes, more than the limit",
            "night.tsv",
        ),
        (
            "hypnogram-csv-of-40-mib",
            huge_text("night.csv"),
            "more than the limit of 33554432 bytes",
            "night.csv",
        ),
        (
            "hypnogram-txt-of-40-mib",
            huge_text("night.txt"),
            "more than the limit of 33554432 bytes",
            "night.txt",
        ),
        (
            "hypnogram-xml-of-40-mib",
            huge_text("night.xml"),
            "more than the limit of 33554432 bytes",
            "night.xml",
        ),
        ("xml-start-1e308", xml("1e308", "30"), r"Start '1e308': outside 0..604800 s", "night.xml"),
        (
            "xml-duration-1e308",
            xml("0", "1e308"),
            r"Duration '1e308': outside 0..604800 s",
            "night.xml",
        ),
        ("xml-duration-infinite", xml("0", "inf"), r"Duration 'inf': outside", "night.xml"),
        (
            "tsv-onset-and-duration-1e308",
            overflowing_tsv,
            r"lies beyond the limit of 604800 s",
            "night.tsv",
        ),
        (
            "stage-true-edf-of-2-gib",
            stage_true_huge,
            "annotation section is .* more than the limit",
            "expert.edf",
        ),
    ]


def _checkpoint_cases() -> list[tuple[Any, ...]]:
    def variant(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            model = _checkpoint(tmp, good, change)
            return Scenario(
                _stage(Good(good.psg, model), good.psg, out=tmp / "out"), absent=[tmp / "out"]
            )

        return build

    def nan_weights(p: dict[str, Any]) -> None:
        key = next(k for k, v in p["state_dict"].items() if v.is_floating_point())
        p["state_dict"][key] = torch.full_like(p["state_dict"][key], float("nan"))

    def bomb(tmp: Path, good: Good) -> Scenario:
        model = write_zip_bomb(tmp / "model.pt")
        return Scenario(
            _stage(Good(good.psg, model), good.psg, out=tmp / "out"), absent=[tmp / "out"]
        )

    def named(kind: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            model = tmp / "model.pt"
            model.mkdir() if kind == "folder" else _fifo(model)
            return Scenario(
                _stage(Good(good.psg, model), good.psg, out=tmp / "out"), absent=[tmp / "out"]
            )

        return build

    def batch_bad_model(tmp: Path, good: Good) -> Scenario:
        model = _checkpoint(tmp, good, lambda p: p["extra"].update(seq_len="20"))
        psgs = [_copy(good.psg, tmp / "psg" / f"n{i}.edf") for i in range(3)]
        return Scenario(_stage(Good(good.psg, model), *psgs, out=tmp / "out"), absent=[tmp / "out"])

    def onnx_bad_model(tmp: Path, good: Good) -> Scenario:
        model = _checkpoint(tmp, good, nan_weights)
        return Scenario(
            ["export-onnx", "--model", str(model), "--out", str(tmp / "onnx")],
            absent=[tmp / "onnx"],
        )

    shape = (3, 129)
    return [
        (
            "ckpt-zip-bomb",
            bomb,
            r"archive unpacks to \d+ bytes, more than the limit",
            "model.pt",
            1,
            True,
        ),
        ("ckpt-nan-weights", variant(nan_weights), "holds NaN or infinite values", "model.pt"),
        (
            "ckpt-std-1e30",
            variant(lambda p: _model_input(p)["normalizer"].update(std=_array(shape, 1e30))),
            r"within \+-10000",
            "model.pt",
        ),
        (
            "ckpt-nan-std",
            variant(
                lambda p: _model_input(p)["normalizer"].update(std=_array(shape, float("nan")))
            ),
            "must be finite",
            "model.pt",
        ),
        (
            "ckpt-nan-min-std",
            variant(lambda p: _model_input(p)["normalizer"].update(min_std=float("nan"))),
            "min_std=nan must be a positive number",
            "model.pt",
        ),
        (
            "ckpt-normaliser-wrong-shape",
            variant(lambda p: _model_input(p)["normalizer"].update(mean=_array((3, 128), 0.0))),
            r"mean \(3, 128\) and std \(3, 129\)",
            "model.pt",
        ),
        (
            "ckpt-overlap-near-one",
            variant(lambda p: _model_input(p)["preprocessing"]["features"].update(overlap=0.99)),
            r"gives 'tf' input of shape \(3, 1401, 129\)",
            "model.pt",
        ),
        (
            "ckpt-seq-len-not-an-int",
            variant(lambda p: p["extra"].update(seq_len="20")),
            "stored seq_len='20' is not a window length",
            "model.pt",
        ),
        (
            "ckpt-stage-names-changed",
            variant(lambda p: p["extra"].update(stage_names=["W", "N1", "N2", "N3"])),
            "stored stage_names=.*this seqsleepnet stages",
            "model.pt",
        ),
        (
            "ckpt-config-wrong-type",
            variant(lambda p: p["config"].update(dropout="abc")),
            "dropout='abc' is not allowed; give a number",
            "model.pt",
        ),
        (
            "ckpt-config-of-60-billion-weights",
            variant(lambda p: p["config"].update(epoch_hidden=10**5)),
            r"asks for \d+ weights, more than the limit of 100000000",
            "model.pt",
        ),
        (
            "ckpt-model-input-not-a-table",
            variant(lambda p: p["extra"].update(model_input=5)),
            "does not record the model's preprocessing",
            "model.pt",
        ),
        ("ckpt-is-a-folder", named("folder"), "model.pt: is a folder, not a file", "model.pt"),
        ("ckpt-is-a-fifo", named("fifo"), r"model.pt: is a named pipe \(FIFO\)", "model.pt"),
        (
            "ckpt-bad-for-a-batch",
            batch_bad_model,
            r"^error: \S*model\.pt: stored seq_len",
            "model.pt",
        ),
        ("export-onnx-nan-weights", onnx_bad_model, "holds NaN or infinite values", "model.pt"),
    ]


def _batch_cases() -> list[tuple[Any, ...]]:
    def one_bad(jobs: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            after = _copy(good.psg, tmp / "psg" / "b.edf")
            bad = _text(tmp / "psg" / "a.edf", "onset,duration,stage\n")
            return Scenario(
                _stage(good, bad, after, out=tmp / "out", extra=("--jobs", jobs)),
                absent=_outputs_of(tmp / "out", "a"),
                clean=[tmp / "out"],
                fault=_pool() if jobs != "1" else None,
                check=_all_present(_outputs_of(tmp / "out", "b")),
            )

        return build

    def unexpected(tmp: Path, good: Good) -> Scenario:
        first = _copy(good.psg, tmp / "psg" / "a.edf")
        second = _copy(good.psg, tmp / "psg" / "b.edf")
        return Scenario(
            _stage(good, first, second, out=tmp / "out"),
            absent=_outputs_of(tmp / "out", "a"),
            fault=_failing_prediction("a.edf"),
            check=_all_present(_outputs_of(tmp / "out", "b")),
        )

    def worker_dies(tmp: Path, good: Good) -> Scenario:
        psgs = [_copy(good.psg, tmp / "psg" / f"{c}.edf") for c in "abc"]
        return Scenario(
            _stage(good, *psgs, out=tmp / "out", extra=("--jobs", "3")),
            absent=_outputs_of(tmp / "out", "b"),
            fault=_pool(broken=("b.edf",)),
            check=_all_present(_outputs_of(tmp / "out", "a") + _outputs_of(tmp / "out", "c")),
        )

    def jobs_capped(tmp: Path, good: Good) -> Scenario:
        psgs = [_copy(good.psg, tmp / "psg" / f"{c}.edf") for c in "ab"]
        return Scenario(
            _stage(good, *psgs, out=tmp / "out", extra=("--jobs", "16")),
            fault=_pool(),
            check=_pool_sizes([2]),
        )

    def jobs_one_file(tmp: Path, good: Good) -> Scenario:
        return Scenario(
            _stage(good, good.psg, out=tmp / "out", extra=("--jobs", "8")),
            fault=_pool(),
            check=_pool_sizes([]),
        )

    def fifo_in_batch(tmp: Path, good: Good) -> Scenario:
        (tmp / "psg").mkdir()
        fifo = _fifo(tmp / "psg" / "a.edf")
        after = _copy(good.psg, tmp / "psg" / "b.edf")
        return Scenario(
            _stage(good, fifo, after, out=tmp / "out"),
            check=_all_present(_outputs_of(tmp / "out", "b")),
        )

    def two_bad(tmp: Path, good: Good) -> Scenario:
        (tmp / "psg").mkdir()
        bad = [_text(tmp / "psg" / f"{c}.edf", "not an EDF file") for c in "ac"]
        good_one = _copy(good.psg, tmp / "psg" / "b.edf")
        return Scenario(
            _stage(good, bad[0], good_one, bad[1], out=tmp / "out"),
            check=_all_present(_outputs_of(tmp / "out", "b")),
        )

    return [
        (
            "batch-bad-file-then-good-jobs-1",
            one_bad("1"),
            r"a\.edf: truncated header",
            "a.edf",
        ),
        (
            "batch-bad-file-then-good-jobs-2",
            one_bad("2"),
            r"a\.edf: truncated header",
            "a.edf",
        ),
        (
            "batch-unexpected-error-goes-on",
            unexpected,
            r"a\.edf: unexpected IndexError while staging: .*--debug",
            "a.edf",
        ),
        (
            "batch-worker-process-dies",
            worker_dies,
            r"b\.edf: the worker process staging it failed \(BrokenProcessPool",
            "b.edf",
        ),
        ("batch-jobs-capped-at-files", jobs_capped, "staged 2 of 2", None, 0),
        ("batch-jobs-for-one-file", jobs_one_file, "staged 1 of 1", None, 0),
        ("batch-fifo-among-files", fifo_in_batch, r"a\.edf: is a named pipe \(FIFO\)", "a.edf"),
        ("batch-two-bad-files", two_bad, r"truncated header", ".edf", 1, False, 2),
    ]


def _edf_d_cases() -> list[tuple[Any, ...]]:
    def stage(
        onsets: list[float] | None, check: Callable[[Path], Callable[[], None]] | None = None
    ) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            psg = write_edf_d(tmp / "night.edf", onsets)
            out = tmp / "out"
            return Scenario(
                _stage(good, psg, out=out), clean=[out], check=check(out) if check else None
            )

        return build

    def info(tmp: Path, good: Good) -> Scenario:
        return Scenario(["info", str(write_edf_d(tmp / "night.edf")), "--json"])

    def damaged(tmp: Path, good: Good) -> Scenario:
        return Scenario(["info", str(write_edf_d(tmp / "night.edf", damage=True))])

    def with_true(tmp: Path, good: Good) -> Scenario:
        psg = write_edf_d(tmp / "night.edf")
        true = _per_epoch_tsv(tmp / "expert.tsv", ["N2"] * 140)
        out = tmp / "out"
        return Scenario(
            [*_stage(good, psg, out=out), "--true", str(true)],
            check=_gap_unscored(out, 10, 120, 140),
        )

    def bdf(onsets: list[float], check: bool = True) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            channels = {name: signal_like(600.0, 100.0, i) for i, name in enumerate(ROLE_NAMES)}
            psg = write_bdf(
                tmp / "night.bdf", channels, sfreq=100.0, record_duration=30.0, onsets=onsets
            )
            out = tmp / "out"
            checked = _gap_unscored(out, 10, 120, 140) if check else None
            return Scenario(_stage(good, psg, out=out), clean=[out], check=checked)

        return build

    gap = [30.0 * k + (3600.0 if k >= 10 else 0) for k in range(20)]
    late = [60.0 + 30.0 * k for k in range(20)]
    overlapping = [30.0 * k for k in range(10)] + [30.0 * k + 270.0 for k in range(10)]
    backwards = [30.0 * k for k in range(10)] + [0.0] * 10
    far = [30.0 * k for k in range(10)] + [30.0 * k + 2e7 for k in range(10)]
    return [
        (
            "edf-d-gap-left-unscored",
            stage(None, lambda out: _gap_unscored(out, 10, 120, 140)),
            "night.edf: 140 epochs",
            None,
            0,
        ),
        (
            "edf-d-late-first-record",
            stage(late, lambda out: _gap_unscored(out, 0, 2, 22)),
            "night.edf: 22 epochs",
            None,
            0,
        ),
        ("edf-d-gap-with-expert", with_true, "agreement with expert", None, 0),
        (
            "edf-d-gap-reported",
            stage(None),
            r"discontinuous recording \(EDF\+D\) with 1 gap\(s\) of 3600 s",
            None,
            0,
        ),
        ("edf-d-info-true-duration", info, r'"duration_s": 4200\.0, "epochs": 140', None, 0),
        (
            "edf-d-records-overlap",
            stage(overlapping),
            r"record 10 starts at 270 s, before record 9 ends \(300 s\)",
            "night.edf",
        ),
        (
            "edf-d-records-backwards",
            stage(backwards),
            "record 10 starts at 0 s, before record 9 ends",
            "night.edf",
        ),
        (
            "edf-d-span-beyond-a-week",
            stage(far),
            r"EDF\+D records span \d+ h, longer than the limit of 168 h",
            "night.edf",
        ),
        (
            "bdf-d-gap-left-unscored",
            bdf(gap),
            r"discontinuous recording \(BDF\+D\) with 1 gap\(s\) of 3600 s",
            None,
            0,
        ),
        (
            "bdf-d-records-overlap",
            bdf(overlapping, check=False),
            r"BDF\+D record 10 starts at 270 s, before record 9 ends \(300 s\)",
            "night.bdf",
        ),
        (
            "edf-d-record-without-onset",
            damaged,
            r"EDF\+D record 3 does not start with its onset",
            "night.edf",
        ),
    ]


def _value_cases() -> list[tuple[Any, ...]]:
    def train(*settings: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            args = ["train", "--data", str(tmp / "cache"), "--out", str(tmp / "run")]
            return Scenario([*args, *(f"--set={s}" for s in settings)], absent=[tmp / "run"])

        return build

    def cv(tmp: Path, good: Good) -> Scenario:
        args = ["cv", "--data", str(tmp / "cache"), "--out", str(tmp / "cv"), "--folds", "2"]
        return Scenario([*args, "--set", "dropout=abc"], absent=[tmp / "cv"])

    def pattern(value: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            _copy(good.psg, tmp / "in" / "night.edf")
            args = [
                "prepare",
                "--source",
                "folder",
                "--input",
                str(tmp / "in"),
                "--out",
                str(tmp / "cache"),
            ]
            return Scenario([*args, "--pattern", value], absent=[tmp / "cache"])

        return build

    return [
        (
            "train-set-dropout-not-a-number",
            train("dropout=abc"),
            "dropout='abc' is not allowed; give a number",
            None,
        ),
        (
            "train-set-cell-unknown",
            train("cell=lstm"),
            "cell='lstm' is not allowed; choose one of 'gru', 'bn-gru', 'bn-lstm'",
            None,
        ),
        (
            "train-set-seq-len-not-whole",
            train("seq_len=2.5"),
            "seq_len=2.5 is not allowed; give a whole number",
            None,
        ),
        (
            "train-set-flag-not-boolean",
            train("per_position_heads=1"),
            "per_position_heads=1 is not allowed; give true or false",
            None,
        ),
        (
            "train-set-unknown-option",
            train("hidden=3"),
            r"unknown option\(s\) \['hidden'\]; allowed options are",
            None,
        ),
        ("cv-set-dropout-not-a-number", cv, "dropout='abc' is not allowed", None),
        (
            "prepare-pattern-positional",
            pattern("{}.csv"),
            r"positional placeholder\(s\) \['\{\}'\]; allowed: '\{stem\}'",
            None,
        ),
        (
            "prepare-pattern-numbered",
            pattern("{0}.csv"),
            r"placeholder\(s\) \['0'\]; allowed: '\{stem\}'",
            None,
        ),
        (
            "prepare-pattern-unknown-name",
            pattern("{name}.csv"),
            r"\['name'\]; allowed: '\{stem\}'",
            None,
        ),
        ("prepare-pattern-attribute", pattern("{stem.upper}.csv"), r"\['stem.upper'\]", None),
        (
            "prepare-pattern-unclosed",
            pattern("{stem.csv"),
            r"is not a valid pattern .*allowed placeholders: '\{stem\}'",
            None,
        ),
        ("prepare-pattern-without-stem", pattern("scores.csv"), r"must contain '\{stem\}'", None),
    ]


def _message_cases() -> list[tuple[Any, ...]]:
    def hypnogram_of(write: Callable[[Path], Path], name: str) -> Callable[[Path, Good], Scenario]:
        return lambda tmp, good: Scenario(["hypnogram", str(write(tmp / name))])

    def comma_tsv(path: Path) -> Path:
        return _text(
            path, "onset,duration,stage\n" + "".join(f"{30 * i},30,W\n" for i in range(3000))
        )

    def many_labels(path: Path) -> Path:
        return _text(path, "stage\n" + "".join(f"label{i}\n" for i in range(3000)))

    def info_of(write: Callable[[Path], Path], name: str) -> Callable[[Path, Good], Scenario]:
        return lambda tmp, good: Scenario(["info", str(write(tmp / name))])

    def folder(path: Path) -> Path:
        path.mkdir()
        return path

    def many_channels(path: Path) -> Path:
        channels = [(f"Lead {i:03d}", signal_like(60.0, 100.0, i)) for i in range(60)]
        return write_psg(path, channels, record_duration=30.0)

    def stage_of(write: Callable[[Path], Path], name: str) -> Callable[[Path, Good], Scenario]:
        def build(tmp: Path, good: Good) -> Scenario:
            out = tmp / "out"
            return Scenario(
                _stage(good, write(tmp / name), out=out),
                check=_all_present(_outputs_of(out, "night")),
            )

        return build

    def bdf(path: Path) -> Path:
        written = write_bdf(
            path.with_suffix(".bdf"),
            {n: signal_like(600.0, 100.0, i) for i, n in enumerate(ROLE_NAMES)},
        )
        return written.rename(path)

    def evaluate_unscored(tmp: Path, good: Good) -> Scenario:
        true = _per_epoch_tsv(tmp / "true.tsv", ["UNS"] * 20)
        pred = _per_epoch_tsv(tmp / "pred.tsv", ["N2"] * 20)
        return Scenario(["evaluate", "--true", str(true), "--pred", str(pred)])

    def evaluate_folder(tmp: Path, good: Good) -> Scenario:
        stages = ["W", "N1", "N2", "N3", "REM"] * 4
        _copy(good.psg, tmp / "true" / "night.edf")  # the PSG beside its hypnogram
        (tmp / "true" / "night.csv").write_text(
            "onset,duration,stage\n" + "".join(f"{30 * i},30,{s}\n" for i, s in enumerate(stages))
        )
        (tmp / "pred").mkdir()
        _per_epoch_tsv(tmp / "pred" / "night.tsv", stages)
        return Scenario(["evaluate", "--true", str(tmp / "true"), "--pred", str(tmp / "pred")])

    def evaluate_unscored_folder(tmp: Path, good: Good) -> Scenario:
        for side, stage in (("true", "UNS"), ("pred", "W")):
            (tmp / side).mkdir()
            _per_epoch_tsv(tmp / side / "night.tsv", [stage] * 10)
        return Scenario(
            ["evaluate", "--true", str(tmp / "true"), "--pred", str(tmp / "pred"), "--json"]
        )

    def long_message(tmp: Path, good: Good) -> Scenario:
        psg = many_channels(tmp / "night.edf")
        return Scenario(["features", str(psg), "--out", str(tmp / "f.npz")], absent=[tmp / "f.npz"])

    return [
        (
            "tsv-that-is-csv-one-short-line",
            hypnogram_of(comma_tsv, "night.tsv"),
            "looks like CSV; rename it .csv",
            "night.tsv",
        ),
        (
            "unknown-labels-summarised",
            hypnogram_of(many_labels, "night.tsv"),
            r"'label1000', .*\.\.\. \(2990 more\)\]",
            "night.tsv",
        ),
        (
            "channel-list-cut-to-a-line",
            long_message,
            r"no EEG channel found among \[.Lead 000.* \[\d+ characters left out\] .*--eeg NAME",
            "night.edf",
        ),
        (
            "info-folder-named-edf",
            info_of(folder, "x.edf"),
            "x.edf: is a folder, not a file",
            "x.edf",
        ),
        (
            "info-fifo-named-edf",
            info_of(_fifo, "night.edf"),
            r"night.edf: is a named pipe \(FIFO\), not a regular file",
            "night.edf",
        ),
        (
            "hypnogram-folder-named-tsv",
            hypnogram_of(folder, "x.tsv"),
            "x.tsv: is a folder, not a file",
            "x.tsv",
        ),
        (
            "hypnogram-fifo",
            hypnogram_of(_fifo, "night.tsv"),
            r"is a named pipe \(FIFO\)",
            "night.tsv",
        ),
        ("bdf-named-edf-is-read", stage_of(bdf, "night.edf"), "night.edf: 20 epochs", None, 0),
        (
            "edf-named-bdf-is-read",
            stage_of(lambda p: _copy(write_good_psg(p.with_name("e.edf")), p), "night.bdf"),
            "night.bdf: 20 epochs",
            None,
            0,
        ),
        (
            "xml-unknown-encoding",
            hypnogram_of(
                lambda p: _text(p, '<?xml version="1.0" encoding="Atf-8"?><PSGAnnotation/>'),
                "night.xml",
            ),
            r"night\.xml: XML in an unknown encoding .*save the file as UTF-8",
            "night.xml",
        ),
        (
            "xml-epoch-length-zero",
            hypnogram_of(lambda p: _xml(p, epoch="0"), "night.xml"),
            "night.xml: EpochLength '0' is not an epoch length",
            "night.xml",
        ),
        (
            "xml-epoch-length-nan",
            hypnogram_of(lambda p: _xml(p, epoch="NaN"), "night.xml"),
            "night.xml: EpochLength 'NaN' is not an epoch length",
            "night.xml",
        ),
        (
            "evaluate-all-unscored-truth",
            evaluate_unscored,
            r"pred\.tsv: nothing comparable: no epoch is scored by both the expert and the model",
            "pred.tsv",
        ),
        (
            "evaluate-all-unscored-folder",
            evaluate_unscored_folder,
            r"pred: nothing comparable: .* in 1 pair\(s\) of files",
            "pred",
        ),
        (
            "evaluate-folder-psg-beside-hypnogram",
            evaluate_folder,
            r"night\.tsv: 20 epochs compared .*accuracy 1\.000",
            None,
            0,
        ),
    ]


def _table() -> list[CommandCase]:
    rows: list[tuple[str, tuple[Any, ...]]] = []
    for group, cases in zip(
        GROUPS,
        (
            _overwrite_cases(),
            _set_cases(),
            _number_cases(),
            _checkpoint_cases(),
            _batch_cases(),
            _edf_d_cases(),
            _value_cases(),
            _message_cases(),
        ),
        strict=True,
    ):
        rows += [(group, row) for row in cases]
    table = []
    for number, (group, (name, build, match, names, *rest)) in enumerate(
        rows, start=len(CASES) + 1
    ):
        exit_code, slow, lines = (list(rest) + [1, False, 1][len(rest) :])[:3]
        table.append(
            CommandCase(
                id=f"case-{number:03d}-{name}",
                group=group,
                build=build,
                match=match,
                names=names,
                exit_code=exit_code,
                seconds=60.0 if slow else 20.0,
                slow=slow,
                error_lines=lines if exit_code else 0,
            )
        )
    return table


COMMAND_CASES: list[CommandCase] = _table()
"""The second round, numbered after :data:`bad_inputs.cases.CASES`."""
