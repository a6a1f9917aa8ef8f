from pathlib import Path

import pytest

from seqsleepnet.batch import FileOutcome, StageOptions, agreement_line, find_psg_files, stage_file
from seqsleepnet.errors import FileFormatError


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
