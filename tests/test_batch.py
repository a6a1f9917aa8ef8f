import re
from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.batch import (
    FileOutcome,
    StageOptions,
    agreement_line,
    check_output_names,
    find_psg_files,
    stage_file,
    stage_files,
)
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram


def test_folders_expand_to_their_psg_files_but_not_annotation_files(tmp_path: Path) -> None:
    for name in ("b.edf", "a.BDF", "a.annotations.edf", "SC4001EC-Hypnogram.edf", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    single = tmp_path / "x.edf"
    single.write_bytes(b"")
    assert [p.name for p in find_psg_files([tmp_path])] == ["a.BDF", "b.edf", "x.edf"]
    assert find_psg_files([single]) == [single]


def test_missing_input_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="file not found"):
        find_psg_files([tmp_path / "absent.edf"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileFormatError, match=r"folder holds no PSG file \(\.edf, \.bdf, \.rec\)"):
        find_psg_files([tmp_path / "empty"])


def test_stage_file_turns_errors_into_its_outcome(tmp_path: Path, tiny_checkpoint: Path) -> None:
    broken = tmp_path / "broken.edf"
    broken.write_bytes(b"0       " + b" " * 100)
    outcome = stage_file(broken, StageOptions(tmp_path / "out", model=tiny_checkpoint))
    assert outcome.error is not None and "truncated header" in outcome.error
    assert not (tmp_path / "out").exists()


def test_expert_hypnogram_is_found_by_the_psg_name(
    night_edf: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    experts = tmp_path / "experts"
    experts.mkdir()
    (experts / "night-hypnogram.txt").write_text("\n".join(["2"] * 50))
    outcome = stage_file(night_edf, StageOptions(tmp_path / "out", tiny_checkpoint, true=experts))
    assert outcome.error is None
    assert outcome.agreement is not None and 0.0 <= outcome.agreement <= 1.0
    assert "agreement with expert" in agreement_line(outcome)


def test_agreement_line_of_a_failure() -> None:
    assert agreement_line(FileOutcome(Path("x.edf"), error="x.edf: bad")) == "error: x.edf: bad"


def test_a_file_given_twice_is_staged_once(tmp_path: Path) -> None:
    psg = tmp_path / "night.edf"
    psg.write_bytes(b"")
    twice = find_psg_files([tmp_path, psg, tmp_path / "." / "night.edf"])
    assert twice == [psg]


def test_names_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "night.edf", tmp_path / "b" / "Night.edf"
    for psg in (a, b):
        psg.parent.mkdir()
        psg.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"Night\.\* into .*case-insensitive"):
        check_output_names([a, b], tmp_path / "out")


def test_an_output_that_is_an_expert_hypnogram_is_refused_even_with_overwrite(
    night_edf: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    """``night.csv`` beside ``night.edf`` is the expert's; ``--out`` there must not replace it."""
    expert = night_edf.with_suffix(".csv")
    write_hypnogram(Hypnogram(np.full(50, 2, dtype=np.int8)), expert)
    before = expert.read_bytes()
    options = StageOptions(
        tmp_path, tiny_checkpoint, true=tmp_path, overwrite=True
    )  # --out, --true and the PSG in one folder
    with pytest.raises(ConfigError, match=r"night\.csv is the expert hypnogram .*never inputs"):
        stage_files([night_edf], options)
    outcome = stage_file(night_edf, options)  # alone too
    assert outcome.error is not None and "is the expert hypnogram" in outcome.error
    assert expert.read_bytes() == before
    assert not (tmp_path / "night.hypnogram.tsv").exists()


def test_an_output_that_is_another_psg_of_the_batch_is_refused(tmp_path: Path) -> None:
    night, other = tmp_path / "night.edf", tmp_path / "night.annotations.edf"
    for psg in (night, other):
        psg.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"night\.annotations\.edf is the PSG file"):
        check_output_names([night, other], tmp_path)
    check_output_names([night, other], tmp_path / "out")  # elsewhere: fine


def test_an_earlier_staging_is_not_taken_for_the_expert_hypnogram(
    night_edf: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    """``<name>.csv`` of an earlier staging is named like a hypnogram of ``<name>.edf``: in a
    folder it is passed over (no expert hypnogram: no agreement), named it is refused."""
    first = tmp_path / "first"
    assert stage_file(night_edf, StageOptions(first, tiny_checkpoint)).error is None
    again = stage_file(night_edf, StageOptions(tmp_path / "again", tiny_checkpoint, true=first))
    assert again.error is None and again.agreement is None  # not 100% with itself
    named = stage_file(
        night_edf, StageOptions(tmp_path / "named", tiny_checkpoint, true=first / "night.csv")
    )
    assert named.error is not None and named.agreement is None
    assert re.search(r"night\.csv: holds stage probabilities .*not an expert scoring", named.error)
    assert not (tmp_path / "named").exists()
