"""Wilson interval and two-proportion z-test against statsmodels (the reference), to 1e-9."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics.metrics.stats import (
    holm_adjust,
    one_proportion_test,
    two_proportion_test,
    wilson_interval,
)

CASES = [(0, 20), (1, 20), (20, 20), (50, 1000), (3, 7), (1233, 3031), (895, 3047)]


@pytest.mark.parametrize(("x", "n"), CASES)
def test_wilson_interval_matches_statsmodels(x: int, n: int) -> None:
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    ours = wilson_interval(x, n)
    assert ours[0] == pytest.approx(low, abs=1e-9)
    assert ours[1] == pytest.approx(high, abs=1e-9)


def test_wilson_interval_without_trials_is_none_not_zero() -> None:
    assert wilson_interval(0, 0) == (None, None)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(30, 100, 45, 100), (895, 3047, 1370, 3031), (50, 1000, 20, 1000), (1, 5, 4, 6)],
)
def test_two_proportion_test_matches_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    z_ref, p_ref = proportions_ztest([x1, x2], [n1, n2])
    z, p = two_proportion_test(x1, n1, x2, n2)
    assert z == pytest.approx(z_ref, abs=1e-9)
    assert p == pytest.approx(p_ref, abs=1e-9)


def test_two_proportion_test_sample_data_story() -> None:
    # sample_data/README.md: 手淘搜索 inquiries→orders 1,370/3,031 → 895/3,047: z = −12.76.
    z, p = two_proportion_test(895, 3047, 1370, 3031)
    assert round(z, 2) == -12.76
    assert p < 1e-36


def test_degenerate_tests_say_no_evidence() -> None:
    assert two_proportion_test(0, 0, 5, 10) == (0.0, 1.0)
    assert two_proportion_test(0, 10, 0, 10) == (0.0, 1.0)  # nothing varies
    assert one_proportion_test(5, 0, 0.5) == (0.0, 1.0)


def test_one_proportion_test_matches_statsmodels_with_the_null_variance() -> None:
    z_ref, p_ref = proportions_ztest(30, 100, value=0.45, prop_var=0.45)
    z, p = one_proportion_test(30, 100, 0.45)
    assert z == pytest.approx(z_ref, abs=1e-9)
    assert p == pytest.approx(p_ref, abs=1e-9)


def test_holm_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    p = [0.01, 0.04, 0.03, 0.2, 0.001]
    expected = multipletests(p, method="holm")[1]
    assert holm_adjust(p) == pytest.approx(list(expected), abs=1e-12)
