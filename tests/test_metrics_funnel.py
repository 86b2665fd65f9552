"""funnel(), channel_funnels(), stage_trend(): stage rules, sources, maturity, and a real-data
cross-check on the Olist marketing funnel (leads → closed deals per origin)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from metric_tables import make_connection

from analytics.metrics.coverage import coverage, default_period
from analytics.metrics.funnel import channel_funnels, funnel, immature_days, stage_trend
from analytics.metrics.period import Period, Scope

WEEK = Period(date(2024, 1, 1), date(2024, 1, 7))


def test_traffic_funnel_skips_a_missing_stage_and_bridges_the_step_rate() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-01",
                    "channel": "a",
                    "visitors": 1000,
                    "product_visitors": 600,
                    "order_buyers": 60,
                    "paying_buyers": 50,
                    "page_views": 2500,
                },
            ]
        }
    )
    f = funnel(con, WEEK, Scope())
    assert f.source == "traffic"
    assert [s.count for s in f.stages] == [1000, 600, None, 60, 50]
    assert f.missing_stages == ("inquiries",)
    assert f.stage("inquiries").step_rate is None
    assert f.stage("orders").step_rate == pytest.approx(0.1)  # 60 / 600, bridging inquiries
    assert f.stage("payments").overall_rate == pytest.approx(0.05)
    assert f.stage("visits").overall_rate == 1.0
    assert f.browse_depth == pytest.approx(2.5)  # page views beside the funnel, not a stage
    assert f.visitor_days is False  # one day: plain visitors
    assert f.visitor_unit == "visitors"


def test_zero_visitors_give_no_rates_not_zero() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-01", "channel": "a", "visitors": 0, "paying_buyers": 0},
            ]
        }
    )
    f = funnel(con, WEEK, Scope())
    assert f.stage("visits").overall_rate is None
    assert f.stage("payments").step_rate is None


def test_visitor_days_and_sessions_are_labelled() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-01",
                    "channel": "Search",
                    "visitors": 10,
                    "visitor_unit": "sessions",
                },
                {
                    "date": "2024-01-02",
                    "channel": "Search",
                    "visitors": 12,
                    "visitor_unit": "sessions",
                },
            ]
        }
    )
    f = funnel(con, WEEK, Scope())
    assert f.visitor_days is True
    assert f.visitor_unit == "sessions"


def test_source_choice_is_traffic_then_events_then_orders() -> None:
    orders = [{"order_id": "1", "created_at": "2024-01-02 10:00", "is_paid": True}]
    events = [{"user_id": "u", "ts": "2024-01-02 10:00", "event": "visit"}]
    traffic = [{"date": "2024-01-02", "channel": "a", "visitors": 5}]
    assert funnel(make_connection({"orders": orders}), WEEK, Scope()).source == "orders"
    both = make_connection({"orders": orders, "events": events})
    assert funnel(both, WEEK, Scope()).source == "events"
    allthree = make_connection({"orders": orders, "events": events, "traffic": traffic})
    assert funnel(allthree, WEEK, Scope()).source == "traffic"
    assert funnel(make_connection(), WEEK, Scope()).source is None


def test_orders_funnel_has_only_orders_and_payments() -> None:
    con = make_connection(
        {
            "orders": [
                {"order_id": str(i), "created_at": "2024-01-02 10:00", "is_paid": i < 3}
                for i in range(4)
            ]
        }
    )
    f = funnel(con, WEEK, Scope())
    assert [s.present for s in f.stages] == [False, False, False, True, True]
    assert f.stage("orders").step_rate is None  # first present stage
    assert f.stage("orders").overall_rate is None  # no visits to divide by
    assert f.stage("payments").step_rate == pytest.approx(0.75)


def test_channel_funnels_and_channel_argument_follow_renames() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-01", "channel": "直通车", "visitors": 100, "paying_buyers": 4},
                {
                    "date": "2024-01-02",
                    "channel": "关键词推广",
                    "visitors": 100,
                    "paying_buyers": 6,
                },
                {"date": "2024-01-02", "channel": "搜索", "visitors": 50, "paying_buyers": 1},
            ]
        }
    )
    frame = channel_funnels(con, WEEK, Scope())
    assert list(frame.columns[:5]) == ["channel", "stage", "count", "present", "step_rate"]
    kw = frame[(frame["channel"] == "关键词推广") & (frame["stage"] == "payments")].iloc[0]
    assert kw["count"] == 10 and kw["overall_rate"] == pytest.approx(0.05)
    assert funnel(con, WEEK, Scope(), channel="直通车").stage("visits").count == 200


def test_stage_trend_marks_the_newest_three_days_of_traffic_immature() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": f"2024-01-0{d}", "channel": "a", "visitors": 10 * d, "paying_buyers": d}
                for d in range(1, 8)
            ]
        }
    )
    trend = stage_trend(con, WEEK, Scope(), grain="day")
    visits = trend[trend["stage"] == "visits"]
    assert list(visits["count"]) == [10, 20, 30, 40, 50, 60, 70]
    assert list(visits["immature"]) == [False] * 4 + [True] * 3
    assert immature_days(con, WEEK, Scope()) == (
        date(2024, 1, 5),
        date(2024, 1, 6),
        date(2024, 1, 7),
    )
    weekly = stage_trend(con, WEEK, Scope(), grain="week")
    assert list(weekly["bucket"].unique()) == [date(2024, 1, 1)]
    assert weekly["immature"].all()


def test_event_log_immaturity_is_the_conversion_window() -> None:
    con = make_connection(
        {
            "events": [
                {"user_id": "u", "ts": "2024-01-20 10:00", "event": "visit"},
            ]
        }
    )
    days = immature_days(con, Period(date(2024, 1, 1), date(2024, 1, 20)), Scope(), window_days=7)
    assert days == tuple(date(2024, 1, 14) + timedelta(days=i) for i in range(7))


def test_coverage_and_default_period() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-01", "channel": "a", "visitors": 1},
                {"date": "2024-01-10", "channel": "a", "visitors": 1},  # a Wednesday
            ]
        }
    )
    cov = coverage(con, Scope())
    assert (cov.first_date, cov.last_date, cov.rows_by_kind) == (
        date(2024, 1, 1),
        date(2024, 1, 10),
        {"traffic": 2},
    )
    assert default_period(con, Scope()) == Period(date(2024, 1, 1), date(2024, 1, 7))
    young = make_connection({"traffic": [{"date": "2024-01-10", "channel": "a", "visitors": 1}]})
    assert default_period(young, Scope()) == Period(date(2024, 1, 10), date(2024, 1, 10))


# ── Real data: Olist marketing funnel (leads → closed deals per origin) ─────────────────────


def olist_frames(realdata: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = realdata / "olist_marketing_funnel"
    leads = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv", dtype=str)
    deals = pd.read_csv(folder / "olist_closed_deals_dataset.csv", dtype=str)
    leads["ts"] = pd.to_datetime(leads["first_contact_date"])
    deals = deals.merge(leads[["mql_id", "origin", "ts"]], on="mql_id", suffixes=("", "_lead"))
    deals["won"] = pd.to_datetime(deals["won_date"])
    return leads, deals


def pandas_funnel(
    leads: pd.DataFrame, deals: pd.DataFrame, period: Period, window_days: int
) -> pd.DataFrame:
    """Leads and deals per origin by DESIGN's rule, written independently in pandas.

    A lead enters at its first event in the period (its first contact, or its won date if that
    came first and falls in the period); a deal counts when won at/after entering and within
    window_days of it.
    """
    start = pd.Timestamp(period.start)
    stop = pd.Timestamp(period.end) + pd.Timedelta(days=1)
    lead = leads[(leads["ts"] >= start) & (leads["ts"] < stop)].set_index("mql_id")
    won = deals.set_index("mql_id")["won"]
    won_in_period = won[(won >= start) & (won < stop)]
    entry = lead["ts"].copy()
    early = won_in_period.reindex(entry.index)
    entry = entry.where(~(early < entry), early)
    w = won.reindex(entry.index)
    paid = (w >= entry) & (w <= entry + pd.Timedelta(days=window_days))
    out = pd.DataFrame({"origin": lead["origin"], "paid": paid})
    return out.groupby("origin", dropna=False).agg(
        visits=("paid", "size"), payments=("paid", "sum")
    )


@pytest.mark.parametrize("window_days", [365, 7])
def test_event_funnel_matches_pandas_on_olist_marketing_funnel(
    realdata: Path, window_days: int
) -> None:
    leads, deals = olist_frames(realdata)
    events = [
        {"user_id": r.mql_id, "ts": r.ts, "event": "visit", "channel": r.origin}
        for r in leads.itertuples()
    ] + [
        {"user_id": r.mql_id, "ts": r.won, "event": "payment", "channel": r.origin}
        for r in deals.itertuples()
    ]
    events = [{k: (None if pd.isna(v) else v) for k, v in e.items()} for e in events]
    con = make_connection({"events": events})
    period = Period(leads["ts"].min().date(), leads["ts"].max().date())
    frame = channel_funnels(con, period, Scope(), window_days=window_days)
    ours = frame.pivot_table(
        index="channel", columns="stage", values="count", dropna=False, aggfunc="first"
    )
    expected = pandas_funnel(leads, deals, period, window_days)
    for origin, row in expected.iterrows():
        key = None if pd.isna(origin) else origin
        got = frame[frame["channel"].isna()] if key is None else frame[frame["channel"] == key]
        counts = dict(zip(got["stage"], got["count"], strict=True))
        assert (counts["visits"], counts["payments"]) == (row["visits"], row["payments"]), origin
        assert pd.isna(counts["orders"])  # no order events: the stage is absent, not 0
    assert int(expected["visits"].sum()) == 8000
    if window_days == 365:
        assert int(expected["payments"].sum()) > 800  # nearly all 842 deals close within a year
    assert len(ours) >= 1
