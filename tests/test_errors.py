import pickle

import pytest

from seqsleepnet.errors import (
    AlignmentError,
    ChannelError,
    CheckpointError,
    ConfigError,
    FileFormatError,
    HypnogramError,
    SeqSleepNetError,
    SignalError,
    UnknownStageError,
    check_option,
)


def test_file_format_error_names_file_problem_and_fix() -> None:
    error = FileFormatError("night.edf", "not an EDF file", "pass an EDF")
    assert str(error) == "night.edf: not an EDF file; pass an EDF"
    assert isinstance(error, SeqSleepNetError)


def test_unknown_stage_error_lists_sorted_unique_labels_and_source() -> None:
    error = UnknownStageError(["b", "a", "b"], source="h.tsv")
    assert error.labels == ["a", "b"]
    assert str(error).startswith("h.tsv: unknown stage label(s) ['a', 'b']")


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (FileFormatError("x.edf", "damaged"), OSError),
        (ConfigError("bad"), ValueError),
        (ChannelError("bad"), ValueError),
        (SignalError("bad"), ValueError),
        (HypnogramError("bad"), ValueError),
        (AlignmentError("bad"), ValueError),
        (CheckpointError("bad"), ValueError),
        (UnknownStageError(["x"]), ValueError),
    ],
)
def test_package_errors_are_also_the_builtin_a_caller_catches(
    error: SeqSleepNetError, builtin: type[Exception]
) -> None:
    assert isinstance(error, builtin) and isinstance(error, SeqSleepNetError)
    with pytest.raises(builtin):
        raise error


def test_file_format_error_keeps_the_path_as_os_errors_do() -> None:
    error = FileFormatError("night.edf", "damaged")
    assert error.filename == "night.edf" and str(error) == "night.edf: damaged"


@pytest.mark.parametrize(
    "error",
    [
        FileFormatError("night.edf", "not an EDF file", "pass an EDF"),
        FileFormatError("night.edf", "damaged"),
        UnknownStageError(["b", "a"], source="h.tsv"),
        ConfigError("bad"),
    ],
)
def test_errors_cross_process_boundaries_intact(error: SeqSleepNetError) -> None:
    # a worker process's error reaches its parent pickled
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert getattr(back, "filename", None) == getattr(error, "filename", None)


def test_check_option_names_the_parameter_the_value_and_every_choice() -> None:
    assert check_option("backend", "torch", ("torch", "onnxruntime")) == "torch"
    with pytest.raises(ConfigError, match=r"^backend='tf' is not allowed; choose one of "):
        check_option("backend", "tf", ("torch", "onnxruntime"))
    with pytest.raises(ConfigError, match=r"'torch', 'onnxruntime'$"):
        check_option("backend", ["torch"], ("torch", "onnxruntime"))  # unhashable: refused
