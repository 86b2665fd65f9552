"""The leak finder, the GMV split and the mix/rate split.

Hand-checked tables first; then the bundled sample data (the planted leak must be found);
then generated data without any change over five seeds (no leak may be called).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metric_tables import make_connection

from analytics.metrics.leak import (
    find_leaks,
    gmv_change,
    lmdi_split,
    log_mean,
    mix_rate_split,
    peer_gap,
    verdict,
)
from analytics.metrics.period import Period, Scope

ROOT = Path(__file__).resolve().parents[1]
BEFORE = Period(date(2024, 1, 1), date(2024, 1, 7))
NOW = Period(date(2024, 1, 8), date(2024, 1, 14))
MATURE_TAIL = {"date": "2024-01-20", "channel": "tail", "visitors": 0}  # data runs past NOW


def traffic(
    day: str, channel: str, visits: int, views: int, asks: int, orders: int, pays: int
) -> dict:
    return {
        "date": day,
        "channel": channel,
        "visitors": visits,
        "product_visitors": views,
        "inquiries": asks,
        "order_buyers": orders,
        "paying_buyers": pays,
    }


def test_lost_payments_by_the_design_formula_and_the_channel_is_named() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-02", "搜索", 10000, 6000, 1000, 450, 405),
                traffic("2024-01-09", "搜索", 10000, 6000, 1000, 300, 270),
                traffic("2024-01-02", "推荐", 10000, 6000, 1000, 400, 360),
                traffic("2024-01-09", "推荐", 10000, 6000, 1000, 400, 360),
                MATURE_TAIL,
            ]
        }
    )
    report = find_leaks(con, NOW, Scope())
    assert report.immature_days == ()
    assert report.baseline_period == BEFORE
    leak = report.leak
    assert leak is not None
    assert (leak.step, leak.channel) == ("inquiries→orders", "搜索")
    assert (leak.rate_before, leak.rate_now) == (pytest.approx(0.45), pytest.approx(0.30))
    # 1000 inquiries × (0.45 − 0.30) × (270 payments / 300 orders) = 135
    assert leak.lost_payments == pytest.approx(135)
    assert leak.significant and leak.p_value < 1e-10
    shop = {f.step: f for f in report.findings}
    assert shop["inquiries→orders"].rate_before == pytest.approx(850 / 2000)
    assert not shop["visits→product_views"].significant  # unchanged step
    assert verdict(report) == (
        "Biggest leak: Inquiries → Orders in 搜索: 45.0% → 30.0%, about 135 payments lost"
    )
    assert "搜索" in verdict(report, "zh")


def test_no_change_no_leak() -> None:
    rows = [traffic(d, "a", 5000, 3000, 400, 180, 160) for d in ("2024-01-02", "2024-01-09")]
    con = make_connection({"traffic": [*rows, MATURE_TAIL]})
    report = find_leaks(con, NOW, Scope())
    assert report.leak is None
    assert report.channel_findings == ()  # a single channel in the period: shop = channel
    assert verdict(report).startswith("No significant leak")


def test_missing_stage_is_bridged_in_the_steps() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-02",
                    "channel": "a",
                    "visitors": 1000,
                    "order_buyers": 100,
                    "paying_buyers": 90,
                },
                {
                    "date": "2024-01-09",
                    "channel": "a",
                    "visitors": 1000,
                    "order_buyers": 50,
                    "paying_buyers": 45,
                },
                MATURE_TAIL,
            ]
        }
    )
    report = find_leaks(con, NOW, Scope())
    assert [f.step for f in report.findings] == ["visits→orders", "orders→payments"]
    assert report.leak is not None and report.leak.step == "visits→orders"
    # 1000 × (0.10 − 0.05) × 45/50 = 45
    assert report.leak.lost_payments == pytest.approx(45)


def test_immature_days_are_left_out_and_reported() -> None:
    # The drop happens only on the last three days of data: not final, so no leak.
    rows = [traffic(f"2024-01-{d:02d}", "a", 1000, 600, 100, 45, 40) for d in range(1, 12)]
    rows += [traffic(f"2024-01-{d:02d}", "a", 1000, 600, 100, 5, 4) for d in range(12, 15)]
    con = make_connection({"traffic": rows})
    report = find_leaks(con, NOW, Scope())
    assert report.immature_days == (date(2024, 1, 12), date(2024, 1, 13), date(2024, 1, 14))
    assert report.compared_period == Period(date(2024, 1, 8), date(2024, 1, 11))
    assert report.baseline_period == Period(date(2024, 1, 1), date(2024, 1, 4))  # same weekdays
    assert report.leak is None


def test_a_period_that_is_all_immature_makes_no_call() -> None:
    con = make_connection({"traffic": [traffic("2024-01-14", "a", 10, 5, 2, 1, 1)]})
    report = find_leaks(con, Period(date(2024, 1, 13), date(2024, 1, 14)), Scope())
    assert report.compared_period is None and report.leak is None
    assert verdict(report).startswith("Too early")


def test_targets_replace_the_previous_period() -> None:
    con = make_connection(
        {"traffic": [traffic("2024-01-09", "a", 1000, 600, 1000, 300, 270), MATURE_TAIL]}
    )
    report = find_leaks(con, NOW, Scope(), baseline="targets", targets={"inquiries→orders": 0.45})
    assert report.baseline_period is None
    assert report.leak is not None and report.leak.rate_before == 0.45
    assert report.leak.lost_payments == pytest.approx(135)
    with pytest.raises(ValueError):
        find_leaks(con, NOW, Scope(), baseline="peers")


def test_orders_above_inquiries_are_not_a_proportion_and_never_a_leak() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-02", "a", 1000, 600, 50, 100, 90),
                traffic("2024-01-09", "a", 1000, 600, 50, 60, 54),
                MATURE_TAIL,
            ]
        }
    )
    step = {f.step: f for f in find_leaks(con, NOW, Scope()).findings}["inquiries→orders"]
    assert step.p_value is None and not step.significant


# ── The bundled sample data: the planted leak ──────────────────────────────────────────────

SYCM_CSV = ROOT / "sample_data" / "【生意参谋平台】流量来源_日_2026-10-19_2026-11-22.csv"


def sample_traffic_rows() -> list[dict]:
    """Read the GBK Sycm CSV with plain pandas (independent of the importer)."""
    if not SYCM_CSV.exists():
        pytest.skip("sample_data not generated")
    raw = pd.read_csv(SYCM_CSV, encoding="gb18030", skiprows=3, dtype=str)
    raw = raw[raw["统计日期"] != "合计"]

    def number(column: str) -> pd.Series:
        return pd.to_numeric(raw[column].str.replace(",", ""), errors="coerce")

    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["统计日期"], format="%Y/%m/%d").dt.date,
            "channel": raw["流量来源"],
            "sub_channel": raw["来源明细"].where(raw["来源明细"] != "-", ""),
            "visitors": number("访客数"),
            "page_views": number("浏览量"),
            "product_visitors": number("商品访客数"),
            "inquiries": number("咨询人数"),
            "order_buyers": number("下单买家数"),
            "paying_buyers": number("支付买家数"),
            "pay_amount": number("支付金额"),
            "ad_cost": number("推广花费"),
        }
    )
    return [
        {k: (None if pd.isna(v) else v) for k, v in r.items()} for r in frame.to_dict("records")
    ]


def test_leak_finder_finds_the_planted_leak_in_the_sample_data() -> None:
    con = make_connection({"traffic": sample_traffic_rows()})
    week = Period(date(2026, 11, 16), date(2026, 11, 22))  # sample_data/README.md
    report = find_leaks(con, week, Scope())
    assert report.immature_days == (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22))
    leak = report.leak
    assert leak is not None
    assert (leak.step, leak.channel) == ("inquiries→orders", "手淘搜索")
    assert leak.rate_before == pytest.approx(0.45, abs=0.02)
    assert leak.rate_now == pytest.approx(0.30, abs=0.02)
    significant = [f for f in (*report.findings, *report.channel_findings) if f.significant]
    assert {(f.step, f.channel) for f in significant} == {
        ("inquiries→orders", None),
        ("inquiries→orders", "手淘搜索"),
    }


def test_sample_data_without_maturity_cut_matches_the_readme_figures() -> None:
    # The README compares the full weeks (no maturity cut): its "≈ 434" is DESIGN's formula.
    rows = [r for r in sample_traffic_rows() if r["channel"] == "手淘搜索"]
    before = [r for r in rows if date(2026, 11, 9) <= r["date"] <= date(2026, 11, 15)]
    now = [r for r in rows if date(2026, 11, 16) <= r["date"] <= date(2026, 11, 22)]
    rate_before = sum(r["order_buyers"] for r in before) / sum(r["inquiries"] for r in before)
    asks, orders = sum(r["inquiries"] for r in now), sum(r["order_buyers"] for r in now)
    pays = sum(r["paying_buyers"] for r in now)
    lost = asks * (rate_before - orders / asks) * pays / orders
    assert lost == pytest.approx(434, abs=1)


# ── Generated data with no real change: no leak over five seeds ────────────────────────────

CHANNEL_RATES = {  # visitors/day, then the four step rates
    "手淘搜索": (4800, 0.66, 0.13, 0.45, 0.90),
    "手淘推荐": (3600, 0.60, 0.09, 0.38, 0.88),
    "关键词推广": (1500, 0.64, 0.12, 0.47, 0.91),
    "精准人群推广": (1100, 0.58, 0.10, 0.40, 0.87),
    "淘宝客": (700, 0.62, 0.11, 0.48, 0.90),
    "直播": (900, 0.68, 0.14, 0.44, 0.92),
}


def null_traffic(seed: int, days: int = 17) -> list[dict]:
    """Binomial draws with constant rates: any "leak" found here is a false alarm."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(days):
        day = date(2024, 1, 1) + timedelta(days=offset)
        for channel, (mean, *rates) in CHANNEL_RATES.items():
            counts = [int(rng.poisson(mean))]
            for rate in rates:
                counts.append(int(rng.binomial(counts[-1], rate)))
            rows.append(traffic(day.isoformat(), channel, *counts))
    return rows


