"""funnel_traffic / funnel_orders / funnel_events / funnel_sources: given rows → expected rows.

Every expected number here can be checked by hand from the rows above it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from metric_tables import make_connection

from analytics import queries

WEEK = {"start": date(2024, 1, 1), "end": date(2024, 1, 7), "shop": None, "platform": None}


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Frame rows as plain tuples, NA → None, dates as date."""
    out = []
    for record in frame[columns].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else v for v in record))
    return out


# ── funnel_traffic ──────────────────────────────────────────────────────────────────────────

TRAFFIC = [
    # 搜索: two days; inquiries missing (NULL) → the stage is absent, not 0.
    {
        "date": "2024-01-01",
        "channel": "搜索",
        "visitors": 100,
        "product_visitors": 60,
        "order_buyers": 10,
        "paying_buyers": 8,
        "page_views": 300,
        "pay_amount": 800,
    },
    {
        "date": "2024-01-02",
        "channel": "搜索",
        "visitors": 50,
        "product_visitors": 30,
        "orders": 6,
        "paying_buyers": 5,
        "pay_amount": 500,
    },  # no order_buyers → orders counts
    # 直通车 was renamed 关键词推广: both spellings land in one channel.
    {"date": "2024-01-01", "channel": "直通车", "visitors": 40, "paying_buyers": 0, "ad_cost": 20},
    {
        "date": "2024-01-03",
        "channel": "关键词推广",
        "visitors": 60,
        "paying_buyers": 3,
        "ad_cost": 30,
        "pay_amount": 270,
    },
    {"date": "2024-01-08", "channel": "搜索", "visitors": 999},  # outside the period
]


def test_funnel_traffic_sums_stages_per_channel_and_keeps_missing_stages_null() -> None:
    con = make_connection({"traffic": TRAFFIC})
    got = queries.run(con, "funnel_traffic", **WEEK, grain="period")
    assert rows(
        got,
        [
            "bucket",
            "channel",
            "days",
            "visits",
            "product_views",
            "inquiries",
            "orders",
            "payments",
            "page_views",
            "gmv",
            "ad_cost",
        ],
    ) == [
        (pd.Timestamp("2024-01-01"), "关键词推广", 2, 100, None, None, None, 3, None, 270.0, 50.0),
        (pd.Timestamp("2024-01-01"), "搜索", 2, 150, 90, None, 16, 13, 300, 1300.0, None),
    ]


def test_funnel_traffic_by_day_and_by_week() -> None:
    con = make_connection({"traffic": TRAFFIC})
    by_day = queries.run(con, "funnel_traffic", **WEEK, grain="day")
    assert rows(by_day, ["channel", "visits"]) == [
        ("关键词推广", 40),
        ("搜索", 100),
        ("搜索", 50),
        ("关键词推广", 60),
    ]
    # 2024-01-01 is a Monday: the whole period is one ISO week.
    by_week = queries.run(con, "funnel_traffic", **WEEK, grain="week")
    assert set(by_week["bucket"]) == {pd.Timestamp("2024-01-01")}


def test_funnel_traffic_weeks_are_cut_at_the_period_start() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-03", "channel": "a", "visitors": 1},  # Wednesday
                {"date": "2024-01-08", "channel": "a", "visitors": 2},  # next Monday
            ]
        }
    )
    got = queries.run(
        con,
        "funnel_traffic",
        start=date(2024, 1, 3),
        end=date(2024, 1, 9),
        shop=None,
        platform=None,
        grain="week",
    )
    assert rows(got, ["bucket", "visits"]) == [
        (pd.Timestamp("2024-01-03"), 1),
        (pd.Timestamp("2024-01-08"), 2),
    ]


def test_funnel_traffic_scope_filters_shop_and_platform() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "shop": "A",
                    "platform": "taobao",
                    "date": "2024-01-01",
                    "channel": "c",
                    "visitors": 1,
                },
                {
                    "shop": "B",
                    "platform": "shopify",
                    "date": "2024-01-01",
                    "channel": "c",
                    "visitors": 10,
                    "visitor_unit": "sessions",
                },
            ]
        }
    )
    got = queries.run(con, "funnel_traffic", **{**WEEK, "shop": "B"}, grain="period")
    assert rows(got, ["visits"]) == [(10,)]
    assert list(got["visitor_units"][0]) == ["sessions"]
    got = queries.run(con, "funnel_traffic", **{**WEEK, "platform": "taobao"}, grain="period")
    assert rows(got, ["visits"]) == [(1,)]


# ── funnel_orders ───────────────────────────────────────────────────────────────────────────


