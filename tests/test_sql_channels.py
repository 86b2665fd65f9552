"""channel_summary.sql and channel_trend.sql: given rows → expected rows, checked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from metric_tables import make_connection

from analytics import queries

PARAMS = {
    "start": date(2024, 1, 8),
    "end": date(2024, 1, 14),
    "prev_start": date(2024, 1, 1),
    "prev_end": date(2024, 1, 7),
    "shop": None,
    "platform": None,
}
TRAFFIC = [
    {
        "date": "2024-01-08",
        "channel": "手淘搜索",
        "visitors": 1000,
        "paying_buyers": 50,
        "pay_amount": 5000,
    },
    {
        "date": "2024-01-09",
        "channel": "关键词推广",
        "visitors": 400,
        "paying_buyers": 8,
        "pay_amount": 1200,
        "ad_cost": 200,
    },
    # the week before: 关键词推广 was still called 直通车 — one channel across the rename
    {
        "date": "2024-01-02",
        "channel": "直通车",
        "visitors": 200,
        "paying_buyers": 10,
        "pay_amount": 900,
        "ad_cost": 100,
    },
    # a channel only in the previous week, and one with no buyers now
    {"date": "2024-01-03", "channel": "淘宝客", "visitors": 50, "paying_buyers": 1},
    {"date": "2024-01-10", "channel": "站外", "visitors": 0, "paying_buyers": 0},
]


def test_channel_summary_rates_and_previous_period() -> None:
    con = make_connection({"traffic": TRAFFIC})
    got = queries.run(con, "channel_summary", **PARAMS).set_index("channel")
    assert list(got.index) == ["手淘搜索", "关键词推广", "站外", "淘宝客"]
    kw = got.loc["关键词推广"]
    assert (kw["visitors"], kw["paying_buyers"], kw["visitors_prev"]) == (400, 8, 200)
    assert kw["pay_conversion"] == pytest.approx(0.02)
    assert kw["aov"] == pytest.approx(150)
    assert kw["uv_value"] == pytest.approx(3)
    assert kw["cost_per_visitor"] == pytest.approx(0.5)
    assert kw["roi"] == pytest.approx(6)
    assert kw["pay_conversion_prev"] == pytest.approx(0.05)
    assert kw["gmv_prev"] == 900
    search = got.loc["手淘搜索"]
    assert pd.isna(search["ad_cost"]) and pd.isna(search["roi"])  # organic: no cost, no ROI
    assert pd.isna(search["visitors_prev"])  # absent before: NULL, not 0
    empty = got.loc["站外"]
    assert empty["visitors"] == 0
    assert pd.isna(empty["pay_conversion"]) and pd.isna(empty["uv_value"])  # 0/0 → NULL
    gone = got.loc["淘宝客"]
    assert pd.isna(gone["visitors"]) and gone["visitors_prev"] == 50


def test_channel_trend_by_week() -> None:
    con = make_connection({"traffic": TRAFFIC})
    got = queries.run(
        con,
        "channel_trend",
        start=date(2024, 1, 1),
        end=date(2024, 1, 14),
        shop=None,
        platform=None,
        grain="week",
    )
    got = got[got["channel"] == "关键词推广"]
    assert [
        (b.date(), v, g) for b, v, g in zip(got["bucket"], got["visitors"], got["gmv"], strict=True)
    ] == [(date(2024, 1, 1), 200, 900.0), (date(2024, 1, 8), 400, 1200.0)]
    assert list(got["pay_conversion"]) == pytest.approx([0.05, 0.02])


def test_every_metrics_core_sql_file_runs_on_an_empty_workspace() -> None:
    """DuckDB rejects missing and extra parameters: this pins each file's parameter list."""
    con = make_connection()
    base = {"start": date(2024, 1, 1), "end": date(2024, 1, 7), "shop": None, "platform": None}
    calls = {
        "coverage": {"shop": None, "platform": None},
        "kpis": base,
        "funnel_sources": base,
        "funnel_traffic": {**base, "grain": "day"},
        "funnel_orders": {**base, "grain": "week"},
        "funnel_events": {**base, "grain": "period", "window_days": 7},
        "channel_summary": PARAMS,
        "channel_trend": {**base, "grain": "day"},
    }
    for name, params in calls.items():
        queries.run(con, name, **params)


def test_rename_list_is_the_same_in_every_sql_file_and_in_python() -> None:
    from analytics.metrics.funnel import CHANNEL_RENAMES

    values = ", ".join(f"('{old}', '{new}')" for old, new in CHANNEL_RENAMES.items())
    for name in (
        "funnel_traffic",
        "funnel_orders",
        "funnel_events",
        "channel_summary",
        "channel_trend",
    ):
        assert f"values {values}" in " ".join(queries.sql_text(name).split()), name
