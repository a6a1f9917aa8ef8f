"""Tests for Compumedics Profusion XML hypnograms (NSRR's ``<study>-profusion.xml``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError, FileFormatError, HypnogramError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

U = -1


def profusion(codes: list[str], epoch_length: str | None = "30", extra: str = "") -> str:
    """A Profusion file in the layout NSRR ships: settings and events before the stages."""
    length = "" if epoch_length is None else f"<EpochLength>{epoch_length}</EpochLength>\n"
    stages = "\n".join(f"<SleepStage>{code}</SleepStage>" for code in codes)
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<CMPStudyConfig>
{length}<StepChannels>
<StepChannel><Input>LIGHT</Input><Labels><Label>OFF</Label><Label>ON</Label></Labels></StepChannel>
</StepChannels>
<ScoredEventSettings>
<ScoredEventSetting><Name>Obstructive Apnea</Name><Colour>16628921</Colour>
<TextColour>4194304</TextColour><Input>ABDO RES</Input></ScoredEventSetting>
</ScoredEventSettings>
<ScoredEvents>
<ScoredEvent><LowestSpO2>90</LowestSpO2><Desaturation>3</Desaturation>
<Name>SpO2 desaturation</Name><Start>40.4</Start><Duration>13.4</Duration><Input>SaO2</Input>
</ScoredEvent>
<ScoredEvent><Name>Arousal ()</Name><Start>61.5</Start><Duration>7.0</Duration><Input>C4</Input>
</ScoredEvent>
</ScoredEvents>
<SleepStages>
{stages}
</SleepStages>
{extra}</CMPStudyConfig>
"""


def write(tmp_path: Path, text: str, name: str = "shhs1-200001-profusion.xml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_code_maps_to_its_stage(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0", "1", "2", "3", "4", "5", "6", "9", "10", "2"]))
    hyp = read_hypnogram(path)
    assert hyp.stages.tolist() == [0, 1, 2, 3, 3, 4, U, U, U, 2]
    assert (hyp.epoch_length, hyp.onset, hyp.start_time) == (30.0, 0.0, None)
    assert hyp.source == str(path)


def test_rk_codes_are_not_read_as_yasa_codes(tmp_path: Path) -> None:
    """Read as YASA codes (4 = REM), this night would have REM and no N3: silently wrong."""
    path = write(tmp_path, profusion(["0", "2", "4", "4", "3", "5", "5"]))
    hyp = read_hypnogram(path)
    assert hyp.counts() == {"W": 1, "N1": 0, "N2": 1, "N3": 3, "REM": 2, "UNS": 0}


def test_codes_with_spaces_and_leading_zeros(tmp_path: Path) -> None:
    path = write(tmp_path, profusion([" 0 ", "\n2\n", "05"]))
    assert read_hypnogram(path).stages.tolist() == [0, 2, 4]


def test_profusion_is_told_from_nsrr_by_its_root_element(tmp_path: Path) -> None:
    """Both ship as .xml; format='profusion' names Profusion only."""
    path = write(tmp_path, profusion(["0", "5"]), name="h.xml")
    assert read_hypnogram(path).stages.tolist() == [0, 4]
    assert read_hypnogram(path, format="profusion").stages.tolist() == [0, 4]
    nsrr = write_hypnogram(Hypnogram([0, 4]), tmp_path / "n.xml")
    with pytest.raises(FileFormatError, match=r"<PSGAnnotation>.*read it as format 'xml'"):
        read_hypnogram(nsrr, format="profusion")


def test_other_epoch_lengths_are_read(tmp_path: Path) -> None:
    hyp = read_hypnogram(write(tmp_path, profusion(["0", "2", "2"], epoch_length=" 20 ")))
    assert (hyp.epoch_length, hyp.duration) == (20.0, 60.0)


