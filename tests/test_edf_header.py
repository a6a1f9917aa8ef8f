from datetime import date, datetime, time, timedelta
from pathlib import Path

import edfio
import numpy as np
import pytest

from bad_inputs.cases import GOOD_START
from bad_inputs.commands import write_edf_d
from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.edf_header import read_edf_header


def _patch(path: Path, offset: int, text: str) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(text)] = text.encode("latin-1")
    path.write_bytes(bytes(raw))


def _signal_field_offset(ns: int, field_offset: int, width: int, index: int) -> int:
    """Byte offset of one signal's field: fields are stored field-major after 256 bytes."""
    return 256 + field_offset * ns + index * width


def test_reads_rates_of_channels_with_their_own_rates(sleep_edf_psg: Path) -> None:
    header = read_edf_header(sleep_edf_psg)
    rates = {s.label: s.sfreq for s in header.data_signals}
    assert rates == {
        "EEG Fpz-Cz": 100.0,
        "EEG Pz-Oz": 100.0,
        "EOG horizontal": 100.0,
        "EMG submental": 1.0,
    }
    assert header.duration == 300.0
    assert header.kind.startswith("EDF")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="file not found"):
        read_edf_header(tmp_path / "absent.edf")


def test_not_an_edf(tmp_path: Path) -> None:
    path = tmp_path / "random.edf"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(FileFormatError, match="not an EDF or BDF file"):
        read_edf_header(path)


def test_truncated_header(sleep_edf_psg: Path) -> None:
    sleep_edf_psg.write_bytes(sleep_edf_psg.read_bytes()[:200])
    with pytest.raises(FileFormatError, match="truncated header"):
        read_edf_header(sleep_edf_psg)


def test_truncated_signal_header_block(sleep_edf_psg: Path) -> None:
    sleep_edf_psg.write_bytes(sleep_edf_psg.read_bytes()[:700])
    with pytest.raises(FileFormatError, match="truncated header"):
        read_edf_header(sleep_edf_psg)


def test_truncated_data_section(sleep_edf_psg: Path) -> None:
    raw = sleep_edf_psg.read_bytes()
    sleep_edf_psg.write_bytes(raw[: len(raw) - 1000])
    with pytest.raises(FileFormatError, match="truncated data section: the header promises 10"):
        read_edf_header(sleep_edf_psg)


def test_header_sizes_that_do_not_add_up(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 184, "9999    ")
    with pytest.raises(FileFormatError, match="header sizes do not add up"):
        read_edf_header(sleep_edf_psg)


def test_lying_record_count_cannot_size_an_allocation(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 236, "99999999")
    with pytest.raises(FileFormatError, match="promises 99999999 records"):
        read_edf_header(sleep_edf_psg)


@pytest.mark.parametrize("value", ["0       ", "-5      ", "99999999"])
def test_samples_per_record_out_of_bounds(sleep_edf_psg: Path, value: str) -> None:
    ns = read_edf_header(sleep_edf_psg).signals.__len__()
    _patch(sleep_edf_psg, _signal_field_offset(ns, 216, 8, 0), value)
    with pytest.raises(FileFormatError, match="samples per record"):
        read_edf_header(sleep_edf_psg)


def test_zero_width_digital_range(sleep_edf_psg: Path) -> None:
    ns = len(read_edf_header(sleep_edf_psg).signals)
    _patch(sleep_edf_psg, _signal_field_offset(ns, 128, 8, 1), "-32768  ")  # digital max
    with pytest.raises(FileFormatError, match="digital range of zero or negative width"):
        read_edf_header(sleep_edf_psg)


def test_zero_width_physical_range(sleep_edf_psg: Path) -> None:
    ns = len(read_edf_header(sleep_edf_psg).signals)
    _patch(sleep_edf_psg, _signal_field_offset(ns, 112, 8, 0), "-1000   ")  # physical max
    with pytest.raises(FileFormatError, match="physical range of zero width"):
        read_edf_header(sleep_edf_psg)


