from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.result import StagingResult


def _result(n: int = 12) -> StagingResult:
    stages = np.array([0, 0, 1, 2, 2, 3, 3, 2, 4, 4, 0, 2][:n], dtype=np.int8)
    probabilities = np.full((n, 5), 0.05, dtype=np.float32)
    probabilities[np.arange(n), stages] = 0.8
    probabilities[3:8] = 0.2  # five uncertain epochs
    return StagingResult(
        stages,
        probabilities,
        np.arange(n) * 30.0 + 60.0,
        name="n1",
        start_time=datetime(2020, 1, 1, 23, 0, 0),
    )


def test_frame_has_one_row_per_epoch_with_probabilities() -> None:
    frame = _result().to_frame()
    assert list(frame.columns) == [
        "onset",
        "duration",
        "stage",
        "clock_time",
        "p_W",
        "p_N1",
        "p_N2",
        "p_N3",
        "p_REM",
        "confidence",
    ]
    assert frame["stage"].tolist()[:4] == ["W", "W", "N1", "N2"]
    assert frame["onset"].iloc[0] == 60.0
    assert frame["clock_time"].iloc[0] == "2020-01-01T23:01:00"


def test_tsv_edf_and_csv_files_read_back(tmp_path: Path) -> None:
    result = _result()
    for path in (result.to_tsv(tmp_path / "h.tsv"), result.to_edf_annotations(tmp_path / "a.edf")):
        back = read_hypnogram(path)
        np.testing.assert_array_equal(back.stages, result.stages)
        assert back.onset == 60.0
    table = pd.read_csv(result.to_csv(tmp_path / "p.csv"))
    np.testing.assert_allclose(table["p_W"].to_numpy(), result.probabilities[:, 0], atol=1e-5)


@pytest.mark.parametrize("start_time", [datetime(2020, 1, 1, 23, 0, 0), None])
def test_probability_csv_is_written_as_pandas_writes_the_frame(
    tmp_path: Path, start_time: datetime | None
) -> None:
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(5), 300).astype(np.float32)
    result = StagingResult(
        probabilities.argmax(axis=1).astype(np.int8),
        probabilities,
        np.arange(300) * 30.0 + 12.5,
        name="n1",
        start_time=start_time,
    )
    written = result.to_csv(tmp_path / "p.csv").read_bytes()
    expected = result.to_frame().to_csv(index=False, lineterminator="\n").encode()
    assert written == expected


def test_low_confidence_periods() -> None:
    periods = _result().low_confidence_periods(threshold=0.6, min_epochs=4)
    assert len(periods) == 1
    assert (periods[0].start, periods[0].end) == (60.0 + 3 * 30, 60.0 + 8 * 30)
    assert periods[0].mean_confidence == pytest.approx(0.2)
    assert _result().low_confidence_periods(min_epochs=6) == []


def test_statistics_and_annotations() -> None:
    result = _result()
    assert result.statistics().tst == 4.5
    annotations = result.to_annotations()
    assert len(annotations) == 12
    assert annotations.description[8] == "Sleep stage REM"
    assert annotations.onset[0] == 60.0


def test_to_yasa() -> None:
    hypnogram = _result().to_yasa()
    assert list(hypnogram.hypno.to_numpy()[:3]) == ["WAKE", "WAKE", "N1"]
    assert hypnogram.n_epochs == 12


def test_plot_returns_a_figure_with_hypnogram_and_probabilities() -> None:
    figure = _result().plot(true=_result().stages)
    assert len(figure.axes) == 2
