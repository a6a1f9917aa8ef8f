import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.config import FeatureConfig


def test_paper_geometry() -> None:
    cfg = FeatureConfig()
    assert (cfg.epoch_length, cfg.window_length, cfg.hop) == (3000, 200, 100)
    assert (cfg.n_frames, cfg.n_bins) == (29, 129)


def test_a_larger_fft_gives_more_bins() -> None:
    assert FeatureConfig(n_fft=512).n_bins == 257


def test_invalid_geometry_is_refused() -> None:
    with pytest.raises(ConfigError, match="window of 400 samples must fit"):
        FeatureConfig(window_seconds=4.0, n_fft=256)
    with pytest.raises(ConfigError, match="overlap must be in"):
        FeatureConfig(overlap=1.0)
    with pytest.raises(ConfigError, match=r"features\.sfreq must be a positive number"):
        FeatureConfig(sfreq=0.0)
    with pytest.raises(ConfigError, match=r"features\.floor must be a positive number"):
        FeatureConfig(floor=float("nan"))
    with pytest.raises(ConfigError, match="at least 2 samples"):
        FeatureConfig(window_seconds=0.01)
