"""Stage a test night with the bundled models, as ``seqsleepnet stage`` picks them or forced.

:func:`stage_night` returns plain values (stages, metrics, quality flags or
the error message), ready for a JSON result; :func:`pooled` pools the epochs
of several nights into one set of metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from _nights import Night

AUTO = "auto"


def bundled_checkpoints() -> dict[str, Path]:
    """Label ("EEG+EOG+EMG", ...) -> file of every bundled model, most roles first.

    Every checkpoint in the package's model folder counts, also one that
    ``DEFAULT_MODELS`` does not list yet (``stage`` never picks it then, but
    it can be forced).
    """
    from importlib import resources

    from seqsleepnet.models.checkpoint import load_trained

    folder = Path(str(resources.files("seqsleepnet").joinpath("resources", "models")))
    found = {}
    for path in sorted(folder.glob("*.pt")):
        roles = load_trained(path)[1].preprocessing.roles
        found["+".join(r.upper() for r in roles)] = (len(roles), path)
    return {label: path for label, (_, path) in sorted(found.items(), key=lambda x: -x[1][0])}


_stagers: dict[Path, Any] = {}


def _stager(path: Path) -> Any:
    from seqsleepnet.staging import SleepStager

    if path not in _stagers:
        _stagers[path] = SleepStager.from_checkpoint(path, demo=True)
    return _stagers[path]


def stage_night(night: Night, channel_set: str = AUTO) -> dict[str, Any]:
    """Stage ``night`` with the model ``stage`` picks (``AUTO``) or the one of ``channel_set``.

    Returns
    -------
    dict
        ``model`` (its channel set), ``accuracy``, ``kappa``, ``confusion``,
        ``dominant_share``, ``flags`` (kinds), ``quality`` (one line per flag),
        ``measures``; or ``error`` (the message) when the night is refused.
    """
    from seqsleepnet.errors import SeqSleepNetError
    from seqsleepnet.evaluation.metrics import StagingMetrics, confusion_matrix
    from seqsleepnet.io.survey import survey_channels
    from seqsleepnet.staging import bundled_model_for

    files = bundled_checkpoints()
    try:
        if channel_set == AUTO:
            survey = survey_channels(night.psg)
            path = bundled_model_for(survey)
            label = next(k for k, f in files.items() if f.name == path.name)
            result = _stager(path).predict(night.psg, survey=survey)
        else:
            label = channel_set
            result = _stager(files[label]).predict(night.psg)
    except (SeqSleepNetError, OSError) as error:
        return {"error": str(error).replace("\n", " ")}
    n = min(result.stages.size, night.stages.size)
    confusion = confusion_matrix(night.stages[:n], result.stages[:n])
    metrics = StagingMetrics.from_confusion(confusion)
    quality = result.quality
    return {
        "model": label,
        "accuracy": metrics.accuracy,
        "kappa": metrics.kappa,
        "confusion": confusion.tolist(),
        "dominant_share": dominant_share(result.stages),
        "flags": sorted({flag.kind for flag in quality.flags}),
        "quality": quality.lines(),
        "measures": quality.measures,
    }


def dominant_share(stages: npt.NDArray[np.int8]) -> float:
    """Share of the night's scored epochs in its most frequent stage."""
    scored = stages[stages >= 0].astype(np.int64)
    return float(np.bincount(scored, minlength=5).max() / max(scored.size, 1))


def pooled(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Accuracy and kappa of the staged rows' epochs pooled (None if every night was refused)."""
    from seqsleepnet.evaluation.metrics import StagingMetrics

    staged = [r for r in rows if "confusion" in r]
    if not staged:
        return None
    metrics = StagingMetrics.from_confusion(np.sum([r["confusion"] for r in staged], axis=0))
    return {
        "accuracy": metrics.accuracy,
        "kappa": metrics.kappa,
        "nights": len(staged),
        "refused": len(rows) - len(staged),
    }
