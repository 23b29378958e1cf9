"""RoboDepth robustness scores (hand-worked numbers) and the statistics on per-image values."""

from __future__ import annotations

import numpy as np
import pytest

from udebench.evaluation.robustness import (
    corruption_error,
    dee,
    mean_corruption_error,
    mean_resilience_rate,
    resilience_rate,
)
from udebench.evaluation.statistics import bootstrap_ci, paired_test

# --- DEE, CE, mCE, RR, mRR -------------------------------------------------------------------------------


def test_dee_by_hand():
    # (0.119 - 0.865 + 1) / 2 = 0.254 / 2 = 0.127
    assert dee(0.119, 0.865) == pytest.approx(0.127)


def test_dee_of_a_perfect_model_is_zero_and_of_the_worst_is_one():
    assert dee(0.0, 1.0) == 0.0
    assert dee(1.0, 0.0) == 1.0


def test_corruption_error_by_hand():
    # 0.2 / 0.25 = 0.8
    assert corruption_error(0.2, 0.25) == pytest.approx(0.8)


def test_corruption_error_over_severity_levels_is_a_ratio_of_sums():
    # (0.1 + 0.3) / (0.1 + 0.5) = 0.4 / 0.6 = 2/3, not the mean of the ratios (1 + 0.6) / 2 = 0.8
    assert corruption_error([0.1, 0.3], [0.1, 0.5]) == pytest.approx(2 / 3)


def test_mean_corruption_error_by_hand():
    # fog 0.3 / 0.2 = 1.5, night 0.2 / 0.4 = 0.5 -> mCE = (1.5 + 0.5) / 2 = 1.0
    model = {"fog": 0.3, "night": 0.2}
    reference = {"fog": 0.2, "night": 0.4, "snow": 0.9}  # extra reference conditions are ignored
    assert mean_corruption_error(model, reference) == pytest.approx(1.0)


def test_the_reference_model_has_mean_corruption_error_one():
    dees = {"fog": [0.2, 0.3], "night": [0.4, 0.5], "rain": [0.25, 0.35]}
    assert mean_corruption_error(dees, dees) == pytest.approx(1.0)


def test_mean_corruption_error_needs_every_condition_in_the_reference():
    with pytest.raises(ValueError, match="night"):
        mean_corruption_error({"fog": 0.3, "night": 0.2}, {"fog": 0.2})


def test_corruption_error_needs_as_many_levels_as_the_reference():
    with pytest.raises(ValueError, match="levels"):
        corruption_error([0.1, 0.2], [0.1])


def test_corruption_error_against_a_zero_reference_is_an_error():
    with pytest.raises(ValueError, match="reference"):
        corruption_error(0.1, 0.0)


def test_resilience_rate_by_hand():
    # (1 - 0.3) / (1 - 0.2) = 0.7 / 0.8 = 0.875
    assert resilience_rate(0.3, 0.2) == pytest.approx(0.875)


def test_resilience_rate_over_severity_levels():
    # ((1 - 0.3) + (1 - 0.5)) / (2 * (1 - 0.2)) = 1.2 / 1.6 = 0.75
    assert resilience_rate([0.3, 0.5], 0.2) == pytest.approx(0.75)


def test_mean_resilience_rate_by_hand():
    # fog 0.7 / 0.8 = 0.875, night 0.4 / 0.8 = 0.5 -> (0.875 + 0.5) / 2 = 0.6875
    assert mean_resilience_rate({"fog": 0.3, "night": 0.6}, 0.2) == pytest.approx(0.6875)


def test_a_model_unaffected_by_the_conditions_has_resilience_one():
    assert mean_resilience_rate({"fog": 0.2, "night": 0.2}, 0.2) == pytest.approx(1.0)


def test_robustness_scores_accept_numpy_floats():
    assert resilience_rate(np.float32(0.3), np.float64(0.2)) == pytest.approx(0.875)


def test_empty_conditions_are_an_error():
    with pytest.raises(ValueError, match="no condition"):
        mean_resilience_rate({}, 0.2)


# --- bootstrap confidence interval -------------------------------------------------------------------------


def sample(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).gamma(2.0, 0.05, size=n)


def test_bootstrap_ci_returns_the_mean_inside_its_interval():
    values = sample(200)
    mean, low, high = bootstrap_ci(values)
    assert mean == pytest.approx(values.mean())
    assert low < mean < high


def test_bootstrap_ci_narrows_with_more_images():
    _, low_small, high_small = bootstrap_ci(sample(50))
    _, low_large, high_large = bootstrap_ci(sample(5000))
    assert high_large - low_large < (high_small - low_small) / 3


def test_bootstrap_ci_is_deterministic_by_seed():
    values = sample(100)
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)


def test_bootstrap_ci_widens_with_confidence():
    values = sample(100)
    _, low90, high90 = bootstrap_ci(values, confidence=0.90)
    _, low99, high99 = bootstrap_ci(values, confidence=0.99)
    assert low99 <= low90 and high90 <= high99


def test_bootstrap_ci_of_one_value_is_that_value():
    assert bootstrap_ci([0.25]) == (0.25, 0.25, 0.25)


def test_bootstrap_ci_rejects_nan_values():
    with pytest.raises(ValueError, match="non-finite"):
        bootstrap_ci([0.1, float("nan")])


# --- paired tests ----------------------------------------------------------------------------------------


def test_paired_test_finds_a_clear_shift():
    a = sample(100)
    b = a + 0.01 + np.random.default_rng(1).normal(0, 0.002, size=100)
    result = paired_test(a, b)
    assert result["n"] == 100
    assert result["mean_diff"] == pytest.approx(-0.01, abs=1e-3)
    assert result["wilcoxon_p"] < 1e-6
    assert result["ttest_p"] < 1e-6


def test_paired_test_of_identical_samples_is_not_significant():
    a = sample(50)
    result = paired_test(a, a.copy())
    assert result["wilcoxon_p"] == 1.0
    assert result["ttest_p"] == 1.0
    assert result["mean_diff"] == 0.0


def test_paired_test_of_noise_is_not_significant():
    a = sample(200)
    b = a + np.random.default_rng(2).normal(0, 0.01, size=200)
    result = paired_test(a, b)
    assert result["wilcoxon_p"] > 0.01
    assert result["ttest_p"] > 0.01


def test_paired_test_with_a_constant_shift_does_not_crash():
    a = sample(30)
    result = paired_test(a + 0.5, a)
    assert result["ttest_p"] == 0.0
    assert result["wilcoxon_p"] < 1e-3


def test_paired_test_needs_pairs():
    with pytest.raises(ValueError, match="sample id"):
        paired_test([0.1, 0.2], [0.1])