def test_the_start_is_the_recording_start(tmp_path: Path) -> None:
    """No start time in the file: epoch 0 is the recording's first epoch, by onset."""
    hyp = read_hypnogram(write(tmp_path, profusion(["9", "0", "2"])))
    aligned = hyp.align_to(4, datetime(2001, 1, 1, 22, 0))
    assert aligned.stages.tolist() == [U, 0, 2, U]


def test_missing_epoch_length_needs_one_given(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0", "2"], epoch_length=None))
    with pytest.raises(FileFormatError, match=r"no <EpochLength>.*pass epoch_length="):
        read_hypnogram(path)
    assert read_hypnogram(path, epoch_length=30).epoch_length == 30.0


def test_an_epoch_length_other_than_the_files_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0", "2"]))
    with pytest.raises(FileFormatError, match=r"EpochLength is 30 s but epoch_length=20"):
        read_hypnogram(path, epoch_length=20)
    assert read_hypnogram(path, epoch_length=30.0).epoch_length == 30.0


@pytest.mark.parametrize("value", ["", "thirty", "0", "-30", "nan", "1e-9", "86400"])
def test_invalid_epoch_length(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, profusion(["0"], epoch_length=value))
    message = "no <EpochLength>" if not value else rf"EpochLength '{value}' is not an epoch length"
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(path)


def test_codes_outside_the_table_are_all_listed(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0", "7", "2", "-1", "7", "", "REM", "2.0"]))
    with pytest.raises(FileFormatError) as error:
        read_hypnogram(path)
    message = str(error.value)
    assert message.startswith(f"{path}: SleepStage code(s) '7' (first at epoch 2), '-1' (first")
    assert "'' (first at epoch 6), 'REM' (first at epoch 7), '2.0' (first at epoch 8)" in message
    assert "5 (REM), 6 (movement), 9 (unscored)" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (profusion([]), "<SleepStages> is empty: no epoch is scored"),
        (
            "<CMPStudyConfig><EpochLength>30</EpochLength><SleepStages/></CMPStudyConfig>",
            "<SleepStages> is empty",
        ),
        ("<CMPStudyConfig><EpochLength>30</EpochLength></CMPStudyConfig>", "no <SleepStages>"),
        (
            profusion(["0"], extra="<SleepStages><SleepStage>0</SleepStage></SleepStages>"),
            "2 <SleepStages> elements",
        ),
        (
            profusion(["0"], extra="<EpochLength>20</EpochLength>"),
            "2 <EpochLength> elements",
        ),
        (
            profusion(["0"]).replace("<SleepStage>0</SleepStage>", "<Stage>0</Stage>"),
            r"<SleepStages> holds \['<Stage>'\] besides <SleepStage>",
        ),
    ],
)
def test_malformed_staging_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(write(tmp_path, text))


def test_more_than_seven_days_of_epochs_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0"] * 20161))
    with pytest.raises(HypnogramError, match=r"20161 epochs.*more than the limit"):
        read_hypnogram(path)


def test_unsafe_profusion_xml_is_refused(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<CMPStudyConfig><EpochLength>30</EpochLength><SleepStages>"
        "<SleepStage>&xxe;</SleepStage></SleepStages></CMPStudyConfig>"
    )
    with pytest.raises(FileFormatError, match="unsafe XML refused"):
        read_hypnogram(write(tmp_path, text))


def test_too_large_a_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, profusion(["0"]) + " " * (32 * 2**20))
    with pytest.raises(FileFormatError, match="more than the limit of 33554432 bytes"):
        read_hypnogram(path)


def test_other_roots_name_both_xml_formats(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"<svg>, not <PSGAnnotation> .* <CMPStudyConfig>"):
        read_hypnogram(write(tmp_path, "<svg/>", name="h.xml"))


def test_profusion_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="format 'profusion' can be read but not written"):
        write_hypnogram(Hypnogram([0]), tmp_path / "h.xml", format="profusion")
    np.testing.assert_array_equal(
        read_hypnogram(write_hypnogram(Hypnogram([0, 3]), tmp_path / "h.xml")).stages, [0, 3]
    )
