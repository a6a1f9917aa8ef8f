"""Per-channel, per-frequency-bin z-scoring fitted on training recordings only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, FileFormatError

__all__ = ["MAX_STATISTIC", "Normalizer"]

MAX_STATISTIC = 1e4
"""Largest mean magnitude or std a stored normaliser may have (features are dB-scaled)."""


def bin_moments(
    arrays: Iterable[npt.NDArray[np.floating[Any]]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Mean and variance per (channel, bin) over every epoch and frame of (E, C, T, F) arrays.

    Float64 running sums over the arrays one at a time (recordings, or
    chunks of one night), so that all of them never have to be in memory.

    Raises
    ------
    ConfigError
        An array of another shape than (E, C, T, F), arrays that differ in
        channels or bins, or no epoch at all.
    """
    total = total_sq = None
    count = 0
    for x in arrays:
        if x.ndim != 4:
            raise ConfigError(f"features must have shape (E, C, T, F); got {x.shape}")
        x64 = x.astype(np.float64)
        s, sq = x64.sum(axis=(0, 2)), np.square(x64).sum(axis=(0, 2))  # (C, F)
        if total is None or total_sq is None:
            total, total_sq = s, sq
        elif total.shape != s.shape:
            raise ConfigError(f"recordings differ in channels/bins: {total.shape} vs {s.shape}")
        else:
            total, total_sq = total + s, total_sq + sq
        count += x.shape[0] * x.shape[2]
    if total is None or total_sq is None or count == 0:
        raise ConfigError("cannot fit a normaliser on zero epochs")
    mean = total / count
    return mean, np.maximum(total_sq / count - mean**2, 0.0)


class Normalizer:
    """Z-score features with statistics of the training set.

    Statistics are per channel and frequency bin, pooled over epochs and
    frames: ``mean`` and ``std`` have shape (C, F).

    Examples
    --------
    >>> norm = Normalizer().fit(train_features)   # doctest: +SKIP
    >>> x = norm.transform(test_features)         # doctest: +SKIP
    """

    def __init__(
        self,
        mean: npt.NDArray[np.float32] | None = None,
        std: npt.NDArray[np.float32] | None = None,
        min_std: float = 1e-3,
    ) -> None:
        self.mean = mean
        self.std = std
        self.min_std = min_std

    @property
    def n_channels(self) -> int:
        """Channels the statistics describe (0 when not fitted)."""
        return 0 if self.mean is None else int(self.mean.shape[0])

    @property
    def is_fitted(self) -> bool:
        """Whether statistics are available."""
        return self.mean is not None and self.std is not None

    def fit(
        self, features: npt.NDArray[np.float32] | Iterable[npt.NDArray[np.float32]]
    ) -> Normalizer:
        """Compute statistics from one (E, C, T, F) array or an iterable of them.

        Streams over an iterable (one recording at a time) with float64
        running sums, so a cohort never has to fit in memory at once.
        """
        arrays = [features] if isinstance(features, np.ndarray) else features
        mean, var = bin_moments(arrays)
        self.mean = mean.astype(np.float32)
        self.std = np.maximum(np.sqrt(var), self.min_std).astype(np.float32)
        return self

    def transform(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Normalise features of shape (..., C, T, F); returns float32."""
        if self.mean is None or self.std is None:
            raise ConfigError("the normaliser is not fitted; call fit() or load() first")
        if features.shape[-3] != self.mean.shape[0] or features.shape[-1] != self.mean.shape[1]:
            raise ConfigError(
                f"features with {features.shape[-3]} channels x {features.shape[-1]} bins do "
                f"not match the normaliser ({self.mean.shape[0]} x {self.mean.shape[1]})"
            )
        mean = self.mean[:, None, :]  # (C, 1, F) broadcasts over frames
        std = self.std[:, None, :]
        out = np.subtract(features, mean, dtype=np.float32)  # one new array, divided in place
        return np.divide(out, std, out=out)

    def to_dict(self) -> dict[str, Any]:
        """Plain arrays for a checkpoint."""
        if self.mean is None or self.std is None:
            raise ConfigError("the normaliser is not fitted")
        return {"mean": self.mean, "std": self.std, "min_std": self.min_std}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Normalizer:
        """Inverse of :meth:`to_dict`, with validation.

        Raises
        ------
        ConfigError
            If ``mean`` or ``std`` is missing, not a (C, F) array of finite
            numbers, or ``std`` is not positive.
        """
        if not isinstance(values, dict) or not {"mean", "std"} <= set(values):
            raise ConfigError("normaliser must hold 'mean' and 'std' arrays of shape (C, F)")
        try:
            mean = np.asarray(values["mean"], dtype=np.float32)
            std = np.asarray(values["std"], dtype=np.float32)
            min_std = float(values.get("min_std", 1e-3))
        except (TypeError, ValueError) as error:
            raise ConfigError(f"normaliser statistics are not numbers ({error})") from None
        if mean.ndim != 2 or mean.shape != std.shape or 0 in mean.shape:
            raise ConfigError(
                f"normaliser mean {mean.shape} and std {std.shape} must be equal (C, F) shapes"
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise ConfigError("normaliser statistics must be finite, with std > 0")
        if np.abs(mean).max() > MAX_STATISTIC or std.max() > MAX_STATISTIC:
            raise ConfigError(
                f"normaliser statistics must lie within +-{MAX_STATISTIC:g} (features are "
                f"log-magnitudes in dB); got |mean| up to {np.abs(mean).max():g} and std up to "
                f"{std.max():g}"
            )
        if not 0 < min_std <= MAX_STATISTIC:  # also NaN
            raise ConfigError(f"normaliser min_std={min_std!r} must be a positive number")
        return cls(mean, std, min_std)

    def save(self, path: str | Path) -> None:
        """Write the statistics to an ``.npz`` file."""
        np.savez(Path(path), **self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Normalizer:
        """Read statistics written by :meth:`save`."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                return cls.from_dict({k: data[k] for k in data.files})
        except (OSError, ValueError, KeyError) as error:
            raise FileFormatError(path, f"not a normaliser file ({error})") from error
