"""Agreement on the epochs next to an expert stage change, and on the others.

Epochs at a stage change are the known weak spot of every scorer, human or
model: two experts agree much less there than in the middle of a stable
stretch. An epoch is *next to a change* when it is scored by both and the
expert scored its previous or its next epoch with another stage (an unscored
neighbour is no change). Every other epoch scored by both is *elsewhere*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import HypnogramError
from seqsleepnet.stages import UNSCORED

__all__ = [
    "TransitionAgreement",
    "near_expert_change",
    "transition_agreement",
    "transition_counts",
]


def near_expert_change(true: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True for the scored epochs whose previous or next expert epoch has another stage.

    Parameters
    ----------
    true : array_like of int, shape (E,)
        Expert stages 0..4, -1 unscored.

    Returns
    -------
    numpy.ndarray of bool, shape (E,)
    """
    t = np.asarray(true, dtype=np.int64)
    scored = t != UNSCORED
    change = scored[1:] & scored[:-1] & (t[1:] != t[:-1])  # (E-1,) between epoch i and i+1
    near = np.zeros(t.size, dtype=bool)
    near[1:] |= change
    near[:-1] |= change
    return near & scored


@dataclass(frozen=True)
class TransitionAgreement:
    """Epochs and accuracy next to an expert stage change and elsewhere.

    Attributes
    ----------
    near_epochs, other_epochs : int
        Epochs scored by both, next to an expert change and elsewhere.
    near_accuracy, other_accuracy : float or None
        Fraction (0..1) of those epochs where the two agree; None for none.
    """

    near_epochs: int
    near_accuracy: float | None
    other_epochs: int
    other_accuracy: float | None

    @classmethod
    def from_counts(cls, near: tuple[int, int], other: tuple[int, int]) -> TransitionAgreement:
        """From ``(agreeing, total)`` epochs next to a change and elsewhere."""
        return cls(
            near[1],
            near[0] / near[1] if near[1] else None,
            other[1],
            other[0] / other[1] if other[1] else None,
        )

    def to_dict(self) -> dict[str, dict[str, float | int | None]]:
        """``{"near_change": {"epochs", "accuracy"}, "elsewhere": {...}}``."""
        return {
            "near_change": {"epochs": self.near_epochs, "accuracy": self.near_accuracy},
            "elsewhere": {"epochs": self.other_epochs, "accuracy": self.other_accuracy},
        }


def transition_counts(
    true: npt.ArrayLike, pred: npt.ArrayLike
) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(agreeing, total)`` epochs next to an expert change, and elsewhere.

    Raises
    ------
    HypnogramError
        If the arrays differ in length.
    """
    t, p = np.asarray(true, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    if t.shape != p.shape:
        raise HypnogramError(f"true has {t.size} epochs but pred has {p.size}; align them first")
    both = (t != UNSCORED) & (p != UNSCORED)
    near = near_expert_change(t) & both
    other = both & ~near
    hit = t == p
    return (
        (int(np.count_nonzero(hit & near)), int(np.count_nonzero(near))),
        (int(np.count_nonzero(hit & other)), int(np.count_nonzero(other))),
    )


def transition_agreement(true: npt.ArrayLike, pred: npt.ArrayLike) -> TransitionAgreement:
    """Agreement next to an expert stage change and elsewhere, for one night.

    Parameters
    ----------
    true, pred : array_like of int, shape (E,)
        Expert and predicted stages, aligned; -1 in either leaves the epoch out.

    Returns
    -------
    TransitionAgreement

    Raises
    ------
    HypnogramError
        If the arrays differ in length.
    """
    return TransitionAgreement.from_counts(*transition_counts(true, pred))
