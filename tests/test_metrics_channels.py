"""channel_summary(): Wilson interval, share, changes and the above/below flag."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from metric_tables import make_connection
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics.metrics.channels import channel_summary, channel_trend
from analytics.metrics.period import Period, Scope

WEEK = Period(date(2024, 1, 8), date(2024, 1, 14))


def test_flags_ci_share_and_changes() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-08",
                    "channel": "手淘搜索",
                    "visitors": 1000,
                    "paying_buyers": 50,
                    "pay_amount": 5000,
                },
                {
                    "date": "2024-01-08",
                    "channel": "直通车",
                    "visitors": 1000,
                    "paying_buyers": 20,
                    "pay_amount": 2000,
                    "ad_cost": 500,
                },
                {"date": "2024-01-08", "channel": "直播", "visitors": 100, "paying_buyers": 3},
                {
                    "date": "2024-01-01",
                    "channel": "手淘搜索",
                    "visitors": 800,
                    "paying_buyers": 50,
                    "pay_amount": 4000,
                },
            ]
        }
    )
    got = channel_summary(con, WEEK, Scope()).set_index("channel")
    search, paid, live = got.loc["手淘搜索"], got.loc["关键词推广"], got.loc["直播"]
    assert search["share"] == pytest.approx(1000 / 2100)
    low, high = proportion_confint(50, 1000, method="wilson")
    assert (search["ci_low"], search["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert search["p_value"] == pytest.approx(proportions_ztest([50, 23], [1000, 1100])[1])
    assert (search["flag"], paid["flag"], live["flag"]) == ("above", "below", None)
    assert search["visitors_change"] == pytest.approx(0.25)
    assert search["pay_conversion_change"] == pytest.approx(0.05 / 0.0625 - 1)
    assert paid["roi"] == pytest.approx(4) and paid["cost_per_visitor"] == pytest.approx(0.5)
    assert pd.isna(paid["visitors_prev"])


def test_empty_period_gives_an_empty_frame_with_the_contract_columns() -> None:
    got = channel_summary(make_connection(), WEEK, Scope())
    assert got.empty and "flag" in got.columns and "ci_low" in got.columns
    trend = channel_trend(make_connection(), WEEK, Scope(), "week")
    assert list(trend.columns[:5]) == ["bucket", "channel", "visitors", "pay_conversion", "gmv"]
    assert "immature" in trend.columns


def test_trend_marks_the_newest_three_days_of_traffic_as_not_final() -> None:
    """Traffic up to Fri 2024-01-12: the 10th, 11th and 12th are immature; by week, the one
    week holding them is."""
    days = [date(2024, 1, d) for d in range(8, 13)]
    rows = [{"date": d.isoformat(), "channel": "直播", "visitors": 100} for d in days]
    con = make_connection({"traffic": rows})
    daily = channel_trend(con, WEEK, Scope(), "day")
    assert dict(zip(daily["bucket"], daily["immature"], strict=True)) == {
        date(2024, 1, 8): False,
        date(2024, 1, 9): False,
        date(2024, 1, 10): True,
        date(2024, 1, 11): True,
        date(2024, 1, 12): True,
    }
    weekly = channel_trend(con, WEEK, Scope(), "week")
    assert list(weekly["immature"]) == [True]
