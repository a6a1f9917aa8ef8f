"""Helpers shared by the benchmark scripts: machine description, JSON results, test nights.

Every study records the machine it ran on (CPU model, cores, RAM, load
average at start, library versions, thread settings, date) next to its
figures, so that ``benchmarks/report.py`` can print each table with its
context.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
PIECE_HOURS = 8.0  # a long night is generated in pieces of this length, then spliced
EDF_HEADER_BYTES = slice(184, 192)
EDF_RECORDS_BYTES = slice(236, 244)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _gpu_name() -> str | None:
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else None


def machine_info(**settings: Any) -> dict[str, Any]:
    """Describe this machine, the library versions and the run's settings.

    Parameters
    ----------
    **settings
        Extra fields to record (e.g. ``torch_threads=1``).
    """
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 1
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "ram_gib": _ram_gib(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "gpu": _gpu_name() if settings.get("device") == "cuda" else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("seqsleepnet", "torch", "numpy", "scipy", "mne", "onnxruntime", "yasa")
        },
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        **settings,
    }


def set_threads(n: int) -> int:
    """Fix the intra-op threads of torch (and of NumPy's BLAS for child processes)."""
    import torch

    torch.set_num_threads(n)
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    return torch.get_num_threads()


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as indented JSON, through a temporary file in the same folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=_jsonable) + "\n")
    tmp.replace(target)
    return target


def write_study(
    args: argparse.Namespace, study: str, started: float, machine: dict[str, Any], **fields: Any
) -> Path:
    """Write a synthetic study's result to ``args.json``: its name, its ``fields``, then
    the settings it ran with (its arguments but the paths of its output and work
    folder), its wall time since ``started`` (``time.perf_counter()``) and the machine."""
    settings = {k: v for k, v in vars(args).items() if k not in ("json", "work")}
    wall_s = round(time.perf_counter() - started, 1)
    result = {"study": study, "synthetic": True, **fields}
    return write_json(
        args.json, result | {"settings": settings, "wall_s": wall_s, "machine": machine}
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes (wall clock) and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    """Median, rounded to the millisecond."""
    return round(statistics.median(values), 3)


def night_stages(hours: float) -> np.ndarray:
    """Stages of a night of ``hours`` built from the real Sleep-EDF hypnograms.

    The packaged expert hypnograms are cut to their in-bed period and joined
    one after the other (always in the same order) until the night is long
    enough, then cropped to exactly ``hours``.

    Returns
    -------
    ndarray of int8, shape (round(hours * 120),)
        Stages per 30-s epoch (0..4, -1 unscored).
    """
    from seqsleepnet.data.synthetic.cohort import packaged_hypnograms
    from seqsleepnet.io.hypnogram import read_hypnogram

    n = round(hours * 120)
    parts: list[np.ndarray] = []
    total = 0
    files = sorted(packaged_hypnograms().glob("SC4*-Hypnogram.edf"))
    while total < n:
        for path in files:
            stages = read_hypnogram(path).in_bed().stages
            parts.append(stages)
            total += stages.size
            if total >= n:
                break
    return np.concatenate(parts)[:n].astype(np.int8)


def splice_edf(pieces: list[Path], target: Path) -> Path:
    """Join EDF files of identical signal layout into one longer EDF.

    EDF data records are self-contained, so a longer recording is the first
    file's header with the total number of records, followed by every
    file's records in order. Only the record count of the header changes.
    """
    headers = []
    for piece in pieces:
        with piece.open("rb") as handle:
            first = handle.read(256)
            size = int(first[EDF_HEADER_BYTES].decode("ascii"))
            headers.append((size, int(first[EDF_RECORDS_BYTES].decode("ascii"))))
    size = headers[0][0]
    total = sum(records for _, records in headers)
    with pieces[0].open("rb") as handle:
        header = bytearray(handle.read(size))
    header[EDF_RECORDS_BYTES] = f"{total:<8d}".encode("ascii")
    with target.open("wb") as out:
        out.write(header)
        for piece, (piece_size, _) in zip(pieces, headers, strict=True):
            with piece.open("rb") as handle:
                handle.seek(piece_size)
                shutil.copyfileobj(handle, out, length=16 << 20)
    return target


def make_night(hours: float, folder: str | Path, *, seed: int = 0, fs: float = 256.0) -> Path:
    """Write a synthetic PSG EDF (``aasm`` layout) of ``hours`` driven by real hypnograms.

    Nights longer than 8 h are generated in 8-h pieces (same synthetic
    subject, a different night seed each) and spliced, so that generating a
    48-h file never holds 48 h of six channels in memory.

    Returns
    -------
    Path
        The EDF file (C4-M1, F4-M1, O2-M1, E1-M2, E2-M1, Chin1-Chin2 at ``fs``).
    """
    from seqsleepnet.data.synthetic.files import write_synthetic_night

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stages = night_stages(hours)
    per_piece = round(PIECE_HOURS * 120)
    pieces = []
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for index, start in enumerate(range(0, stages.size, per_piece)):
            files = write_synthetic_night(
                stages[start : start + per_piece],
                Path(tmp) / f"piece{index}",
                layout="aasm",
                seed=seed,
                subject=0,
                night=index % 9 + 1,
                fs=fs,
            )
            pieces.append(files.psg)
        target = folder / f"night-{hours:g}h.edf"
        if len(pieces) == 1:
            shutil.move(pieces[0], target)
        else:
            splice_edf(pieces, target)
    return target


def make_checkpoint(psg: Path, path: Path, *, seed: int = 0) -> Path:
    """An untrained SeqSleepNet checkpoint whose normaliser is fitted on ``psg``'s features.

    Speed does not depend on the weights, so staging benchmarks use this
    rather than the bundled demonstration model.
    """
    from seqsleepnet.features.model_input import ModelInput
    from seqsleepnet.features.normalize import Normalizer
    from seqsleepnet.features.preprocessing import Preprocessing
    from seqsleepnet.models.checkpoint import save_trained
    from seqsleepnet.models.registry import build_model

    prep = Preprocessing()
    features, _ = prep.model_input(prep.read(psg), "tf")
    model_input = ModelInput(prep, "tf", Normalizer().fit(features))
    model = build_model("seqsleepnet", preprocessing=prep, seed=seed)
    return save_trained(path, model, model_input, seq_len=20)
