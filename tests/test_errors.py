from seqsleepnet.errors import FileFormatError, SeqSleepNetError, UnknownStageError


def test_file_format_error_names_file_problem_and_fix() -> None:
    error = FileFormatError("night.edf", "not an EDF file", "pass an EDF")
    assert str(error) == "night.edf: not an EDF file; pass an EDF"
    assert isinstance(error, SeqSleepNetError)


def test_unknown_stage_error_lists_sorted_unique_labels_and_source() -> None:
    error = UnknownStageError(["b", "a", "b"], source="h.tsv")
    assert error.labels == ["a", "b"]
    assert str(error).startswith("h.tsv: unknown stage label(s) ['a', 'b']")
