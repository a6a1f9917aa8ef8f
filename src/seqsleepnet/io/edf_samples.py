"""Read one signal of an EDF/BDF file straight from its data records, in microvolts.

An EDF file is a 256-byte-per-signal header followed by ``n_records`` data
records; each record holds ``samples_per_record`` little-endian integers of
every signal in turn (16-bit in EDF, 24-bit in BDF). One signal is therefore a
strided column of the data section: this module maps the file, copies that
column piece by piece and scales it, which costs about the time of reading
the bytes. The result equals MNE's ``get_data`` (times 1e6) to float32
precision wherever MNE reads the physical dimension right; the dimension is
read with the one table of unit spellings (:mod:`seqsleepnet.io.units`), so
``nV``, ``uv``, ``UV`` or ``mv`` are scaled as what they say, where MNE reads
them as volts.

Only a header that :func:`seqsleepnet.io.edf_header.read_edf_header` has
validated is used: its sizes are bounded and the file holds every record it
promises, so no header field sizes an allocation unchecked.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seqsleepnet.io.edf_header import EdfHeader
from seqsleepnet.io.units import microvolts_per_unit

__all__ = ["microvolts_per_unit", "read_signal"]

PIECE_SAMPLES = 4_000_000  # samples of the signal converted at a time (bounds temporaries)


def read_signal(header: EdfHeader, index: int) -> npt.NDArray[np.float32]:
    """Signal ``index`` of ``header.signals`` at its own rate, in microvolts.

    Parameters
    ----------
    header : EdfHeader
        The validated header of the file to read.
    index : int
        Position of a data (not annotation) signal in ``header.signals``.

    Returns
    -------
    ndarray of float32, shape (n_records * samples_per_record,)

    Raises
    ------
    SignalError
        An ambiguous physical dimension (``MV``).
    """
    signals = header.signals
    sample_bytes = 3 if header.kind.startswith("BDF") else 2
    record_samples = sum(s.samples_per_record for s in signals)
    first = sum(s.samples_per_record for s in signals[:index])
    signal = signals[index]
    n = signal.samples_per_record
    data = np.memmap(
        header.path,
        dtype=np.uint8,
        mode="r",
        offset=256 * (len(signals) + 1),
        shape=(header.n_records, record_samples * sample_bytes),
    )
    (pmin, pmax), (dmin, dmax) = signal.physical_range, signal.digital_range
    gain = (pmax - pmin) / (dmax - dmin)
    per_unit = microvolts_per_unit(signal.physical_dimension)
    scale = gain * per_unit
    shift = (pmin - dmin * gain) * per_unit
    out = np.empty(header.n_records * n, dtype=np.float32)
    columns = slice(first * sample_bytes, (first + n) * sample_bytes)
    per_piece = max(1, PIECE_SAMPLES // n)
    for start in range(0, header.n_records, per_piece):
        stop = min(header.n_records, start + per_piece)
        raw = np.ascontiguousarray(data[start:stop, columns]).reshape(-1, sample_bytes)
        digital = _integers(raw)
        out[start * n : stop * n] = digital * scale + shift
    del data
    return out


def _integers(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """Little-endian signed integers from rows of 2 (EDF) or 3 (BDF) bytes."""
    if raw.shape[1] == 2:
        return raw.view("<i2").reshape(-1).astype(np.float64)
    value = raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8)
    value |= raw[:, 2].astype(np.int32) << 16
    value -= (value & 0x800000) << 1  # sign of the 24-bit value
    return value.astype(np.float64)
