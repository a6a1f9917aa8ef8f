"""Which recordings train and which validate, chosen by subject."""

from __future__ import annotations

import numpy as np

from seqsleepnet.data.cache import CacheEntry
from seqsleepnet.errors import ConfigError
from seqsleepnet.training.config import TrainConfig

__all__ = ["parse_val_subjects", "pick_subjects", "select_recordings", "subjects_of"]


def subjects_of(entries: list[CacheEntry]) -> list[str]:
    """Sorted unique subject ids of manifest rows."""
    return sorted({e.subject for e in entries})


def pick_subjects(subjects: list[str], count: int, seed: int) -> list[str]:
    """Choose ``count`` subjects at random (reproducible from ``seed``), sorted.

    Raises
    ------
    ConfigError
        If ``count`` is negative or not smaller than the number of subjects.
    """
    pool = sorted(set(subjects))
    if count < 0 or count >= len(pool):
        raise ConfigError(
            f"cannot pick {count} validation subject(s) from {len(pool)} subject(s); "
            f"choose 0..{len(pool) - 1} so that training keeps at least one"
        )
    rng = np.random.default_rng([seed, 7919])
    return sorted(str(s) for s in rng.choice(pool, size=count, replace=False))


def parse_val_subjects(value: str | None, subjects: list[str], seed: int) -> list[str]:
    """Validation subjects from ``--val-subjects``: ids, or a count picked with the seed.

    ``"S01,S02"`` (or one id with a trailing comma, ``"02,"``) names subjects;
    a bare whole number ``"2"`` is a count (:func:`pick_subjects`); None
    picks 5% of the subjects, at least one. A bare number that is also a
    subject id of the cache (Sleep-EDF, SHHS and ISRUC ids are digits) is
    refused as ambiguous.

    Parameters
    ----------
    value : str or None
        The option's text.
    subjects : list of str
        Subject ids of the cache.
    seed : int
        Seeds the pick of a count.

    Returns
    -------
    list of str
        Sorted for a count, in the given order for ids.

    Raises
    ------
    ConfigError
        If a bare number is also a subject id, or a count leaves no training subject.
    """
    if value is None:
        return pick_subjects(subjects, max(1, round(len(set(subjects)) / 20)), seed)
    text = value.strip()
    if text.isdigit():
        if text in set(subjects):
            plain = str(int(text))
            count_hint = (
                f"give the count as {plain}"
                if plain != text and plain not in set(subjects)
                else "name the validation subjects instead of counting them"
            )
            raise ConfigError(
                f"--val-subjects {text!r} is ambiguous: a number of validation subjects, and "
                f"the id of subject {text} in this dataset; write '{text},' (trailing comma) "
                f"for that subject, or {count_hint}"
            )
        return pick_subjects(subjects, int(text), seed)
    return [s.strip() for s in text.split(",") if s.strip()]


def select_recordings(
    entries: list[CacheEntry], config: TrainConfig
) -> tuple[list[CacheEntry], list[CacheEntry]]:
    """Split manifest rows into training and validation recordings by subject.

    Both nights of a subject always fall on the same side.

    Returns
    -------
    train, validation : list of CacheEntry

    Raises
    ------
    ConfigError
        If a named subject is not in the cache or no training recording remains.
    """
    known = set(subjects_of(entries))
    named = set(config.val_subjects) | set(config.train_subjects or [])
    unknown = sorted(named - known)
    if unknown:
        raise ConfigError(
            f"subjects {unknown} are not in {config.data}; available: {sorted(known)[:20]}"
        )
    val = set(config.val_subjects)
    excluded = set(config.exclude_subjects)
    if config.train_subjects is not None:
        train_set = set(config.train_subjects)
    else:
        train_set = known - val - excluded
    train_set -= val | excluded
    train = [e for e in entries if e.subject in train_set]
    validation = [e for e in entries if e.subject in val]
    if not train:
        raise ConfigError(
            f"no training recordings left in {config.data} after removing validation "
            f"subjects {sorted(val)} and excluded subjects {sorted(excluded)}"
        )
    return train, validation