def test_funnel_orders_counts_created_and_paid_orders() -> None:
    con = make_connection(
        {
            "orders": [
                {
                    "order_id": "1",
                    "created_at": "2024-01-01 10:00",
                    "is_paid": True,
                    "pay_amount": 10,
                    "channel": "直通车",
                },
                {
                    "order_id": "2",
                    "created_at": "2024-01-02 10:00",
                    "is_paid": False,
                    "channel": "关键词推广",
                },
                {
                    "order_id": "3",
                    "created_at": "2024-01-07 23:59",
                    "is_paid": True,
                    "pay_amount": 5,
                },
                {
                    "order_id": "4",
                    "created_at": "2024-01-08 00:00",
                    "is_paid": True,
                    "pay_amount": 99,
                },
            ]
        }
    )
    got = queries.run(con, "funnel_orders", **WEEK, grain="period")
    assert rows(got, ["channel", "orders", "payments", "gmv"]) == [
        ("关键词推广", 2, 1, 10.0),
        (None, 1, 1, 5.0),
    ]


# ── funnel_events ───────────────────────────────────────────────────────────────────────────

EVENTS = [
    # u1 walks the whole funnel in order within a day.
    {"user_id": "u1", "ts": "2024-01-01 10:00", "event": "visit", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-01 10:05", "event": "pv", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-01 10:06", "event": "cart", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-02 09:00", "event": "order", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-02 09:01", "event": "buy", "channel": "a"},
    # u2 pays BEFORE ordering: the payment does not count (ordered funnel).
    {"user_id": "u2", "ts": "2024-01-03 10:00", "event": "product_view", "channel": "b"},
    {"user_id": "u2", "ts": "2024-01-03 11:00", "event": "payment", "channel": "b"},
    {"user_id": "u2", "ts": "2024-01-03 12:00", "event": "order", "channel": "b"},
    # u3 orders 8 days after entering: outside the 7-day window (but inside the scan range).
    {"user_id": "u3", "ts": "2024-01-05 10:00", "event": "product_view", "channel": "a"},
    {"user_id": "u3", "ts": "2024-01-13 10:00", "event": "order", "channel": "a"},
    # u4 enters on the last day and pays after the period, inside the window: counts.
    {"user_id": "u4", "ts": "2024-01-07 22:00", "event": "product_view", "channel": "b"},
    {"user_id": "u4", "ts": "2024-01-09 08:00", "event": "order", "channel": "b"},
    {"user_id": "u4", "ts": "2024-01-09 08:30", "event": "payment", "channel": "b"},
    # u5 only appears after the period: never enters.
    {"user_id": "u5", "ts": "2024-01-08 10:00", "event": "visit", "channel": "a"},
]


def test_funnel_events_is_ordered_per_user_within_the_window() -> None:
    con = make_connection({"events": EVENTS})
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=7)
    # No inquiry events at all → inquiries is absent (NULL) and the chain bridges it.
    assert rows(
        got,
        ["channel", "visits", "product_views", "inquiries", "orders", "payments", "cart", "fav"],
    ) == [
        ("a", 2, 2, None, 1, 1, 1, 0),
        ("b", 2, 2, None, 2, 1, 0, 0),
    ]


def test_funnel_events_window_is_adjustable() -> None:
    con = make_connection({"events": EVENTS})
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=10)
    assert rows(got, ["channel", "orders"]) == [("a", 2), ("b", 2)]  # u3's order now counts
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=0)
    # window 0 days: a stage counts only at the entry moment itself (u3's and u2's entry
    # events are product views; u1's product view comes 5 minutes after the entry)
    assert rows(got, ["channel", "product_views", "orders"]) == [("a", 1, 0), ("b", 2, 0)]


def test_funnel_events_user_enters_in_the_channel_of_the_first_event() -> None:
    con = make_connection(
        {
            "events": [
                {"user_id": "u", "ts": "2024-01-01 10:00", "event": "visit", "channel": "万相台"},
                {"user_id": "u", "ts": "2024-01-01 11:00", "event": "payment", "channel": "x"},
            ]
        }
    )
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=7)
    assert rows(got, ["channel", "visits", "product_views", "orders", "payments"]) == [
        ("全站推广", 1, None, None, 1)
    ]


def test_funnel_events_by_day_enters_users_per_day() -> None:
    con = make_connection({"events": EVENTS[:5]})
    got = queries.run(con, "funnel_events", **WEEK, grain="day", window_days=7)
    assert rows(got, ["bucket", "visits", "product_views", "payments"]) == [
        (pd.Timestamp("2024-01-01"), 1, 1, 1),
        (pd.Timestamp("2024-01-02"), 1, 0, 0),  # re-enters at an order: no product view after
    ]


def test_funnel_sources_counts_rows_per_source_in_the_period() -> None:
    con = make_connection({"traffic": TRAFFIC, "events": EVENTS})
    assert queries.run_rows(con, "funnel_sources", **WEEK) == [
        (4, 10, 0)
    ]  # 4 events fall after Jan 7
