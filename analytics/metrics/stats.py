"""The two statistics the dashboard leans on: a Wilson interval and a two-proportion z-test.

Plain `math` only (no scipy): both are closed-form, and the tests check them against
statsmodels (`proportion_confint(method="wilson")`, `proportions_ztest`) to 1e-9.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054
"""The two-sided 95 % normal quantile, Φ⁻¹(0.975)."""


def wilson_interval(
    successes: float, trials: float, z: float = Z95
) -> tuple[float | None, float | None]:
    """Wilson score interval for a proportion; (None, None) when there are no trials.

    Unlike "p ± z·√(p(1−p)/n)" it stays inside [0, 1] and is sensible for 0 or n successes,
    which matters for small channels: 0 buyers of 20 visitors is 0 % with an interval of
    roughly 0 %–16 %, not a certain 0 %.

    >>> low, high = wilson_interval(0, 20)
    >>> round(low, 4), round(high, 4)
    (0.0, 0.1611)
    """
    if not trials or trials <= 0:
        return None, None
    p = successes / trials
    z2 = z * z
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_test(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """Pooled two-proportion z-test of x1/n1 against x2/n2: returns (z, two-sided p).

    z = (p1 − p2) / √(p̂(1−p̂)(1/n1 + 1/n2)) with the pooled p̂ = (x1+x2)/(n1+n2), and
    p = erfc(|z|/√2). Degenerate inputs (an empty group, or p̂ of 0 or 1 so nothing varies)
    give z = 0 and p = 1: no evidence of a difference, never a division error.

    >>> z, p = two_proportion_test(30, 100, 45, 100)  # 30 % now vs 45 % before
    >>> round(z, 3), round(p, 4)
    (-2.191, 0.0285)
    """
    if n1 <= 0 or n2 <= 0:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))


def one_proportion_test(x: float, n: float, p0: float) -> tuple[float, float]:
    """z-test of x/n against a given rate p0 (a target, a peer average): (z, two-sided p).

    z = (x/n − p0) / √(p0(1−p0)/n); degenerate inputs (n ≤ 0, p0 outside (0, 1)) give (0, 1).

    >>> z, p = one_proportion_test(30, 100, 0.45)
    >>> round(z, 3), round(p, 5)
    (-3.015, 0.00257)
    """
    if n <= 0 or not 0 < p0 < 1:
        return 0.0, 1.0
    z = (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)
    return z, math.erfc(abs(z) / math.sqrt(2))


def holm_adjust(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order (for many steps × channels).

    Testing 4 steps in 6 channels is 28 tests: at p < 0.05 each, about one false alarm per
    week would be expected from noise alone. Holm controls the chance of any false alarm.

    >>> holm_adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
