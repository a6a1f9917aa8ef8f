"""Subject profiles: drawing, variation between people, validation."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.data.synthetic import SubjectProfile
from seqsleepnet.data.synthetic.profile import subject_rng
from seqsleepnet.errors import ConfigError


def test_draw_is_seeded() -> None:
    assert SubjectProfile.draw(subject_rng(0, 4)) == SubjectProfile.draw(subject_rng(0, 4))
    assert SubjectProfile.draw(subject_rng(0, 4)) != SubjectProfile.draw(subject_rng(0, 5))
    assert SubjectProfile.draw(subject_rng(0, 4)) != SubjectProfile.draw(subject_rng(1, 4))


def test_drawn_profiles_vary_like_people() -> None:
    profiles = [SubjectProfile.draw(subject_rng(0, s)) for s in range(60)]
    amplitude = np.array([p.amplitude for p in profiles])
    alpha = np.array([p.alpha_frequency for p in profiles])
    strength = np.array([p.alpha_strength for p in profiles])
    spindles = np.array([p.spindle_density for p in profiles])
    age = np.array([p.age for p in profiles])
    slow = np.array([p.slow_wave_amplitude for p in profiles])
    assert amplitude.max() / amplitude.min() > 1.8  # about a factor 2 between people
    assert alpha.min() >= 8.0 and alpha.max() <= 12.0 and np.ptp(alpha) > 2.5
    assert strength.min() < 0.5 < 1.2 < strength.max()  # some people show little alpha
    assert np.ptp(spindles) > 3.0
    assert np.corrcoef(age, slow)[0, 1] < -0.5  # slow waves shrink with age


def test_to_dict_round_trips() -> None:
    profile = SubjectProfile.draw(np.random.default_rng(3))
    assert SubjectProfile(**profile.to_dict()) == profile


@pytest.mark.parametrize(
    ("field", "value"), [("alpha_frequency", 20.0), ("amplitude", -1.0), ("emg_level", np.nan)]
)
def test_out_of_range_field_raises(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=rf"SubjectProfile\.{field}=.*outside the allowed"):
        SubjectProfile(**{field: value})