def test_no_leak_is_called_on_data_without_change_over_five_seeds() -> None:
    """Seeds 1–5 with the verdict's rule (Holm-adjusted p < 0.05 over all 28 step tests).

    Holm bounds the chance of any false alarm per report at 5 % (one-sided drops: ~2.5 %);
    measured over seeds 1–100 it raised 2 (seeds 3 and 50: 直播 product_views→inquiries at
    raw p = 0.001, adjusted 0.03, a genuine chance event), the raw rule 48. So over five
    seeds at most one alarm is the honest expectation; seed 3 is kept, not swapped out.
    """
    alarms = {}
    for seed in (1, 2, 3, 4, 5):
        con = make_connection({"traffic": null_traffic(seed)})
        report = find_leaks(con, NOW, Scope())
        assert report.immature_days == ()  # data runs to Jan 17
        if report.leak is not None:
            alarms[seed] = report.leak
    assert len(alarms) <= 1, alarms
    assert set(alarms) <= {3}


def test_the_raw_rule_raises_false_alarms_which_is_why_we_correct() -> None:
    """Raw p < 0.05 on each of 28 tests flags a drop by chance on about half of the seeds."""
    raw = holm = 0
    for seed in range(1, 21):
        con = make_connection({"traffic": null_traffic(seed)})
        raw += find_leaks(con, NOW, Scope(), correction="none").leak is not None
        holm += find_leaks(con, NOW, Scope()).leak is not None
    assert raw >= 5  # observed 13 of 20
    assert holm <= 1  # observed 1 of 20 (seed 3)