def test_signal_count_out_of_bounds(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 252, "0   ")
    with pytest.raises(FileFormatError, match="header says 0 signals"):
        read_edf_header(sleep_edf_psg)


def test_non_numeric_field(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 244, "thirty  ")
    with pytest.raises(FileFormatError, match="'record duration' is 'thirty', not a number"):
        read_edf_header(sleep_edf_psg)


def test_non_ascii_label(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 256, "EEG Fpz-Cz\xe9")
    with pytest.raises(FileFormatError, match="non-ASCII"):
        read_edf_header(sleep_edf_psg)


def test_unknown_record_count_is_taken_from_file_size(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 236, "-1      ")
    assert read_edf_header(sleep_edf_psg).n_records == 10


def test_a_record_count_below_what_the_file_holds_is_raised_to_it(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 236, "4       ")
    header = read_edf_header(sleep_edf_psg)
    assert (header.n_records, header.declared_records, header.duration) == (10, 4, 300.0)
    _patch(sleep_edf_psg, 236, "10      ")
    assert read_edf_header(sleep_edf_psg).declared_records is None


def _dimension_offset(path: Path) -> int:
    """Where the first signal's physical dimension starts (after labels and transducers)."""
    ns = int(path.read_bytes()[252:256])
    return 256 + ns * (16 + 80)


def test_a_latin1_micro_sign_unit_is_read(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, _dimension_offset(sleep_edf_psg), "\xb5V      ")
    assert read_edf_header(sleep_edf_psg).signals[0].physical_dimension == "\u00b5V"


def test_other_non_ascii_units_are_refused(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, _dimension_offset(sleep_edf_psg), "\xe9V      ")
    with pytest.raises(FileFormatError, match="'physical_dimension' holds non-ASCII"):
        read_edf_header(sleep_edf_psg)


def test_an_edf_plus_start_at_a_fraction_of_a_second_is_read_with_it(tmp_path: Path) -> None:
    """EDF+ keeps the start's fraction of a second in the first record's onset (spec 2.2.4)."""
    path = tmp_path / "frac.edf"
    signal = edfio.EdfSignal(np.zeros(6000), sampling_frequency=100.0, label="EEG C4-M1")
    edfio.Edf(
        [signal],
        starttime=time(23, 59, 50, 500000),
        annotations=(),
        recording=edfio.Recording(startdate=date(2020, 1, 1)),
    ).write(path)
    header = read_edf_header(path)
    assert header.kind == "EDF+C"
    assert header.start_time == datetime(2020, 1, 1, 23, 59, 50, 500000)


def test_an_edf_plus_d_starting_at_a_fraction_of_a_second_has_no_gap_before_it(
    tmp_path: Path,
) -> None:
    onsets = [0.5 + 30.0 * k + (3600.0 if k >= 10 else 0.0) for k in range(20)]
    header = read_edf_header(write_edf_d(tmp_path / "d.edf", onsets))
    assert header.start_time == GOOD_START + timedelta(seconds=0.5)
    assert header.gaps == ((300.0, 3900.0),)  # the one real gap, at its time from the start


@pytest.mark.parametrize(
    ("text", "expected"), [("22.15.30", (22, 15, 30)), ("22:15:30", (22, 15, 30))]
)
def test_a_start_time_with_dots_or_colons_is_read(
    sleep_edf_psg: Path, text: str, expected: tuple[int, int, int]
) -> None:
    _patch(sleep_edf_psg, 176, text)
    start = read_edf_header(sleep_edf_psg).start_time
    assert start is not None and (start.hour, start.minute, start.second) == expected


def test_an_unreadable_start_time_leaves_the_start_unknown(sleep_edf_psg: Path) -> None:
    _patch(sleep_edf_psg, 176, "10 PM   ")
    assert read_edf_header(sleep_edf_psg).start_time is None
