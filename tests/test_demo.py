"""The demonstration end to end, through the command line."""

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.io.hypnogram import read_hypnogram


def test_demo_stages_an_unseen_synthetic_night_and_reports_agreement(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    report = Path(lines[-3].removeprefix("report: "))
    assert report.is_file() and report.suffix == ".html"
    assert "Agreement with the expert hypnogram" in report.read_text()
    assert "Quality checks" in report.read_text() or "Quality flags" in report.read_text()
    assert any(line.startswith("quality: ") for line in lines)
    stats = next(report.parent.glob("*.stats.json")).read_text()
    assert '"quality"' in stats and '"thresholds"' in stats
    agreement = float(lines[-1].split(": ")[1].split("%")[0])
    assert 0.0 < agreement <= 100.0
    assert "synthetic signals" in lines[-1]
    predicted = read_hypnogram(Path(lines[-2].removeprefix("hypnogram: ")))
    expert = read_hypnogram(next((tmp_path / "psg").glob("*.tsv")))
    scored = expert.stages >= 0
    measured = 100 * np.mean(predicted.stages[scored] == expert.stages[scored])
    assert abs(measured - agreement) < 0.06  # the printed figure is the real agreement
    with np.load(next((tmp_path / "features").glob("*.npz"))) as data:
        assert data["features"].shape == (expert.n_epochs, 3, 29, 129)


def test_demo_refuses_an_earlier_demo_unless_told_to_replace_it(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    earlier = tmp_path / "report" / "earlier.html"
    earlier.write_text("an earlier report")
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "holds an earlier demo (report/)" in result.stderr and "--overwrite" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # nothing written
    assert earlier.read_text() == "an earlier report"