# ── GMV split (LMDI) ────────────────────────────────────────────────────────────────────────


def test_log_mean_of_equal_values_is_the_value() -> None:
    assert log_mean(5.0, 5.0) == 5.0
    assert log_mean(3300, 3000) == pytest.approx(300 / np.log(1.1))


def test_gmv_split_hand_example() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-02",
                    "channel": "a",
                    "visitors": 1000,
                    "paying_buyers": 30,
                    "pay_amount": 3000,
                },
                {
                    "date": "2024-01-09",
                    "channel": "a",
                    "visitors": 1100,
                    "paying_buyers": 33,
                    "pay_amount": 3300,
                },
            ]
        }
    )
    split = gmv_change(con, NOW, Scope())
    assert (split.gmv_before, split.gmv_now, split.delta) == (3000, 3300, 300)
    assert (split.visitors_effect, split.conversion_effect, split.aov_effect) == (300, 0, 0)


def test_gmv_split_zero_gmv_is_explained_not_divided() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-02",
                    "channel": "a",
                    "visitors": 1000,
                    "paying_buyers": 0,
                    "pay_amount": 0,
                },
                {
                    "date": "2024-01-09",
                    "channel": "a",
                    "visitors": 1100,
                    "paying_buyers": 33,
                    "pay_amount": 3300,
                },
            ]
        }
    )
    split = gmv_change(con, NOW, Scope())
    assert split.delta == 3300 and split.visitors_effect is None
    assert split.note == "leak.gmv_split.zero_gmv"


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    st.integers(1, 10**11),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    st.integers(1, 10**11),
)
def test_lmdi_effects_sum_to_the_gmv_change_to_the_cent(
    v1: int, b1: int, cents1: int, v0: int, b0: int, cents0: int
) -> None:
    gmv1, gmv0 = cents1 / 100, cents0 / 100
    now = (float(v1), b1 / v1, gmv1 / b1)
    before = (float(v0), b0 / v0, gmv0 / b0)
    effects = lmdi_split(now, before, gmv1, gmv0)
    total = sum(Decimal(repr(e)) for e in effects)
    assert total == Decimal(cents1 - cents0) / 100
    for effect in effects:
        assert Decimal(repr(effect)) == Decimal(repr(effect)).quantize(Decimal("0.01"))


# ── Mix vs rate, and the peer gap ──────────────────────────────────────────────────────────


def test_mix_shift_is_not_a_rate_change() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-02", "channel": "good", "visitors": 500, "paying_buyers": 25},
                {"date": "2024-01-02", "channel": "poor", "visitors": 500, "paying_buyers": 5},
                {"date": "2024-01-09", "channel": "good", "visitors": 300, "paying_buyers": 15},
                {"date": "2024-01-09", "channel": "poor", "visitors": 700, "paying_buyers": 7},
            ]
        }
    )
    split = mix_rate_split(con, NOW, Scope())
    assert split.conversion_before == pytest.approx(0.030)
    assert split.conversion_now == pytest.approx(0.022)
    assert split.mix_effect == pytest.approx(-0.008)
    assert split.rate_effect == pytest.approx(0.0, abs=1e-15)
    assert split.mix_effect + split.rate_effect == pytest.approx(split.delta, abs=1e-15)
    assert set(split.per_channel.columns) >= {"channel", "mix_effect", "rate_effect"}


def test_mix_and_rate_sum_exactly_with_a_new_channel() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-02", "channel": "a", "visitors": 400, "paying_buyers": 20},
                {"date": "2024-01-09", "channel": "a", "visitors": 400, "paying_buyers": 12},
                {"date": "2024-01-09", "channel": "new", "visitors": 100, "paying_buyers": 1},
            ]
        }
    )
    split = mix_rate_split(con, NOW, Scope())
    assert split.mix_effect + split.rate_effect == pytest.approx(split.delta, abs=1e-15)
    assert split.delta == pytest.approx(13 / 500 - 0.05)


def test_peer_gap_priced_per_week() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-09",
                    "channel": "直通车",
                    "visitors": 7000,
                    "paying_buyers": 140,
                    "pay_amount": 14000,
                },
            ]
        }
    )
    gap = peer_gap(con, NOW, Scope(), {"关键词推广": 0.03})
    row = gap.iloc[0]
    assert row["channel"] == "关键词推广"
    assert row["pay_conversion"] == pytest.approx(0.02)
    assert row["gmv_gap_per_week"] == pytest.approx(7000)  # 7000 × 0.01 × ¥100
